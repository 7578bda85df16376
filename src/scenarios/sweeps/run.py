"""Running a sweep: every variant, serially or on Dask, into one tidy table.

:func:`run_sweep` holds the output folder's lock, skips the variants whose part exists,
reads each priors file once, sends batches to the workers (:mod:`~scenarios.sweeps.cluster`),
writes each variant's part as it finishes (:mod:`~scenarios.sweeps.store`) and combines
the parts of the plan into ``results.parquet``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import ScenarioError
from scenarios.io.files import decode, write_atomic
from scenarios.sweeps.cluster import (
    auto_batch_size,
    batches,
    dask_client,
    run_on_dask,
    texts_for,
)
from scenarios.sweeps.errors import GridError, SweepError
from scenarios.sweeps.plan import Plan, Variant, read_priors
from scenarios.sweeps.progress import Progress
from scenarios.sweeps.store import (
    error_row,
    is_done,
    locked,
    read_table,
    remove_stale,
    to_frame,
    to_table,
    write_plan,
    write_results,
    write_table,
)
from scenarios.sweeps.worker import message, run_batch, run_one

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["run_sweep", "run_variant"]


def _read(variant: Variant) -> str:
    """The variant's file as text, checked against its planned sha256 (or ScenarioError)."""
    return decode(read_priors(variant), variant.priors)


def run_variant(variant: Variant) -> pd.DataFrame:
    """Run one variant here, in this process; its rows of the results table.

    Parameters
    ----------
    variant : Variant

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, state), or one error row; columns
        :data:`~scenarios.sweeps.store.COLUMNS`.

    Examples
    --------
    >>> from scenarios.sweeps.plan import plan
    >>> rows = run_variant(plan(grid={"army_strikes.p": [0.6]}, draws=200)[0])
    >>> rows["status"].unique().tolist(), rows["outcome"].iloc[0]
    (['ok'], 'mutiny_end')
    """
    try:
        text = _read(variant)
    except ScenarioError as exc:
        rows = [error_row(variant, message(exc))]
    else:
        rows = run_one(variant.to_dict(), text, report=False)["rows"]
    return to_frame(to_table(rows))


def _check_options(scheduler: Any, workers: int | None, batch_size: int | None) -> None:
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise GridError([f"batch_size: expected a positive integer, got {batch_size!r}"])
    if workers is not None and scheduler not in (None, "local"):
        raise GridError(
            [
                f"workers applies to the local cluster only, not to scheduler={scheduler!r} "
                "(an existing cluster has its own workers)"
            ]
        )
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise GridError([f"workers: expected a positive integer, got {workers!r}"])


def _timed_out(timeout: float | None, parts: Path) -> SweepError:
    return SweepError(
        [
            f"the sweep did not finish within {timeout:g} s; finished variants are kept in "
            f"{parts}, and running it again resumes"
        ]
    )


def run_sweep(
    variants: Iterable[Variant],
    out: str | os.PathLike[str] = "sweep-results",
    *,
    scheduler: Any = None,
    workers: int | None = None,
    report: bool = False,
    progress: bool = True,
    batch_size: int | None = None,
    retry_failed: bool = False,
    timeout: float | None = None,
) -> pd.DataFrame:
    """Run every variant, in parallel, and collect one tidy results table.

    Parameters
    ----------
    variants : iterable of Variant
        Usually :func:`~scenarios.sweeps.plan`'s.
    out : path-like
        Folder of the sweep: ``parts/<variant_id>.parquet`` for each finished variant,
        ``results.parquet`` at the end, ``sweep.json`` (the plan), ``reports/`` with
        ``report=True``. Created if missing. Variants whose part exists are not run again.
    scheduler : None, str or distributed.Client
        ``None``: a new local cluster (``workers`` processes of one thread, on
        127.0.0.1, closed at the end); ``"tcp://host:port"``: an existing Dask scheduler;
        a path ending in ``.json``: a scheduler file; a ``distributed.Client``: use it
        (left open); ``"serial"``: here, in this process, without Dask.
    workers : int, optional
        Worker processes of the local cluster; default: the CPUs available.
    report : bool
        Also build each variant's HTML report (a Jupyter kernel per variant: seconds
        each) into ``out/reports/<variant_id>.html``.
    progress : bool
        A progress bar on stderr (a line every 10% when stderr is not a terminal).
    batch_size : int, optional
        Variants per Dask task; default
        :func:`~scenarios.sweeps.cluster.auto_batch_size` (up to 10, fewer so that every
        worker gets ten tasks or more; 1 with ``report``).
    retry_failed : bool
        Run variants that failed before again (their parts are replaced).
    timeout : float, optional
        Seconds the whole sweep may take; then :class:`SweepError` (finished variants are
        kept, and a new run resumes).

    Returns
    -------
    pandas.DataFrame
        One row per (variant, outcome, state), or one row per failed variant, in the order
        of ``variants``; columns :data:`~scenarios.sweeps.store.COLUMNS`. ``attrs`` holds
        ``path`` (the results file), ``variants``, ``ok``, ``failed``, ``computed`` (run
        now), ``skipped`` (done before), ``seconds`` and ``workers``.

    Raises
    ------
    GridError
        A bad ``workers`` or ``batch_size``, or ``workers`` with an existing cluster.
    SweepError
        The cluster cannot be reached or started, another sweep holds the folder, or the
        timeout passed.

    Examples
    --------
    >>> import tempfile
    >>> from scenarios.sweeps.plan import plan
    >>> variants = plan(grid={"army_strikes.p": [0.2, 1.5]}, draws=200)
    >>> table = run_sweep(variants, tempfile.mkdtemp(), scheduler="serial", progress=False)
    >>> table.attrs["ok"], table.attrs["failed"], table["status"].tolist()[-1]
    (1, 1, 'error')
    """
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    if not isinstance(variants, Plan):  # a plan's variants are distinct and made on demand
        variants = list(variants)
        bad = [v for v in variants if not isinstance(v, Variant)]
        if bad:
            raise TypeError(f"run_sweep takes Variant objects (see plan()), got {bad[0]!r:.80}")
        variants = list(dict.fromkeys(variants))
    _check_options(scheduler, workers, batch_size)
    out = Path(out)
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    reports = out / "reports" if report else None
    if reports is not None:
        reports.mkdir(exist_ok=True)
    with locked(out):
        remove_stale(out)  # temporaries of a killed run; we hold the lock
        write_atomic(out / "sweep.json", lambda fh: write_plan(fh, variants))
        errors: dict[int, pa.Table] = {}  # small: variants that did not run now
        texts: dict[str, str | None] = {}  # by sha256: what the workers get
        unreadable: dict[tuple[str, str], str] = {}  # by (file, sha256): why
        runnable: list[int] = []  # indices into variants
        skipped = 0
        for i, v in enumerate(variants):
            if is_done(v, parts, reports, retry_failed):
                skipped += 1
                continue
            if v.priors_sha256 not in texts and (v.priors, v.priors_sha256) not in unreadable:
                try:
                    texts[v.priors_sha256] = _read(v)
                except ScenarioError as exc:
                    unreadable[v.priors, v.priors_sha256] = message(exc)
            if v.priors_sha256 in texts:
                runnable.append(i)
            else:  # unreadable or changed since planning: an error row, no part (retried later)
                errors[i] = to_table([error_row(v, unreadable[v.priors, v.priors_sha256])])
        computed = len(variants) - skipped
        bar = Progress(len(variants), skipped, progress)
        bar.advance(len(errors), len(errors))
        index = {}  # variant_id -> index, for the batches in flight only

        def finish(
            batch: Sequence[Variant],
            results: Sequence[Mapping[str, Any]] | None,
            failure: BaseException | None,
        ) -> None:
            nfail = 0
            by_id = {r["variant_id"]: r for r in results or []}
            for v in batch:
                result = by_id.get(v.variant_id)
                i = index.pop(v.variant_id)
                if result is None:  # the task itself failed: not saved, so retried next run
                    why = message(failure) if failure else "no result came back"
                    errors[i] = to_table([error_row(v, f"the task failed on the cluster: {why}")])
                    nfail += 1
                    continue
                rows = result["rows"]
                if reports is not None and result.get("html") is not None:
                    where = reports / f"{v.variant_id}.html"
                    write_atomic(where.with_suffix(".ipynb"), result["ipynb"])
                    write_atomic(where, result["html"])
                    for r in rows:
                        r["report"] = str(where)
                write_table(to_table(rows), parts / f"{v.variant_id}.parquet")
                nfail += rows[0]["status"] != "ok"
            bar.advance(len(batch), nfail)

        def todo() -> Iterator[Variant]:
            for i in runnable:
                v = variants[i]
                index[v.variant_id] = i
                yield v

        n_workers = 1
        try:
            if scheduler == "serial":
                for v in todo():
                    if deadline is not None and time.monotonic() > deadline:
                        raise _timed_out(timeout, parts)
                    finish([v], run_batch(texts_for([v], texts), [v.to_dict()], report), None)
            elif runnable:
                with dask_client(scheduler, workers) as (client, n_workers):
                    size = batch_size or auto_batch_size(len(runnable), n_workers, report)
                    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                    try:
                        run_on_dask(client, batches(todo(), size), texts, report, finish, remaining)
                    except TimeoutError:
                        if deadline is not None and time.monotonic() >= deadline:
                            raise _timed_out(timeout, parts) from None
                        raise
        finally:
            bar.close()
        results = out / "results.parquet"
        counts = write_results(variants, parts, errors, results)
    combined = read_table(results)
    frame = to_frame(combined)
    frame.attrs.update(
        path=str(results),
        variants=len(variants),
        ok=counts["ok"],
        failed=counts["failed"],
        computed=computed,
        skipped=skipped,
        seconds=time.monotonic() - started,
        workers=n_workers,
    )
    return frame

"""Where a sweep keeps its results: part files, the results table, the folder lock.

The output folder of a sweep::

    results.parquet            the table (written at the end)
    parts/<variant_id>.parquet one per finished variant (written as each finishes)
    sweep.json                 the plan
    reports/<variant_id>.html  with report=True
    .lock                      held while a sweep writes here

Every file is written through :func:`scenarios.io.files.write_atomic` (a temporary file
``.<name>.<random>.tmp`` in the same folder, fsynced, then renamed, with the permissions
``open()`` gives), so a part is whole or absent and a killed sweep loses only the
variants in flight; the temporaries a killed sweep leaves are removed by the next run
(:func:`remove_stale`). The plan and the results are streamed to disk, one variant at a
time, so that their size in memory does not grow with the sweep.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scenarios.io.files import write_atomic
from scenarios.posterior import versions
from scenarios.sweeps.errors import SweepError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from scenarios.sweeps.plan import Variant

__all__ = [
    "COLUMNS",
    "INTERVAL",
    "error_row",
    "is_done",
    "library_version",
    "locked",
    "read_part",
    "read_results",
    "read_table",
    "remove_stale",
    "to_frame",
    "to_table",
    "variant_columns",
    "write_plan",
    "write_results",
    "write_table",
]

#: Rows gathered before the results file gets another row group.
ROW_GROUP = 65_536

#: Columns of the results table, in order (see ``docs/sweeps.md`` for each).
COLUMNS = (
    "variant_id",
    "priors",
    "priors_sha256",
    "overrides",
    "engine",
    "seed",
    "draws",
    "outcome",
    "state",
    "probability",
    "lower",
    "upper",
    "status",
    "error",
    "warnings",
    "elapsed",
    "scenario_sha256",
    "scenarios_version",
    "report",
)
#: What ``lower`` and ``upper`` are.
INTERVAL = "90% equal-tailed credible interval of P(state | claims, theta)"


@cache
def library_version() -> str:
    """The version of this library, as written in every row (``scenarios_version``).

    Returns
    -------
    str
        ``"0+unknown"`` when running from a source tree that is not installed.

    Examples
    --------
    >>> import scenarios
    >>> library_version() == scenarios.__version__
    True
    """
    return versions()["scenarios"]


def variant_columns(variant: Variant) -> dict[str, Any]:
    """The columns of a row that describe its variant's inputs.

    Parameters
    ----------
    variant : Variant

    Returns
    -------
    dict
        ``variant_id``, ``priors``, ``priors_sha256``, ``overrides`` (canonical JSON),
        ``engine``, ``seed``, ``draws`` and ``scenarios_version``.

    Examples
    --------
    >>> from scenarios.sweeps.plan import Variant
    >>> variant_columns(Variant("/data/w.yaml", "0" * 64, {"x.p": 0.5}))["overrides"]
    '{"x.p":0.5}'
    """
    return {
        "variant_id": variant.variant_id,
        "priors": variant.priors,
        "priors_sha256": variant.priors_sha256,
        "overrides": variant.overrides_json,
        "engine": variant.engine,
        "seed": variant.seed,
        "draws": variant.draws,
        "scenarios_version": library_version(),
    }


def error_row(variant: Variant, message: str) -> dict[str, Any]:
    """The one row of a variant that did not run, with ``status == "error"``.

    Parameters
    ----------
    variant : Variant
    message : str
        Why it did not run.

    Returns
    -------
    dict
        A row for :func:`to_table`.

    Examples
    --------
    >>> from scenarios.sweeps.plan import Variant
    >>> row = error_row(Variant("/data/w.yaml", "0" * 64), "no result came back")
    >>> row["status"], row["error"]
    ('error', 'no result came back')
    """
    return {**variant_columns(variant), "status": "error", "error": message, "elapsed": 0.0}


def _schema() -> pa.Schema:
    import pyarrow as pa

    types = {
        "seed": pa.int64(),
        "draws": pa.int64(),
        "probability": pa.float64(),
        "lower": pa.float64(),
        "upper": pa.float64(),
        "elapsed": pa.float64(),
    }
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


def to_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows as an arrow table with the columns :data:`COLUMNS` (missing ones null).

    Parameters
    ----------
    rows : sequence of mapping

    Returns
    -------
    pyarrow.Table

    Examples
    --------
    >>> to_table([{"variant_id": "v", "probability": 0.25}]).column("probability")[0].as_py()
    0.25
    """
    import pyarrow as pa

    return pa.Table.from_pylist([{c: r.get(c) for c in COLUMNS} for r in rows], schema=_schema())


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An arrow results table as pandas, integers nullable, ``attrs["interval"]`` set.

    Parameters
    ----------
    table : pyarrow.Table

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> frame = to_frame(to_table([{"variant_id": "v", "seed": 1}, {"variant_id": "w"}]))
    >>> frame["seed"].tolist(), frame.attrs["interval"][:14]
    ([1, <NA>], '90% equal-tail')
    """
    import pandas as pd
    import pyarrow as pa

    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    frame.attrs["interval"] = INTERVAL
    return frame


def read_results(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A sweep's results table, from its folder or its ``results.parquet``.

    Parameters
    ----------
    path : str or path-like
        The sweep's output folder, or its ``results.parquet``.

    Returns
    -------
    pandas.DataFrame
        As :func:`~scenarios.sweeps.run_sweep` returned it (without its run ``attrs``).

    Examples
    --------
    >>> import tempfile
    >>> from scenarios.sweeps import plan, run_sweep
    >>> out = tempfile.mkdtemp()
    >>> table = run_sweep(plan(draws=200), out, scheduler="serial", progress=False)
    >>> read_results(out)["probability"].equals(table["probability"])
    True
    """
    path = Path(path)
    if path.is_dir():
        path = path / "results.parquet"
    return to_frame(read_table(path))


def read_table(path: str | os.PathLike[str]) -> pa.Table:
    """A parquet file's table, refusing what is not a regular file before reading it.

    A FIFO, a device (a link to ``/dev/zero``) or a folder in place of a results file
    is refused at once with a located error, instead of hanging or reading forever.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    pyarrow.Table

    Raises
    ------
    ScenarioError
        Naming the file: it cannot be opened, is not a regular file, or is not parquet.

    Examples
    --------
    >>> read_table("/dev/zero")
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: /dev/zero: 1 problem
      - expected a regular parquet file, not a special file (a device, FIFO or folder)
    """
    import pyarrow.parquet as pq

    from scenarios.errors import ScenarioError

    name = str(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ScenarioError.single((), f"cannot read the file: {exc.strerror}", name) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # on the descriptor: no race
            raise ScenarioError.single(
                (),
                "expected a regular parquet file, not a special file (a device, FIFO or folder)",
                name,
            )
        try:
            return pq.read_table(fh)
        except Exception as exc:  # pyarrow's errors: not parquet, truncated
            raise ScenarioError.single((), f"not a readable parquet file: {exc}", name) from None


def read_part(path: Path) -> pa.Table | None:
    """A part file's table, or ``None`` if it is unreadable or has other columns.

    Parameters
    ----------
    path : pathlib.Path

    Returns
    -------
    pyarrow.Table or None

    Examples
    --------
    >>> import pathlib, tempfile
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "x.parquet"
    >>> _ = bad.write_bytes(b"not parquet")
    >>> read_part(bad) is None
    True
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        return table.select(list(COLUMNS)).cast(_schema())
    except Exception:  # unreadable, or written by another version with other columns
        return None


def write_table(table: pa.Table, path: Path, metadata: Mapping[str, str] | None = None) -> None:
    """Write a table as parquet, atomically (see :func:`scenarios.io.files.write_atomic`).

    Parameters
    ----------
    table : pyarrow.Table
    path : pathlib.Path
    metadata : mapping of str to str, optional
        Added to the file's schema metadata.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_table(to_table([{"variant_id": "v"}]), path, {"note": "hi"})
    >>> read_part(path).num_rows
    1
    """
    import pyarrow.parquet as pq

    if metadata:
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                **{k.encode(): v.encode() for k, v in metadata.items()},
            }
        )
    write_atomic(path, lambda fh: pq.write_table(table, fh))


def write_plan(fh: BinaryIO, variants: Iterable[Variant]) -> None:
    """Write ``sweep.json``, the plan: compactly for a Plan, else one variant per line.

    The file is one JSON object: ``created``, ``scenarios_version``, and either ``plan``
    (a :class:`~scenarios.sweeps.plan.Plan`'s :meth:`~scenarios.sweeps.plan.Plan.to_dict`:
    files, grid and seeds, the size of the grid however many variants it makes) or
    ``variants`` (each with its ``variant_id``, streamed one per line as it is made, so a
    long list is never held as text in memory). Use it with
    :func:`scenarios.io.files.write_atomic`.

    Parameters
    ----------
    fh : binary file
    variants : iterable of Variant

    Examples
    --------
    >>> import io
    >>> from scenarios.sweeps.plan import Variant
    >>> buffer = io.BytesIO()
    >>> write_plan(buffer, [Variant("/w.yaml", "0" * 64, {"x.p": 0.5})])
    >>> json.loads(buffer.getvalue())["variants"][0]["overrides"]
    {'x.p': 0.5}
    >>> from scenarios.sweeps.plan import plan
    >>> buffer = io.BytesIO()
    >>> grid = {"army_strikes.p": "0:1:1000", "troops.between.0": "1:30:1000"}
    >>> write_plan(buffer, plan(grid=grid, max_variants=None))
    >>> json.loads(buffer.getvalue())["plan"]["variants"], len(buffer.getvalue()) < 100_000
    (1000000, True)
    """
    head = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenarios_version": library_version(),
    }
    from scenarios.sweeps.plan import Plan

    if isinstance(variants, Plan):
        fh.write(json.dumps({**head, "plan": variants.to_dict()}, indent=1).encode())
        return
    fh.write(json.dumps(head)[:-1].encode() + b', "variants": [')
    for i, v in enumerate(variants):
        line = json.dumps({"variant_id": v.variant_id, **v.to_dict()})
        fh.write((",\n" if i else "\n").encode() + line.encode())
    fh.write(b"\n]}\n")


def write_results(
    variants: Sequence[Variant], parts: Path, errors: Mapping[int, pa.Table], path: Path
) -> dict[str, int]:
    """Write ``results.parquet`` from the parts, variant by variant, in the plan's order.

    Parts are read one at a time and written in row groups of :data:`ROW_GROUP` rows, so
    memory does not grow with the sweep. A part that cannot be read is removed and gets
    an error row (the next run computes it again).

    Parameters
    ----------
    variants : sequence of Variant
        Usually a :class:`~scenarios.sweeps.plan.Plan`, whose variants are made on demand.
    parts : pathlib.Path
        The ``parts`` folder.
    errors : mapping of int to pyarrow.Table
        By position in ``variants``: the rows of variants that did not run now (their
        file was unreadable, their task failed), used instead of a part.
    path : pathlib.Path
        The results file.

    Returns
    -------
    dict
        ``ok`` and ``failed``: variants of each status.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from scenarios.sweeps.plan import Variant
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> v = Variant("/w.yaml", "0" * 64)
    >>> write_results([v], folder, {}, folder / "results.parquet")
    {'ok': 0, 'failed': 1}
    >>> read_results(folder / "results.parquet")["error"][0][:30]
    'its part file was unreadable a'
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts = {"ok": 0, "failed": 0}
    meta = json.dumps(
        {
            "interval": INTERVAL,
            "variants": len(variants),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": versions(),
        }
    )

    def write(fh: BinaryIO) -> None:
        schema = _schema().with_metadata({b"scenarios.sweep": meta.encode()})
        gathered: list[pa.Table] = []
        rows = 0
        with pq.ParquetWriter(fh, schema) as writer:
            for i, v in enumerate(variants):
                table = errors.get(i)
                if table is None:
                    part = parts / f"{v.variant_id}.parquet"
                    table = read_part(part)
                    if table is None:
                        part.unlink(missing_ok=True)
                        table = to_table(
                            [
                                error_row(
                                    v,
                                    "its part file was unreadable and has been removed; run "
                                    "the sweep again to compute it",
                                )
                            ]
                        )
                ok = table.num_rows and table.column("status")[0].as_py() == "ok"
                counts["ok" if ok else "failed"] += 1
                gathered.append(table.replace_schema_metadata(None))
                rows += table.num_rows
                if rows >= ROW_GROUP:
                    writer.write_table(pa.concat_tables(gathered).cast(schema))
                    gathered, rows = [], 0
            if gathered:
                writer.write_table(pa.concat_tables(gathered).cast(schema))

    write_atomic(path, write)
    return counts


def remove_stale(out: Path) -> list[Path]:
    """Remove the temporaries a killed sweep left in its folder; call it holding the lock.

    Only names :func:`scenarios.io.files.write_atomic` gives its temporaries
    (``.<name>.<random>.tmp``) of the files a sweep writes: ``sweep.json``,
    ``results.parquet``, and anything in ``parts/`` and ``reports/``.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's output folder.

    Returns
    -------
    list of pathlib.Path
        The files removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / ".sweep.json.k2j4x.tmp").write_text("half a plan")
    >>> [p.name for p in remove_stale(out)]
    ['.sweep.json.k2j4x.tmp']
    """
    found = [
        *out.glob(".sweep.json.*.tmp"),
        *out.glob(".results.parquet.*.tmp"),
        *(out / "parts").glob(".*.tmp"),
        *(out / "reports").glob(".*.tmp"),
    ]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def is_done(variant: Variant, parts: Path, reports: Path | None, retry_failed: bool) -> bool:
    """Whether a variant has finished in an earlier run, so that a rerun skips it.

    Parameters
    ----------
    variant : Variant
    parts : pathlib.Path
        The ``parts`` folder.
    reports : pathlib.Path or None
        The ``reports`` folder when reports are wanted: a variant without its report
        is not done.
    retry_failed : bool
        A variant whose part records a failure is not done.

    Returns
    -------
    bool

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from scenarios.sweeps.plan import Variant
    >>> is_done(Variant("/w.yaml", "0" * 64), pathlib.Path(tempfile.mkdtemp()), None, False)
    False
    """
    part = parts / f"{variant.variant_id}.parquet"
    if not part.exists():
        return False
    if reports is not None and not (reports / f"{variant.variant_id}.html").exists():
        return False
    if retry_failed:
        table = read_part(part)
        if table is None or "error" in table.column("status").to_pylist():
            return False
    return True


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` so that two sweeps never write into one folder at once.

    Parameters
    ----------
    out : pathlib.Path
        The sweep's output folder (it must exist).

    Yields
    ------
    None
        The lock is held inside the ``with`` block and let go when it ends.

    Raises
    ------
    SweepError
        Another process holds the lock.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with locked(out):
    ...     with locked(out):  # doctest: +ELLIPSIS
    ...         pass
    Traceback (most recent call last):
    ...
    scenarios.sweeps.errors.SweepError: sweep: 1 problem
      - another sweep is writing to ...
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(out / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError(
                [
                    f"another sweep is writing to {out} (it holds {out / '.lock'}); wait for "
                    "it to finish or choose another output folder"
                ]
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)

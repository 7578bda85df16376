"""Where a sweep keeps its results: part files, the results table, the folder lock.

The output folder of a sweep::

    results.parquet            the table (written at the end)
    parts/<variant_id>.parquet one per finished variant (written as each finishes)
    sweep.json                 the plan
    reports/<variant_id>.html  with report=True
    .lock                      held while a sweep writes here

Every file is written through :func:`scenarios.io.files.write_atomic` (a temporary file
in the same folder, fsynced, then renamed), so a part is whole or absent and a killed
sweep loses only the variants in flight.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    "to_frame",
    "to_table",
    "variant_columns",
    "write_table",
]

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
    import pyarrow.parquet as pq

    path = Path(path)
    if path.is_dir():
        path = path / "results.parquet"
    return to_frame(pq.read_table(path))


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

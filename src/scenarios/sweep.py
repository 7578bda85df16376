"""Sweeps: many variants of scenario files, updated on Dask, in one tidy results table.

A forecasting team runs many variants of a question: every member's priors file, a grid
of priors for sensitivity, every question on a watch list. :func:`plan` turns files and a
grid of prior overrides into a list of :class:`Variant` (the cartesian product, for every
file and seed); :func:`run_sweep` updates every variant on dask.distributed (a local
cluster by default, or an existing one by its scheduler address) and collects one row per
(variant, outcome, state) in ``<out>/results.parquet``.

Each finished variant is written at once to its own part file,
``<out>/parts/<variant_id>.parquet`` (temporary file, then ``os.replace``), so a sweep
that is killed loses only the variants in flight, and running it again skips every
variant whose part exists. A variant that fails (an invalid override value, impossible
evidence) is recorded as one row with ``status == "error"`` and its message; the others
go on.

Grid keys are dotted paths into a fact's or outcome's prior, as in the file::

    army_strikes.p            the "p" of army_strikes' prior
    troops.between            the whole [low, high] range of troops
    troops.between.0          only its lower end (list items by index)
    mutiny_end.logit.intercept.suppressed
    army_loyalty              the whole prior, e.g. {"probs": {...}, "concentration": 8}

Other fields of the prior keep the file's values; ``null`` (``None``) removes a field.
See ``docs/sweeps.md``.

Examples
--------
>>> from scenarios import sweep
>>> sweep.parse_values("0.1:0.3:3")
[0.1, 0.2, 0.3]
>>> variants = sweep.plan(grid={"army_strikes.p": [0.2, 0.4]}, seeds=[1, 2])
>>> len(variants), dict(variants[0].overrides), variants[0].seed
(4, {'army_strikes.p': 0.2}, 1)
>>> table = sweep.run_sweep(variants, "sweep-results", scheduler="serial")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import ScenarioError
from scenarios.spec.overrides import (
    OverrideError,
    apply_overrides,
    canonical_json,
    check_override,
    split_key,
    thaw,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from scenarios.spec.scenario import Scenario

__all__ = [
    "COLUMNS",
    "GridError",
    "SweepError",
    "Variant",
    "apply_overrides",
    "auto_batch_size",
    "check_override",
    "parse_grid",
    "parse_seeds",
    "parse_values",
    "plan",
    "read_results",
    "run_sweep",
    "run_variant",
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
#: Most variants per Dask task when the batch size is chosen automatically.
MAX_BATCH = 10
#: Fewest tasks per worker when the batch size is chosen automatically.
TASKS_PER_WORKER = 10
#: Seconds to wait for an existing cluster's scheduler and first worker.
CONNECT_TIMEOUT = 60.0

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*(\d+)\s*$")
_MAX_VALUES = 1_000_000


class GridError(OverrideError):
    """A grid, an override or a sweep option is wrong; every problem is listed.

    Examples
    --------
    >>> print(GridError(["army_strike.p: no fact or outcome 'army_strike'"]))
    sweep grid: 1 problem
      - army_strike.p: no fact or outcome 'army_strike'
    """

    subject = "sweep grid"


class SweepError(RuntimeError):
    """A sweep could not run: the cluster is unreachable, the folder is in use, a timeout."""


# --- values ------------------------------------------------------------------------------


def _plain(value: Any, where: str) -> Any:
    """``value`` as JSON data (numpy scalars and tuples converted), or GridError."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise GridError([f"{where}: expected a finite number, got {value!r}"])
        return float(value)
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:
        return _plain(value.item(), where)  # a numpy scalar
    if hasattr(value, "tolist"):
        return _plain(value.tolist(), where)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise GridError([f"{where}: keys must be text, got {k!r}"])
            out[k] = _plain(v, f"{where}.{k}")
        return out
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    raise GridError(
        [f"{where}: expected numbers, text, lists or objects, got {type(value).__name__}"]
    )


def _freeze(value: Any) -> Any:
    """JSON data made immutable: lists become tuples, objects FrozenDicts."""
    from scenarios.spec.scenario import FrozenDict

    if isinstance(value, dict):
        return FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _item(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_values(spec: str, *, name: str = "values") -> list[Any]:
    """Values of one grid entry, from text.

    Parameters
    ----------
    spec : str
        ``START:STOP:COUNT`` (``COUNT`` evenly spaced numbers, both ends included), a JSON
        array (``[[20, 40], [25, 50]]``: use it when the values are lists or objects), or
        comma-separated values, each read as JSON when it parses and as text otherwise
        (``0.1,0.2``, ``Normal,LogNormal``, ``null``).
    name : str
        What the values are for, named in errors.

    Returns
    -------
    list

    Raises
    ------
    GridError
        Empty values, a count of 0, or more than a million values.

    Examples
    --------
    >>> parse_values("0.05:0.95:5")
    [0.05, 0.275, 0.5, 0.725, 0.95]
    >>> parse_values("0.1, 0.2")
    [0.1, 0.2]
    >>> parse_values("[[20, 40], [25, 50]]")
    [[20, 40], [25, 50]]
    """
    if not isinstance(spec, str) or not spec.strip():
        raise GridError(
            [f"{name}: no values; give START:STOP:COUNT, a JSON array, or v1,v2,... (got {spec!r})"]
        )
    match = _RANGE.match(spec)
    if match:
        start, stop, count = float(match[1]), float(match[2]), int(match[3])
        if not 1 <= count <= _MAX_VALUES:
            raise GridError(
                [f"{name}: {spec!r}: COUNT must be between 1 and {_MAX_VALUES}, got {count}"]
            )
        if count == 1:
            return [_tidy(start)]
        step = (stop - start) / (count - 1)
        return [_tidy(start + i * step) for i in range(count)]
    text = spec.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GridError(
                [
                    f"{name}: {spec!r} starts with '[' but is not a JSON array ({exc.msg} at "
                    f"character {exc.pos}); e.g. [[20, 40], [25, 50]]"
                ]
            ) from None
        if not isinstance(values, list) or not values:
            raise GridError([f"{name}: {spec!r}: expected a non-empty JSON array"])
        return values
    items = text.split(",")
    if any(not i.strip() for i in items):
        raise GridError([f"{name}: {spec!r} has an empty value between commas"])
    return [_item(i) for i in items]


def _tidy(x: float) -> float:
    """A float with 12 significant digits, so that 0.1 + 0.2 reads 0.3 in ids and tables."""
    return float(f"{x:.12g}")


def _values(key: str, values: Any) -> list[Any]:
    """A grid entry's values as plain JSON data (Python API or file)."""
    if isinstance(values, str):
        values = parse_values(values, name=key)
    elif isinstance(values, range):
        values = list(values)
    elif hasattr(values, "tolist") and getattr(values, "ndim", 0) >= 1:
        values = values.tolist()
    elif not isinstance(values, list | tuple):
        values = [values]
    if not values:
        raise GridError([f"{key}: no values"])
    if len(values) > _MAX_VALUES:
        raise GridError([f"{key}: {len(values)} values; at most {_MAX_VALUES}"])
    return [_plain(v, key) for v in values]


def parse_grid(
    items: Sequence[str] = (), file: str | os.PathLike[str] | None = None
) -> dict[str, list[Any]]:
    """A grid from ``NAME=VALUES`` texts (the ``--grid`` options) and/or a YAML file.

    Parameters
    ----------
    items : sequence of str
        ``NAME=VALUES``, e.g. ``"army_strikes.p=0.05:0.95:40"``; ``VALUES`` as in
        :func:`parse_values`.
    file : path-like, optional
        A YAML (or JSON) mapping of name to a list of values or a ``START:STOP:COUNT``
        text, e.g. ``{"army_strikes.p": "0.1:0.9:9", "troops.between": [[20, 40]]}``.

    Returns
    -------
    dict
        Name -> list of values, the file's entries first.

    Raises
    ------
    GridError
        Listing every malformed entry, each with its name.

    Examples
    --------
    >>> parse_grid(["army_strikes.p=0.2,0.4", "troops.between=[[20, 40], [25, 50]]"])
    {'army_strikes.p': [0.2, 0.4], 'troops.between': [[20, 40], [25, 50]]}
    """
    grid: dict[str, list[Any]] = {}
    problems: list[str] = []
    if file is not None:
        for key, values in _grid_file(Path(file)).items():
            try:
                grid[key] = _values(key, values)
            except GridError as exc:
                problems.extend(f"{file}: {p}" for p in exc.problems)
    if isinstance(items, str):
        items = [items]
    for item in items:
        name, sep, spec = item.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(
                f"--grid {item!r}: expected NAME=VALUES, e.g. army_strikes.p=0.05:0.95:40"
            )
            continue
        if name in grid:
            problems.append(f"{name}: given more than once; give all its values in one entry")
            continue
        try:
            grid[name] = parse_values(spec, name=name)
        except GridError as exc:
            problems.extend(exc.problems)
    if problems:
        raise GridError(problems)
    return grid


def _grid_file(path: Path) -> dict[str, Any]:
    from scenarios.io.yamlfile import read_yaml

    try:
        data = read_yaml(path)
    except ScenarioError as exc:
        raise GridError(exc.problems, file=exc.file) from None
    if not isinstance(data, dict) or not data:
        raise GridError(
            [
                f"{path}: expected a mapping of grid name to values, e.g. "
                f"'army_strikes.p: [0.1, 0.2]', got {type(data).__name__}"
            ]
        )
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise GridError([f"{path}: grid names must be text, got {bad[0]!r}"])
    return data


def parse_seeds(spec: str | Iterable[int]) -> list[int]:
    """Seeds from text (``1,2,3``, ``0:9:10``, ``[1, 2]``) or integers.

    Examples
    --------
    >>> parse_seeds("1:4:4")
    [1, 2, 3, 4]
    """
    values = parse_values(spec, name="seeds") if isinstance(spec, str) else list(spec)
    out, bad = [], []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or v != int(v):
            bad.append(v)
        elif not 0 <= int(v) < 2**32:
            bad.append(v)
        else:
            out.append(int(v))
    if bad or not out:
        raise GridError(
            [f"seeds: expected integers 0 <= seed < 2**32, got {bad[0] if bad else 'none'!r}"]
        )
    return list(dict.fromkeys(out))


# --- overrides ---------------------------------------------------------------------------


# --- variants ----------------------------------------------------------------------------


def _sha256_file(path: Path) -> tuple[str, bytes]:
    raw = path.read_bytes()
    return hashlib.sha256(raw).hexdigest(), raw


@dataclass(frozen=True)
class Variant:
    """One run of a sweep: a priors file, prior overrides, engine, seed and draws.

    Plain data (it pickles and round-trips through :meth:`to_dict`); ``variant_id`` is the
    sha256 of its canonical JSON, so the same variant has the same id in every run and on
    every machine that has the file at the same path with the same content.

    Parameters
    ----------
    priors : str
        Absolute path of the scenario file.
    priors_sha256 : str
        sha256 of the file's bytes when the sweep was planned; a variant whose file has
        changed since fails with a message instead of mixing old and new numbers.
    overrides : mapping
        Grid key (``"army_strikes.p"``) -> value; see :func:`apply_overrides`.
    engine : {"exact", "pymc"}
    seed : int or None
        Seed of every random draw; ``None``: the file's (:func:`plan` always sets it).
    draws : int or None
        Draws behind the intervals (exact) or per chain (pymc); ``None``: the engine's
        default.

    Examples
    --------
    >>> v = Variant("/data/w.yaml", "0" * 64, {"army_strikes.p": 0.2}, seed=1)
    >>> v.variant_id == Variant.from_dict(v.to_dict()).variant_id
    True
    """

    priors: str
    priors_sha256: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    engine: str = "exact"
    seed: int | None = None
    draws: int | None = None

    def __post_init__(self) -> None:
        from scenarios.engines import ENGINES

        problems = []
        if not isinstance(self.priors, str) or not self.priors:
            problems.append(f"priors: expected a file path (text), got {self.priors!r}")
        if not (
            isinstance(self.priors_sha256, str)
            and re.fullmatch(r"[0-9a-f]{64}", self.priors_sha256)
        ):
            problems.append(f"priors_sha256: expected 64 hex digits, got {self.priors_sha256!r}")
        if self.engine not in ENGINES:
            problems.append(f"engine: expected one of {list(ENGINES)}, got {self.engine!r}")
        if self.seed is not None and (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed < 2**32
        ):
            problems.append(f"seed: expected an integer 0 <= seed < 2**32, got {self.seed!r}")
        if self.draws is not None and (
            isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 1
        ):
            problems.append(f"draws: expected a positive integer, got {self.draws!r}")
        if not isinstance(self.overrides, Mapping):
            problems.append(f"overrides: expected a mapping, got {self.overrides!r}")
        if problems:
            raise GridError(problems)
        frozen = {}
        for key in sorted(self.overrides):
            split_key(key)
            frozen[key] = _freeze(_plain(self.overrides[key], key))
        object.__setattr__(self, "overrides", _freeze(frozen))

    def __hash__(self) -> int:
        return hash(self.variant_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data; :meth:`from_dict` gives the variant back."""
        return {
            "priors": self.priors,
            "priors_sha256": self.priors_sha256,
            "overrides": thaw(self.overrides),
            "engine": self.engine,
            "seed": self.seed,
            "draws": self.draws,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Variant:
        """The variant of :meth:`to_dict`'s data."""
        return cls(**dict(data))

    @classmethod
    def from_row(cls, row: Any) -> Variant:
        """The variant behind a row of the results table (a Series or a mapping).

        Examples
        --------
        >>> v = Variant.from_row(table.iloc[0])  # doctest: +SKIP
        >>> v.scenario().update(seed=v.seed).scenarios  # doctest: +SKIP
        """
        get = row.get if isinstance(row, Mapping) else row.__getitem__

        def optional(value: Any) -> int | None:
            import pandas as pd

            return None if pd.isna(value) else int(value)

        return cls(
            priors=str(get("priors")),
            priors_sha256=str(get("priors_sha256")),
            overrides=json.loads(get("overrides")),
            engine=str(get("engine")),
            seed=optional(get("seed")),
            draws=optional(get("draws")),
        )

    @cached_property
    def variant_id(self) -> str:
        """sha256 of the variant's canonical JSON (sorted keys, no spaces)."""
        return hashlib.sha256(canonical_json(self.to_dict()).encode()).hexdigest()

    @property
    def overrides_json(self) -> str:
        """The overrides as canonical JSON text (the ``overrides`` column)."""
        return canonical_json(self.overrides)

    def scenario(self) -> Scenario:
        """The file's scenario with the overrides applied (the file must be unchanged).

        Raises
        ------
        ScenarioError
            The file cannot be read, has changed since the sweep was planned, is invalid,
            or an override value is refused.
        """
        from scenarios.io import loads

        path = Path(self.priors)
        try:
            sha, raw = _sha256_file(path)
        except OSError as exc:
            raise ScenarioError.single(
                (), f"cannot read the file: {exc.strerror}", str(path)
            ) from None
        _check_sha(self, sha)
        base = loads(raw.decode("utf-8"), str(path))
        return apply_overrides(base, self.overrides, path.name)[0]


def _check_sha(variant: Variant, sha: str) -> None:
    if sha != variant.priors_sha256:
        raise ScenarioError.single(
            (),
            f"the file has changed since the sweep was planned (sha256 {sha[:12]}..., "
            f"planned {variant.priors_sha256[:12]}...); plan the sweep again",
            variant.priors,
        )


def _files(files: Any) -> list[Path]:
    from scenarios.io import default_priors

    if files is None:
        return [default_priors()]
    if isinstance(files, str | os.PathLike):
        files = [files]
    out: list[Path] = []
    for f in files:
        path = Path(f)
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise ScenarioError.single((), "a folder with no .yaml scenario files", str(path))
            out.extend(found)
        else:
            out.append(path)
    if not out:
        raise ScenarioError.single((), "no scenario files given")
    return out


def plan(
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    grid: Mapping[str, Any] | None = None,
    *,
    engine: str = "exact",
    seeds: int | str | Sequence[int] | None = None,
    draws: int | None = None,
) -> list[Variant]:
    """Every variant of a sweep: files x grid combinations x seeds.

    Parameters
    ----------
    files : path, sequence of paths, or None
        Scenario files; a folder stands for its ``*.yaml`` files; ``None``: the built-in
        Wagner scenario.
    grid : mapping, optional
        Grid key -> values (a list, a numpy array, or text as in :func:`parse_values`),
        e.g. ``{"army_strikes.p": "0.05:0.95:40", "troops.between": [[20, 40], [25, 50]]}``.
        Every key must apply to every file.
    engine : {"exact", "pymc"}
    seeds : int, sequence of int, text, or None
        ``None``: each file's own seed. Several seeds multiply the variants.
    draws : int, optional
        Draws behind the intervals; ``None``: the engine's default.

    Returns
    -------
    list of Variant
        For each file, the cartesian product of the grid in the grid's key order (the last
        key varying fastest), each with every seed; duplicates removed.

    Raises
    ------
    GridError
        Every bad key or value kind, each named with its file.
    ScenarioError
        A file is missing or invalid.

    Examples
    --------
    >>> len(plan(grid={"army_strikes.p": "0.1:0.9:9", "troops.between.0": [20, 25]}))
    18
    """
    from scenarios.engines import ENGINES
    from scenarios.io import from_bytes

    if engine not in ENGINES:
        raise GridError([f"engine: expected one of {list(ENGINES)}, got {engine!r}"])
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int) or draws < 1):
        raise GridError([f"draws: expected a positive integer, got {draws!r}"])
    seed_list = None if seeds is None else parse_seeds([seeds] if isinstance(seeds, int) else seeds)
    problems: list[str] = []
    entries: dict[str, list[Any]] = {}
    for key, values in (grid or {}).items():
        try:
            split_key(key)
            entries[key] = _values(key, values)
        except GridError as exc:
            problems.extend(exc.problems)
    if problems:
        raise GridError(problems)
    loaded = []
    for path in _files(files):
        path = path.resolve()
        try:
            sha, raw = _sha256_file(path)
        except OSError as exc:
            raise ScenarioError.single(
                (), f"cannot read the file: {exc.strerror}", str(path)
            ) from None
        scenario = from_bytes(raw, str(path))
        for key, values in entries.items():
            try:
                check_override(scenario, key, values)
            except GridError as exc:
                problems.extend(f"{path.name}: {p}" for p in exc.problems)
        loaded.append((path, sha, scenario))
    if problems:
        raise GridError(problems)
    keys = list(entries)
    variants: dict[str, Variant] = {}
    for path, sha, scenario in loaded:
        for combo in itertools.product(*entries.values()):
            for seed in seed_list or [scenario.seed]:
                v = Variant(
                    priors=str(path),
                    priors_sha256=sha,
                    overrides=dict(zip(keys, combo, strict=True)),
                    engine=engine,
                    seed=seed,
                    draws=draws,
                )
                variants.setdefault(v.variant_id, v)
    return list(variants.values())


# --- running one variant (on a worker) ---------------------------------------------------

_BASES: dict[tuple[str, str], Scenario] = {}  # parsed files in this process
_BASES_MAX = 32


def _base(text: str, sha: str, path: str) -> Scenario:
    """The file's scenario, parsed once per process (by path and sha256)."""
    from scenarios.io import loads

    key = (path, sha)
    if key not in _BASES:
        while len(_BASES) >= _BASES_MAX:
            _BASES.pop(next(iter(_BASES)))
        _BASES[key] = loads(text, path)
    return _BASES[key]


def _message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run_one(data: Mapping[str, Any], text: str | None, report: bool) -> dict[str, Any]:
    """Rows of one variant; never raises for the variant's own failures."""
    import scenarios

    variant = Variant.from_dict(data)
    start = time.perf_counter()
    head: dict[str, Any] = {
        "variant_id": variant.variant_id,
        "priors": variant.priors,
        "priors_sha256": variant.priors_sha256,
        "overrides": variant.overrides_json,
        "engine": variant.engine,
        "seed": variant.seed,
        "draws": variant.draws,
        "scenarios_version": scenarios.__version__,
    }
    out: dict[str, Any] = {"variant_id": variant.variant_id, "html": None, "ipynb": None}
    try:
        if text is None:
            raise ScenarioError.single((), "the file could not be read", variant.priors)
        base = _base(text, variant.priors_sha256, variant.priors)
        if head["seed"] is None:
            head["seed"] = base.seed
        scenario, priors = apply_overrides(base, variant.overrides, Path(variant.priors).name)
        options: dict[str, Any] = {"seed": head["seed"]}
        if variant.draws is not None:
            options["draws"] = variant.draws
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scenarios.SamplingWarning)  # in `warnings`
            post = scenario.update(engine=variant.engine, **options)
        table = post.scenarios
        common = {
            **head,
            "status": "ok",
            "error": None,
            "warnings": "; ".join(post.warnings) or None,
            "scenario_sha256": scenarios.scenario_hash(scenario),
        }
        rows = [
            {
                **common,
                "outcome": str(outcome),
                "state": str(state),
                "probability": float(row.probability),
                "lower": float(row.lower),
                "upper": float(row.upper),
            }
            for (outcome, state), row in table.iterrows()
        ]
        if report:
            try:
                out["html"], out["ipynb"] = _build_report(variant, text, priors, head["seed"])
            except Exception as exc:  # the numbers stand; the report failed
                for r in rows:
                    r["status"], r["error"] = "error", f"report: {_message(exc)}"
    except Exception as exc:  # a failed variant is recorded, never stops the sweep
        rows = [{**head, "status": "error", "error": _message(exc)}]
    elapsed = time.perf_counter() - start
    for r in rows:
        r["elapsed"] = elapsed
    out["rows"] = rows
    return out


def _build_report(
    variant: Variant, text: str, priors: Mapping[str, Any], seed: int
) -> tuple[str, str]:
    """HTML and notebook text of the variant's report, built in a scratch folder."""
    from scenarios.views.report import build_report

    with tempfile.TemporaryDirectory(prefix="scenarios-sweep-") as tmp:
        path = Path(variant.priors)
        try:
            same = _sha256_file(path)[0] == variant.priors_sha256
        except OSError:
            same = False
        if not same:  # a worker without the file (remote cluster): the shipped text
            path = Path(tmp) / "priors" / path.name
            path.parent.mkdir()
            path.write_text(text, encoding="utf-8")
        html = build_report(
            path,
            overrides=dict(priors),
            engine=variant.engine,
            seed=seed,
            draws=variant.draws,
            out_dir=Path(tmp) / "out",
            name=variant.variant_id,
            progress=False,
        )
        return html.read_text(encoding="utf-8"), html.with_suffix(".ipynb").read_text(
            encoding="utf-8"
        )


def _run_batch(
    files: Mapping[str, str], variants: Sequence[Mapping[str, Any]], report: bool
) -> list[dict[str, Any]]:
    """A Dask task: run several variants; ``files`` maps sha256 -> the file's text."""
    return [_run_one(v, files.get(v["priors_sha256"]), report) for v in variants]


def _worker_version() -> str:
    import scenarios

    return scenarios.__version__


def run_variant(variant: Variant) -> pd.DataFrame:
    """Run one variant here, in this process; its rows of the results table.

    Examples
    --------
    >>> rows = run_variant(plan(grid={"army_strikes.p": [0.6]}, draws=200)[0])
    >>> rows["status"].unique().tolist(), rows["outcome"].iloc[0]
    (['ok'], 'mutiny_end')
    """
    text = _read_text(variant)
    if text is None:
        rows = [_error_row(variant, _file_problem(variant))]
    else:
        rows = _run_one(variant.to_dict(), text, report=False)["rows"]
    return _frame(_table(rows))


def _read_text(variant: Variant) -> str | None:
    """The variant's file as text, or None if it cannot be read or has changed."""
    try:
        sha, raw = _sha256_file(Path(variant.priors))
        return raw.decode("utf-8") if sha == variant.priors_sha256 else None
    except (OSError, UnicodeDecodeError):
        return None


# --- tables ------------------------------------------------------------------------------


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


def _table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist([{c: r.get(c) for c in COLUMNS} for r in rows], schema=_schema())


def _frame(table: pa.Table) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    frame.attrs["interval"] = INTERVAL
    return frame


def read_results(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A sweep's results table, from its folder or its ``results.parquet``.

    Examples
    --------
    >>> table = read_results("sweep-results")  # doctest: +SKIP
    >>> table.query("status == 'ok'").groupby(["outcome", "state"]).probability.describe()
    ... # doctest: +SKIP
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if path.is_dir():
        path = path / "results.parquet"
    return _frame(pq.read_table(path))


def _read_part(path: Path) -> pa.Table | None:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        return table.select(list(COLUMNS)).cast(_schema())
    except Exception:  # unreadable, or written by another version with other columns
        return None


def _write_table(table: pa.Table, path: Path, metadata: Mapping[str, str] | None = None) -> None:
    """Write parquet atomically: a temporary file in the same folder, then os.replace."""
    import pyarrow.parquet as pq

    if metadata:
        table = table.replace_schema_metadata(
            {
                **(table.schema.metadata or {}),
                **{k.encode(): v.encode() for k, v in metadata.items()},
            }
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# --- running a sweep ---------------------------------------------------------------------


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out/.lock`` so that two sweeps never write into one folder at once."""
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
                f"another sweep is writing to {out} (it holds {out / '.lock'}); wait for it "
                "to finish or choose another output folder"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def _dask_client(scheduler: Any, workers: int | None) -> Iterator[tuple[Any, int]]:
    """A distributed Client for ``scheduler``, and its number of workers."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler is None or scheduler == "local":
        n = workers or _default_workers()
        try:
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard, and its HTTP server on a free port
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
        except Exception as exc:
            raise SweepError(f"the local Dask cluster did not start: {_message(exc)}") from exc
        with cluster, Client(cluster, set_as_default=False) as client:
            yield client, n
        return
    if isinstance(scheduler, Client):
        n = len(scheduler.scheduler_info().get("workers", {}))
        yield scheduler, max(n, 1)
        return
    text = os.fspath(scheduler)
    kwargs: dict[str, Any] = {"timeout": CONNECT_TIMEOUT, "set_as_default": False}
    if text.endswith(".json") and "://" not in text:
        kwargs["scheduler_file"] = text
    else:
        kwargs["address"] = text
    try:
        client = Client(**kwargs)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError(f"cannot connect to the Dask scheduler at {text}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            versions = client.run(_worker_version)
        except (TimeoutError, OSError) as exc:
            raise SweepError(f"the cluster at {text} has no worker ready: {exc}") from None
        except Exception as exc:
            raise SweepError(
                f"the workers of {text} cannot run scenarios ({_message(exc)}); install this "
                "library in the workers' environment"
            ) from None
        import scenarios

        other = {a: v for a, v in versions.items() if v != scenarios.__version__}
        if other:
            raise SweepError(
                f"workers run another version of scenarios than this one "
                f"({scenarios.__version__}): {other}; install the same version on all"
            )
        yield client, len(versions)


class _Progress:
    """A rich progress bar on a terminal or in Jupyter, else a line every 10%."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.total, self.done, self.failed = total, done, 0
        self.enabled = enabled and total > 0
        self.start = time.monotonic()
        self.bar: Any = None
        self.next_line = done + max(1, total // 10)
        if not self.enabled:
            return
        from rich.console import Console

        console = Console(stderr=True)
        if console.is_terminal or console.is_jupyter:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]sweep"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("variants, {task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
            )
            self.task = self.bar.add_task("sweep", total=total, completed=done, failed=0)
            self.bar.start()

    def advance(self, n: int, failed: int) -> None:
        self.done += n
        self.failed += failed
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(self.task, advance=n, failed=self.failed)
        elif self.done >= self.next_line or self.done == self.total:
            self.next_line = self.done + max(1, self.total // 10)
            print(
                f"sweep: {self.done}/{self.total} variants, {self.failed} failed, "
                f"{time.monotonic() - self.start:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def auto_batch_size(variants: int, workers: int, report: bool = False) -> int:
    """Variants per Dask task: at most :data:`MAX_BATCH`, and ten tasks per worker or more.

    Small enough that every worker stays busy to the end and that a killed sweep loses
    little; large enough that Dask's few milliseconds per task do not count (an exact
    update of the Wagner file takes about 0.1 s). One per task with reports.

    Examples
    --------
    >>> auto_batch_size(1000, 2), auto_batch_size(60, 2), auto_batch_size(60, 2, report=True)
    (10, 3, 1)
    """
    if report:
        return 1
    return max(1, min(MAX_BATCH, -(-variants // (TASKS_PER_WORKER * max(workers, 1)))))


def _batches(items: Sequence[Variant], size: int) -> list[list[Variant]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _is_done(variant: Variant, parts: Path, reports: Path | None, retry_failed: bool) -> bool:
    part = parts / f"{variant.variant_id}.parquet"
    if not part.exists():
        return False
    if reports is not None and not (reports / f"{variant.variant_id}.html").exists():
        return False
    if retry_failed:
        table = _read_part(part)
        if table is None or "error" in table.column("status").to_pylist():
            return False
    return True


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
        Usually :func:`plan`'s.
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
        Also build each variant's HTML report (``scenarios.views.report.build_report``, a
        Jupyter kernel per variant: seconds each) into ``out/reports/<variant_id>.html``.
    progress : bool
        A progress bar on stderr (a line every 10% when stderr is not a terminal).
    batch_size : int, optional
        Variants per Dask task; default :func:`auto_batch_size` (up to 10, fewer so that
        every worker gets ten tasks or more; 1 with ``report``).
    retry_failed : bool
        Run variants that failed before again (their parts are replaced).
    timeout : float, optional
        Seconds the whole sweep may take; then :class:`SweepError` (finished variants are
        kept, and a new run resumes).

    Returns
    -------
    pandas.DataFrame
        One row per (variant, outcome, state), or one row per failed variant, in the order
        of ``variants``; columns :data:`COLUMNS`. ``attrs`` holds ``path`` (the results
        file), ``variants``, ``ok``, ``failed``, ``computed`` (run now), ``skipped`` (done
        before), ``seconds`` and ``workers``.

    Raises
    ------
    SweepError
        The cluster cannot be reached or started, another sweep holds the folder, or the
        timeout passed.

    Examples
    --------
    >>> table = run_sweep(plan(grid={"army_strikes.p": "0.1:0.9:9"}), "out")  # doctest: +SKIP
    """
    import pyarrow as pa

    import scenarios

    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    variants = list(variants)
    bad = [v for v in variants if not isinstance(v, Variant)]
    if bad:
        raise TypeError(f"run_sweep takes Variant objects (see plan()), got {bad[0]!r:.80}")
    variants = list(dict.fromkeys(variants))
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
    out = Path(out)
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    reports = out / "reports" if report else None
    if reports is not None:
        reports.mkdir(exist_ok=True)
    with _locked(out):
        for stale in parts.glob(".*.tmp"):  # left by a killed run; we hold the lock
            stale.unlink(missing_ok=True)
        _write_text(
            out / "sweep.json",
            json.dumps(
                {
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "scenarios_version": scenarios.__version__,
                    "variants": [{"variant_id": v.variant_id, **v.to_dict()} for v in variants],
                },
                indent=1,
            ),
        )
        todo = [v for v in variants if not _is_done(v, parts, reports, retry_failed)]
        skipped = len(variants) - len(todo)
        fresh: dict[str, pa.Table] = {}
        texts: dict[str, str | None] = {}
        for v in todo:
            if v.priors_sha256 not in texts:
                texts[v.priors_sha256] = _read_text(v)
        bar = _Progress(len(variants), skipped, progress)
        # a file unreadable or changed since planning: an error row, no part (retried later)
        runnable = [v for v in todo if texts[v.priors_sha256] is not None]
        for v in todo:
            if texts[v.priors_sha256] is None:
                fresh[v.variant_id] = _table([_error_row(v, _file_problem(v))])
                bar.advance(1, 1)

        def finish(
            batch: Sequence[Variant],
            results: Sequence[Mapping[str, Any]] | None,
            failure: BaseException | None = None,
        ) -> None:
            nfail = 0
            by_id = {r["variant_id"]: r for r in results or []}
            for v in batch:
                result = by_id.get(v.variant_id)
                if result is None:  # the task itself failed: not saved, so retried next run
                    why = _message(failure) if failure else "no result came back"
                    fresh[v.variant_id] = _table(
                        [_error_row(v, f"the task failed on the cluster: {why}")]
                    )
                    nfail += 1
                    continue
                rows = result["rows"]
                if reports is not None and result.get("html") is not None:
                    where = reports / f"{v.variant_id}.html"
                    _write_text(where.with_suffix(".ipynb"), result["ipynb"])
                    _write_text(where, result["html"])
                    for r in rows:
                        r["report"] = str(where)
                table = _table(rows)
                _write_table(table, parts / f"{v.variant_id}.parquet")
                fresh[v.variant_id] = table
                nfail += rows[0]["status"] != "ok"
            bar.advance(len(batch), nfail)

        n_workers = 1
        try:
            if scheduler == "serial":
                for v in runnable:
                    _check_deadline(deadline, timeout, parts)
                    finish([v], _run_batch(_texts_for([v], texts), [v.to_dict()], report))
            elif runnable:
                with _dask_client(scheduler, workers) as (client, n_workers):
                    size = batch_size or auto_batch_size(len(runnable), n_workers, report)
                    _run_dask(
                        client,
                        _batches(runnable, size),
                        texts,
                        report,
                        finish,
                        deadline,
                        timeout,
                        parts,
                    )
        finally:
            bar.close()

        tables, ok, failed = [], 0, 0
        for v in variants:
            table = fresh.get(v.variant_id)
            if table is None:
                table = _read_part(parts / f"{v.variant_id}.parquet")
                if table is None:
                    (parts / f"{v.variant_id}.parquet").unlink(missing_ok=True)
                    table = _table(
                        [
                            _error_row(
                                v,
                                "its part file was unreadable and has been removed; run the sweep "
                                "again to compute it",
                            )
                        ]
                    )
            tables.append(table)
            if table.num_rows and table.column("status")[0].as_py() == "ok":
                ok += 1
            else:
                failed += 1
        combined = pa.concat_tables(tables) if tables else _table([])
        results = out / "results.parquet"
        _write_table(
            combined,
            results,
            {
                "scenarios.sweep": json.dumps(
                    {
                        "interval": INTERVAL,
                        "variants": len(variants),
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "versions": scenarios.versions(),
                    }
                )
            },
        )
    frame = _frame(combined)
    frame.attrs.update(
        path=str(results),
        variants=len(variants),
        ok=ok,
        failed=failed,
        computed=len(todo),
        skipped=skipped,
        seconds=time.monotonic() - started,
        workers=n_workers,
    )
    return frame


def _texts_for(batch: Sequence[Variant], texts: Mapping[str, str | None]) -> dict[str, str]:
    """The file texts a batch needs, by sha256 (unreadable files left out)."""
    out = {}
    for v in batch:
        text = texts.get(v.priors_sha256)
        if text is not None:
            out[v.priors_sha256] = text
    return out


def _file_problem(v: Variant) -> str:
    try:
        sha, _ = _sha256_file(Path(v.priors))
    except OSError as exc:
        return f"ScenarioError: {v.priors}: cannot read the file: {exc.strerror}"
    if sha != v.priors_sha256:
        return (
            f"ScenarioError: {v.priors}: the file has changed since the sweep was planned "
            f"(sha256 {sha[:12]}..., planned {v.priors_sha256[:12]}...); plan the sweep again"
        )
    return f"ScenarioError: {v.priors}: expected UTF-8 text"


def _error_row(v: Variant, message: str) -> dict[str, Any]:
    import scenarios

    return {
        "variant_id": v.variant_id,
        "priors": v.priors,
        "priors_sha256": v.priors_sha256,
        "overrides": v.overrides_json,
        "engine": v.engine,
        "seed": v.seed,
        "draws": v.draws,
        "status": "error",
        "error": message,
        "elapsed": 0.0,
        "scenarios_version": scenarios.__version__,
    }


def _check_deadline(deadline: float | None, timeout: float | None, parts: Path) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise SweepError(
            f"the sweep did not finish within {timeout:g} s; finished variants are kept in "
            f"{parts}, and running it again resumes"
        )


def _run_dask(
    client: Any,
    batches: list[list[Variant]],
    texts: Mapping[str, str | None],
    report: bool,
    finish: Any,
    deadline: float | None,
    timeout: float | None,
    parts: Path,
) -> None:
    from distributed import as_completed

    futures = {}
    for batch in batches:
        key = (
            "scenarios-sweep-"
            + hashlib.sha256("".join(v.variant_id for v in batch).encode()).hexdigest()[:32]
        )
        future = client.submit(
            _run_batch,
            _texts_for(batch, texts),
            [v.to_dict() for v in batch],
            report,
            key=key,
            pure=False,
        )
        futures[future.key] = (future, batch)
    remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        for future in as_completed(
            [f for f, _ in futures.values()], loop=client.loop, timeout=remaining
        ):
            batch = futures[future.key][1]
            try:
                results = future.result()
            except Exception as exc:  # a worker died, or the task could not run
                finish(batch, None, exc)
            else:
                finish(batch, results)
            future.release()
    except TimeoutError:
        _check_deadline(deadline, timeout, parts)
        raise
    finally:
        client.cancel([f for f, _ in futures.values() if not f.done()])

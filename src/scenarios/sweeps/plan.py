"""Planning a sweep: the :class:`Variant` value, the :class:`Plan` and :func:`plan`.

A variant is plain data (a file's path and sha256, prior overrides, engine, seed,
draws); its id is the sha256 of its canonical JSON, so the same variant has the same id
in every run and on every machine. Planning reads and validates every file and checks
every grid key against every file (:func:`scenarios.spec.overrides.check_override`)
before anything runs, listing all problems at once.

A plan is bounded and lazy: the number of variants (files x the product of the grid's
lengths x seeds) is computed from the grid's sizes and checked against
:data:`MAX_VARIANTS` before any file is read, and the :class:`Plan` holds only the
files, the grid and the seeds: each variant is made when it is asked for.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.engines import ENGINES
from scenarios.errors import ScenarioError
from scenarios.io.files import read_bytes, sha256_bytes
from scenarios.io.scenario_files import default_priors, from_bytes
from scenarios.spec.fields import FrozenDict
from scenarios.spec.overrides import (
    OverrideError,
    apply_overrides,
    canonical_json,
    check_override,
    split_key,
    thaw,
)
from scenarios.sweeps.errors import GridError
from scenarios.sweeps.grid import grid_values, parse_seeds, plain

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = ["MAX_VARIANTS", "Plan", "Variant", "count_variants", "plan", "read_priors"]

#: Most variants a plan may have unless raised (``max_variants``, ``--max-variants``).
MAX_VARIANTS = 100_000


def _freeze(value: Any) -> Any:
    """JSON data made immutable: lists become tuples, objects FrozenDicts."""
    if isinstance(value, dict):
        return FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


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
        Grid key (``"army_strikes.p"``) -> value; see
        :func:`scenarios.spec.overrides.apply_overrides`.
    engine : {"exact", "pymc"}
    seed : int or None
        Seed of every random draw; ``None``: the file's (:func:`plan` always sets it).
    draws : int or None
        Draws behind the intervals (exact) or per chain (pymc); ``None``: the engine's
        default.

    Raises
    ------
    GridError
        Listing every field of the wrong kind, and any malformed override key.

    Examples
    --------
    >>> v = Variant("/data/w.yaml", "0" * 64, {"army_strikes.p": 0.2}, seed=1)
    >>> v.variant_id == Variant.from_dict(v.to_dict()).variant_id
    True
    >>> v.overrides_json
    '{"army_strikes.p":0.2}'
    """

    priors: str
    priors_sha256: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    engine: str = "exact"
    seed: int | None = None
    draws: int | None = None

    def __post_init__(self) -> None:
        problems: list[Any] = []
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
        frozen = {}
        if not isinstance(self.overrides, Mapping):
            problems.append(f"overrides: expected a mapping, got {self.overrides!r}")
        else:
            for key in sorted(self.overrides, key=str):
                try:
                    split_key(key)
                    frozen[key] = _freeze(plain(self.overrides[key], key))
                except OverrideError as exc:  # GridError too
                    problems.extend(exc.problems)
        if problems:
            raise GridError(problems)
        object.__setattr__(self, "overrides", _freeze(frozen))

    def __hash__(self) -> int:
        return hash(self.variant_id)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data; :meth:`from_dict` gives the variant back.

        Returns
        -------
        dict
            ``priors``, ``priors_sha256``, ``overrides``, ``engine``, ``seed``, ``draws``.

        Examples
        --------
        >>> Variant("/data/w.yaml", "0" * 64, {"troops.between": [20, 40]}).to_dict()["overrides"]
        {'troops.between': [20, 40]}
        """
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
        """The variant of :meth:`to_dict`'s data.

        Parameters
        ----------
        data : mapping
            As :meth:`to_dict` returns it.

        Returns
        -------
        Variant

        Examples
        --------
        >>> Variant.from_dict({"priors": "/data/w.yaml", "priors_sha256": "0" * 64}).engine
        'exact'
        """
        return cls(**dict(data))

    @classmethod
    def from_row(cls, row: Any) -> Variant:
        """The variant behind a row of the results table (a Series or a mapping).

        Parameters
        ----------
        row : pandas.Series or mapping
            A row of :func:`~scenarios.sweeps.run_sweep`'s table.

        Returns
        -------
        Variant

        Examples
        --------
        >>> row = {"priors": "/data/w.yaml", "priors_sha256": "0" * 64, "engine": "exact",
        ...        "overrides": '{"army_strikes.p":0.2}', "seed": 3, "draws": float("nan")}
        >>> v = Variant.from_row(row)
        >>> dict(v.overrides), v.seed, v.draws
        ({'army_strikes.p': 0.2}, 3, None)
        """
        import pandas as pd

        get = row.get if isinstance(row, Mapping) else row.__getitem__

        def optional(value: Any) -> int | None:
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
        """sha256 of the variant's canonical JSON (sorted keys, no spaces).

        The same variant has the same id in every run, so a resumed sweep finds its
        finished parts (``parts/<variant_id>.parquet``) and skips them.

        Returns
        -------
        str
            64 hex digits.

        Examples
        --------
        >>> a = Variant("/data/w.yaml", "0" * 64, {"army_strikes.p": 0.2})
        >>> b = Variant("/data/w.yaml", "0" * 64, {"army_strikes.p": 0.2})
        >>> a.variant_id == b.variant_id, len(a.variant_id)
        (True, 64)
        """
        return sha256_bytes(canonical_json(self.to_dict()).encode())

    @property
    def overrides_json(self) -> str:
        """The overrides as canonical JSON text (the ``overrides`` column).

        Returns
        -------
        str
            Sorted keys, no spaces.

        Examples
        --------
        >>> Variant("/data/w.yaml", "0" * 64, {"troops.between": [20, 40], "army_strikes.p": 0.2}
        ...         ).overrides_json
        '{"army_strikes.p":0.2,"troops.between":[20,40]}'
        """
        return canonical_json(self.overrides)

    def scenario(self) -> Scenario:
        """The file's scenario with the overrides applied (the file must be unchanged).

        Returns
        -------
        Scenario
            Validated.

        Raises
        ------
        ScenarioError
            The file cannot be read, has changed since the sweep was planned, is invalid,
            or an override value is refused.

        Examples
        --------
        >>> (v,) = plan(grid={"army_strikes.p": [0.6]})
        >>> v.scenario().facts["army_strikes"].prior.p
        0.6
        """
        scenario = from_bytes(read_priors(self), self.priors)
        return apply_overrides(scenario, self.overrides, Path(self.priors).name)[0]


def read_priors(variant: Variant) -> bytes:
    """The bytes of a variant's file, checked against the sha256 it was planned with.

    Parameters
    ----------
    variant : Variant

    Returns
    -------
    bytes

    Raises
    ------
    ScenarioError
        Naming the file: it cannot be read (see :func:`scenarios.io.files.read_bytes`) or
        has changed since the sweep was planned.

    Examples
    --------
    >>> (v,) = plan()
    >>> read_priors(v).startswith(b"#")
    True
    """
    raw = read_bytes(variant.priors)
    sha = sha256_bytes(raw)
    if sha != variant.priors_sha256:
        raise ScenarioError.single(
            (),
            f"the file has changed since the sweep was planned (sha256 {sha[:12]}..., "
            f"planned {variant.priors_sha256[:12]}...); plan the sweep again",
            variant.priors,
        )
    return raw


def _files(files: Any) -> dict[Path, Path]:
    """The scenario files to plan, each once: resolved path -> the path as given.

    A folder stands for its YAML files. Errors name the path as given (a link, not its
    target).
    """
    if files is None:
        return {default_priors().resolve(): default_priors()}
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
    found: dict[Path, Path] = {}
    for path in out:
        found.setdefault(path.resolve(), path)
    return found


def _distinct(values: Sequence[Any]) -> list[Any]:
    """Values without repeats (equal canonical JSON), in the order given."""
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(canonical_json(v), v)
    return list(seen.values())


def count_variants(files: int, lengths: Sequence[int], seeds: int = 1) -> int:
    """The number of variants of a plan: files x the product of the grid's lengths x seeds.

    Computed from the sizes alone, so that a grid of 10^9 combinations is refused at once
    instead of being listed.

    Parameters
    ----------
    files : int
        Scenario files.
    lengths : sequence of int
        Distinct values of each grid entry.
    seeds : int
        Seeds (1 when each file's own seed is used).

    Returns
    -------
    int

    Examples
    --------
    >>> count_variants(1, [1000, 1000, 1000])
    1000000000
    >>> count_variants(2, [], seeds=3)
    6
    """
    return files * math.prod(lengths) * seeds


class Plan(Sequence[Variant]):
    """Every variant of a sweep, made on demand: files x grid combinations x seeds.

    Holds the files, the grid and the seeds only, so that a plan of a million variants
    takes no more memory than its grid; ``len`` is exact, indexing and iteration make each
    :class:`Variant` when it is asked for. Variants are in :func:`plan`'s order: for each
    file, the grid's cartesian product (the last key varying fastest), each with every
    seed. Made by :func:`plan`, which checks everything first.

    Parameters
    ----------
    files : sequence of (str, str, int)
        Each file's absolute path, sha256 and own seed.
    grid : mapping of str to list
        Grid key -> distinct values (plain JSON data).
    seeds : sequence of int or None
        ``None``: each file's own seed.
    engine : str
    draws : int or None

    Examples
    --------
    >>> p = plan(grid={"army_strikes.p": [0.2, 0.4, 0.6]}, seeds=[1, 2])
    >>> len(p), p[3].seed, dict(p[-1].overrides)
    (6, 2, {'army_strikes.p': 0.6})
    >>> [v.variant_id for v in p] == [p[i].variant_id for i in range(len(p))]
    True
    """

    def __init__(
        self,
        files: Sequence[tuple[str, str, int]],
        grid: Mapping[str, Sequence[Any]],
        seeds: Sequence[int] | None,
        engine: str = "exact",
        draws: int | None = None,
    ) -> None:
        self.files = tuple(files)
        self.grid = {k: list(v) for k, v in grid.items()}
        self.seeds = None if seeds is None else tuple(seeds)
        self.engine, self.draws = engine, draws
        self._per_seed = len(self.seeds) if self.seeds else 1
        self._per_file = count_variants(1, [len(v) for v in self.grid.values()], self._per_seed)

    def __len__(self) -> int:
        return len(self.files) * self._per_file

    def _variant(self, file: tuple[str, str, int], combo: Sequence[Any], seed: int) -> Variant:
        path, sha, _ = file
        return Variant(
            priors=path,
            priors_sha256=sha,
            overrides=dict(zip(self.grid, combo, strict=True)),
            engine=self.engine,
            seed=seed,
            draws=self.draws,
        )

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"plan indices must be integers or slices, not {type(index).__name__}")
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"plan index out of range (the plan has {n} variants)")
        f, rest = divmod(index, self._per_file)
        rest, s = divmod(rest, self._per_seed)
        combo: list[Any] = []
        for values in reversed(list(self.grid.values())):  # the last key varies fastest
            rest, j = divmod(rest, len(values))
            combo.append(values[j])
        file = self.files[f]
        return self._variant(file, combo[::-1], self.seeds[s] if self.seeds else file[2])

    def __iter__(self) -> Iterator[Variant]:
        for file in self.files:
            for combo in itertools.product(*self.grid.values()):
                for seed in self.seeds or (file[2],):
                    yield self._variant(file, combo, seed)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON data, its size that of the grid (``sweep.json`` holds it).

        Returns
        -------
        dict
            ``files`` (each ``priors``, ``priors_sha256``, ``seed``), ``grid``, ``seeds``,
            ``engine``, ``draws`` and ``variants`` (the count).

        Examples
        --------
        >>> p = plan(grid={"army_strikes.p": [0.2, 0.4]}, seeds=[1, 2])
        >>> data = p.to_dict()
        >>> data["grid"], data["seeds"], data["variants"]
        ({'army_strikes.p': [0.2, 0.4]}, [1, 2], 4)
        >>> [v.variant_id for v in Plan.from_dict(data)] == [v.variant_id for v in p]
        True
        """
        return {
            "files": [
                {"priors": path, "priors_sha256": sha, "seed": seed}
                for path, sha, seed in self.files
            ],
            "grid": {k: thaw(v) for k, v in self.grid.items()},
            "seeds": None if self.seeds is None else list(self.seeds),
            "engine": self.engine,
            "draws": self.draws,
            "variants": len(self),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """The plan of :meth:`to_dict`'s data (the files are not read again).

        Parameters
        ----------
        data : mapping
            As :meth:`to_dict` returns it (``variants`` is ignored).

        Returns
        -------
        Plan

        Examples
        --------
        >>> len(Plan.from_dict(plan(grid={"army_strikes.p": [0.2, 0.4]}).to_dict()))
        2
        """
        files = [(f["priors"], f["priors_sha256"], f["seed"]) for f in data["files"]]
        return cls(files, data["grid"], data.get("seeds"), data["engine"], data.get("draws"))

    def __repr__(self) -> str:
        sizes = " x ".join(f"{len(v)} {k}" for k, v in self.grid.items()) or "no grid"
        seeds = len(self.seeds) if self.seeds else "the files'"
        return f"<Plan of {len(self)} variants: {len(self.files)} files, {sizes}, {seeds} seeds>"


def plan(
    files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    grid: Mapping[str, Any] | None = None,
    *,
    engine: str = "exact",
    seeds: int | str | Sequence[int] | None = None,
    draws: int | None = None,
    max_variants: int | None = MAX_VARIANTS,
) -> Plan:
    """Every variant of a sweep: files x grid combinations x seeds, checked and bounded.

    Parameters
    ----------
    files : path, sequence of paths, or None
        Scenario files; a folder stands for its ``*.yaml`` files; ``None``: the built-in
        Wagner scenario.
    grid : mapping, optional
        Grid key -> values (a list, a numpy array, or text as in
        :func:`~scenarios.sweeps.grid.parse_values`), e.g.
        ``{"army_strikes.p": "0.05:0.95:40", "troops.between": [[20, 40], [25, 50]]}``.
        Every key must apply to every file.
    engine : {"exact", "pymc"}
    seeds : int, sequence of int, text, or None
        ``None``: each file's own seed. Several seeds multiply the variants.
    draws : int, optional
        Draws behind the intervals; ``None``: the engine's default.
    max_variants : int or None
        Most variants allowed (default :data:`MAX_VARIANTS`); ``None``: no limit. Checked
        from the grid's sizes before any file is read or any variant made.

    Returns
    -------
    Plan
        A sequence of :class:`Variant`: for each file (each once), the cartesian product
        of the grid in the grid's key order (the last key varying fastest), each with
        every seed; repeated values of a grid entry count once. Variants are made when
        asked for.

    Raises
    ------
    GridError
        More variants than ``max_variants`` (with the product and the limit), or every
        bad key or value kind, each named with its file (an unknown fact or field, an
        index out of range, a value of another kind than the file's).
    ScenarioError
        A file is missing or invalid.

    Examples
    --------
    >>> len(plan(grid={"army_strikes.p": "0.1:0.9:9", "troops.between.0": [20, 25]}))
    18
    >>> variants = plan(grid={"army_strikes.p": [0.2, 0.4]}, seeds=[1, 2])
    >>> [(dict(v.overrides), v.seed) for v in variants[:3]]
    [({'army_strikes.p': 0.2}, 1), ({'army_strikes.p': 0.2}, 2), ({'army_strikes.p': 0.4}, 1)]
    >>> plan(grid={"a.p": "0:1:1000", "b.p": "0:1:1000", "c.p": "0:1:1000"})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.sweeps.errors.GridError: sweep grid: 1 problem
      - the plan has 1,000,000,000 variants (1 file x 1,000 x 1,000 x 1,000 values x 1 ...
    """
    if engine not in ENGINES:
        raise GridError([f"engine: expected one of {list(ENGINES)}, got {engine!r}"])
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int) or draws < 1):
        raise GridError([f"draws: expected a positive integer, got {draws!r}"])
    if max_variants is not None and (
        isinstance(max_variants, bool) or not isinstance(max_variants, int) or max_variants < 1
    ):
        raise GridError([f"max_variants: expected a positive integer, got {max_variants!r}"])
    seed_list = None if seeds is None else parse_seeds([seeds] if isinstance(seeds, int) else seeds)
    problems: list[str] = []
    entries: dict[str, list[Any]] = {}
    for key, values in (grid or {}).items():
        try:
            split_key(key)
            entries[key] = _distinct(grid_values(key, values))
        except OverrideError as exc:  # GridError too
            problems.extend(str(p) for p in exc.problems)
    if problems:
        raise GridError(problems)
    paths = _files(files)
    n_seeds = len(seed_list) if seed_list else 1
    total = count_variants(len(paths), [len(v) for v in entries.values()], n_seeds)
    if max_variants is not None and total > max_variants:
        sizes = "".join(f" x {len(v):,}" for v in entries.values())
        raise GridError(
            [
                f"the plan has {total:,} variants ({len(paths):,} file{'s' * (len(paths) != 1)}"
                f"{sizes}{' values' if entries else ''} x {n_seeds:,} seed{'s' * (n_seeds != 1)})"
                f", more than the limit of {max_variants:,}: narrow the grid, or raise the "
                "limit (--max-variants N, or max_variants=N)"
            ]
        )
    loaded = []
    for path, given in paths.items():
        raw = read_bytes(given)
        scenario = from_bytes(raw, str(given))
        for key, values in entries.items():
            try:
                check_override(scenario, key, values)
            except OverrideError as exc:
                problems.extend(f"{path.name}: {p}" for p in exc.problems)
        loaded.append((str(path), sha256_bytes(raw), scenario.seed))
    if problems:
        raise GridError(problems)
    return Plan(loaded, entries, seed_list, engine, draws)

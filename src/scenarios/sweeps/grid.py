"""The grid language: values, grids and seeds, from text, YAML files or Python.

A grid maps a dotted key (``army_strikes.p``, ``troops.between.0``; see
:mod:`scenarios.spec.overrides`) to a list of values. Values are given as text on the
command line and in grid files, and as lists, tuples, numpy arrays or ranges in Python;
every form ends as plain JSON data (finite numbers, text, true/false, null, lists,
objects), so that a variant hashes and pickles the same everywhere.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scenarios.errors import ScenarioError
from scenarios.io.yamlfile import read_yaml
from scenarios.sweeps.errors import GridError

__all__ = ["MAX_VALUES", "grid_values", "parse_grid", "parse_seeds", "parse_values", "plain"]

#: Most values in one grid entry.
MAX_VALUES = 1_000_000

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*(\d+)\s*$")


def plain(value: Any, where: str) -> Any:
    """``value`` as plain JSON data: numpy scalars and arrays, and tuples, converted.

    Parameters
    ----------
    value : object
        A number, text, bool, None, list, tuple, mapping with text keys, or numpy value.
    where : str
        The grid key, named in errors.

    Returns
    -------
    object
        Built of ``None``, bool, int, float, str, list and dict only.

    Raises
    ------
    GridError
        A number that is not finite, a mapping key that is not text, or another type.

    Examples
    --------
    >>> import numpy as np
    >>> plain((np.float64(0.5), [np.int64(2)]), "x")
    [0.5, [2]]
    >>> plain(float("inf"), "army_strikes.p")
    Traceback (most recent call last):
    ...
    scenarios.sweeps.errors.GridError: sweep grid: 1 problem
      - army_strikes.p: expected a finite number, got inf
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = float(value)  # numpy's float64 is a float too
        if not math.isfinite(value):
            raise GridError([f"{where}: expected a finite number, got {value!r}"])
        return value
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:
        return plain(value.item(), where)  # a numpy scalar
    if hasattr(value, "tolist"):
        return plain(value.tolist(), where)
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise GridError([f"{where}: keys must be text, got {k!r}"])
            out[k] = plain(v, f"{where}.{k}")
        return out
    if isinstance(value, list | tuple):
        return [plain(v, where) for v in value]
    raise GridError(
        [f"{where}: expected numbers, text, lists or objects, got {type(value).__name__}"]
    )


def _item(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _tidy(x: float) -> float:
    """A float with 12 significant digits, so that 0.1 + 0.2 reads 0.3 in ids and tables."""
    return float(f"{x:.12g}")


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
        Empty values, a count of 0, or more than :data:`MAX_VALUES` values.

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
        if not 1 <= count <= MAX_VALUES:
            raise GridError(
                [f"{name}: {spec!r}: COUNT must be between 1 and {MAX_VALUES}, got {count}"]
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


def grid_values(key: str, values: Any) -> list[Any]:
    """A grid entry's values, given any way the Python API or a grid file allows.

    Parameters
    ----------
    key : str
        The grid key, named in errors.
    values : str, list, tuple, range, numpy array or one value
        Text as in :func:`parse_values`; a single number or object is one value.

    Returns
    -------
    list
        Plain JSON data (see :func:`plain`).

    Raises
    ------
    GridError
        No values, too many, or a value that is not plain data.

    Examples
    --------
    >>> grid_values("troops.between.0", range(20, 26, 5))
    [20, 25]
    >>> grid_values("army_strikes", {"p": 0.3})
    [{'p': 0.3}]
    """
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
    if len(values) > MAX_VALUES:
        raise GridError([f"{key}: {len(values)} values; at most {MAX_VALUES}"])
    return [plain(v, key) for v in values]


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
                grid[key] = grid_values(key, values)
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
            problems.extend(str(p) for p in exc.problems)
    if problems:
        raise GridError(problems)
    return grid


def _grid_file(path: Path) -> dict[str, Any]:
    """A grid file's mapping, read with the library's one YAML reader."""
    try:
        data = read_yaml(path)
    except ScenarioError as exc:  # unreadable, too large, not UTF-8, bad or duplicate keys
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

    Parameters
    ----------
    spec : str or iterable of int
        Text as in :func:`parse_values`, or the seeds.

    Returns
    -------
    list of int
        Each in ``[0, 2**32)``, duplicates removed, in the order given.

    Raises
    ------
    GridError
        A value that is not an integer in range, or no seed at all.

    Examples
    --------
    >>> parse_seeds("1:4:4")
    [1, 2, 3, 4]
    >>> parse_seeds([3, 1, 3])
    [3, 1]
    """
    values = parse_values(spec, name="seeds") if isinstance(spec, str) else list(spec)
    out, bad = [], []
    for v in values:
        if (
            isinstance(v, bool)
            or not isinstance(v, numbers.Real)  # numpy integers too
            or not math.isfinite(v)
            or v != int(v)
        ):
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

"""Scenario files: YAML in, validated scenario out, and back, atomically.

Loading is safe by construction: plain YAML only (no Python tags, no aliases, no
duplicate keys), a size limit, and every problem reported with the file and the field
path. Saving never overwrites: it writes a temporary file and links it into place, so
a reader never sees half a file and two saves never collide.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios.errors import ScenarioError
from scenarios.io.data import example
from scenarios.io.files import MAX_BYTES, decode, read_bytes, write_atomic
from scenarios.io.yamlfile import dump_yaml, parse_yaml
from scenarios.spec.scenario import Scenario
from scenarios.spec.validation import validation_problems

__all__ = ["default_priors", "dumps", "from_bytes", "from_dict", "load", "loads", "save"]


def loads(text: str, file: str | None = None) -> Scenario:
    """Parse and validate a scenario from YAML text.

    Parameters
    ----------
    text : str
    file : str, optional
        Named in errors.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem with its field path (and ``file``).

    Examples
    --------
    >>> s = loads('''
    ... title: Coin
    ... facts: {biased: {kind: binary, prior: {p: 0.5}}}
    ... outcomes: {heads: {kind: binary, exhaustive: yes or no,
    ...            prior: {given: [biased], table: [{when: {biased: true}, p: 0.9},
    ...                                            {when: {biased: false}, p: 0.5}]}}}
    ... ''')
    >>> s.title
    'Coin'
    """
    return from_dict(parse_yaml(text, file), file)


def from_dict(data: Any, file: str | None = None) -> Scenario:
    """Validate a plain mapping (as read from YAML or JSON) into a scenario.

    Parameters
    ----------
    data : object
        Should be a mapping with ``title``, ``facts`` and ``outcomes``.
    file : str, optional
        Named in errors.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Listing every problem with its field path.

    Examples
    --------
    >>> from_dict(["not", "a", "mapping"], "mine.yaml")
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: mine.yaml: 1 problem
      - expected a mapping with title, facts, outcomes, got list
    """
    if not isinstance(data, dict):
        raise ScenarioError.single(
            (), f"expected a mapping with title, facts, outcomes, got {type(data).__name__}", file
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc), file) from None
    except ScenarioError as exc:
        raise exc.with_file(file) if file else exc from None
    except RecursionError:
        raise ScenarioError.single((), "nesting is too deep", file) from None


def load(path: str | os.PathLike[str]) -> Scenario:
    """Load a scenario file.

    Parameters
    ----------
    path : str or path-like
        A YAML priors file, e.g. ``"priors/wagner-2023-06-23.yaml"``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the file cannot be read or is not a valid scenario; the message names the file,
        each field path and what was expected.

    Examples
    --------
    >>> s = load(default_priors())
    >>> "mutiny_end" in s.outcomes
    True
    """
    return from_bytes(read_bytes(path), str(path))


def from_bytes(raw: bytes, file: str | None = None) -> Scenario:
    """Validate a scenario from a file's bytes: size limit, UTF-8, then :func:`loads`.

    Parameters
    ----------
    raw : bytes
    file : str, optional
        Named in errors.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Too large, not UTF-8, not YAML, or not a valid scenario.

    Examples
    --------
    >>> from scenarios.io.files import read_bytes
    >>> from_bytes(read_bytes(default_priors())).title[:6]
    'Wagner'
    """
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single((), f"file is larger than {MAX_BYTES:,} bytes", file)
    return loads(decode(raw, file), file)


def dumps(scenario: Scenario) -> str:
    """The scenario as YAML text; ``loads(dumps(s)) == s``.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    str
        Fields at their defaults are left out; each node's ``kind`` comes first.

    Examples
    --------
    >>> s = load(default_priors())
    >>> text = dumps(s)
    >>> text.startswith("format: scenarios/1"), loads(text) == s
    (True, True)
    """
    data = scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"format": scenario.format, **data}
    for group in ("facts", "outcomes"):
        for name, node in data.get(group, {}).items():
            kind = scenario.nodes[name].kind
            data[group][name] = {"kind": kind, **{k: v for k, v in node.items() if k != "kind"}}
    return dump_yaml(data)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "scenario"


def save(scenario: Scenario, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a scenario to a new file, atomically.

    Parameters
    ----------
    scenario : Scenario
    path : str or path-like
        A file name, or a directory: then a new name is made from the title and the time
        (``<title>-<UTC time>.yaml``, with ``-2``, ``-3`` ... if taken).
    overwrite : bool
        Replace an existing file. By default an existing file is an error.

    Returns
    -------
    pathlib.Path
        Where it was written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> where = save(load(default_priors()), tempfile.mkdtemp())
    >>> load(where) == load(default_priors())
    True
    """
    path = Path(path)
    text = dumps(scenario)
    header = (
        f"# {scenario.title}\n# saved by scenarios on "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}\n"
    )
    if path.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        base = f"{_slug(scenario.title)}-{stamp}"
        for n in range(1, 10_000):
            candidate = path / (f"{base}.yaml" if n == 1 else f"{base}-{n}.yaml")
            try:
                write_atomic(candidate, header + text, overwrite=False)
                return candidate
            except FileExistsError:
                continue
        raise FileExistsError(f"no free file name for {base} in {path}")
    write_atomic(path, header + text, overwrite=overwrite)
    return path


def default_priors() -> Path:
    """The built-in Wagner scenario file, shipped inside the package.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> default_priors().name
    'wagner-2023-06-23.yaml'
    """
    return example()

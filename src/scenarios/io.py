"""Scenario files: YAML in, validated scenario out, and back, atomically.

Loading is safe by construction: plain YAML only (no Python tags, no aliases, no
duplicate keys), a size limit, and every problem reported with the file and the field
path. Saving never overwrites: it writes a temporary file and links it into place, so
a reader never sees half a file and two saves never collide.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scenarios.errors import Problem, ScenarioError
from scenarios.scenario import Scenario, validation_problems

__all__ = ["default_priors", "dumps", "load", "loads", "save"]

#: Largest scenario file read, in bytes.
MAX_BYTES = 5_000_000
DEFAULT_PRIORS = "wagner-2023-06-23.yaml"


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that also refuses aliases (billion-laughs) and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:
                raise yaml.MarkedYAMLError(
                    None,
                    None,
                    f"a mapping key must be plain text or a number, got {key!r}",
                    key_node.start_mark,
                ) from None
            if duplicate:
                raise yaml.MarkedYAMLError(
                    None,
                    None,
                    f"duplicate key {key!r} (the later value would hide the earlier)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 reads yes/no/on/off as booleans, which would silently rename states such as
# `yes`/`no`: only true/false are booleans here (as in YAML 1.2).
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Dumper(yaml.SafeDumper):
    """Safe YAML whose strings survive a round trip, odd line breaks included."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> Any:
    # NEL and the Unicode line/paragraph separators are folded by plain and block styles
    odd = any(c in value for c in "\x85\u2028\u2029") or any(
        ord(c) < 32 and c not in "\n\t" for c in value
    )
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if odd else None)


_Dumper.add_representer(str, _represent_text)


def _located(exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
    what = getattr(exc, "problem", None) or str(exc)
    return Problem((where,), f"not valid scenario YAML: {what}")


def loads(text: str, file: str | None = None) -> Scenario:
    """Parse and validate a scenario from YAML text.

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
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ScenarioError.single((), f"file is larger than {MAX_BYTES} bytes", file)
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError([_located(exc)], file) from None
    except RecursionError:
        raise ScenarioError.single((), "nesting is too deep", file) from None
    return from_dict(data, file)


def from_dict(data: Any, file: str | None = None) -> Scenario:
    """Validate a plain mapping (as read from YAML or JSON) into a scenario."""
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
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError.single((), f"cannot read the file: {exc.strerror}", str(path)) from None
    return from_bytes(raw, str(path))


def from_bytes(raw: bytes, file: str | None = None) -> Scenario:
    """Validate a scenario from a file's bytes: size limit, UTF-8, then :func:`loads`."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single((), f"file is larger than {MAX_BYTES} bytes", file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(
            (), f"expected UTF-8 text ({exc.reason} at byte {exc.start})", file
        ) from None
    return loads(text, file)


def dumps(scenario: Scenario) -> str:
    """The scenario as YAML text; ``loads(dumps(s)) == s``."""
    data = scenario.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data = {"format": scenario.format, **data}
    for group in ("facts", "outcomes"):
        for name, node in data.get(group, {}).items():
            kind = scenario.nodes[name].kind
            data[group][name] = {"kind": kind, **{k: v for k, v in node.items() if k != "kind"}}
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


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
    >>> where = save(load(default_priors()), tempfile.mkdtemp())  # doctest: +SKIP
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
                _write_new(candidate, header + text, overwrite=False)
                return candidate
            except FileExistsError:
                continue
        raise FileExistsError(f"no free file name for {base} in {path}")
    _write_new(path, header + text, overwrite=overwrite)
    return path


def _write_new(path: Path, text: str, overwrite: bool) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # atomic, and fails if the name is taken
    except FileExistsError:
        raise FileExistsError(f"{path} exists; choose a new name or pass overwrite=True") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def default_priors() -> Path:
    """The built-in Wagner scenario file, ``priors/wagner-2023-06-23.yaml``."""
    root = Path(os.environ.get("SCENARIOS_PRIORS", Path(__file__).resolve().parents[2] / "priors"))
    path = root / DEFAULT_PRIORS
    if not path.exists():
        raise FileNotFoundError(
            f"{path} not found: run from a source checkout, or set SCENARIOS_PRIORS to the "
            "folder holding the priors files"
        )
    return path

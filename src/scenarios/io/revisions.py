"""Revisions of a priors file: the edited scenario saved beside the file it came from.

A revision keeps what the analyst wrote: the file's comments, key order and quoting
are kept (a round trip with ``ruamel.yaml``), only the values that changed are
rewritten, and each changed value gets a comment beside it saying what it was, when
it changed and why. A node whose prior changed and that explains its prior in
``reasoning`` gets that text marked as written for the previous value, so it is never
silently kept for a number it does not explain.

The file's name keeps its stem, with a revision suffix: ``wagner-2023-06-23.yaml`` is
revised as ``wagner-2023-06-23.r2.yaml``, then ``.r3`` ..., so that
``resolutions/wagner-2023-06-23.yaml`` still applies
(:func:`scenarios.io.data.resolution_for` reads through the suffix).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scenarios.errors import ScenarioError
from scenarios.io.files import read_text, write_atomic
from scenarios.io.scenario_files import dumps, loads
from scenarios.io.yamlfile import parse_yaml
from scenarios.spec.overrides import thaw
from scenarios.spec.scenario import Scenario

__all__ = ["REVISION", "Change", "base_stem", "glob_escape", "revision_path", "save_revision"]

#: A revised file's stem: ``<base>.r<number>``.
REVISION = re.compile(r"^(?P<base>.+)\.r(?P<number>[0-9]{1,6})$")
_MISSING = object()


@dataclass(frozen=True)
class Change:
    """One value a revision changed.

    Attributes
    ----------
    path : tuple of str or int
        Where, in the file (``("facts", "army_strikes", "prior", "p")``).
    old, new : object
        The values before and after (``None``: absent).
    """

    path: tuple[str | int, ...]
    old: Any
    new: Any

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path)
        return f"{where}: {_short(self.old)} -> {_short(self.new)}"


def _short(value: Any) -> str:
    if value is None or value is _MISSING:
        return "(none)"
    text = str(value) if not isinstance(value, Mapping | list) else repr(thaw(value))
    return text if len(text) <= 60 else text[:59] + "…"


def base_stem(stem: str) -> str:
    """A file stem without its revision suffix.

    Parameters
    ----------
    stem : str

    Returns
    -------
    str

    Examples
    --------
    >>> base_stem("wagner-2023-06-23.r3"), base_stem("wagner-2023-06-23")
    ('wagner-2023-06-23', 'wagner-2023-06-23')
    """
    match = REVISION.match(stem)
    return match.group("base") if match else stem


def revision_path(source: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """The next free revision name for ``source`` in ``folder``.

    Parameters
    ----------
    source : str or path-like
        The file being revised (itself a revision or not).
    folder : str or path-like
        Where the revision goes.

    Returns
    -------
    pathlib.Path
        ``<folder>/<base>.r<n>.yaml``, ``n`` one more than the largest revision there
        (2 for the first: the original is revision 1).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> revision_path("priors/wagner.yaml", folder).name
    'wagner.r2.yaml'
    >>> _ = (folder / "wagner.r2.yaml").write_text("")
    >>> revision_path(folder / "wagner.r2.yaml", folder).name
    'wagner.r3.yaml'
    """
    base = base_stem(Path(source).stem)
    taken = [1]
    for other in Path(folder).glob(f"{glob_escape(base)}.r*.yaml"):
        match = REVISION.match(other.stem)
        if match and match.group("base") == base:
            taken.append(int(match.group("number")))
    return Path(folder) / f"{base}.r{max(taken) + 1}.yaml"


def glob_escape(text: str) -> str:
    """Text with the glob wildcards ``*?[`` escaped.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> glob_escape("a[1]*")
    'a[[]1][*]'
    """
    return re.sub(r"([*?\[])", r"[\1]", text)


def _differences(old: Any, new: Any, path: tuple[str | int, ...], out: list[Change]) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in new:
            _differences(old.get(key, _MISSING), new[key], (*path, key), out)
        for key in old:
            if key not in new:
                out.append(Change((*path, key), old[key], None))
        return
    if old is _MISSING:
        out.append(Change(path, None, new))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        if all(isinstance(x, Mapping) for x in (*old, *new)):
            for i, (a, b) in enumerate(zip(old, new, strict=True)):
                _differences(a, b, (*path, i), out)
        elif old != new:
            out.append(Change(path, old, new))
    elif old != new or (type(old) is not type(new) and not _same_number(old, new)):
        out.append(Change(path, old, new))


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and float(a) == float(b)
    )


def _container(doc: Any, path: Sequence[str | int]) -> Any:
    node = doc
    for step in path:
        node = node[step]
    return node


def _write_value(doc: Any, change: Change) -> bool:
    """Set the change's value in the round-trip document; False if it has no place."""
    *parents, last = change.path
    try:
        parent = _container(doc, parents)
    except (KeyError, IndexError, TypeError):
        return False
    if change.new is None:
        if isinstance(parent, Mapping) and last in parent:
            del parent[last]
        return True
    try:
        before = parent[last]
    except (KeyError, IndexError, TypeError):
        before = None
    try:
        parent[last] = _styled(thaw(change.new), before)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def _styled(value: Any, like: Any) -> Any:
    """``value`` as a round-trip node written as ``like`` was (flow ``[a, b]`` stays flow)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    flow = bool(getattr(getattr(like, "fa", None), "flow_style", lambda: False)())
    if isinstance(value, list):
        node: Any = CommentedSeq(value)
    elif isinstance(value, dict):
        node = CommentedMap(value)
    else:
        return value
    if flow:
        node.fa.set_flow_style()
    return node


def _folded(text: str, width: int = 80) -> Any:
    """Text as a folded block scalar (``>-``), folded at spaces near ``width``."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    folded = FoldedScalarString(text)
    positions, line_start = [], 0
    for i, ch in enumerate(text):
        if ch == " " and i - line_start >= width:
            positions.append(i)
            line_start = i + 1
    folded.fold_pos = positions  # type: ignore[attr-defined]
    return folded


def _layout(text: str) -> tuple[int, int, int]:
    """The indentation (mapping, sequence, offset) that best rewrites ``text`` as it is."""
    import difflib

    from ruamel.yaml import YAML

    best, score = (2, 4, 2), -1.0
    lines = text.splitlines()
    for indent in ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0)):
        rt = YAML(typ="rt")
        rt.preserve_quotes = True
        rt.width = 4096
        rt.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
        out = io.StringIO()
        rt.dump(rt.load(text), out)
        ratio = difflib.SequenceMatcher(None, lines, out.getvalue().splitlines()).ratio()
        if ratio > score:
            best, score = indent, ratio
    return best


def _note(change: Change, stamp: str, label: str, why: str) -> str:
    was = "absent" if change.old is None else f"was {_short(change.old)}"
    return f"{label} {stamp}: {was}; why: {why}"


def save_revision(
    scenario: Scenario,
    source: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    *,
    why: str = "",
    now: datetime | None = None,
) -> tuple[Path, list[Change]]:
    """Save ``scenario`` as the next revision of the file ``source``, keeping its layout.

    Parameters
    ----------
    scenario : Scenario
        The edited scenario.
    source : str or path-like
        The priors file it was opened from.
    folder : str or path-like, optional
        Where to write; default: beside ``source``.
    why : str
        The analyst's reason, written beside every changed value.
    now : datetime, optional
        The revision's time (UTC); default: now.

    Returns
    -------
    path : pathlib.Path
        The new file (:func:`revision_path`); never an existing one.
    changes : list of Change
        What changed, in file order.

    Raises
    ------
    ScenarioError
        If the source cannot be read, or the kept layout would not load back to the
        scenario (nothing is written then).
    FileExistsError
        If another process took the name first.

    Examples
    --------
    >>> import tempfile, scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> s2 = s.with_prior("army_strikes", {"p": 0.45, "concentration": 5})
    >>> path, changes = save_revision(s2, scenarios.example(), tempfile.mkdtemp(), why="test")
    >>> path.name, [str(c) for c in changes]
    ('wagner-2023-06-23.r2.yaml', ['facts.army_strikes.prior.p: 0.3 -> 0.45'])
    >>> scenarios.load(path).facts["army_strikes"].prior.p
    0.45
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    source = Path(source)
    text = read_text(source)
    original = loads(text, str(source))
    old, new = parse_yaml(dumps(original)), parse_yaml(dumps(scenario))
    changes: list[Change] = []
    _differences(old, new, (), changes)
    target = revision_path(source, folder if folder is not None else source.parent)
    label = target.stem.rpartition(".")[2]
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    why = " ".join(why.split()) or "(no reason given)"

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    mapping, sequence, offset = _layout(text)
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    doc = rt.load(text)
    kept = all(_write_value(doc, c) for c in changes)
    for c in changes:
        *parents, last = c.path
        parent = _container(doc, parents) if kept else None
        if isinstance(parent, CommentedMap) and last in parent:
            parent.yaml_add_eol_comment(_note(c, stamp, label, why), last)
    # reasoning written for a prior that changed: say so in it, not silently keep it
    stale = {c.path[:2] for c in changes if len(c.path) > 2 and c.path[2] == "prior"}
    for group, name in sorted(stale, key=str):
        node = doc.get(group, {}).get(name) if kept else None
        if isinstance(node, CommentedMap) and node.get("reasoning"):
            said = " ".join(str(node["reasoning"]).split())
            node["reasoning"] = _folded(
                f"[{label} {stamp}: this reasoning was written for the previous prior; "
                f"the prior changed because: {why}] {said}"
            )
    header = (
        f"# Revision {label} of {source.name}, {stamp}: "
        + ("; ".join(str(c) for c in changes) or "no value changed")
        + f". Why: {why}\n"
    )
    out = io.StringIO()
    rt.dump(doc, out)
    body = out.getvalue()
    revised = loads(body, str(target)) if kept else None
    if revised is None or _without_reasoning(revised) != _without_reasoning(scenario):
        raise ScenarioError.single(
            (),
            "the revision cannot keep this file's layout (a value is written in a form "
            "the editor cannot place); save a plain copy instead (scenarios.save)",
            str(source),
        )
    write_atomic(target, header + body, overwrite=False)
    return target, changes


def _without_reasoning(scenario: Scenario) -> Any:
    data = scenario.model_dump(mode="json")
    for group in ("facts", "outcomes"):
        for node in data.get(group, {}).values():
            node.pop("reasoning", None)
    return data

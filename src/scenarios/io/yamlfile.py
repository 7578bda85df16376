"""YAML as scenario files need it: safe, located, and the same everywhere.

One reader for every YAML the library takes (priors, resolutions, grids, sweep
plans): plain YAML only (no Python tags), no aliases (billion laughs), no duplicate
keys, YAML 1.2 core scalars (``yes``/``no`` stay text, ``010`` is ten, ``1:30`` is
text), numbers that remember how they were written (so a state written ``010`` keeps
that name), a size limit checked before reading, and errors that name the file, line
and column.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any

import yaml

from scenarios.errors import Problem, ScenarioError
from scenarios.io.files import MAX_BYTES, read_text
from scenarios.spec.fields import (
    WrittenDate,
    WrittenDatetime,
    WrittenFloat,
    WrittenInt,
    written,
    written_time,
)

__all__ = [
    "MAX_NUMBER_CHARS",
    "Dumper",
    "StrictLoader",
    "dump_yaml",
    "located",
    "parse_yaml",
    "read_yaml",
]


class StrictLoader(yaml.SafeLoader):
    """Safe YAML that also refuses aliases (billion-laughs) and duplicate keys.

    Use it through :func:`parse_yaml`, which adds the size limit and located errors.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose a node, refusing an alias (``*name``) where one would be read.

        An alias repeats a node without its text: a few lines of aliases can unfold to
        gigabytes (billion laughs), and scenario files never need them.

        Parameters
        ----------
        parent : yaml.Node or None
            The node being composed around this one.
        index : object
            This node's key or position in ``parent``.

        Returns
        -------
        yaml.Node

        Raises
        ------
        yaml.MarkedYAMLError
            An alias, located.

        Examples
        --------
        >>> StrictLoader("{a: &x 1, b: *x}").get_single_data()
        Traceback (most recent call last):
        ...
        yaml.error.MarkedYAMLError: aliases (*name) are not allowed in scenario files
          in "<unicode string>", line 1, column 14:
            {a: &x 1, b: *x}
                         ^
        """
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "aliases (*name) are not allowed in scenario files", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """Construct a mapping, refusing duplicate keys and keys that cannot be hashed.

        Plain YAML keeps the later of two equal keys without a word; in a priors file
        that would silently drop a prior the forecaster wrote.

        Parameters
        ----------
        node : yaml.MappingNode
        deep : bool
            Construct the values' own contents now too.

        Returns
        -------
        dict

        Raises
        ------
        yaml.MarkedYAMLError
            A duplicate key, or a key that is a list or mapping, located.

        Examples
        --------
        >>> loader = StrictLoader("{a: 1, b: [1, 2]}")
        >>> loader.construct_mapping(loader.get_single_node(), deep=True)
        {'a': 1, 'b': [1, 2]}
        >>> StrictLoader("{a: 1, a: 2}").get_single_data()
        Traceback (most recent call last):
        ...
        yaml.error.MarkedYAMLError: duplicate key 'a' (the later value would hide the earlier)
          in "<unicode string>", line 1, column 8:
            {a: 1, a: 2}
                   ^
        """
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


#: Longest number accepted, in characters: no number a scenario can hold needs more (a
#: float ends near 1e308), and Python refuses to read integers beyond 4,300 digits.
MAX_NUMBER_CHARS = 400

# Plain scalars are resolved by YAML 1.2's core schema, not YAML 1.1's: `yes`/`no`/`on`/
# `off` stay text (only true/false are booleans), `010` is ten (not octal eight), `1:30`
# and `1_000` are text (not 90 and 1000), and octal is written `0o17`.
_CORE_TYPES = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _CORE_TYPES]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
StrictLoader.add_implicit_resolver(  # before float: "10" is an int
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _number_text(loader: StrictLoader, node: Any) -> str:
    text = str(loader.construct_scalar(node))
    if len(text) > MAX_NUMBER_CHARS:
        raise yaml.MarkedYAMLError(
            None,
            None,
            f"a number of {len(text):,} characters (at most {MAX_NUMBER_CHARS} are read): "
            f"no value a scenario holds needs it; quote it if it is a name",
            node.start_mark,
        )
    return text


def _construct_int(loader: StrictLoader, node: Any) -> int:
    """An integer by YAML 1.2 (decimal, ``0o`` octal, ``0x`` hex), remembering its text."""
    text = _number_text(loader, node)
    try:
        if text[:2] in ("0o", "0x"):
            value = int(text[2:], 8 if text[1] == "o" else 16)
        else:
            value = int(text, 10)
    except ValueError:
        raise yaml.MarkedYAMLError(
            None, None, f"not an integer: {text!r}", node.start_mark
        ) from None
    return written(value, text)  # type: ignore[return-value]


def _construct_float(loader: StrictLoader, node: Any) -> float:
    """A float by YAML 1.2 (``.inf``, ``.nan`` included), remembering its text."""
    text = _number_text(loader, node)
    special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
    try:
        value = special[text.lower()] if text.lower() in special else float(text)
    except ValueError:
        raise yaml.MarkedYAMLError(None, None, f"not a number: {text!r}", node.start_mark) from None
    return written(value, text)  # type: ignore[return-value]


def _construct_timestamp(loader: StrictLoader, node: Any) -> Any:
    """A date or time, remembering its text (a state written ``2021-3-5`` keeps it)."""
    value = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    return written_time(value, str(node.value))


StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


class Dumper(yaml.SafeDumper):
    """Safe YAML whose strings survive a round trip, odd line breaks included.

    Text that either YAML 1.1 or :class:`StrictLoader`'s YAML 1.2 would read as
    something else (``yes``, ``010``, ``1e3``) is quoted, so the file reads back the same
    here and in other YAML tools.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        r"""The tag a plain scalar would be read as: YAML 1.1's, or else YAML 1.2's.

        Parameters
        ----------
        kind : type of yaml.Node
        value : str or None
        implicit : (bool, bool)

        Returns
        -------
        str
            A tag.

        Examples
        --------
        >>> dump_yaml(["1e3", "yes", "plain"])
        "- '1e3'\n- 'yes'\n- plain\n"
        """
        tag = super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0] and tag == "tag:yaml.org,2002:str":
            for core, rx in StrictLoader.yaml_implicit_resolvers.get(value[:1], []):
                if rx.match(value):
                    return core
        return tag


def _represent_text(dumper: yaml.SafeDumper, value: str) -> Any:
    # NEL and the Unicode line/paragraph separators are folded by plain and block styles
    odd = any(c in value for c in "\x85\u2028\u2029") or any(
        ord(c) < 32 and c not in "\n\t" for c in value
    )
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if odd else None)


def _represent_written(dumper: yaml.SafeDumper, value: WrittenInt | WrittenFloat) -> Any:
    tag = "tag:yaml.org,2002:int" if isinstance(value, int) else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, value.written)


Dumper.add_representer(str, _represent_text)
Dumper.add_representer(WrittenInt, _represent_written)
Dumper.add_representer(WrittenFloat, _represent_written)
Dumper.add_representer(WrittenDate, yaml.SafeDumper.represent_date)
Dumper.add_representer(WrittenDatetime, yaml.SafeDumper.represent_datetime)


def located(exc: yaml.YAMLError) -> Problem:
    """A YAML error as a problem located at its line and column.

    Parameters
    ----------
    exc : yaml.YAMLError

    Returns
    -------
    Problem
        With the path ``("line L, column C",)`` when the error has a position.

    Examples
    --------
    >>> try:
    ...     yaml.load("a: [1", Loader=StrictLoader)
    ... except yaml.YAMLError as exc:
    ...     print(located(exc))
    line 1, column 6: not valid scenario YAML: expected ',' or ']', but got '<stream end>'
    """
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
    what = getattr(exc, "problem", None) or str(exc)
    return Problem((where,), f"not valid scenario YAML: {what}")


def parse_yaml(text: str, file: str | None = None, limit: int = MAX_BYTES) -> Any:
    r"""Plain data from YAML text, read with :class:`StrictLoader`.

    Parameters
    ----------
    text : str
    file : str, optional
        Named in errors.
    limit : int
        Largest size accepted, in UTF-8 bytes.

    Returns
    -------
    object
        Mappings, lists, text, numbers, booleans and ``None``.

    Raises
    ------
    ScenarioError
        With the line and column of a syntax error, an alias, a duplicate key or a
        Python tag; or the text is too large or too deeply nested.

    Examples
    --------
    >>> parse_yaml("states: [yes, no]")
    {'states': ['yes', 'no']}
    >>> data = parse_yaml("[010, 0x1F, 1:30, 1_000, 1e3, 0o17]")
    >>> data, [getattr(v, "written", None) for v in data]
    ([10, 31, '1:30', '1_000', 1000.0, 15], ['010', '0x1F', None, None, '1e3', '0o17'])
    >>> parse_yaml("a: 1\na: 2", file="demo.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: demo.yaml: 1 problem
      - line 2, column 1: not valid scenario YAML: duplicate key 'a' (the later value ...)
    """
    if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
        raise ScenarioError.single((), f"file is larger than {limit:,} bytes", file)
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError([located(exc)], file) from None
    except RecursionError:
        raise ScenarioError.single((), "nesting is too deep", file) from None


def read_yaml(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> Any:
    """Plain data from a YAML file: a bounded read, then :func:`parse_yaml`.

    Parameters
    ----------
    path : str or path-like
    limit : int
        Largest size accepted, in bytes.

    Returns
    -------
    object

    Raises
    ------
    ScenarioError
        As :func:`scenarios.io.files.read_text` and :func:`parse_yaml`, naming the file.

    Examples
    --------
    >>> from scenarios.io.data import example
    >>> read_yaml(example("wagner-2023-06-23"))["title"][:6]
    'Wagner'
    """
    return parse_yaml(read_text(path, limit), str(path), limit)


def dump_yaml(data: Any) -> str:
    r"""YAML text for plain data, strings kept intact through a round trip.

    Parameters
    ----------
    data : object
        Plain data; keys keep their order.

    Returns
    -------
    str

    Examples
    --------
    >>> parse_yaml(dump_yaml({"text": "line\u2028break"}))
    {'text': 'line\u2028break'}
    >>> dump_yaml(parse_yaml("states: [010, 1e3]"))  # numbers keep how they were written
    'states:\n- 010\n- 1e3\n'

    """
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)

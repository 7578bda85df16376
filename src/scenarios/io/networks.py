"""Discrete Bayesian networks written as BIF, XMLBIF and GeNIe's XDSL.

A :class:`DiscreteNetwork` is a list of :class:`Variable` s (named states, parents, a
conditional table, optionally an observed state), parents before children. It is what
:func:`scenarios.engines.export.to_network` makes of a scenario, and what
:func:`write_network` writes, atomically, in one of :data:`FORMATS`. Numbers are written
with Python's shortest round-trip ``repr``, so that a reader that parses float64 gets
every table back bit for bit (pyAgrum's BIF reader parses float32: its tables differ
by up to 6e-8 relative; its XMLBIF and XDSL readers keep float64).

Names are made identifiers (:func:`scenarios.io.bif.node_name`), state names too; the
original name, when it changed, and the numbers a discretised state stands for are kept
as ``name = value`` lines: comments in BIF (pyAgrum's BIF reader refuses properties),
properties in XMLBIF, the node's comment in XDSL. None of the formats carries evidence:
a variable with an ``observed`` state (a claim's virtual-evidence node,
``reported_<claim>``) has it written the same way (``observed = true``), and a reader
must set it as evidence before querying (:attr:`DiscreteNetwork.evidence`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from scenarios.io.bif import node_name
from scenarios.io.files import write_atomic

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "DiscreteNetwork",
    "Variable",
    "format_of",
    "identifiers",
    "to_bif",
    "to_xdsl",
    "to_xmlbif",
    "write_network",
]

#: Columns of a table may miss one by this much (float rounding of a normalised product).
TABLE_TOLERANCE = 1e-9

#: Words the BIF grammar reserves, never used as a name.
RESERVED = frozenset(
    {"network", "variable", "probability", "property", "table", "type", "discrete", "default"}
)

_SAFE_TEXT = re.compile(r"[^\w .,:;=+\-()\[\]/<>@~#%*!?']")


@dataclass(frozen=True, eq=False)
class Variable:
    """One node of a discrete network.

    Attributes
    ----------
    name : str
        An identifier (letters, digits, ``_``; starting with a letter).
    states : tuple of str
        Identifiers, distinct.
    parents : tuple of str
        Names of earlier variables.
    table : numpy.ndarray
        ``P(self | parents)``: shape ``(*parent state counts, len(states))``; every
        column (last axis) sums to one.
    description : str
        Free text (what the node is, where its numbers come from).
    properties : mapping of str to str
        Written as ``name = value`` properties (BIF, XMLBIF).
    observed : str or None
        The state observed (virtual evidence), if any.

    Examples
    --------
    >>> v = Variable("rain", ("no", "yes"), (), np.array([0.7, 0.3]))
    >>> v.table.sum()
    np.float64(1.0)
    """

    name: str
    states: tuple[str, ...]
    parents: tuple[str, ...]
    table: np.ndarray
    description: str = ""
    properties: Mapping[str, str] = field(default_factory=dict)
    observed: str | None = None


@dataclass(frozen=True, eq=False)
class DiscreteNetwork:
    """A discrete Bayesian network: variables in order, parents before children.

    Raises
    ------
    ValueError
        A name or state is not an identifier or is repeated, a parent is unknown or comes
        later, a table has the wrong shape, a negative or non-finite entry, or a column
        that does not sum to one within :data:`TABLE_TOLERANCE`, or an observed state is
        not one of the variable's.

    Examples
    --------
    >>> rain = Variable("rain", ("no", "yes"), (), np.array([0.7, 0.3]))
    >>> wet = Variable("wet", ("dry", "wet"), ("rain",), np.array([[0.9, 0.1], [0.2, 0.8]]))
    >>> DiscreteNetwork("garden", (rain, wet)).evidence
    {}
    """

    name: str
    variables: tuple[Variable, ...]

    def __post_init__(self) -> None:
        seen: dict[str, Variable] = {}
        for v in self.variables:
            where = f"network {self.name!r}, variable {v.name!r}"
            if not _identifier(v.name) or v.name in seen:
                raise ValueError(f"{where}: expected a new identifier as its name")
            if len(set(v.states)) != len(v.states) or not all(map(_identifier, v.states)):
                raise ValueError(
                    f"{where}: expected distinct identifiers as states, got {v.states}"
                )
            missing = [p for p in v.parents if p not in seen]
            if missing:
                raise ValueError(f"{where}: parents {missing} are not earlier variables")
            shape = (*(len(seen[p].states) for p in v.parents), len(v.states))
            table = np.asarray(v.table, dtype=float)
            if table.shape != shape:
                raise ValueError(f"{where}: expected a table of shape {shape}, got {table.shape}")
            if not (np.isfinite(table).all() and (table >= 0.0).all()):
                raise ValueError(f"{where}: expected finite probabilities >= 0")
            gap = float(np.max(np.abs(table.sum(axis=-1) - 1.0)))
            if gap > TABLE_TOLERANCE:
                raise ValueError(f"{where}: a column of its table misses 1 by {gap:.3g}")
            if v.observed is not None and v.observed not in v.states:
                raise ValueError(f"{where}: observed state {v.observed!r} is not one of {v.states}")
            seen[v.name] = v

    @property
    def evidence(self) -> dict[str, str]:
        """The observed state of each observed variable.

        Returns
        -------
        dict of str to str
        """
        return {v.name: v.observed for v in self.variables if v.observed is not None}


def _identifier(name: str) -> bool:
    return name[:1].isalpha() and node_name(name) == name and name.lower() not in RESERVED


def identifiers(names: Sequence[str]) -> list[str]:
    """Distinct identifiers for ``names``, each as close to its name as can be.

    Parameters
    ----------
    names : sequence of str
        Any text.

    Returns
    -------
    list of str
        :func:`~scenarios.io.bif.node_name` of each, starting with a letter (``n``
        prefixed otherwise, as GeNIe requires), ``_2``, ``_3``... added to repeats, and
        ``_`` to BIF's reserved words.

    Examples
    --------
    >>> identifiers(["a b", "a_b", "table", "3", "<5"])
    ['a_b', 'a_b_2', 'table_', 'n_3', 'n_5']
    """
    out: list[str] = []
    taken: set[str] = set()
    for raw in names:
        base = node_name(raw)
        if not base[:1].isalpha():  # GeNIe's ids start with a letter
            base = "n" + base
        if base.lower() in RESERVED:
            base += "_"
        name, i = base, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        taken.add(name)
        out.append(name)
    return out


def _number(x: float) -> str:
    return repr(float(x))


def _flat(v: Variable) -> str:
    """The table as one line, parents' states in C order (the last varies fastest)."""
    return " ".join(map(_number, np.asarray(v.table, dtype=float).ravel()))


def _text(value: str) -> str:
    """Text safe inside a BIF property's quotes."""
    return _SAFE_TEXT.sub("_", value.replace("\n", " "))


def _rows(v: Variable) -> list[tuple[tuple[int, ...], np.ndarray]]:
    table = np.asarray(v.table, dtype=float)
    return [(combo, table[combo]) for combo in np.ndindex(*table.shape[:-1])]


def _properties(v: Variable) -> dict[str, str]:
    props = dict(v.properties)
    if v.observed is not None:
        props["observed"] = v.observed
    return props


def to_bif(net: DiscreteNetwork) -> str:
    """The network as BIF text (the format of bnlearn's repository).

    Parameters
    ----------
    net : DiscreteNetwork

    Returns
    -------
    str

    Examples
    --------
    >>> rain = Variable("rain", ("no", "yes"), (), np.array([0.7, 0.3]))
    >>> print(to_bif(DiscreteNetwork("garden", (rain,))))
    network "garden" {
    // written by scenarios
    }
    variable rain {
        type discrete [ 2 ] { no, yes };
    }
    probability ( rain ) {
        table 0.7, 0.3;
    }
    <BLANKLINE>
    """
    lines = [f'network "{_text(net.name)}" {{', "// written by scenarios", "}"]
    for v in net.variables:
        lines.append(f"variable {v.name} {{")
        lines.append(f"    type discrete [ {len(v.states)} ] {{ {', '.join(v.states)} }};")
        # as comments: pyAgrum's BIF reader refuses properties
        lines.extend(f"    // {key} = {_text(value)}" for key, value in _properties(v).items())
        lines.append("}")
    for v in net.variables:
        states = {p: next(u for u in net.variables if u.name == p).states for p in v.parents}
        if not v.parents:
            row = np.asarray(v.table, dtype=float)
            lines.append(f"probability ( {v.name} ) {{")
            lines.append(f"    table {', '.join(map(_number, row))};")
        else:
            lines.append(f"probability ( {v.name} | {', '.join(v.parents)} ) {{")
            for combo, row in _rows(v):
                given = ", ".join(states[p][i] for p, i in zip(v.parents, combo, strict=True))
                lines.append(f"    ( {given} ) {', '.join(map(_number, row))};")
        lines.append("}")
    return "\n".join(lines) + "\n"


def to_xmlbif(net: DiscreteNetwork) -> str:
    """The network as XMLBIF 0.3 text.

    Parameters
    ----------
    net : DiscreteNetwork

    Returns
    -------
    str

    Examples
    --------
    >>> rain = Variable("rain", ("no", "yes"), (), np.array([0.7, 0.3]))
    >>> "<TABLE>0.7 0.3</TABLE>" in to_xmlbif(DiscreteNetwork("garden", (rain,)))
    True
    """
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<BIF VERSION="0.3">',
        "<NETWORK>",
        f"  <NAME>{escape(net.name)}</NAME>",
    ]
    for v in net.variables:
        lines.append('  <VARIABLE TYPE="nature">')
        lines.append(f"    <NAME>{v.name}</NAME>")
        lines.extend(f"    <OUTCOME>{s}</OUTCOME>" for s in v.states)
        for key, value in _properties(v).items():
            lines.append(f"    <PROPERTY>{escape(key)} = {escape(value)}</PROPERTY>")
        lines.append("  </VARIABLE>")
    for v in net.variables:
        lines.append("  <DEFINITION>")
        lines.append(f"    <FOR>{v.name}</FOR>")
        lines.extend(f"    <GIVEN>{p}</GIVEN>" for p in v.parents)
        lines.append(f"    <TABLE>{_flat(v)}</TABLE>")
        lines.append("  </DEFINITION>")
    lines += ["</NETWORK>", "</BIF>"]
    return "\n".join(lines) + "\n"


def to_xdsl(net: DiscreteNetwork) -> str:
    """The network as GeNIe/SMILE XDSL text, nodes laid out on a grid.

    Parameters
    ----------
    net : DiscreteNetwork

    Returns
    -------
    str

    Examples
    --------
    >>> rain = Variable("rain", ("no", "yes"), (), np.array([0.7, 0.3]))
    >>> "<probabilities>0.7 0.3</probabilities>" in to_xdsl(DiscreteNetwork("garden", (rain,)))
    True
    """
    ident = identifiers([net.name])[0]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<smile version="1.0" id={quoteattr(ident)} numsamples="10000" discsamples="10000">',
        "  <nodes>",
    ]
    for v in net.variables:
        lines.append(f'    <cpt id="{v.name}">')
        lines.extend(f'      <state id="{s}" />' for s in v.states)
        if v.parents:
            lines.append(f"      <parents>{' '.join(v.parents)}</parents>")
        lines.append(f"      <probabilities>{_flat(v)}</probabilities>")
        lines.append("    </cpt>")
    lines += [
        "  </nodes>",
        "  <extensions>",
        f'    <genie version="1.0" app="scenarios" name={quoteattr(net.name)}>',
    ]
    for i, v in enumerate(net.variables):
        x, y = 40 + 160 * (i % 6), 40 + 100 * (i // 6)
        comment = "; ".join(
            [v.description] * bool(v.description)
            + [f"{k} = {val}" for k, val in _properties(v).items()]
        )
        lines.append(f'      <node id="{v.name}">')
        lines.append(f"        <name>{escape(v.name)}</name>")
        lines.append('        <interior color="e5f6f7" />')
        lines.append('        <outline color="000080" />')
        lines.append('        <font color="000000" name="Arial" size="8" />')
        lines.append(f"        <position>{x} {y} {x + 120} {y + 50}</position>")
        if comment:
            lines.append(f"        <comment>{escape(comment)}</comment>")
        lines.append("      </node>")
    lines += ["    </genie>", "  </extensions>", "</smile>"]
    return "\n".join(lines) + "\n"


#: The formats written, by the name the command line uses.
FORMATS: dict[str, Callable[[DiscreteNetwork], str]] = {
    "bif": to_bif,
    "xmlbif": to_xmlbif,
    "xdsl": to_xdsl,
}

#: The file name suffix of each format (``.bifxml`` is what pyAgrum recognises as XMLBIF;
#: :func:`scenarios.io.bif.from_bif` and pgmpy read it too).
SUFFIXES: dict[str, str] = {"bif": ".bif", "xmlbif": ".bifxml", "xdsl": ".xdsl"}


def format_of(path: str | Path) -> str | None:
    """The format a file name's suffix names (``.bif``, ``.bifxml`` or ``.xml``, ``.xdsl``).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str or None
        A key of :data:`FORMATS`, or ``None`` for another suffix.

    Examples
    --------
    >>> format_of("asia.bifxml"), format_of("asia.XDSL"), format_of("asia.yaml")
    ('xmlbif', 'xdsl', None)
    """
    by_suffix = {".bif": "bif", ".bifxml": "xmlbif", ".xml": "xmlbif", ".xdsl": "xdsl"}
    return by_suffix.get(Path(path).suffix.lower())


def write_network(
    net: DiscreteNetwork, path: str | Path, fmt: str | None = None, *, overwrite: bool = False
) -> Path:
    """Write a network to a file, atomically (:func:`scenarios.io.files.write_atomic`).

    Parameters
    ----------
    net : DiscreteNetwork
    path : str or Path
        The file; its folder must exist.
    fmt : {"bif", "xmlbif", "xdsl"}, optional
        Default: from the suffix of ``path`` (``.bif``, ``.bifxml`` or ``.xml``,
        ``.xdsl``).
    overwrite : bool
        Replace an existing file. By default an existing file is left alone.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        Unknown format, or none given and the suffix names none.
    FileExistsError
        ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> rain = Variable("rain", ("no", "yes"), (), np.array([0.7, 0.3]))
    >>> out = write_network(DiscreteNetwork("garden", (rain,)), Path(tempfile.mkdtemp()) / "g.bif")
    >>> out.read_text().startswith('network "garden"')
    True
    """
    path = Path(path)
    if fmt is None:
        fmt = format_of(path)
        if fmt is None:
            raise ValueError(
                f"{path}: cannot tell the format from the suffix {path.suffix!r}; expected "
                f".bif, .bifxml, .xml or .xdsl, or a format among {sorted(FORMATS)}"
            )
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(FORMATS)}")
    return write_atomic(path, FORMATS[fmt](net), overwrite=overwrite)

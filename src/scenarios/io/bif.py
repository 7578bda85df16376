"""Read classic Bayesian networks (BIF, XMLBIF) as scenarios, through pgmpy's readers.

Needs the ``bif`` extra (``pip install scenarios[bif]``, which brings pgmpy). Every node
becomes a discrete fact with its conditional table; the nodes named in ``outcomes``
(default: the network's leaves) become outcomes. Table columns that do not sum to one
within 1e-6 are an error; smaller gaps (bnlearn's files are off by up to 3e-7) are
renormalised, and a single warning names how many columns and the first few (gaps of
float rounding, up to 1e-12, are renormalised without a warning).
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.errors import ScenarioError
from scenarios.io.files import decode, read_bytes
from scenarios.spec.scenario import Scenario

__all__ = ["MAX_NETWORK_BYTES", "from_bif", "node_name"]

#: Largest network file read, in bytes, and largest text a gzipped one unpacks to
#: (the largest of bnlearn's classic networks, diabetes, is 5.5 MB of text).
MAX_NETWORK_BYTES = 50_000_000

#: Columns off by no more than this are renormalised silently: decimal tables such as
#: 0.6, 0.3, 0.1 sum to 1 only up to float rounding.
FLOAT_NOISE = 1e-12

_NAME = re.compile(r"[^A-Za-z0-9_]")


def _text(path: Path) -> str:
    raw = read_bytes(path, MAX_NETWORK_BYTES)
    if path.suffix == ".gz":
        try:
            # read one byte past the limit, so that a gzip bomb is never unpacked whole
            raw = gzip.GzipFile(fileobj=io.BytesIO(raw)).read(MAX_NETWORK_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ScenarioError.single((), f"not a gzip file: {exc}", str(path)) from None
        if len(raw) > MAX_NETWORK_BYTES:
            raise ScenarioError.single(
                (), f"unpacks to more than {MAX_NETWORK_BYTES:,} bytes", str(path)
            )
    return decode(raw, str(path))


def _reader(path: Path) -> Any:
    try:
        from pgmpy.readwrite import BIFReader, XMLBIFReader
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading BIF files needs pgmpy: pip install 'scenarios[bif]'") from exc
    text = _text(path)
    if ".xml" in path.name.lower():
        return XMLBIFReader(string=text)
    return BIFReader(string=text)


def node_name(raw: str) -> str:
    """The fact name a network's node gets: an identifier, as the format requires.

    Characters other than letters, digits and ``_`` become ``_``; a name that does not
    start with a letter or ``_`` gets the prefix ``n_``.

    Parameters
    ----------
    raw : str
        The node's name in the network file.

    Returns
    -------
    str

    Examples
    --------
    >>> node_name("either"), node_name("Lung-Cancer"), node_name("2nd stage")
    ('either', 'Lung_Cancer', 'n_2nd_stage')
    """
    name = _NAME.sub("_", raw)
    return name if name[:1].isalpha() or name[:1] == "_" else f"n_{name}"


def from_bif(
    path: str | Path, outcomes: Sequence[str] | None = None, title: str | None = None
) -> Scenario:
    """Load a BIF or XMLBIF network (optionally gzipped) as a scenario.

    Parameters
    ----------
    path : str or Path
        ``.bif``, ``.bif.gz``, ``.xml``/``.xmlbif`` (``.gz`` allowed).
    outcomes : sequence of str, optional
        Nodes to treat as outcomes (default: nodes with no children).
    title : str, optional

    Returns
    -------
    Scenario
        Facts without claims; add evidence with :meth:`Scenario.observe` or claims.
        Node names become identifiers (:func:`node_name`).

    Raises
    ------
    ScenarioError
        The file cannot be read, is too large, or is not UTF-8 (or not gzip).
    KeyError
        ``outcomes`` names a node the network does not have.
    ValueError
        A column of a table does not sum to one within 1e-6.

    Examples
    --------
    Importing pgmpy takes seconds, so this example is not run; ``tests/io/test_bif.py``
    runs it against pgmpy's own inference.

    >>> import pgmpy, pathlib  # doctest: +SKIP
    >>> models = pathlib.Path(pgmpy.__file__).parent / "utils" / "example_models"  # doctest: +SKIP
    >>> asia = from_bif(models / "asia.bif.gz")  # doctest: +SKIP
    >>> post = asia.observe(asia="yes").update(intervals=False)  # doctest: +SKIP
    >>> round(float(post.facts.loc[("lung", "yes"), "probability"]), 3)  # doctest: +SKIP
    0.055
    """
    path = Path(path)
    model = _reader(path).get_model()
    names = {n: node_name(n) for n in model.nodes()}
    children = {n for edge in model.edges() for n in edge[:1]}
    chosen = set(outcomes) if outcomes is not None else set(model.nodes()) - children
    unknown = chosen - set(model.nodes())
    if unknown:
        raise KeyError(f"no node(s) {sorted(unknown)} in {path}")
    facts: dict[str, Any] = {}
    outs: dict[str, Any] = {}
    renormalised: list[str] = []
    for cpd in model.get_cpds():
        var = cpd.variable
        parents = list(cpd.variables[1:])
        states = [str(s) for s in cpd.state_names[var]]
        values = np.asarray(cpd.get_values(), dtype=float)
        table = np.moveaxis(values.reshape(len(states), *cpd.cardinality[1:]), 0, -1)
        sums = table.sum(axis=-1, keepdims=True)
        gap = np.abs(sums - 1.0)
        worst = int(np.argmax(gap))
        if gap.ravel()[worst] > 1e-6:
            raise ValueError(f"{path}: a column of {var}'s table sums to {sums.ravel()[worst]:.9g}")
        if np.any(gap > FLOAT_NOISE):
            renormalised.append(var)
        table = table / sums
        if parents:
            parent_states = [[str(s) for s in cpd.state_names[p]] for p in parents]
            rows = []
            for combo in np.ndindex(*table.shape[:-1]):
                when = {
                    names[p]: parent_states[i][j]
                    for i, (p, j) in enumerate(zip(parents, combo, strict=True))
                }
                rows.append(
                    {"when": when, "probs": dict(zip(states, table[combo].tolist(), strict=True))}
                )
            prior: dict[str, Any] = {"given": [names[p] for p in parents], "table": rows}
        else:
            prior = {"probs": dict(zip(states, table.tolist(), strict=True))}
        node = {"kind": "categorical", "states": states, "prior": prior}
        if names[var] != var:
            node["description"] = f"node {var!r} of {path.name}"
        if var in chosen:
            outs[names[var]] = {**node, "exhaustive": f"the states of {var!r} in {path.name}"}
        else:
            facts[names[var]] = node
    if renormalised:
        warnings.warn(
            f"{path.name}: renormalised the tables of {len(renormalised)} node(s) whose columns "
            f"summed to 1 within 1e-6 but not exactly (e.g. {', '.join(renormalised[:5])})",
            UserWarning,
            stacklevel=2,
        )
    return Scenario(
        title=title or path.name.split(".")[0],
        description=f"Bayesian network read from {path.name}",
        facts=facts,
        outcomes=outs,
    )

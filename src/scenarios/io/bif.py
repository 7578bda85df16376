"""Read classic Bayesian networks (BIF, XMLBIF) as scenarios, through pgmpy's readers.

Needs the ``bif`` extra (``pip install scenarios[bif]``, which brings pgmpy). Every node
becomes a discrete fact with its conditional table; the nodes named in ``outcomes``
(default: the network's leaves) become outcomes. Table columns that do not sum to one
within 1e-6 are an error; smaller gaps (bnlearn's files are off by up to 3e-7) are
renormalised, and a single warning names how many columns and the first few.
"""

from __future__ import annotations

import gzip
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.spec.scenario import Scenario

__all__ = ["from_bif"]

_NAME = re.compile(r"[^A-Za-z0-9_]")


def _reader(path: Path) -> Any:
    try:
        from pgmpy.readwrite import BIFReader, XMLBIFReader
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading BIF files needs pgmpy: pip install 'scenarios[bif]'") from exc
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    if ".xml" in path.name.lower():
        return XMLBIFReader(string=text)
    return BIFReader(string=text)


def _name(raw: str) -> str:
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

    Examples
    --------
    >>> asia = from_bif("asia.bif.gz")  # doctest: +SKIP
    >>> asia.observe(asia="yes").update().facts.loc["lung"]  # doctest: +SKIP
    """
    path = Path(path)
    model = _reader(path).get_model()
    names = {n: _name(n) for n in model.nodes()}
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
        if np.any(gap > 1e-6):
            raise ValueError(f"{path}: a column of {var}'s table sums to {sums.ravel()[0]:.9g}")
        if np.any(gap > 0):
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

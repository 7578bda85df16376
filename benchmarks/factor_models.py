"""The same network in pgmpy and pyAgrum: converters from our factors and from BIF.

``pgmpy_from_assembly`` turns the exact engine's point factor graph (tables at their
means, continuous facts on their quadrature nodes, source rates on their Gauss-Jacobi
nodes) into a pgmpy Bayesian network with one binary node per claim, observed ``1``.
It is the *same* discretised network, so pgmpy's answers must equal ours to rounding.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


def quiet_pgmpy() -> None:
    """pgmpy logs a line for every replaced CPD and prints progress bars; silence them."""
    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    try:
        from pgmpy.global_vars import config

        config.set_show_progress(False)
    except (ImportError, AttributeError):
        pass


def tabular_cpd(child: str, values: np.ndarray, parents: list[str], cards: Mapping[str, int]):
    """A pgmpy CPD from an array with axes ``(*parents, child)``."""
    from pgmpy.factors.discrete import TabularCPD

    card = values.shape[-1]
    column = np.moveaxis(np.asarray(values, dtype=float), -1, 0).reshape(card, -1)
    return TabularCPD(
        child,
        card,
        column,
        evidence=list(parents) or None,
        evidence_card=[cards[p] for p in parents] or None,
    )


def pgmpy_from_assembly(asm: Any) -> tuple[Any, dict[str, int]]:
    """A pgmpy ``DiscreteBayesianNetwork`` of an ``Assembly``; returns it and its evidence.

    Tables become CPDs of their last axis; quadrature weights become root nodes; every
    claim's likelihood factor becomes a binary child ``claim_<i>`` observed in state 1
    (P(1 | parents) is the likelihood, which lies in [0, 1]).
    """
    from pgmpy.models import DiscreteBayesianNetwork

    quiet_pgmpy()
    cards: dict[str, int] = {}
    cpds = []
    edges: list[tuple[str, str]] = []
    nodes: list[str] = []
    for w in asm.weights:
        (axis,) = w.axes
        values = np.asarray(w.values, dtype=float)
        cards[axis] = len(values)
        cpds.append(tabular_cpd(axis, values / values.sum(), [], cards))
        nodes.append(axis)
    for table in asm.tables:
        *parents, child = table.axes
        values = np.asarray(table.values, dtype=float)
        cards[child] = values.shape[-1]
        cpds.append(tabular_cpd(child, values, parents, cards))
        edges.extend((p, child) for p in parents)
        nodes.append(child)
    evidence: dict[str, int] = {}
    for i, ev in enumerate(asm.evidence):
        if not ev.axes:
            continue  # a constant: it cancels
        name = f"claim_{i}"
        lik = np.asarray(ev.values, dtype=float)
        cards[name] = 2
        cpds.append(tabular_cpd(name, np.stack([1.0 - lik, lik], axis=-1), list(ev.axes), cards))
        edges.extend((p, name) for p in ev.axes)
        nodes.append(name)
        evidence[name] = 1
    model = DiscreteBayesianNetwork()
    model.add_nodes_from(nodes)
    model.add_edges_from(edges)
    model.add_cpds(*cpds)
    return model, evidence


# --- classic networks ---------------------------------------------------------------------


def bif_path(name: str) -> Path:
    """The BIF file of a classic network shipped inside pgmpy."""
    import pgmpy

    return Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"


def pgmpy_bif_model(name: str) -> Any:
    """pgmpy's model of a shipped network with every CPD column renormalised to sum to 1.

    Our loader renormalises columns that sum to 1 within 1e-6; pgmpy and pyAgrum get the
    same renormalised tables so that all three answer the same question.
    """
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.readwrite import BIFReader

    quiet_pgmpy()
    text = gzip.decompress(bif_path(name).read_bytes()).decode("utf-8")
    model = BIFReader(string=text).get_model()
    fixed = []
    for cpd in model.get_cpds():
        values = np.asarray(cpd.get_values(), dtype=float)
        values = values / values.sum(axis=0, keepdims=True)
        parents = list(cpd.variables[1:])
        fixed.append(
            TabularCPD(
                cpd.variable,
                cpd.variable_card,
                values,
                evidence=parents or None,
                evidence_card=list(cpd.cardinality[1:]) or None,
                state_names={v: list(cpd.state_names[v]) for v in cpd.variables},
            )
        )
    model.remove_cpds(*model.get_cpds())
    model.add_cpds(*fixed)
    return model


def pyagrum_from_pgmpy(model: Any) -> Any:
    """A pyAgrum BayesNet with pgmpy's float64 tables (pyAgrum's own BIF reader rounds)."""
    import pyagrum as gum

    bn = gum.BayesNet("bench")
    ids = {}
    for var in model.nodes():
        cpd = model.get_cpds(var)
        states = [str(s) for s in cpd.state_names[var]]
        ids[var] = bn.add(gum.LabelizedVariable(str(var), str(var), states))
    for parent, child in model.edges():
        bn.addArc(ids[parent], ids[child])
    for var in model.nodes():
        cpd = model.get_cpds(var)
        names = [str(v) for v in cpd.variables]  # child first, then parents
        values = np.asarray(cpd.get_values(), dtype=float).reshape(cpd.cardinality)
        cpt = bn.cpt(ids[var])
        # pyAgrum's toarray()/fillWith axes run in the reverse order of cpt.names
        order = [names.index(n) for n in reversed(cpt.names)]
        cpt.fillWith(np.transpose(values, order).ravel().tolist())
    return bn


def forward_sample(model: Any, rng: np.random.Generator) -> dict[str, str]:
    """One ancestral sample of every node of a pgmpy model (so evidence from it is possible)."""
    import networkx as nx

    out: dict[str, str] = {}
    for var in nx.topological_sort(model):
        cpd = model.get_cpds(var)
        parents = list(cpd.variables[1:])
        values = np.asarray(cpd.get_values(), dtype=float)
        col = 0
        for p, card in zip(parents, cpd.cardinality[1:], strict=True):
            col = col * card + list(cpd.state_names[p]).index(out[p])
        probs = values[:, col]
        state = rng.choice(len(probs), p=probs / probs.sum())
        out[var] = cpd.state_names[var][state]
    return out

"""A scenario as a discrete Bayesian network with point tables, for other tools.

:func:`to_network` writes down the factors the exact engine contracts
(:func:`scenarios.engines.assembly.assemble`) as a :class:`~scenarios.io.networks.DiscreteNetwork`:

- a discrete fact or outcome: a node with its conditional table at its mean (a table
  with a concentration enters at its mean, which is exact for the point answer: the
  joint is linear in each row);
- a continuous fact: a node whose states are its quadrature nodes (``q000``, ``q001``...,
  the values in its ``values`` property), with the quadrature weights as its prior; the
  same evidence-adapted rule the exact engine integrates with (Gauss-Legendre in normal
  scores, split at every threshold a claim names);
- a logit link over many parents: its chain of partial sums (``<node>_sum0``...) as
  deterministic nodes, as the engine has it;
- each report (a claim, a denial, a retraction; relays count once, in their original):
  a binary child ``reported_<id>`` of what it is about, observed ``true``, with
  ``P(reported = true | parents)`` its likelihood (virtual evidence). A reported number
  has its likelihood over the quadrature nodes of its fact, scaled to peak 1; a
  confirmed claim its 0/1 indicator.

The uncertain rates of sources (and explicit likelihoods, retraction rates and
ascertainment rates) are shared by all a source's reports, so no single number can
stand for them exactly. ``rates="mean"`` (the default) puts each at its prior mean: the
network is exactly that of :func:`rates_at_means` of the scenario, and its marginals are
that scenario's exact answer. ``rates="quadrature"`` keeps each uncertain rate as a node
whose states are its Gauss-Jacobi nodes (weights as the prior), parent of every report
of its source: the network's marginals are then the scenario's own exact answer
(rates integrated), at the price of less readable nodes. Neither carries the credible
intervals (the spread of ``P(outcome | claims, theta)`` over theta). See
``docs/export.md``.
"""

from __future__ import annotations

import numpy as np

from scenarios.engines.assembly import assemble
from scenarios.engines.factors import Factor
from scenarios.engines.network import QUADRATURE_NODES, Network
from scenarios.engines.uncertain import rate_quadrature
from scenarios.io.networks import DiscreteNetwork, Variable, identifiers
from scenarios.spec.priors import ThresholdPrior
from scenarios.spec.scenario import Scenario

__all__ = ["RATES", "rates_at_means", "to_network"]

#: How the uncertain rates enter an export: at their means, or as quadrature nodes.
RATES = ("mean", "quadrature")

#: The state names of a quadrature axis have this many digits at least.
_DIGITS = 2


def rates_at_means(scenario: Scenario) -> Scenario:
    """The scenario with every uncertain rate fixed at its prior mean.

    Sources' true- and false-positive and retraction rates, claims' explicit likelihoods
    and binomial counts' ascertainment rates lose their concentration; tables keep
    theirs (their means already give the point answer). This is the scenario whose
    exact answer an export with ``rates="mean"`` reproduces.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    Scenario
        Without uncertain rates: ``Network(result).rate_params == ()``.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> s = load(example())
    >>> fixed = rates_at_means(s)
    >>> Network(s).rate_params != (), Network(fixed).rate_params
    (True, ())
    """
    net = Network(scenario)
    out = scenario
    for key, (first, second) in net.sources.items():
        kind, name = key.split(":", 1)
        if kind == "source":
            out = out.with_source(
                name, true_positive={"mean": first.mean}, false_positive={"mean": second.mean}
            )
        elif kind == "retraction":
            pair = {"if_true": {"mean": first.mean}, "if_false": {"mean": second.mean}}
            out = out.with_source(name, retraction=pair)
        else:
            likelihood = {"if_true": first.mean, "if_false": second.mean}
            out = out.with_claim_changed(name, likelihood=likelihood)
    for ev in net.evidence:
        rep = ev.claim.reported
        if ev.kind == "number" and rep is not None and rep.ascertainment is not None:
            fixed = rep.model_dump(exclude_none=True)
            fixed["ascertainment"] = {"mean": rep.ascertainment.mean}
            out = out.with_claim_changed(ev.claim.id, reported=fixed)
    return out


def _states(values: np.ndarray) -> tuple[str, ...]:
    width = max(_DIGITS, len(str(len(values) - 1)))
    return tuple(f"q{i:0{width}d}" for i in range(len(values)))


def _values(values: np.ndarray) -> str:
    return ", ".join(repr(float(v)) for v in values)


def to_network(
    scenario: Scenario, *, rates: str = "mean", quadrature_nodes: int = QUADRATURE_NODES
) -> DiscreteNetwork:
    """The scenario as a discrete Bayesian network with point tables.

    Parameters
    ----------
    scenario : Scenario
    rates : {"mean", "quadrature"}
        Uncertain rates at their prior means (the network of :func:`rates_at_means`), or
        as nodes over their Gauss-Jacobi quadrature (the scenario's own point answer).
    quadrature_nodes : int
        Gauss-Legendre nodes per segment of each continuous fact.

    Returns
    -------
    DiscreteNetwork
        Nodes in the engine's order (parents first); reports last, each observed
        ``true``. Node names are the scenario's, made identifiers where needed.

    Raises
    ------
    ValueError
        ``rates`` is not one of :data:`RATES`.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = to_network(load(example()))
    >>> [v.name for v in net.variables][:2], len(net.evidence) > 0
    (['troops', 'army_loyalty'], True)
    >>> net.variables[0].states[:3]  # a continuous fact: its quadrature nodes
    ('q000', 'q001', 'q002')
    """
    if rates not in RATES:
        raise ValueError(f"rates: expected one of {RATES}, got {rates!r}")
    if rates == "mean":
        scenario = rates_at_means(scenario)
    net = Network(scenario, quadrature_nodes=quadrature_nodes)
    asm = assemble(net, merge_evidence=False)

    # every axis a node: (axis, states, table's factor or None for weights, text, properties)
    axes: list[tuple[str, tuple[str, ...], Factor | None, str, dict[str, str]]] = []
    for name, (x, _) in net.quadrature.items():
        if name in asm.nodes:  # a table fact: its table below, over its parents
            continue
        fact = scenario.facts[name]
        unit = f" ({fact.unit})" if fact.unit else ""
        text = f"continuous fact {name}{unit} at its quadrature nodes"
        axes.append((name, _states(x), None, text, {"values": _values(x)}))
    rate_names = {}
    for key, pair in net.sources.items():
        for param, tag in zip(pair, ("tp", "fp"), strict=True):
            rate_names[f"{key}@{tag}"] = param.name
    for weight in asm.weights:
        (axis,) = weight.axes
        if axis in rate_names:
            nodes = _rate_nodes(net, axis)
            text = f"uncertain rate {rate_names[axis]} at its Gauss-Jacobi nodes"
            axes.append((axis, _states(nodes), None, text, {"values": _values(nodes)}))
    for owner, table in zip(asm.nodes, asm.tables, strict=True):
        child = table.axes[-1]
        if child in net.quadrature:  # a table fact: P(node | parents), rows normalised
            x = net.quadrature[child][0]
            rows = np.asarray(table.values, dtype=float)
            table = Factor(rows / rows.sum(axis=-1, keepdims=True), table.axes)
            text = f"continuous fact {child} at its quadrature nodes, given {table.axes[:-1]}"
            axes.append((child, _states(x), table, text, {"values": _values(x)}))
        elif child in net.states:
            node = scenario.nodes[owner]
            kind = "outcome" if owner in scenario.outcomes else "fact"
            if isinstance(net.priors[owner], ThresholdPrior):
                # a derived fact's cases hold shares of the nodes' weights, which may be
                # slightly negative (quadrature, not probabilities): clipped to a table
                rows = np.clip(np.asarray(table.values, dtype=float), 0.0, 1.0)
                table = Factor(rows / rows.sum(axis=-1, keepdims=True), table.axes)
            axes.append((child, net.states[child], table, node.description or kind, {}))
        else:  # a partial sum: one state per distinct value
            states = _states(np.arange(np.shape(table.values)[-1]))
            axes.append((child, states, table, f"partial sum of the logit of {owner}", {}))
    # an axis of one state (a rate's one-node rule, a sum of one value) is a constant:
    # folded into the factors over it (pyAgrum refuses variables of one state)
    constant = {a for a, states, *_ in axes if len(states) == 1 and a not in net.states}
    axes = [entry for entry in axes if entry[0] not in constant]

    # axes and reports are named apart (a claim may share its id with a fact)
    raw = [rate_names.get(a, a.replace("#", "_")) for a, *_ in axes]
    raw += [f"reported_{i}" for i in asm.claim_ids]
    unique = identifiers(raw)
    names = dict(zip([a for a, *_ in axes], unique, strict=False))
    reports = dict(zip(asm.claim_ids, unique[len(axes) :], strict=True))
    weights = {w.axes[0]: np.asarray(w.values, dtype=float) for w in asm.weights}
    variables = []
    for axis, states, table, text, props in axes:
        if table is None:  # a quadrature axis: its weights are its prior
            prior = weights[axis] / weights[axis].sum()
            variables.append(Variable(names[axis], states, (), prior, text, props))
            continue
        values, over = _folded(table, constant)
        mapped = identifiers(states)
        if mapped != list(states):
            props = {**props, "states": ", ".join(states)}
        parents = tuple(names[a] for a in over[:-1])
        variables.append(Variable(names[axis], tuple(mapped), parents, values, text, props))
    sizes = {v.name: len(v.states) for v in variables}
    for ident, factor in zip(asm.claim_ids, asm.evidence, strict=True):
        p, over = _folded(factor, constant)
        parents = tuple(names[a] for a in over)
        p = np.broadcast_to(p, tuple(sizes[n] for n in parents))
        table = np.stack([1.0 - p, p], axis=-1)
        text = f"virtual evidence: report {ident} was made (observed true)"
        variables.append(
            Variable(reports[ident], ("false", "true"), parents, table, text, {}, observed="true")
        )
    return DiscreteNetwork(scenario.title, tuple(variables))


def _folded(factor: Factor, constant: set[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """The factor's values with its constant axes (one state each) taken at that state."""
    values = np.asarray(factor.values, dtype=float)
    index = tuple(0 if a in constant else slice(None) for a in factor.axes)
    if values.ndim < len(factor.axes):  # a scalar standing for a factor over its axes
        values = np.broadcast_to(values, (1,) * len(factor.axes))
    return values[index], tuple(a for a in factor.axes if a not in constant)


def _rate_nodes(net: Network, axis: str) -> np.ndarray:
    """The Gauss-Jacobi nodes :func:`assemble` laid on a rate axis."""
    key, tag = axis.rsplit("@", 1)
    param = net.sources[key][0 if tag == "tp" else 1]
    nodes, _ = rate_quadrature(param, net.rate_degree(key))
    return nodes

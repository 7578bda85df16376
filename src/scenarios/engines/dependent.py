"""Facts that depend on other facts, as factors: row densities, expressions, thresholds.

* A continuous fact with discrete parents (a table of distributions) keeps one
  quadrature axis, laid for the equal-weight mixture of its rows
  (:func:`scenarios.spec.dependent.reference`) so that every row's mass has nodes; its
  factor over ``(parents..., x)`` is ``w_i f_row(x_i) / f_mix(x_i)``: each row's
  density, importance-weighted onto the shared nodes (:func:`density_factor`).
* A derived fact has no axis: its value is its expression evaluated over its inputs'
  axes (:func:`with_derived`), so claims about it are factors over those axes.
* A threshold node's table is the indicator of its conditions (:func:`threshold_factor`);
  its thresholds on continuous facts become quadrature edges
  (:meth:`~scenarios.engines.network.Network.thresholds`), so each case's mass is
  integrated without a step between nodes; on a derived fact, each node holds the share
  of its weight where the case holds, integrated exactly in one input
  (:func:`scenarios.engines.crossings.case_fractions`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import special

from scenarios.engines import crossings
from scenarios.engines.factors import Factor, align
from scenarios.spec.dependent import row_distributions
from scenarios.spec.priors import ContinuousTablePrior, DerivedPrior, ThresholdPrior
from scenarios.spec.propositions import parse_proposition

__all__ = [
    "MAX_DERIVED_TABLE",
    "density_factor",
    "derived_inputs",
    "derived_value",
    "draw_from_rows",
    "row_ratio",
    "row_variable",
    "table_variable",
    "threshold_cuts",
    "threshold_factor",
    "with_derived",
]

#: The largest table of a derived fact's value over its inputs' quadrature axes (in
#: elements) the exact engine builds; beyond it the scenario is refused with the advice
#: to use the full engine.
MAX_DERIVED_TABLE = 2**22


def density_factor(net: Any, name: str) -> Factor:
    """The prior of a table fact on its quadrature nodes, per parent combination.

    Parameters
    ----------
    net : Network
    name : str
        A continuous fact with a :class:`~scenarios.spec.priors.ContinuousTablePrior`.

    Returns
    -------
    Factor
        Over ``(*given, name)``; each row sums to one over the nodes (up to the
        quadrature's error of that row's mass).

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "w": {"kind": "binary", "prior": {"p": 0.3}},
    ...     "x": {"kind": "continuous", "prior": {"given": ["w"], "table": [
    ...         {"when": {"w": True}, "between": [0, 1]}], "default": {"between": [5, 6]}}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"when": "x > 3"}}})
    >>> f = density_factor(Network(s), "x")
    >>> f.axes, [round(float(v), 12) for v in f.values.sum(axis=1)]
    (('w', 'x'), [1.0, 1.0])
    """
    prior = net.priors[name]
    assert isinstance(prior, ContinuousTablePrior)
    x, w = net.quadrature[name]
    parent_states = {g: net.states[g] for g in prior.given}
    _, dists = row_distributions(net.scenario.facts[name], parent_states)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ref = np.asarray(net.dists[name].dist.logpdf(x), dtype=float)
        rows = np.array([np.exp(np.asarray(d.dist.logpdf(x), dtype=float) - ref) for d in dists])
    rows = np.where(np.isfinite(rows), rows, 0.0) * w
    shape = [len(parent_states[g]) for g in prior.given]
    return Factor(rows.reshape(*shape, len(x)), (*prior.given, name))


def row_ratio(net: Any, name: str, x: Any, xp: Any = np) -> Factor:
    """A table fact's row densities at a value, over their equal-weight mixture (for PyMC).

    The full engine samples a table fact from the mixture of its rows (equal weights);
    this factor over its parents, ``f_row(x) / f_mix(x)`` (at most the number of rows),
    turns that into the fact's conditional density given each parent combination.

    Parameters
    ----------
    net : Network
    name : str
    x : scalar or tensor
        The fact's value.
    xp : module
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    Factor
        Over ``given``.

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "w": {"kind": "binary", "prior": {"p": 0.3}},
    ...     "x": {"kind": "continuous", "prior": {"given": ["w"], "table": [
    ...         {"when": {"w": True}, "between": [0, 1]}], "default": {"between": [5, 6]}}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"when": "x > 3"}}})
    >>> f = row_ratio(Network(s), "x", 0.5)
    >>> f.axes, [round(float(v), 6) for v in f.values]
    (('w',), [0.0, 2.0])
    """
    prior = net.priors[name]
    assert isinstance(prior, ContinuousTablePrior)
    parent_states = {g: net.states[g] for g in prior.given}
    _, dists = row_distributions(net.scenario.facts[name], parent_states)
    shape = [len(parent_states[g]) for g in prior.given]
    if xp is np:
        lp = np.array([np.asarray(d.dist.logpdf(x), dtype=float) for d in dists])
        with np.errstate(under="ignore"):
            ratio = np.exp(lp - special.logsumexp(lp - math.log(len(dists)), axis=0))
        return Factor(ratio.reshape(shape + list(np.shape(ratio)[1:])), tuple(prior.given))
    import pymc as pm

    lp = xp.stack([pm.logp(row_variable(d), x) for d in dists])
    mix = pm.math.logsumexp(lp - math.log(len(dists)), axis=0)
    return Factor(xp.exp(lp - mix).reshape(shape), tuple(prior.given))


def row_variable(elicited: Any) -> Any:
    """An unnamed PyMC distribution of one row (``Prior(...).pymc_distribution.dist``).

    Parameters
    ----------
    elicited : Elicited

    Returns
    -------
    pytensor variable
    """
    prior = elicited.to_prior()
    return prior.pymc_distribution.dist(**prior.parameters)


def table_variable(net: Any, name: str) -> Any:
    """A table fact in a PyMC model: the equal-weight mixture of its rows.

    With :func:`row_ratio` over its parents, its density given the parents is the row's.

    Parameters
    ----------
    net : Network
    name : str

    Returns
    -------
    pymc random variable
    """
    import pymc as pm

    prior = net.priors[name]
    parent_states = {g: net.states[g] for g in prior.given}
    _, dists = row_distributions(net.scenario.facts[name], parent_states)
    weights = np.full(len(dists), 1.0 / len(dists))
    return pm.Mixture(name, w=weights, comp_dists=[row_variable(d) for d in dists])


def derived_inputs(net: Any, name: str) -> tuple[str, ...]:
    """The quadrature axes (continuous facts) a derived fact's value runs over.

    Parameters
    ----------
    net : Network
    name : str

    Returns
    -------
    tuple of str
    """
    out: dict[str, None] = {}
    prior = net.priors[name]
    assert isinstance(prior, DerivedPrior)
    for f in prior.expression.facts:
        if isinstance(net.priors[f], DerivedPrior):
            out.update(dict.fromkeys(derived_inputs(net, f)))
        else:
            out.setdefault(f)
    return tuple(out)


def with_derived(net: Any, values: Mapping[str, Factor], xp: Any = np) -> dict[str, Factor]:
    """``values`` with each derived fact's value added, over its inputs' axes.

    Parameters
    ----------
    net : Network
    values : mapping of str to Factor
        The value of each continuous fact with an axis (or a scalar, or draws).
    xp : module
        ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    dict of str to Factor

    Raises
    ------
    TooCostlyError
        If a derived fact's table over its inputs' axes exceeds :data:`MAX_DERIVED_TABLE`.
    """
    out = dict(values)
    for name in net.derived:
        out[name] = derived_value(net, name, out, xp)
    return out


def derived_value(net: Any, name: str, values: Mapping[str, Factor], xp: Any = np) -> Factor:
    """One derived fact's value, over its inputs' axes (see :func:`with_derived`).

    Parameters
    ----------
    net : Network
    name : str
    values : mapping of str to Factor
        Values of (at least) the facts its expression names.
    xp : module

    Returns
    -------
    Factor
    """
    prior = net.priors[name]
    inputs = [values[f] for f in prior.expression.facts]
    target: list[str] = []
    for f in inputs:
        target.extend(a for a in f.axes if a not in target)
    lengths: dict[str, int] = {}
    if xp is np:
        for v in inputs:
            lengths.update(zip(v.axes, np.shape(v.values), strict=False))
    size = math.prod(lengths.values())
    if size > MAX_DERIVED_TABLE:
        from scenarios.errors import Problem, TooCostlyError

        raise TooCostlyError(
            [
                Problem(
                    ("facts", name, "prior", "derived"),
                    f"the value over {target} is a table of {size:,} numbers (limit "
                    f"{MAX_DERIVED_TABLE:,}): use engine='pymc' or fewer inputs",
                )
            ]
        )
    env = {
        f: align(v.values, v.axes, target) if v.axes else v.values
        for f, v in zip(prior.expression.facts, inputs, strict=True)
    }
    if xp is np:
        value = prior.expression.evaluate(env)
        value = np.broadcast_to(value, np.broadcast_shapes(*(np.shape(a) for a in env.values())))
    else:
        value = prior.expression.evaluate(env, xp.minimum, xp.maximum)
    return Factor(value, tuple(target))


def draw_from_rows(
    net: Any, name: str, states: Mapping[str, np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    """Draws of a table fact, each world from the row of its parents' states.

    Parameters
    ----------
    net : Network
    name : str
    states : mapping of str to numpy.ndarray
        The state index of each parent, per world.
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray
    """
    prior = net.priors[name]
    assert isinstance(prior, ContinuousTablePrior)
    parent_states = {g: net.states[g] for g in prior.given}
    _, dists = row_distributions(net.scenario.facts[name], parent_states)
    shape = [len(parent_states[g]) for g in prior.given]
    row = np.ravel_multi_index(tuple(states[g] for g in prior.given), shape)
    out = np.empty(row.shape)
    for r, d in enumerate(dists):
        hit = row == r
        if hit.any():
            out[hit] = d.dist.rvs(size=int(hit.sum()), random_state=rng)
    return out


def threshold_factor(net: Any, name: str, values: Mapping[str, Factor], xp: Any = np) -> Factor:
    """The table of a threshold node: 1 for the state its conditions pick, 0 elsewhere.

    Parameters
    ----------
    net : Network
    name : str
        A node with a :class:`~scenarios.spec.priors.ThresholdPrior`.
    values : mapping of str to Factor
        Values of the continuous (and derived) facts.
    xp : module

    Returns
    -------
    Factor
        Over the conditions' axes and ``name`` (last).
    """
    prior = net.priors[name]
    assert isinstance(prior, ThresholdPrior)
    if xp is np:  # on quadrature nodes, a derived fact's threshold is integrated exactly
        field = ("when",) if prior.when is not None else ("cases",)
        section = "outcomes" if name in net.scenario.outcomes else "facts"
        where = (section, name, "prior", *field)
        exact = crossings.case_fractions(
            net, prior.conditions, values, chained=prior.when is None, where=where
        )
        if exact is not None:
            target = list(exact[0].axes)
            return Factor(np.stack([f.values for f in exact], axis=-1), (*target, name))
    holds = [net.proposition_indicator(text, values) for text in prior.conditions]
    target: list[str] = []
    for h in holds:
        target.extend(a for a in h.axes if a not in target)
    arrays = [align(h.values, h.axes, target) if h.axes else h.values for h in holds]
    if prior.when is not None:
        probs = [1.0 - arrays[0], arrays[0]]
    else:
        probs, rest = [], 1.0
        for a in arrays:
            probs.append(rest * a)
            rest = rest * (1.0 - a)
        probs.append(rest)
    if xp is np:
        shape = np.broadcast_shapes(*(np.shape(p) for p in probs))
        stacked = np.stack(
            [np.broadcast_to(np.asarray(p, dtype=float), shape) for p in probs], axis=-1
        )
    else:
        stacked = xp.stack([xp.as_tensor_variable(p) * 1.0 for p in probs], axis=-1)
    return Factor(stacked, (*target, name))


def threshold_cuts(net: Any, fact: str) -> list[float]:
    """Values where a threshold node's conditions cut a continuous fact.

    Parameters
    ----------
    net : Network
    fact : str

    Returns
    -------
    list of float
    """
    cuts: list[float] = []
    for prior in net.priors.values():
        if isinstance(prior, ThresholdPrior):
            # where a derived fact's conditions need an edge: :mod:`crossings`
            cuts.extend(crossings.threshold_cuts(net, prior.conditions, fact))
            for text in prior.conditions:
                for clause in parse_proposition(text).clauses:
                    cuts.extend(
                        float(a.value)  # type: ignore[arg-type]
                        for a in clause
                        if a.fact == fact and a.op in (">", ">=", "<", "<=")
                    )
    return cuts

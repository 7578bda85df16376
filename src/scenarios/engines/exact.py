"""The exact engine: variable elimination over discrete facts, quadrature for the rest.

The point answer P(state | claims) is exact up to quadrature of continuous facts:
tables enter at their means (the joint is multilinear in each uncertain row) and
source rates are integrated by Gauss-Jacobi quadrature (exact for the polynomials the
claims make of them). Intervals come from draws of every uncertain probability from its
prior, weighted by their exact likelihood of the claims (Pareto-smoothed importance
sampling; its k-hat says when to use the full engine instead).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from scenarios.engines import calibrate
from scenarios.engines.assembly import Assembly, assemble
from scenarios.engines.crossings import derived_quantiles
from scenarios.engines.factors import DRAW, ContractionCost, Factor, contract, contraction_cost
from scenarios.engines.links import ANCHOR_REPLICATES, anchor_tables, integrable
from scenarios.engines.memo import IdentityCache
from scenarios.engines.network import Network
from scenarios.engines.quadrature import TOLERANCE, posterior_quantiles
from scenarios.engines.uncertain import draw_parameters
from scenarios.errors import ImpossibleEvidenceError, Problem, TooCostlyError
from scenarios.posterior import Deferred, Posterior, state_table, weighted_quantile
from scenarios.spec import reliability as rel
from scenarios.spec.priors import ContinuousTablePrior, ThresholdPrior
from scenarios.spec.propositions import state_matches
from scenarios.spec.scenario import Scenario

__all__ = [
    "KHAT_LIMIT",
    "MAX_FLOPS",
    "MAX_SAMPLED_FLOPS",
    "MAX_TABLE",
    "ExactPlan",
    "Query",
    "claim_table",
    "exact_cost",
    "exact_plan",
    "point_marginals",
    "prior_quantities",
    "psis_weights",
    "update_exact",
]

#: Pareto k above which importance sampling is unreliable (Vehtari et al. 2024).
KHAT_LIMIT = 0.7
#: The largest table the exact engine builds, in elements (2**27 float64 = 1 GiB).
MAX_TABLE = 2**27
#: Multiply-adds of a point answer above which source rates are sampled instead of
#: integrated (about 10 s on a 2-core machine of 2026).
MAX_FLOPS = 2e9
#: ... and above which even sampled rates are refused (draws times the plain network).
MAX_SAMPLED_FLOPS = 2e11


@dataclass(frozen=True)
class ExactPlan:
    """How the exact engine will answer a scenario, and what it will cost.

    ``mode`` is ``"integrated"`` (source rates by quadrature: exact), ``"sampled"``
    (over :data:`MAX_TABLE` or :data:`MAX_FLOPS`: rates drawn, with Monte Carlo error)
    or ``"too large"`` (even so: use the full engine).

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> plan = exact_plan(load(example()))
    >>> plan.mode
    'integrated'
    >>> plan.describe().startswith("exact engine: largest table")
    True
    """

    cost: ContractionCost
    mode: str

    def describe(self) -> str:
        """One line for ``scenarios validate``."""
        nbytes = self.cost.largest * 8
        size = f"{nbytes / 1e6:,.1f} MB" if nbytes >= 1e6 else f"{nbytes / 1e3:,.0f} kB"
        head = f"exact engine: largest table {size}, about {self.cost.flops:.2g} multiply-adds"
        return (
            head
            + {
                "integrated": "; source rates integrated exactly",
                "sampled": (
                    f"; over its limits ({MAX_TABLE * 8 / 1e9:.0f} GB, {MAX_FLOPS:.0e}): source "
                    "rates will be sampled, with Monte Carlo error (or use --engine pymc)"
                ),
                "too large": "; too large even with sampled rates: use --engine pymc",
            }[self.mode]
        )


def exact_plan(scenario: Scenario, quadrature_nodes: int = 24) -> ExactPlan:
    """How the exact engine will answer ``scenario``, from its contraction plans alone.

    Parameters
    ----------
    scenario : Scenario
    quadrature_nodes : int

    Returns
    -------
    ExactPlan
    """
    net = Network(scenario, quadrature_nodes=quadrature_nodes)
    return _plan(net, assemble(net))


def _plan(net: Network, point: Assembly, calibration: _Calibration | None = None) -> ExactPlan:
    cost = exact_cost(net, point, calibration)
    if cost.largest <= MAX_TABLE and cost.flops <= MAX_FLOPS:
        return ExactPlan(cost, "integrated")
    return ExactPlan(cost, "sampled" if net.rate_params else "too large")


def exact_cost(
    net: Network, asm: Assembly, calibration: _Calibration | None = None
) -> ContractionCost:
    """What the exact engine's point answer would take: every contraction it runs, planned.

    The discrete nodes' marginals and the evidence (one calibration, nodes known for
    certain sliced out as it runs them), each continuous fact's marginal, and each
    claim's proposition about more than one discrete node (:func:`claim_table`); plans
    are cached, so running them later costs no second search.

    Parameters
    ----------
    net : Network
    asm : Assembly
    calibration : optional
        The point calibration of ``asm`` if already laid out (:func:`_point_calibration`).

    Returns
    -------
    ContractionCost
        The largest table of any of them, and their multiply-adds summed.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> cost = exact_cost(net, assemble(net))
    >>> cost.largest < MAX_TABLE and cost.flops < MAX_FLOPS
    True
    """
    batch = [DRAW] if any(DRAW in f.axes for f in asm.all()) else []
    queries = [asm.factors_for([n]) for n in net.continuous]
    values = net.values()
    for claim in net.scenario.claims:
        if claim.proposition is not None:
            ind = net.indicator(claim, values)
            if len(ind.axes) > 1 or (ind.axes and ind.axes[0] not in net.states):
                queries.append([*asm.factors_for(list(ind.axes)), ind])
    outputs = [[*batch, n] for n in net.continuous]
    outputs += [batch] * (len(queries) - len(outputs))
    for name in net.derived:  # the joint of a derived fact's inputs
        axes = list(values[name].axes)
        queries.append(asm.factors_for(axes))
        outputs.append([*batch, *axes])
    if batch:  # with draws, the total and each node's own contraction (see _marginals)
        queries += [asm.factors_for(), *(asm.factors_for([n]) for n in net.discrete)]
        outputs += [batch, *([*batch, n] for n in net.discrete)]
        largest, flops = 1, 0
    else:  # the discrete nodes' marginals: one calibration (scenarios.engines.calibrate),
        # planned on the factors it will run on (the same plan, searched once)
        point = calibration or _point_calibration(net, asm)
        largest, flops = point.cost.largest, point.cost.flops
    for factors, output in zip(queries, outputs, strict=True):
        c = contraction_cost([f for f in factors if f.axes or np.ndim(f.values)], output)
        largest, flops = max(largest, c.largest), flops + c.flops
    return ContractionCost(largest, flops)


#: The largest bucket table (entries) one calibration may build for the point answer;
#: beyond it (many parents of one outcome) each node is contracted on its own instead.
CALIBRATED_TABLE = 2**22


def _marginals(
    net: Network, asm: Assembly, z: Any, draws: bool, with_evidence: bool = True
) -> dict[str, np.ndarray]:
    joints, _ = _joints(net, asm, draws, with_evidence)
    out = {}
    for name in net.discrete:
        # a draw under which the claims cannot hold (z == 0) has no conditional
        # probabilities (NaN here) and no posterior weight: the intervals leave it out;
        # a node with no uncertain number upstream broadcasts to every draw
        with np.errstate(invalid="ignore", divide="ignore"):
            joint = np.asarray(joints[name])
            out[name] = joint / z[:, None] if draws else joint / z
    return out


@dataclass(frozen=True)
class _Calibration:
    """The point answer's one calibration: its factors, the nodes known, its plan and cost."""

    factors: list[Factor]
    known: dict[str, int]
    rest: list[str]
    tree: calibrate.BucketTree
    cost: ContractionCost


def _point_calibration(
    net: Network, asm: Assembly, with_evidence: bool = True, batch: bool = False
) -> _Calibration:
    nodes = list(net.discrete)
    factors = asm.factors_for(nodes, with_evidence)
    # a node known for certain (observe, a confirmed claim) leaves the calibration: its
    # tables are sliced at its state, as Query.marginals does (its marginal is that state)
    known = _known_states(net, asm.evidence) if with_evidence and not batch else {}
    if known:
        factors = calibrate.observe(factors, known)
    rest = [n for n in nodes if n not in known]
    tree = calibrate.bucket_tree(factors, [])
    return _Calibration(factors, known, rest, tree, calibrate.calibration_cost(tree, rest))


def _joints(
    net: Network,
    asm: Assembly,
    draws: bool,
    with_evidence: bool = True,
    calibration: _Calibration | None = None,
) -> tuple[dict[str, Any], float | None]:
    """Each discrete node's joint with the claims, and their total if calibrations gave it.

    The total is ``None`` for nodes contracted one by one (draws, or a calibration too
    large with no node known).
    """
    nodes = list(net.discrete)
    batch = draws and any(DRAW in f.axes for f in asm.factors_for(nodes, with_evidence))
    # one calibration (scenarios.engines.calibrate) for the point answer while its
    # buckets stay small; with a draw axis every message would carry the draws (Wagner:
    # 10 s against 0.6 s), so there each node gets its own pruned contraction
    point = None
    if not batch:
        point = calibration or _point_calibration(net, asm, with_evidence)
        factors, known, rest, tree = point.factors, point.known, point.rest, point.tree
    if point is not None and point.cost.largest <= CALIBRATED_TABLE:
        joints = calibrate.marginals(factors, rest, tree=tree)
    elif point is not None and known:
        # one calibration would build too large a bucket (munin1 observed: 78 million
        # numbers, 1.3 s): each node gets its own, of the tables it and the evidence
        # reach, sliced at the nodes known (0.13-0.37 s)
        joints = {}
        for name in rest:
            own = calibrate.observe(asm.factors_for([name, *known], with_evidence), known)
            joints[name] = calibrate.marginals(own, [name])[name]
    else:  # draws, or nothing known: each node its own pruned contraction
        joints = {}
        summed: dict[tuple[int, ...], Factor] = {}
        for name in nodes:
            own = asm.factors_for([name], with_evidence)
            axes = [DRAW, name] if any(DRAW in f.axes for f in own) else [name]
            joints[name] = contract(sum_out(net, own, axes, summed), axes)
        return joints, None
    total = float(np.sum(joints[rest[0]])) if rest else float(calibrate.total(factors))
    for name, i in known.items():
        joints[name] = np.zeros(len(net.states[name]))
        joints[name][i] = total
    return joints, total


def _known_states(net: Network, factors: Sequence[Factor]) -> dict[str, int]:
    """Discrete nodes that a factor of one axis allows in one state alone: node to state."""
    known: dict[str, int] = {}
    for f in factors:
        if len(f.axes) == 1 and f.axes[0] in net.states and isinstance(f.values, np.ndarray):
            hit = f.values.nonzero()[0]  # one axis: flatnonzero without its ravel
            if hit.size == 1 and known.get(f.axes[0], hit[0]) == hit[0]:
                known[f.axes[0]] = int(hit[0])
    return known


#: The prior marginals of the last few networks without continuous facts, by their
#: nodes' identity (a scenario's facts and outcomes are frozen; an edit of the claims,
#: ``observe`` among them, keeps them): the second calibration of an update, spared.
_PRIORS = IdentityCache(8)


def _prior_marginals(net: Network, point: Assembly) -> dict[str, np.ndarray]:
    if net.continuous or net.derived:  # their quadrature depends on the claims
        return _marginals(net, point, 1.0, draws=False, with_evidence=False)
    nodes = tuple(net.scenario.nodes.values())
    hit = _PRIORS.get(tuple(net.scenario.nodes), kept=nodes)
    if hit is not None:
        return hit
    marg = _marginals(net, point, 1.0, draws=False, with_evidence=False)
    for value in marg.values():
        value.flags.writeable = False
    _PRIORS.put(tuple(net.scenario.nodes), marg, kept=nodes)
    return marg


#: A continuous fact's axis is summed out of the per-node contractions once (rather
#: than in each) while the factor this makes holds at most this many numbers.
SUMMED_TABLE = 2**24


def sum_out(
    net: Network,
    factors: list[Factor],
    keep: Sequence[str],
    cache: dict[tuple[int, ...], Factor] | None = None,
) -> list[Factor]:
    """The factors with each continuous fact's quadrature axis summed out, where small.

    Variable elimination, exact: the factors over a continuous fact's axis are
    multiplied and summed over it into one factor (while it holds at most
    :data:`SUMMED_TABLE` numbers). With draws the per-node contractions otherwise each
    sum the same quadrature axis again (Wagner's troops: 432 nodes against 36 cases of
    a link drawn 4000 times); ``cache`` shares the summed factors between them.

    Parameters
    ----------
    net : Network
    factors : list of Factor
    keep : sequence of str
        Axes not summed out.
    cache : dict, optional
        Summed factors by the ids of the factors they replace.

    Returns
    -------
    list of Factor
        Whose contraction over ``keep`` is that of ``factors``.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> asm = assemble(net)
    >>> own = asm.factors_for(["mutiny_end"])
    >>> fewer = sum_out(net, own, ["mutiny_end"])
    >>> len(fewer) < len(own), any("troops" in f.axes for f in fewer)
    (True, False)
    >>> a, b = contract(own, ["mutiny_end"]), contract(fewer, ["mutiny_end"])
    >>> bool(np.allclose(a, b, rtol=1e-12, atol=0))
    True
    """
    cache = {} if cache is None else cache
    out = list(factors)
    for axis in net.quadrature:
        if axis in keep:
            continue
        group = [f for f in out if axis in f.axes]
        if not group:
            continue
        axes = list(dict.fromkeys(a for f in group for a in f.axes if a != axis))
        sizes: dict[str, int] = {}
        for f in group:
            sizes.update(zip(f.axes, np.shape(f.values), strict=False))
        if int(np.prod([sizes.get(a, 1) for a in axes])) > SUMMED_TABLE:
            continue
        key = (*(id(f) for f in group), hash(axis))
        if key not in cache:
            # numpy's einsum contracts a pair sharing the draw axis as a batched matrix
            # product (opt_einsum's path would loop in C over it)
            names = list(dict.fromkeys(a for f in group for a in f.axes))
            ops: list[Any] = []
            for f in group:
                ops += [np.asarray(f.values, dtype=float), [names.index(a) for a in f.axes]]
            value = np.einsum(*ops, [names.index(a) for a in axes], optimize=True)
            cache[key] = Factor(np.asarray(value), tuple(axes))
        out = [f for f in out if axis not in f.axes] + [cache[key]]
    return out


def _quantities(
    net: Network,
    asm: Assembly,
    z: Any,
    weights: np.ndarray | None = None,
    with_evidence: bool = True,
) -> pd.DataFrame:
    rows = []
    values = net.values() if net.derived else {}
    for name in (*net.continuous, *net.derived):
        if name in net.quadrature:
            x, _ = net.quadrature[name]
            axes = [name]
        else:  # a derived fact: its value over its inputs' axes, weighted by their joint
            axes = list(values[name].axes)
            x = np.asarray(values[name].values, dtype=float).ravel()
        factors = asm.factors_for(axes, with_evidence)
        if weights is None:
            w = contract(factors, axes) / z
        else:  # per draw, then averaged with the draws' weights
            if any(DRAW in f.axes for f in factors):
                per_draw = contract(factors, [DRAW, *axes])
                w = np.tensordot(weights, per_draw / z.reshape(-1, *[1] * len(axes)), 1)
            else:
                w = contract(factors, axes) / float(weights @ z)
        w = np.asarray(w, dtype=float).ravel()
        if name not in net.quadrature:
            order = np.argsort(x, kind="stable")
            x, w = x[order], w[order]
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(max(np.sum(w * (x - mean) ** 2), 0.0)))
        if name in net.rules:  # from the posterior's interpolant: as accurate as the rule
            q05, q50, q95 = posterior_quantiles(net.rules[name], w, [0.05, 0.5, 0.95])
        else:  # from the grid, then (the posterior's) by root finding on the exact CDF
            levels = [0.05, 0.5, 0.95]
            q05, q50, q95 = weighted_quantile(x, w, levels)
        if name not in net.rules and with_evidence:
            mass = np.zeros(w.size)
            mass[order] = w
            exact = derived_quantiles(
                net, name, mass.reshape(np.shape(values[name].values)), axes, levels,
                [q05, q50, q95], sd,
            )  # fmt: skip
            if exact is not None:
                q05, q50, q95 = (float(v) for v in exact)
        rows.append((name, net.scenario.facts[name].unit, mean, sd, q05, q50, q95))
    return _summaries(rows)


def _summaries(rows: list[tuple]) -> pd.DataFrame:
    """Continuous facts' summaries, index ``fact``."""
    return _frame(rows, ["fact", "unit", "mean", "sd", "q05", "median", "q95"])


_EMPTY: dict[tuple[str, ...], pd.DataFrame] = {}


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """The rows as a table indexed by the first column; for none, a copy of one empty table.

    A network without continuous facts or diagnostics has empty tables to give, and
    building each (and its index) took longer than its update's sums.
    """
    if rows:
        return pd.DataFrame(rows, columns=columns).set_index(columns[0])
    key = tuple(columns)
    if key not in _EMPTY:
        _EMPTY[key] = pd.DataFrame([], columns=columns).set_index(columns[0])
    return _EMPTY[key].copy()


def prior_quantities(net: Network) -> pd.DataFrame:
    """Continuous facts' prior summaries, straight from their distributions.

    Parameters
    ----------
    net : Network

    Returns
    -------
    pandas.DataFrame
        Index ``fact``; columns ``unit``, ``mean``, ``sd``, ``q05``, ``median``, ``q95``.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> table = prior_quantities(Network(load(example())))
    >>> round(float(table.loc["troops", "median"]), 3)
    21.909
    """
    rows = []
    for name, d in net.dists.items():
        if isinstance(net.priors[name], ContinuousTablePrior):
            continue  # a mixture weighted by its parents' prior: from the network below
        q05, q50, q95 = d.dist.ppf([0.05, 0.5, 0.95])
        unit = net.scenario.facts[name].unit
        rows.append((name, unit, float(d.dist.mean()), float(d.dist.std()), q05, q50, q95))
    table = _summaries(rows)
    if len(table) < len(net.continuous) + len(net.derived):  # tables and derived facts
        others = _quantities(net, assemble(net), 1.0, with_evidence=False)
        table = pd.concat([table, others.drop(index=table.index)])
        table = table.loc[[n for n in net.scenario.order if n in table.index]]
    return table


def claim_table(
    net: Network,
    asm: Assembly,
    z: Any,
    weights: np.ndarray | None = None,
    marginals: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Each claim's proposition before and after the claims, beside the analyst's digit.

    Parameters
    ----------
    net : Network
    asm : Assembly
        The point assembly (:func:`~scenarios.engines.assembly.assemble` without
        parameters), or one over draws of theta.
    z : float or numpy.ndarray
        P(claims) under ``asm`` (per draw, for draws).
    weights : numpy.ndarray, optional
        The draws' importance weights: the probabilities are their weighted means.
    marginals : pair of mappings, optional
        The point answer's posterior and prior marginals of the discrete nodes (without
        draws): a proposition about one node is read off them, not contracted again.

    Returns
    -------
    pandas.DataFrame
        Index ``claim`` (claims about a proposition, in file order); columns ``source``,
        ``digit`` (nullable integer), ``meaning``, ``prior``, ``probability`` and
        ``flag`` (the digit disagrees with the probability, see
        :data:`scenarios.spec.reliability.DIGIT_FLAGS`).

    Examples
    --------
    >>> from scenarios.engines.assembly import assemble
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> asm = assemble(net)
    >>> table = claim_table(net, asm, float(contract(asm.factors_for(), [])))
    >>> list(table.columns)
    ['source', 'digit', 'meaning', 'prior', 'probability', 'flag']
    """
    values = net.values()
    flags = net.scenario.reliability.digit_flags()
    rows = []
    for claim in net.scenario.claims:
        if claim.proposition is None:
            continue
        ind = net.indicator(claim, values)
        axes = list(ind.axes)
        if marginals is not None and len(axes) == 1 and axes[0] in marginals[0]:
            hit = np.asarray(ind.values, dtype=float)
            post = float(marginals[0][axes[0]] @ hit)
            prior = float(marginals[1][axes[0]] @ hit)
        else:
            post = _mean([*asm.factors_for(axes), ind], z, weights)
            prior = _mean([*asm.factors_for(axes, with_evidence=False), ind], 1.0, weights, True)
        digit = claim.information
        side, threshold = flags[digit] if digit is not None else (None, None)
        flag = bool(
            (side == "below" and post < threshold) or (side == "above" and post > threshold)
        )
        meaning = rel.DIGIT_MEANINGS[digit] if digit is not None else ""
        rows.append((claim.id, claim.source or "", digit, meaning, prior, post, flag))
    cols = ["claim", "source", "digit", "meaning", "prior", "probability", "flag"]
    if not rows:  # as pandas makes an empty table
        table = pd.DataFrame(rows, columns=cols).set_index("claim")
        table["digit"] = table["digit"].astype("Int64")
        return table
    # column by column: the frame pandas would infer from the rows, at a fraction of it
    ids, sources, digits, meanings, priors, posts, flagged = zip(*rows, strict=True)
    columns = {
        "source": pd.array(sources, dtype="str"),
        "digit": pd.array(digits, dtype="Int64"),
        "meaning": pd.array(meanings, dtype="str"),
        "prior": np.array(priors, dtype=float),
        "probability": np.array(posts, dtype=float),
        "flag": np.array(flagged, dtype=bool),
    }
    return pd.DataFrame(columns, index=pd.Index(ids, dtype="str", name="claim"))


def _mean(factors: list[Factor], z: Any, weights: np.ndarray | None, prior: bool = False) -> float:
    """A contraction over the draws: weighted (the posterior) or plain (the prior)."""
    if weights is None or not any(DRAW in f.axes for f in factors):
        total = float(contract(factors, []))
        return total / (float(weights @ z) if weights is not None and not prior else z)
    per_draw = contract(factors, [DRAW]) / z
    return float(np.mean(per_draw) if prior else weights @ per_draw)


def _conflict(net: Network) -> list[str]:
    # deletion filter: drop each claim whose removal keeps the evidence impossible
    involved = [ev.id for ev in net.evidence]
    for cid in list(involved):
        trial = [c for c in involved if c != cid]
        skip = [ev.id for ev in net.evidence if ev.id not in trial]
        if float(contract(assemble(net, skip_claims=skip).factors_for(), [])) <= 0.0:
            involved = trial
    return involved


def point_marginals(
    scenario: Scenario, names: Sequence[str] | None = None
) -> dict[str, np.ndarray] | None:
    """The point answer of :func:`update_exact` for some discrete nodes, and nothing else.

    What an analysis that recomputes one probability many times needs (a timeline, a
    tornado): no prior, no tables, no intervals. The numbers are ``update_exact``'s
    ``probability`` column (to rounding: the claims' total is summed once more).

    Parameters
    ----------
    scenario : Scenario
    names : sequence of str, optional
        Discrete facts or outcomes (default: the outcomes).

    Returns
    -------
    dict of str to numpy.ndarray or None
        Each node's posterior probabilities, state by state; ``None`` when the exact
        engine would not integrate the point answer exactly (sampled source rates or
        links), or the claims cannot all hold: then ask :func:`update_exact`, which
        samples, or names the claims in conflict.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> s = load(example())
    >>> p = point_marginals(s)["mutiny_end"]
    >>> q = update_exact(s, intervals=False).scenarios.loc["mutiny_end", "probability"]
    >>> bool(abs(p - q.to_numpy()).max() < 1e-12)
    True
    """
    net = Network(scenario)
    names = list(scenario.outcomes) if names is None else list(names)
    if any(not integrable(net, p) for p in net.link_params):
        return None
    point = assemble(net)
    if _plan(net, point).mode != "integrated":
        return None
    z = float(calibrate.total(point.factors_for()))
    if not np.isfinite(z) or z <= 0.0:
        return None
    joints = calibrate.marginals(point.factors_for(names), names)
    return {n: np.asarray(joints[n], dtype=float) / z for n in names}


def update_exact(
    scenario: Scenario,
    *,
    seed: int | None = None,
    draws: int = 4000,
    interval: float = 0.9,
    intervals: bool = True,
    quadrature_nodes: int = 24,
    quadrature_tolerance: float | None = TOLERANCE,
    idata: bool = False,
) -> Posterior:
    """Update a scenario exactly.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Seed of the draws behind the intervals (default: the scenario's ``seed``).
    draws : int
        Draws of the uncertain probabilities for the intervals.
    interval : float
        Mass of the credible intervals.
    intervals : bool
        ``False`` skips the intervals (the point answer alone, fastest).
    quadrature_nodes : int
        Gauss-Legendre nodes per segment of each continuous fact.
    quadrature_tolerance : float or None
        Relative error allowed in each continuous fact's quadrature (default
        :data:`~scenarios.engines.quadrature.TOLERANCE`, 1e-8): segments are halved until
        n and 2n nodes agree to it; quantiles are read off the posterior's interpolant
        to the same accuracy. ``None``: the fixed rule of ``quadrature_nodes`` per segment.
    idata : bool
        Also give the draws as an ArviZ DataTree (``Posterior.idata``): the same groups
        as the full engine's (:mod:`scenarios.engines.trees`), its ``posterior`` the prior
        draws of theta resampled by their importance weights (systematic resampling)
        and, for a scenario with one continuous fact, draws of it from its exact
        conditional (on its quadrature nodes); ``importance`` the draws and their
        ``weight``. Needs uncertain probabilities.

    Returns
    -------
    Posterior

    Raises
    ------
    ImpossibleEvidenceError
        If the claims cannot all hold; it names a minimal set of claims in conflict.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> post = update_exact(load(example()), draws=4000)
    >>> post.engine, post.settings["draws"]
    ('exact', 4000)
    >>> list(post.scenarios.columns)  # mcse: the Monte Carlo error of mutiny_end's link
    ['probability', 'lower', 'upper', 'mcse']
    """
    seed = scenario.seed if seed is None else int(seed)
    net = Network(scenario, quadrature_nodes, quadrature_tolerance)
    # an uncertain link too costly to integrate is sampled (engines/links.py): the point
    # assembly then holds it at its mean, for the cost plan alone
    costly: dict[str, Any] = {p.name: p.mean for p in net.link_params if not integrable(net, p)}
    # Dirichlet anchors: the expected table by randomised quasi-Monte Carlo (seeded), and
    # its replicates, whose answers give the point answer's Monte Carlo error
    anchored = {p.name: anchor_tables(net, p, seed) for p in net.link_params if p.anchors}
    point = assemble(net, params={**costly, **{k: v[0] for k, v in anchored.items()}} or None)
    # the point calibration, laid out once for the plan and the answer
    calibration = _point_calibration(net, point)
    plan = _plan(net, point, calibration)
    if costly and plan.mode == "integrated":
        plan = replace(plan, mode="sampled")
    cost, sampled = plan.cost, plan.mode == "sampled"
    if plan.mode == "too large":
        raise _too_costly(scenario, cost)
    z = 1.0
    if not sampled:
        # P(claims) is the total of the posterior calibration itself: no pass of its own
        joints, total = (
            _joints(net, point, draws=False, calibration=calibration)
            if net.discrete
            else ({}, None)
        )
        z = float(calibrate.total(point.factors_for())) if total is None else total
        if not np.isfinite(z) or z <= 0.0:
            claims = _conflict(net)
            raise ImpossibleEvidenceError(
                f"the claims cannot all hold (their likelihood is zero): {', '.join(claims)}",
                claims,
            )
        marg = {n: np.asarray(joints[n]) / z for n in net.discrete}
    # the prior needs no claims, so no source rates: exact at any size
    prior_marg = _prior_marginals(net, point)

    post_draws = prior_draws = weights = None
    diag_rows = []
    log_evidence = float(np.log(z) + point.log_offset)
    if (intervals or sampled) and net.parameters:
        rng = np.random.default_rng(seed)
        theta = draw_parameters(net, draws, rng)
        batch = assemble(net, params=theta, draw_axis=True)
        if sampled:
            batch_cost = exact_cost(net, batch)
            if batch_cost.largest > MAX_TABLE or batch_cost.flops > MAX_SAMPLED_FLOPS:
                raise _too_costly(scenario, cost, batch_cost)
        all_f = batch.factors_for()
        has_draws = any(DRAW in f.axes for f in all_f)
        zs = calibrate.total(all_f, [DRAW] if has_draws else [])
        zs = np.broadcast_to(np.asarray(zs, dtype=float), (draws,))
        if sampled and not (np.isfinite(zs).all() and zs.max() > 0.0):
            raise ImpossibleEvidenceError(
                "the claims cannot all hold under any drawn source rates", list(point.claim_ids)
            )
        post_draws = _marginals(net, batch, zs, draws=True)
        prior_draws = _marginals(net, batch, np.ones(draws), draws=True, with_evidence=False)
        with np.errstate(divide="ignore"):  # z == 0: log-likelihood -inf, weight 0
            weights, khat, ess = psis_weights(np.log(zs))
        diag_rows.append(("pareto_k", khat, f"<= {KHAT_LIMIT}", khat <= KHAT_LIMIT))
        diag_rows.append(("importance_ess", ess, ">= 400", ess >= 400))
        if sampled:  # the point answer itself from the draws: a posterior mean of g
            # a draw under which the claims cannot hold has weight 0 (and g = 0/0)
            marg = {n: weights @ np.where(np.isfinite(g), g, 0.0) for n, g in post_draws.items()}
            log_evidence = float(np.log(np.mean(zs)) + batch.log_offset)
            if costly:  # the prior too, from the draws (the point assembly held the link)
                prior_marg = {n: g.mean(axis=0) for n, g in prior_draws.items()}
                _warn_sampled_links(scenario, list(costly), draws, khat)
            else:
                _warn_sampled(scenario, cost, draws, khat)
    outcomes = {n: marg[n] for n in scenario.outcomes}
    facts = {n: marg[n] for n in net.discrete if n in scenario.facts}
    states = net.states
    tree = None
    if idata and weights is not None:
        tree = _importance_tree(net, theta, weights, seed)

    # without draws (no intervals, or nothing uncertain) every table is built from
    # numbers in hand: the posterior builds each on first access (on a small network
    # the eight tables took ten times the sums), promised finite when they are
    lazy = post_draws is None and not sampled and not anchored
    finite = lazy and _all_finite([*outcomes.values(), *facts.values(), *prior_marg.values()])

    def table(values: dict, draws_: dict | None, w: np.ndarray | None) -> Any:
        if lazy:
            return Deferred(state_table, (values, states, None, None, interval), finite)
        return state_table(values, states, draws_, w, interval)

    def summaries(make: Any, *args: Any) -> Any:
        if net.continuous or net.derived:
            return make(*args)
        return Deferred(_summaries, ([],), finite=True)  # none to summarise

    diag_rows += net.conflict_rows()
    diag_columns = ["diagnostic", "value", "want", "ok"]
    if sampled:
        claims: Any = claim_table(net, batch, zs, weights)
    elif lazy:
        claims = Deferred(claim_table, (net, point, z, None, (marg, prior_marg)))
    else:
        claims = claim_table(net, point, z, marginals=(marg, prior_marg))
    posterior = Posterior(
        scenario=scenario,
        engine="exact",
        seed=seed,
        scenarios=table(outcomes, post_draws, weights),
        facts=table(facts, post_draws, weights),
        quantities=(
            summaries(_quantities, net, batch, zs, weights)
            if sampled
            else summaries(_quantities, net, point, z)
        ),
        prior_scenarios=table({n: prior_marg[n] for n in outcomes}, prior_draws, None),
        prior_facts=table({n: prior_marg[n] for n in facts}, prior_draws, None),
        prior_quantities=summaries(prior_quantities, net),
        interval_mass=interval,
        diagnostics=(
            _frame(diag_rows, diag_columns) if diag_rows else Deferred(_frame, ([], diag_columns))
        ),
        log_evidence=log_evidence,
        idata=tree,
        settings={
            "draws": draws if net.parameters else 0,
            "quadrature_nodes": quadrature_nodes,
            "quadrature_tolerance": quadrature_tolerance,
            "source_rates": "sampled" if sampled else "integrated",
        },
        claims=claims,
    )
    if sampled:  # the point answer's own Monte Carlo error
        for frame in (posterior.scenarios, posterior.facts):
            frame["mcse"] = _is_mcse(frame, post_draws, weights)
    elif anchored:  # the answer is the ratio of sums over the replicates' tables
        reps = assemble(net, params={k: v[1] for k, v in anchored.items()}, draw_axis=True)
        z_reps = np.broadcast_to(calibrate.total(reps.factors_for(), [DRAW]), (ANCHOR_REPLICATES,))
        rep_marg = _marginals(net, reps, z_reps, draws=True)
        w_reps = z_reps / z_reps.sum()
        for frame in (posterior.scenarios, posterior.facts):
            frame["mcse"] = _is_mcse(frame, rep_marg, w_reps)
    if not isinstance(vars(posterior)["diagnostics"], Deferred):
        _warn(posterior)  # else no diagnostic at all, none failed (nor a number NaN)
    return posterior


def _all_finite(arrays: Sequence[np.ndarray]) -> bool:
    """Whether every number of the arrays is finite (one pass over all)."""
    if not arrays:
        return True
    return bool(np.isfinite(np.concatenate([np.ravel(a) for a in arrays])).all())


def _importance_tree(
    net: Network, theta: Mapping[str, np.ndarray], weights: np.ndarray, seed: int
) -> Any:
    """The DataTree of weighted prior draws: resampled as ``posterior``, kept as ``importance``.

    A single continuous fact is drawn too, from its exact conditional given each draw
    (on its quadrature nodes), so that the reports' log-likelihoods condition on it as
    the full engine's do; with several, they stay integrated.
    """
    from scenarios.engines.trees import datatree

    n = len(weights)
    rng = np.random.default_rng([seed, 17])
    # systematic resampling: draw i appears floor or ceil of n w_i times
    cdf = np.cumsum(weights / weights.sum())
    picks = np.searchsorted(cdf, (rng.random() + np.arange(n)) / n)
    picks = np.minimum(picks, n - 1)
    drawn = {k: np.asarray(v)[picks] for k, v in theta.items()}
    posterior = {k: v[None] for k, v in drawn.items()}
    continuous: tuple[str, ...] = ()
    if len(net.continuous) == 1:  # its exact conditional given each draw, on its nodes
        name = net.continuous[0]
        batch = assemble(net, params=drawn, draw_axis=True)
        factors = batch.factors_for([name])
        axes = [DRAW, name] if any(DRAW in f.axes for f in factors) else [name]
        joint = np.asarray(contract(factors, axes), dtype=float).reshape(
            -1, len(net.quadrature[name][0])
        )
        joint = np.broadcast_to(joint, (n, joint.shape[-1]))
        cdf = np.cumsum(joint, axis=1)
        u = rng.random(n) * cdf[:, -1]
        index = np.minimum((cdf < u[:, None]).sum(axis=1), joint.shape[1] - 1)
        posterior[name] = net.quadrature[name][0][index][None]
        continuous = (name,)
    importance = {**{k: np.asarray(v) for k, v in theta.items()}, "weight": weights}
    return datatree(
        net,
        posterior,
        continuous=continuous,
        prior_draws=min(n, 1000),
        seed=seed,
        importance=importance,
    )


def _too_costly(
    scenario: Scenario, cost: ContractionCost, sampled: ContractionCost | None = None
) -> TooCostlyError:
    what = (
        f"its largest table would hold {cost.largest:,} numbers ({cost.gigabytes:.1f} GB) "
        f"and the answer take {cost.flops:.2g} multiply-adds"
    )
    if sampled is not None:
        what += (
            f"; with the source rates sampled, {sampled.largest:,} numbers "
            f"({sampled.gigabytes:.1f} GB) and {sampled.flops:.2g}"
        )
    return TooCostlyError(
        [
            Problem(
                (),
                f"{scenario.title}: too large for the exact engine ({what}; limits "
                f"{MAX_TABLE:,} numbers, {MAX_FLOPS:.0e} and {MAX_SAMPLED_FLOPS:.0e} sampled): "
                "use engine='pymc'",
            )
        ]
    )


def _warn_sampled(scenario: Scenario, cost: ContractionCost, draws: int, khat: float) -> None:
    from scenarios.errors import SamplingWarning, warn

    advice = "" if khat <= KHAT_LIMIT else f"; Pareto k {khat:.2f} is high: use engine='pymc'"
    warn(
        f"{scenario.title}: integrating the source rates exactly would take "
        f"{cost.flops:.2g} multiply-adds (largest table {cost.gigabytes:.2g} GB): they were "
        f"sampled instead ({draws} draws; the Monte Carlo error is in the mcse column)" + advice,
        SamplingWarning,
        stacklevel=3,
    )


def _warn_sampled_links(scenario: Scenario, names: list[str], draws: int, khat: float) -> None:
    from scenarios.errors import SamplingWarning, warn

    advice = "" if khat <= KHAT_LIMIT else f"; Pareto k {khat:.2f} is high: use engine='pymc'"
    warn(
        f"{scenario.title}: the uncertain link(s) {', '.join(names)} have too many parent "
        f"cases to integrate by cubature: they were sampled ({draws} draws; the Monte Carlo "
        "error is in the mcse column)" + advice,
        SamplingWarning,
        stacklevel=3,
    )


def _is_mcse(frame: pd.DataFrame, draws: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
    """Monte Carlo standard error of a self-normalised importance-sampling mean."""
    out = []
    for (name, _state), p in frame["probability"].items():
        g = draws[name][:, list(frame.loc[name].index).index(_state)]
        g = np.where(np.isfinite(g), g, p)  # weight 0 where not finite
        out.append(float(np.sqrt(np.sum(w**2 * (g - p) ** 2))))
    return np.asarray(out)


def psis_weights(log_lik: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Pareto-smoothed importance weights of prior draws given their log-likelihoods.

    The draws come from the prior; their target is the posterior, so each draw's raw
    weight is its likelihood. Smoothing the largest weights (PSIS, Vehtari et al. 2024)
    makes the estimate stable; its k-hat says whether to trust it.

    Parameters
    ----------
    log_lik : numpy.ndarray
        One log-likelihood per draw.

    Returns
    -------
    weights : numpy.ndarray
        Normalised to sum to one.
    khat : float
        Pareto k-hat (reliable up to :data:`KHAT_LIMIT`; ``-inf`` when every draw has
        the same likelihood, or the largest likelihoods are all equal: no tail to
        smooth; ``nan`` when no draw has a finite one). Draws without a finite
        log-likelihood get weight zero.
    ess : float
        The importance-sampling effective sample size, ``1 / sum(weights**2)``.

    Examples
    --------
    >>> w, khat, ess = psis_weights(np.zeros(4))
    >>> w.tolist(), khat, ess
    ([0.25, 0.25, 0.25, 0.25], -inf, 4.0)
    >>> w, khat, ess = psis_weights(np.random.default_rng(0).normal(size=2000))
    >>> bool(abs(w.sum() - 1) < 1e-12), bool(khat < KHAT_LIMIT), bool(ess < 2000)
    (True, True, True)
    >>> w, khat, ess = psis_weights(np.r_[np.zeros(10), np.full(90, -50.0), np.nan])
    >>> round(float(w[:10].sum()), 12), khat, round(ess, 6)  # ten equal largest weights
    (1.0, -inf, 10.0)
    """
    from arviz_stats.base import array_stats

    log_lik = np.asarray(log_lik, dtype=float)
    n = log_lik.size
    ok = np.isfinite(log_lik)  # a draw without a finite likelihood gets no weight
    if not ok.any():
        return np.full(n, 1.0 / n), float("nan"), float("nan")
    top = log_lik[ok].max()
    if ok.all() and np.ptp(log_lik) < 1e-12:
        return np.full(n, 1.0 / n), float("-inf"), float(n)
    lw = np.full(n, -np.inf)
    try:
        # psislw takes the log-likelihood of LOO and smooths weights 1/lik: hand it -log_lik
        smoothed, khat = array_stats.psislw(-(log_lik[ok] - top))
        lw[ok] = smoothed
    except ValueError:  # the largest weights are all equal: no tail to smooth
        lw[ok], khat = log_lik[ok] - top, float("-inf")
    if not np.isfinite(lw).any() or np.isnan(khat):
        lw = np.where(ok, log_lik - top, -np.inf)
        khat = float("-inf") if np.isnan(khat) else khat
    w = np.exp(lw - lw.max())
    w /= w.sum()
    return w, float(khat), float(1.0 / np.sum(w**2))


def _warn(posterior: Posterior) -> None:
    from scenarios.errors import SamplingWarning, warn

    for message in posterior.warnings:
        if message.startswith("prior_data_conflict"):
            continue  # warned by name already (Network.conflict_rows)
        warn(
            f"{posterior.scenario.title}: {message}; the intervals may be unreliable, "
            "try engine='pymc'",
            SamplingWarning,
            stacklevel=3,
        )


class Query:
    """Exact joint queries on a scenario: the analysis tools' and benchmarks' entry point.

    The network is compiled once; each :meth:`joint` call contracts only the tables that
    the query and its evidence reach (barren nodes pruned), with cached contraction plans.

    Parameters
    ----------
    scenario : Scenario
    prior_power, evidence_power : float
        Power-scale the prior (tables and quadrature weights) and the claims'
        likelihoods (1 = the model as written; 0 drops that part).

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> q = Query(load(example()))
    >>> q.joint(["mutiny_end", "hq_seized"]).shape
    (5, 2)
    >>> p = q.joint(["putin_in_power"], evidence={"hq_seized": True})
    >>> q.states("putin_in_power"), round(float(p.sum()), 12)
    (('false', 'true'), 1.0)
    """

    def __init__(
        self, scenario: Scenario, *, prior_power: float = 1.0, evidence_power: float = 1.0
    ) -> None:
        self.scenario = scenario
        self.network = Network(scenario)
        asm = assemble(self.network)
        self._scaled = prior_power != 1.0 or evidence_power != 1.0

        def scaled(factors: tuple, power: float) -> tuple:
            if power == 1.0:
                return factors
            return tuple(
                type(f)(np.asarray(f.values, dtype=float) ** power, f.axes) for f in factors
            )

        # a threshold node's table is a definition (an indicator, or on a derived fact
        # each node's share of its weight: crossings), not a prior: never scaled
        defined = tuple(
            isinstance(self.network.priors[owner], ThresholdPrior) for owner in asm.nodes
        )
        tables = tuple(
            t if d else scaled((t,), prior_power)[0]
            for t, d in zip(asm.tables, defined, strict=True)
        )
        self._asm = replace(
            asm,
            tables=tables,
            weights=scaled(asm.weights, prior_power),
            evidence=scaled(asm.evidence, evidence_power),
        )
        check = self._asm.all() if self._scaled else self._asm.factors_for()
        if float(contract(check, [])) <= 0.0:
            raise ImpossibleEvidenceError(
                f"{scenario.title}: the claims cannot all hold", list(self._asm.claim_ids)
            )

    def joint(self, names: Sequence[str], evidence: Mapping[str, Any] | None = None) -> np.ndarray:
        """P(names | claims, evidence) with one axis per name, in that order.

        Parameters
        ----------
        names : sequence of str
            Discrete nodes, or continuous facts (an axis over their quadrature nodes).
        evidence : mapping of str to state, optional
            Discrete facts' observed states (hard evidence for this query only).

        Returns
        -------
        numpy.ndarray
            Normalised to sum to one.

        Raises
        ------
        KeyError
            An evidence name is not a discrete node.
        ValueError
            An evidence state is not one of the node's states.
        ImpossibleEvidenceError
            The evidence has probability zero given the claims.
        """
        if len(names) == 1:
            return self.marginals(names, evidence)[names[0]]
        asm = self._asm
        if evidence:
            extra = [Factor(hit, (name,)) for name, hit in self._hits(evidence).items()]
            asm = replace(asm, evidence=(*asm.evidence, *extra))
        # power-scaled tables no longer sum to one: then nothing may be pruned
        factors = asm.all() if self._scaled else asm.factors_for(list(names))
        joint = np.asarray(contract(factors, list(names)), dtype=float)
        total = joint.sum()
        if not total > 0.0:
            raise ImpossibleEvidenceError(f"{self.scenario.title}: the evidence cannot hold", [])
        return joint / total

    def marginals(
        self, names: Sequence[str], evidence: Mapping[str, Any] | None = None
    ) -> dict[str, np.ndarray]:
        """P(name | claims, evidence) for each name, all from one calibration.

        Hard evidence enters by slicing the tables (an observed node leaves the network);
        the tables no target and no evidence reaches are left out, and the rest is
        calibrated once (:func:`scenarios.engines.calibrate.marginals`), so three
        marginals cost about what two would cost one by one.

        Parameters
        ----------
        names : sequence of str
            Discrete nodes (facts or outcomes, leaves included) or continuous facts.
        evidence : mapping of str to state, optional
            Observed states of discrete nodes, any of them (hard evidence, this query only).

        Returns
        -------
        dict of str to numpy.ndarray
            Each normalised to sum to one.

        Raises
        ------
        KeyError
            An evidence name is not a discrete node.
        ValueError
            An evidence state is not one of the node's states, or a name is no node.
        ImpossibleEvidenceError
            The evidence has probability zero given the claims.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> q = Query(load(example()))
        >>> m = q.marginals(["hq_seized", "mutiny_end"], evidence={"putin_in_power": True})
        >>> [round(float(p.sum()), 12) for p in m.values()]
        [1.0, 1.0]
        """
        names = list(names)
        hits = self._hits(evidence or {})
        asm = self._asm
        observed = {
            n: int(np.argmax(h)) for n, h in hits.items() if h.sum() == 1.0 and n not in names
        }
        extra = [Factor(h, (n,)) for n, h in hits.items() if n not in observed]
        asm = replace(asm, evidence=(*asm.evidence, *extra))
        if self._scaled:  # power-scaled tables no longer sum to one: nothing may be pruned
            factors = asm.all()
        else:
            factors = asm.factors_for([*names, *observed])
        factors = calibrate.observe(factors, observed)
        for n in names:
            if not any(n in f.axes for f in factors):
                raise ValueError(f"no node {n!r}")
        tree = calibrate.bucket_tree(factors)
        if (
            len(names) > 1
            and not self._scaled
            and calibrate.calibration_cost(tree, names).largest > CALIBRATED_TABLE
        ):
            # one calibration of many targets would build a bucket too large (munin1,
            # every node: 78 million numbers, 8 s): as update() does, each target gets
            # its own calibration, of the tables it and the evidence reach (0.4 s)
            joints = {}
            for n in names:
                own = calibrate.observe(asm.factors_for([n, *observed]), observed)
                joints[n] = calibrate.marginals(own, [n])[n]
        else:
            joints = calibrate.marginals(factors, names, tree=tree)
        out = {}
        for n, p in joints.items():
            p = np.asarray(p, dtype=float)
            total = p.sum()
            if not total > 0.0:
                raise ImpossibleEvidenceError(
                    f"{self.scenario.title}: the evidence cannot hold", []
                )
            out[n] = p / total
        return out

    def _hits(self, evidence: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The states each evidence name allows, as 0/1 vectors."""
        out = {}
        for name, state in evidence.items():
            states = self.network.states.get(name)
            if states is None:
                raise KeyError(f"no discrete fact {name!r}")
            hit = np.array([state_matches(_text(state), s) for s in states], dtype=float)
            if not hit.any():
                raise ValueError(f"unknown state {state!r} of {name!r}; states are {list(states)}")
            out[name] = hit
        return out

    def states(self, name: str) -> tuple[str, ...] | np.ndarray:
        """State names of a discrete node, or quadrature nodes of a continuous fact.

        Parameters
        ----------
        name : str

        Returns
        -------
        tuple of str or numpy.ndarray
        """
        if name in self.network.states:
            return self.network.states[name]
        return self.network.quadrature[name][0]


def _text(state: Any) -> Any:
    return state if isinstance(state, bool | float) else str(state)

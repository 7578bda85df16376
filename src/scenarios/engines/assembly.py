"""The factors of one evaluation of a network, split by role (prior, weights, claims).

:func:`assemble` turns a :class:`~scenarios.engines.network.Network` into an
:class:`Assembly`: tables at their means or at given draws, continuous facts as
quadrature axes or as scalars (PyMC), source rates integrated by Gauss-Jacobi quadrature
or given; :meth:`Assembly.factors_for` picks the factors a query needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.engines import network
from scenarios.engines.dependent import density_factor, row_ratio
from scenarios.engines.factors import DRAW, Factor, align
from scenarios.engines.memo import IdentityCache
from scenarios.engines.network import Network
from scenarios.engines.reports import report_probability
from scenarios.engines.uncertain import rate_quadrature
from scenarios.spec.priors import ContinuousTablePrior

__all__ = ["Assembly", "assemble"]


def _combine(fn: Callable[..., Any], *factors: Factor) -> Factor:
    target: list[str] = []
    for f in factors:
        target.extend(a for a in f.axes if a not in target)
    return Factor(fn(*(align(f.values, f.axes, target) for f in factors)), tuple(target))


def _in_logs(evidence: list[Factor]) -> tuple[list[Factor], float]:
    """Evidence over the same axes multiplied in logs, each product scaled to a peak of 1.

    Hundreds of claims about one fact multiply to far below the smallest double (250
    reports of ``a`` and 250 of ``not a``: e^-775); summed as logs and scaled, their
    product keeps its shape, and the scale goes to the log offset.
    """
    groups: dict[frozenset[str], list[Factor]] = {}
    for f in evidence:
        if not isinstance(f.values, np.ndarray | float | int):
            return evidence, 0.0
        groups.setdefault(frozenset(f.axes), []).append(f)
    out, offset = [], 0.0
    for factors in groups.values():
        if len(factors) == 1:
            out.append(factors[0])
            continue
        axes = factors[0].axes
        with np.errstate(divide="ignore"):
            logs = sum(np.log(align(f.values, f.axes, axes)) for f in factors)
        peak = float(np.max(logs))
        if np.isfinite(peak):
            out.append(Factor(np.exp(logs - peak), axes))
            offset += peak
        else:  # impossible everywhere: a zero factor (the engines name the conflict)
            out.append(Factor(np.zeros(np.shape(logs)), axes))
    return out, offset


@dataclass(frozen=True)
class Assembly:
    """The factors of one evaluation, split by role.

    ``tables`` and ``weights`` make the prior; ``evidence`` multiplies in the claims;
    ``loglik`` holds log-likelihood terms kept apart for the symbolic backend.

    Examples
    --------
    >>> from scenarios.engines.factors import contract
    >>> from scenarios.io import example, load
    >>> asm = assemble(Network(load(example())))
    >>> p = contract(asm.factors_for(["hq_seized"]), ["hq_seized"])
    >>> (p / p.sum()).shape
    (2,)
    """

    nodes: tuple[str, ...]
    tables: tuple[Factor, ...]
    weights: tuple[Factor, ...]
    evidence: tuple[Factor, ...]
    claim_ids: tuple[str, ...]
    loglik: Mapping[str, Factor]
    log_offset: float = 0.0

    def all(self, with_evidence: bool = True) -> list[Factor]:
        """Factors of the prior, with or without the claims.

        Parameters
        ----------
        with_evidence : bool

        Returns
        -------
        list of Factor
        """
        return [*self.tables, *self.weights, *(self.evidence if with_evidence else ())]

    def factors_for(self, targets: Sequence[str] = (), with_evidence: bool = True) -> list[Factor]:
        """The factors a query needs: tables of nodes no claim or target reaches sum to one.

        Parameters
        ----------
        targets : sequence of str
            The axes the query keeps.
        with_evidence : bool

        Returns
        -------
        list of Factor
            Every table an evidence factor or a target reaches (through parents), the
            weights of the quadrature axes among them, and the evidence.
        """
        evidence = list(self.evidence) if with_evidence else []
        needed = set(targets) | {a for f in evidence for a in f.axes}
        tables = []
        for node, table in zip(reversed(self.nodes), reversed(self.tables), strict=True):
            if node in needed:
                tables.append(table)
                needed.update(table.axes)
        weights = [w for w in self.weights if w.axes[0] in needed]
        return [*reversed(tables), *weights, *evidence]


def assemble(
    net: Network,
    *,
    params: Mapping[str, Any] | None = None,
    draw_axis: bool = False,
    continuous: Mapping[str, Any] | None = None,
    xp: Any = np,
    skip_claims: Sequence[str] = (),
    extra_rate_degree: int = 0,
    merge_evidence: bool = True,
) -> Assembly:
    """Factors of the network.

    Parameters
    ----------
    params : mapping, optional
        Values of uncertain probabilities. ``None``: tables at their means and source
        rates integrated by Gauss-Jacobi quadrature (the exact point answer).
    draw_axis : bool
        ``params`` carry draws along a first axis; factors get a ``draw`` axis.
    continuous : mapping, optional
        Scalar values of continuous facts (the PyMC model), or a :class:`Factor` of
        draws along a ``draw`` axis. ``None``: quadrature axes.
    xp : module
        ``numpy`` or ``pytensor.tensor``.
    skip_claims : sequence of str
        Ids of reports to leave out (:attr:`Evidence.id`: a claim's id leaves out the
        claim itself, not the denials and retraction it carries).
    extra_rate_degree : int
        Make rate quadrature exact for polynomials this much higher (2 gives exact
        posterior means and variances of the rates).
    merge_evidence : bool
        Multiply the reports over the same axes into one factor, in logs (numpy only;
        keeps hundreds of reports in range). ``False`` keeps one factor per report, in
        the order of :attr:`Assembly.claim_ids` (what an export writes, one node each).

    Returns
    -------
    Assembly

    Examples
    --------
    >>> from scenarios.engines.factors import DRAW
    >>> from scenarios.engines.uncertain import draw_parameters
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> theta = draw_parameters(net, 50, np.random.default_rng(0))
    >>> batch = assemble(net, params=theta, draw_axis=True)
    >>> any(DRAW in f.axes for f in batch.tables)
    True
    """
    weights: list[Factor] = []
    if continuous is None:
        values = {}
        for name, (x, w) in net.quadrature.items():
            values[name] = Factor(x, (name,))
            if not isinstance(net.priors[name], ContinuousTablePrior):
                weights.append(Factor(w, (name,)))
    else:
        values = {
            name: v if isinstance(v, Factor) else Factor(v, ()) for name, v in continuous.items()
        }
    values = net.values(values, xp)  # and derived facts, over their inputs' axes
    if params is None and continuous is None and xp is np and not draw_axis:
        owners, tables = _point_tables(net, values)
    else:
        owners, tables = _tables(net, values, params, draw_axis, continuous, xp)

    rates: dict[str, Factor] = {}
    for key, pair in net.sources.items():
        # each report (or silence: 1 - report) of the source is linear in t and in f
        degree = net.rate_degree(key) + extra_rate_degree
        for param, tag in zip(pair, ("tp", "fp"), strict=True):
            if param.fixed:
                rates[param.name] = Factor(param.a, ())
            elif params is not None and param.name in params:
                rates[param.name] = Factor(params[param.name], (DRAW,) if draw_axis else ())
            else:
                nodes, w = rate_quadrature(param, degree)
                axis = f"{key}@{tag}"
                rates[param.name] = Factor(nodes, (axis,))
                weights.append(Factor(w, (axis,)))

    evidence: list[Factor] = []
    claim_ids: list[str] = []
    loglik: dict[str, Factor] = {}
    log_offset = 0.0
    for ev in net.evidence:
        c = ev.claim
        if ev.id in skip_claims:
            continue
        if ev.kind == "number":
            assert c.reported is not None
            ll = net.number_loglik(ev, values[c.reported.fact], params, draw_axis)
            if ll.axes:
                # exp relative to the peak keeps the quadrature factor in range (one peak
                # over all draws keeps their likelihoods comparable)
                peak = float(np.max(ll.values))
                peak = peak if np.isfinite(peak) else 0.0  # nowhere possible: z = 0
                evidence.append(Factor(np.exp(ll.values - peak), ll.axes))
                claim_ids.append(ev.id)
                log_offset += peak
            else:
                loglik[ev.id] = ll
            continue
        ind = net.reported(ev, values)
        if ev.kind == "hard":
            evidence.append(ind)
            claim_ids.append(ev.id)
            continue
        assert ev.source is not None
        tp, fp = (rates[p.name] for p in net.sources[ev.source])
        # the hedge mixture: tracks the truth with probability w, else noise at rate f;
        # a silence (no report made) is its complement, still of degree 1 in t and in f
        if ev.silent:
            factor = _combine(
                lambda i, t, f, w=ev.weight: 1.0 - report_probability(i, t, f, w), ind, tp, fp
            )
        else:
            factor = _combine(
                lambda i, t, f, w=ev.weight: report_probability(i, t, f, w), ind, tp, fp
            )
        evidence.append(factor)
        claim_ids.append(ev.id)
    if xp is np and merge_evidence:
        evidence, offset = _in_logs(evidence)
        log_offset += offset
    return Assembly(
        owners,
        tables,
        tuple(weights),
        tuple(evidence),
        tuple(claim_ids),
        loglik,
        log_offset,
    )


def _tables(
    net: Network,
    values: Mapping[str, Any],
    params: Mapping[str, Any] | None,
    draw_axis: bool,
    continuous: Mapping[str, Any] | None,
    xp: Any,
) -> tuple[tuple[str, ...], tuple[Factor, ...]]:
    """Each node's table factors (a chain has several) and the node of each."""
    owners: list[str] = []  # the node of each table factor (a chain has several)
    tables: list[Factor] = []
    for n in net.scenario.order:
        if n not in net.states:  # a continuous fact with discrete parents: its density
            if isinstance(net.priors[n], ContinuousTablePrior):
                owners.append(n)
                if continuous is None:  # on its nodes
                    tables.append(density_factor(net, n))
                else:  # at its sampled value (drawn from the rows' mixture)
                    tables.append(row_ratio(net, n, values[n].values, xp))
            continue
        table = net.table_factor(n, xp, params, draw_axis, values)
        for f in table if isinstance(table, list) else [table]:
            owners.append(n)
            tables.append(f)
    return tuple(owners), tuple(tables)


#: The point assembly's tables of the last few networks without continuous or derived
#: facts, by the identity of their nodes and of the priors and links the tables read (what
#: :meth:`Network.set_prior` replaces): an edit of the claims, ``observe`` among them,
#: keeps every table, and laying them out again was a sixth of an update on a small network.
_POINT_TABLES = IdentityCache(8)


def _point_tables(
    net: Network, values: Mapping[str, Any]
) -> tuple[tuple[str, ...], tuple[Factor, ...]]:
    """:func:`_tables` at the means (no draws, quadrature axes, numpy)."""
    if net.continuous or net.derived:  # their tables read quadrature nodes laid per claims
        return _tables(net, values, None, False, None, np)
    order = net.scenario.order
    kept = (
        *net.scenario.nodes.values(),
        *(net.priors[n] for n in order),
        *(net.link_param(n) for n in order),
    )
    # the settings that decide whether a logit table is laid as a chain
    key = (order, network.CHAIN_MIN_PARENTS, network.CHAIN_MAX_STATES)
    hit = _POINT_TABLES.get(key, kept=kept)
    if hit is None:
        hit = _tables(net, values, None, False, None, np)
        for f in hit[1]:  # shared by the assemblies of these nodes from now on
            if isinstance(f.values, np.ndarray):
                f.values.flags.writeable = False
        _POINT_TABLES.put(key, hit, kept=kept)
    return hit

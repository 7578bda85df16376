"""A scenario as a factor graph, for numpy and for PyTensor alike.

Every engine works on the same factors: one conditional table per discrete fact or
outcome, one likelihood per claim, one weight vector per quadrature axis. A factor is an
array with named axes. Continuous quantities (continuous facts, source reliabilities)
become quadrature axes for the exact engine (Gauss-Legendre in normal scores for facts,
split at every threshold a claim names and laid where reported numbers put their
likelihood: :mod:`scenarios.engines.quadrature`; Gauss-Jacobi for Beta rates, exact for
the polynomials claims make of them) and scalars for the PyMC model. Uncertain
probabilities (``theta``: tables with a concentration, source rates, the ascertainment
rates of binomial counts) are either replaced
by their means (exact for the point answer: the joint is multilinear in each of them),
integrated by quadrature (source rates) or in closed form (ascertainment rates), or
given as draws along a ``draw`` axis.

Names of the axes are fact names; quadrature axes of rates are ``"<source>@tp"`` and
``"<source>@fp"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, partial
from typing import Any

import numpy as np

from scenarios.engines import crossings, dependent, numbers
from scenarios.engines.factors import DRAW, Factor, align, product_of
from scenarios.engines.links import LinkParam, link_param, link_table
from scenarios.engines.memo import IdentityCache
from scenarios.engines.numbers import NumberModel
from scenarios.engines.quadrature import TOLERANCE, Rule, Window, lay_rule
from scenarios.engines.reports import Evidence
from scenarios.engines.uncertain import RateParam, RowParam
from scenarios.spec import elicit, links
from scenarios.spec import reliability as rel
from scenarios.spec.claims import Claim, report_id
from scenarios.spec.dependent import (
    number_noise_of,
    reference,
    row_distributions,
    standardiser_of,
)
from scenarios.spec.priors import (
    AnchorPrior,
    ContinuousTablePrior,
    DerivedPrior,
    LogitPrior,
    Probabilities,
    TablePrior,
    ThresholdPrior,
    prior_parents,
)
from scenarios.spec.propositions import Atom, parse_proposition, state_matches
from scenarios.spec.scenario import Scenario

__all__ = [
    "CHAIN_MAX_STATES",
    "CHAIN_MIN_PARENTS",
    "CONFLICT_SDS",
    "QUADRATURE_NODES",
    "Network",
]

#: Gauss-Legendre nodes per segment of a continuous fact.
QUADRATURE_NODES = 24

#: Combined standard deviations between a reported number and its fact's prior beyond
#: which they are in conflict (two-sided p about 6e-7 were both Normal).
CONFLICT_SDS = 5.0
#: A logit link over at least this many discrete parents is tried as a chain of sums.
CHAIN_MIN_PARENTS = 6
#: ... as long as no partial sum takes more distinct values than this.
CHAIN_MAX_STATES = 4096


# --- the network ---------------------------------------------------------------------


class Network:
    """The factor-graph view of a scenario.

    Parameters
    ----------
    scenario : Scenario
    quadrature_nodes : int
        Gauss-Legendre nodes per segment of each continuous fact.
    quadrature_tolerance : float or None
        Error allowed in each continuous fact's quadrature (prior mass, reported numbers'
        likelihoods, a table fact's rows), relative; segments are halved until it is met
        (:func:`~scenarios.engines.quadrature.lay_rule`). ``None``: the fixed rule.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> net.continuous, net.states["hq_seized"]
    (('troops',), ('false', 'true'))
    >>> len(net.parameters) > 0
    True
    """

    def __init__(
        self,
        scenario: Scenario,
        quadrature_nodes: int = QUADRATURE_NODES,
        quadrature_tolerance: float | None = TOLERANCE,
    ) -> None:
        self.scenario = scenario
        self.quadrature_nodes = quadrature_nodes
        self.quadrature_tolerance = quadrature_tolerance
        # what the nodes alone decide, from the last networks of the same nodes (an edit
        # of the claims, observe among them, keeps every node): on a small network it
        # took as long as the update's sums
        nodes = tuple(scenario.nodes.values())
        hit = _STRUCTURES.get(tuple(scenario.nodes), kept=nodes)
        if hit is not None:
            for name, value in hit[0].items():
                setattr(self, name, dict(value) if isinstance(value, dict) else value)
        else:
            self._structure(scenario)
            kept = {name: getattr(self, name) for name in _STRUCTURE}
            kept = {k: dict(v) if isinstance(v, dict) else v for k, v in kept.items()}
            hit = (kept, {})
            _STRUCTURES.put(tuple(scenario.nodes), hit, kept=nodes)
        #: propositions' indicators by their text, shared by the networks of these nodes
        #: while no continuous fact makes them depend on the claims (quadrature nodes)
        self._indicators: dict[str, Factor] | None = (
            None if self.continuous or self.derived else hit[1]
        )
        self.evidence = tuple(self._evidence())
        self.sources = self._sources()
        #: each threshold's cases on derived facts over the quadrature nodes, once
        #: computed (:func:`scenarios.engines.crossings.case_fractions`)
        self.fractions: dict[tuple, list[Factor] | None] = {}

    def _structure(self, scenario: Scenario) -> None:
        """The attributes the nodes alone decide (:data:`_STRUCTURE`)."""
        self.discrete = tuple(n for n in scenario.order if scenario.nodes[n].is_discrete)
        self.continuous = tuple(
            n
            for n in scenario.order
            if not scenario.nodes[n].is_discrete
            and not isinstance(scenario.nodes[n].prior, DerivedPrior)
        )
        #: derived facts: no axis of their own, a value over their inputs' axes
        self.derived = tuple(
            n for n in scenario.order if isinstance(scenario.nodes[n].prior, DerivedPrior)
        )
        self.states = {n: scenario.nodes[n].state_names for n in self.discrete}
        self.dists = {  # a table fact's: the mixture of its rows, where its nodes are laid
            n: elicit.Elicited("Mixture", {}, reference(scenario.facts[n]))
            if isinstance(scenario.nodes[n].prior, ContinuousTablePrior)
            else elicit.distribution(scenario.facts[n])
            for n in self.continuous
        }
        #: each node's prior as written (or as last set): anchor cases stay anchor cases
        self.stated = {name: node.prior for name, node in scenario.nodes.items()}
        self.priors = {name: self.link_prior(name, p) for name, p in self.stated.items()}
        self._row_param = {n: self._row_param_of(n) for n in self.discrete}
        self._link_param = {n: self._link_param_of(n) for n in self.discrete}  # uncertain links

    # -- static structure -------------------------------------------------------

    def _evidence(self) -> list[Evidence]:
        tables = self.scenario.reliability
        hedges = tables.hedges()
        out = []
        for claim in self.scenario.claims:
            if claim.via is not None:
                continue  # a relay: its original's report, counted once there
            if claim.status == "confirmed":
                out.append(Evidence(claim, "number" if claim.reported else "hard", 1.0, None))
            else:
                w = claim.weight
                if w is None:
                    w = hedges[claim.hedge or "none"]
                if claim.reported is not None:
                    q = numbers.informative(self.scenario, claim, w)
                    if q > 0.0:  # a number that is surely noise says nothing
                        out.append(Evidence(claim, "number", q, None))
                    continue
                key = f"claim:{claim.id}" if claim.likelihood is not None else None
                out.append(Evidence(claim, "soft", w, key or f"source:{claim.source}"))
            for role, denial in claim.answers:
                wd = denial.weight
                if wd is None:
                    default = rel.DISPUTE_HEDGE if role == "disputed_by" else "none"
                    wd = hedges[denial.hedge or default]
                ident = report_id(claim.id, role, denial.source)
                out.append(
                    Evidence(claim, "soft", wd, f"source:{denial.source}", ident, True, role)
                )
            if claim.retraction is not None:
                ident = report_id(claim.id, "retraction")
                key = f"retraction:{claim.source}"
                out.append(Evidence(claim, "soft", 1.0, key, ident, False, "retraction"))
        return out

    def _sources(self) -> dict[str, tuple[RateParam, RateParam]]:
        out: dict[str, tuple[RateParam, RateParam]] = {}
        tables = self.scenario.reliability
        for ev in self.evidence:
            if ev.source is None or ev.source in out:
                continue
            kind, name = ev.source.split(":", 1)
            if kind == "claim":
                lik = ev.claim.likelihood
                assert lik is not None
                rates = [(lik.if_true, lik.concentration), (lik.if_false, lik.concentration)]
                suffixes = ("if_true", "if_false")
            elif kind == "retraction":
                src = self.scenario.sources[name]
                pair = src.retraction or tables.retraction_rates()
                rates = [(r.mean, r.concentration) for r in (pair.if_true, pair.if_false)]
                suffixes = ("retraction_if_true", "retraction_if_false")
            else:
                src = self.scenario.sources[name]
                base = tables.grade_rates(src.grade) if src.grade else None
                tp = src.true_positive or base.true_positive  # type: ignore[union-attr]
                fp = src.false_positive or base.false_positive  # type: ignore[union-attr]
                rates = [(tp.mean, tp.concentration), (fp.mean, fp.concentration)]
                suffixes = ("true_positive", "false_positive")
            params = []
            # a claim's own rates are named apart from sources' (a claim may share a name)
            for suffix, (mean, conc) in zip(suffixes, rates, strict=True):
                pname = f"{name}_{suffix}"
                if conc is None or mean in (0.0, 1.0):
                    params.append(RateParam(pname, float(mean), 0.0))
                else:
                    params.append(RateParam(pname, mean * conc, (1 - mean) * conc))
            out[ev.source] = (params[0], params[1])
        return out

    def claims_of(self, source: str) -> list[Evidence]:
        """Soft evidence that names ``source``: each is one degree of its rates' polynomial.

        Parameters
        ----------
        source : str
            A key of :attr:`sources` (``"source:<name>"`` or ``"claim:<id>"``).

        Returns
        -------
        list of Evidence
        """
        return [ev for ev in self.evidence if ev.source == source]

    def rate_degree(self, source: str) -> int:
        """Degree, in each of ``source``'s rates, of the polynomial its reports make.

        Each report (or silence) is linear in ``t`` and in ``f``: one degree per report.
        Gauss-Jacobi quadrature of this degree integrates the rates exactly.

        Parameters
        ----------
        source : str
            A key of :attr:`sources`.

        Returns
        -------
        int

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> net = Network(load(example()))
        >>> all(net.rate_degree(k) == len(net.claims_of(k)) for k in net.sources)
        True
        """
        return len(self.claims_of(source))

    def _row_param_of(self, name: str) -> RowParam | None:
        prior = self.priors[name]
        if not isinstance(prior, Probabilities | TablePrior):
            return None
        key = ("row", name, *self._table_key(name, prior))
        hit = _MEAN_TABLES.get(key, kept=(prior,))
        if hit is not None:
            return hit
        param = self._row_param_uncached(name)
        _MEAN_TABLES.put(key, param, kept=(prior,))
        return param

    def _row_param_uncached(self, name: str) -> RowParam | None:
        table = self.mean_table(name)
        flat = table.reshape(-1, table.shape[-1])
        conc = self._row_concentrations(name)
        rows = tuple(i for i, c in enumerate(conc) if c is not None)
        if not rows:
            return None
        alpha = np.stack([flat[i] * conc[i] for i in rows])  # type: ignore[operator]
        return RowParam(f"{name}_probs", name, rows, alpha)

    def row_param(self, name: str) -> RowParam | None:
        """The uncertain rows of a discrete node's table, or ``None`` if every row is exact.

        Parameters
        ----------
        name : str
            A discrete fact or outcome.

        Returns
        -------
        RowParam or None
        """
        return self._row_param.get(name)

    @property
    def row_params(self) -> tuple[RowParam, ...]:
        """Uncertain table rows, node by node."""
        return tuple(p for p in self._row_param.values() if p is not None)

    def link_prior(self, name: str, prior: Any) -> Any:
        """The prior the engines evaluate: anchor cases as the logit link fitted to them.

        An :class:`~scenarios.spec.priors.AnchorPrior` becomes the
        :class:`~scenarios.spec.priors.LogitPrior` of :func:`scenarios.spec.links.point_prior`
        (the link fitted to the stated probabilities); any other prior is kept.

        Parameters
        ----------
        name : str
        prior : any prior

        Returns
        -------
        any prior
        """
        if not isinstance(prior, AnchorPrior):
            return prior
        kept = self._link_inputs(name, prior)
        hit = _FITTED.get(("point", name), kept)
        if hit is not None:
            return hit
        found = links.point_prior(prior, links.link_context(self.scenario.nodes, name))
        _FITTED.put(("point", name), found, kept)
        return found

    def _link_inputs(self, name: str, prior: Any) -> tuple[Any, ...]:
        """What a link's fit reads: the prior, the node, its parents (kept by identity).

        :func:`scenarios.spec.links.link_context` reads the node's states and its
        parents' (a continuous one's prior).
        """
        nodes = self.scenario.nodes
        node = nodes[name]
        return (prior, node, *(nodes[p] for p in prior_parents(node.prior)))

    def _link_param_of(self, name: str) -> LinkParam | None:
        prior = self.stated[name]
        if not isinstance(prior, AnchorPrior | LogitPrior):
            return None  # what link_param says at once
        kept = self._link_inputs(name, prior)
        hit = _FITTED.get(("param", name), kept)
        if hit is not None:
            return hit
        found = link_param(self, name)
        _FITTED.put(("param", name), found, kept)
        return found

    def set_prior(self, name: str, prior: Any) -> None:
        """Replace a discrete node's prior in place (validated by the caller).

        Parameters
        ----------
        name : str
            A discrete fact or outcome.
        prior : Probabilities, TablePrior or LogitPrior
            Already checked against the node (:func:`scenarios.spec.validation.check_node`).

        Raises
        ------
        KeyError
            If ``name`` is not a discrete node.
        """
        if name not in self.states:
            raise KeyError(f"{name!r} is not a discrete fact or outcome")
        self.stated[name] = prior
        self.priors[name] = self.link_prior(name, prior)
        self._row_param[name] = self._row_param_of(name)
        self._link_param[name] = self._link_param_of(name)

    @property
    def parameters(self) -> tuple[RowParam | RateParam | LinkParam, ...]:
        """Every uncertain number (theta) of the model: probabilities, then links."""
        rates = [r for pair in self.sources.values() for r in pair if not r.fixed]
        shares = [m.ascertainment for m in self._number_models.values()]
        rates += [r for r in shares if r is not None and not r.fixed]
        return (*self.row_params, *rates, *self.link_params)

    def link_param(self, name: str) -> LinkParam | None:
        """The uncertain coefficients of a node's link, or ``None``.

        Parameters
        ----------
        name : str
            A discrete fact or outcome.

        Returns
        -------
        LinkParam or None
            :mod:`scenarios.engines.links`.
        """
        return self._link_param.get(name)

    @property
    def link_params(self) -> tuple[LinkParam, ...]:
        """Uncertain link coefficients, node by node."""
        return tuple(p for p in self._link_param.values() if p is not None)

    @property
    def rate_params(self) -> tuple[RateParam, ...]:
        """The uncertain rates of sources and claims (integrated by quadrature)."""
        return tuple(r for pair in self.sources.values() for r in pair if not r.fixed)

    # -- tables -----------------------------------------------------------------

    def parents(self, name: str) -> tuple[str, ...]:
        """Parents of a discrete node: discrete ones first, then continuous.

        Parameters
        ----------
        name : str

        Returns
        -------
        tuple of str
        """
        ps = prior_parents(self.priors[name])
        return tuple(p for p in ps if p in self.states) + tuple(
            p for p in ps if p not in self.states
        )

    def _vector(self, name: str, p: float | None, probs: Mapping[str, float] | None) -> np.ndarray:
        if p is not None:
            return np.array([1.0 - p, p])
        assert probs is not None
        v = np.array([probs[s] for s in self.states[name]], dtype=float)
        return v / v.sum()

    def _row_concentrations(self, name: str) -> list[float | None]:
        prior = self.priors[name]
        if isinstance(prior, Probabilities):
            return [prior.concentration]
        assert isinstance(prior, TablePrior)
        lookup = {tuple(r.when[g] for g in prior.given): r for r in prior.table}
        out = []
        for combo in np.ndindex(*[len(self.states[g]) for g in prior.given]):
            key = tuple(self.states[g][i] for g, i in zip(prior.given, combo, strict=True))
            row = lookup.get(key)
            if row is not None:
                out.append(row.concentration or prior.concentration)
            else:
                assert prior.default is not None
                out.append(prior.default.concentration or prior.concentration)
        return out

    def mean_table(self, name: str) -> np.ndarray:
        """Mean table of a table/probabilities node: axes ``given + (name,)``.

        Parameters
        ----------
        name : str
            A node whose prior is :class:`~scenarios.spec.priors.Probabilities` or a
            :class:`~scenarios.spec.priors.TablePrior`.

        Returns
        -------
        numpy.ndarray
            Rows sum to one.
        """
        prior = self.priors[name]
        # a node's prior object stays the same across edits of the rest of the scenario:
        # its table (rows laid out one by one in Python) is kept by identity, read-only
        key = ("mean", *self._table_key(name, prior))
        hit = _MEAN_TABLES.get(key, kept=(prior,))
        if hit is not None:
            return hit
        table = self._mean_table(name, prior)
        table.flags.writeable = False
        _MEAN_TABLES.put(key, table, kept=(prior,))
        return table

    def _table_key(self, name: str, prior: Any) -> tuple:
        """What a table reads besides its prior (kept by identity): the states."""
        given = prior.given if isinstance(prior, TablePrior) else ()
        return (self.states[name], *(self.states[g] for g in given))

    def _mean_table(self, name: str, prior: Any) -> np.ndarray:
        if isinstance(prior, Probabilities):
            return self._vector(name, prior.p, prior.probs)
        assert isinstance(prior, TablePrior)
        shape = [len(self.states[g]) for g in prior.given]
        table = np.empty((*shape, len(self.states[name])))
        lookup = {tuple(r.when[g] for g in prior.given): r for r in prior.table}
        for combo in np.ndindex(*shape):
            key = tuple(self.states[g][i] for g, i in zip(prior.given, combo, strict=True))
            row = lookup.get(key) or prior.default
            assert row is not None
            table[combo] = self._vector(name, row.p, row.probs)
        return table

    def table_factor(
        self,
        name: str,
        xp: Any,
        params: Mapping[str, Any] | None,
        draw_axis: bool,
        continuous: Mapping[str, Factor],
        chain: bool = True,
    ) -> Factor | list[Factor]:
        """The conditional table of a discrete node as a factor (or a chain of factors).

        Parameters
        ----------
        name : str
        xp : module
            ``numpy`` or ``pytensor.tensor``.
        params : mapping, optional
            Parameter names to values (draws along a first axis when ``draw_axis``);
            missing parameters take their means.
        draw_axis : bool
        continuous : mapping of str to Factor
            The value of each continuous fact (quadrature axis, draw axis or scalar).
        chain : bool
            Allow a logit link over many parents to become a chain of partial sums.

        Returns
        -------
        Factor or list of Factor
        """
        prior = self.priors[name]
        link = self._link_param.get(name)
        if link is not None:  # uncertain coefficients: :mod:`scenarios.engines.links`
            return link_table(self, link, xp, params, draw_axis, continuous, factored=chain)
        if isinstance(prior, LogitPrior):
            return self._logit_factor(name, prior, xp, continuous, chain)
        if isinstance(prior, ThresholdPrior):
            return dependent.threshold_factor(self, name, continuous, xp)
        given = prior.given if isinstance(prior, TablePrior) else ()
        table = self.mean_table(name)
        param = self._row_param.get(name)
        if param is None or params is None or param.name not in params:
            return Factor(table, (*given, name))
        value = params[param.name]
        k = table.shape[-1]
        flat = table.reshape(-1, k)
        rows = np.array(param.rows)
        if xp is np:
            if draw_axis:
                out = np.broadcast_to(flat, (value.shape[0], *flat.shape)).copy()
                out[:, rows] = value
                return Factor(out.reshape(value.shape[0], *table.shape), (DRAW, *given, name))
            out = flat.copy()
            out[rows] = value
            return Factor(out.reshape(table.shape), (*given, name))
        # the rows drawn are zeros in the constant, so that it does not change with their
        # means (a compiled model is then reused when only those means change)
        base = flat.copy()
        base[rows] = 0.0
        full = xp.set_subtensor(xp.as_tensor_variable(base)[rows], value)
        return Factor(full.reshape(table.shape), (*given, name))

    def standardiser(
        self, fact: str, center: float | None, scale: float | None
    ) -> tuple[float, float]:
        """``(center, scale)`` of a continuous parent in a logit link.

        Parameters
        ----------
        fact : str
        center, scale : float or None
            The term's own values; ``None`` takes the fact's default
            (:func:`scenarios.spec.elicit.standardiser`).

        Returns
        -------
        center, scale : float
        """
        c0, s0 = standardiser_of(fact, self.scenario.nodes)
        return (c0 if center is None else center, s0 if scale is None else scale)

    def _logit_factor(
        self,
        name: str,
        prior: LogitPrior,
        xp: Any,
        continuous: Mapping[str, Factor],
        chain: bool = True,
    ) -> Factor | list[Factor]:
        if xp is not np:
            return self._logit_table(name, prior, xp, continuous, chain)
        # the same link (an anchor fit is kept: the same object) over the same quadrature
        # nodes (a kept rule: the same array) gives the same table: kept by identity
        kept: list[Any] = [prior]
        parts: list[Any] = ["logit", name, self.states[name]]
        parts.append((chain, CHAIN_MIN_PARENTS, CHAIN_MAX_STATES))  # when it is a chain
        for term in prior.logit.terms:
            if term.fact in self.states:
                parts.append(self.states[term.fact])
                continue
            x = continuous[term.fact]
            kept.append(x.values)
            parts += [x.axes, self.standardiser(term.fact, term.center, term.scale)]
        key = tuple(parts)
        hit = _MEAN_TABLES.get(key, kept)
        if hit is not None:
            return hit
        out = self._logit_table(name, prior, xp, continuous, chain)
        for f in out if isinstance(out, list) else [out]:
            if isinstance(f.values, np.ndarray):
                f.values.flags.writeable = False
        _MEAN_TABLES.put(key, out, kept)
        return out

    def _logit_table(
        self,
        name: str,
        prior: LogitPrior,
        xp: Any,
        continuous: Mapping[str, Factor],
        chain: bool = True,
    ) -> Factor | list[Factor]:
        states = self.states[name]
        k = len(states)

        def coef_vector(value: float | Mapping[str, float]) -> np.ndarray:
            if isinstance(value, Mapping):
                return np.array([float(value.get(s, 0.0)) for s in states])
            v = np.zeros(k)
            v[-1] = float(value)  # binary: log-odds of "true" against "false"
            return v

        # each discrete parent adds one log-odds vector per state; continuous ones enter linearly
        by_parent: dict[str, np.ndarray] = {}
        linear = []
        for term in prior.logit.terms:
            coef = coef_vector(term.coef)
            if term.fact in self.states:
                onehot = (np.array(self.states[term.fact]) == term.state).astype(float)
                contribution = np.multiply.outer(onehot, coef)
                by_parent[term.fact] = by_parent.get(term.fact, 0.0) + contribution
            else:
                center, scale = self.standardiser(term.fact, term.center, term.scale)
                x = continuous[term.fact]
                z = (x.values - center) / scale
                zc = align(z, x.axes, (*x.axes, name)) * coef if x.axes else z * coef
                linear.append(Factor(zc, (*x.axes, name)))
        intercept = Factor(coef_vector(prior.logit.intercept), (name,))
        if chain and len(by_parent) >= CHAIN_MIN_PARENTS:
            factors = self._sum_chain(name, by_parent, [intercept, *linear], xp)
            if factors is not None:
                return factors
        parts = [intercept, *(Factor(v, (p, name)) for p, v in by_parent.items()), *linear]
        return _softmax(parts, name, xp)

    def _sum_chain(
        self, name: str, by_parent: Mapping[str, np.ndarray], rest: list[Factor], xp: Any
    ) -> list[Factor] | None:
        """A logit over many discrete parents as a chain of partial sums of log-odds.

        The table of a logit link over n parents has a row per parent combination; but its
        value depends on the combination only through the sum of the parents' log-odds.
        Chaining deterministic partial sums S_i = S_(i-1) + c_i(parent_i), with one state
        per distinct value, is exact and small whenever those sums repeat (effects of
        similar sizes); if they do not, the plain table is used.
        """
        k = len(self.states[name])
        full = k * math.prod(len(self.states[p]) for p in by_parent)
        sums = np.zeros((1, k))
        factors: list[Factor] = []
        size = 0
        previous: str | None = None
        for i, (parent, contribution) in enumerate(by_parent.items()):
            candidates = (sums[:, None, :] + contribution[None, :, :]).reshape(-1, k)
            distinct, inverse = np.unique(np.round(candidates, 10), axis=0, return_inverse=True)
            if len(distinct) > CHAIN_MAX_STATES:
                return None
            step = np.zeros((len(sums) * len(contribution), len(distinct)))
            step[np.arange(step.shape[0]), inverse.ravel()] = 1.0
            axis = f"{name}#sum{i}"
            if previous is None:
                factors.append(Factor(step.reshape(len(contribution), -1), (parent, axis)))
            else:
                shape = (len(sums), len(contribution), len(distinct))
                factors.append(Factor(step.reshape(shape), (previous, parent, axis)))
            size += step.size
            sums, previous = distinct, axis
        assert previous is not None
        if size + sums.size >= full:
            return None
        factors.append(_softmax([Factor(sums, (previous, name)), *rest], name, xp))
        return factors

    # -- claims -----------------------------------------------------------------

    def indicator(self, claim: Claim, continuous: Mapping[str, Factor]) -> Factor:
        """1 where the claim's proposition holds, 0 elsewhere.

        Parameters
        ----------
        claim : Claim
            A claim with a proposition.
        continuous : mapping of str to Factor
            The value of each continuous fact.

        Returns
        -------
        Factor
        """
        assert claim.proposition is not None
        return self.proposition_indicator(claim.proposition, continuous)

    def proposition_indicator(self, text: str, continuous: Mapping[str, Factor]) -> Factor:
        """1 where a proposition holds, 0 elsewhere.

        Parameters
        ----------
        text : str
            In the proposition language (:mod:`scenarios.spec.propositions`).
        continuous : mapping of str to Factor
            The value of each continuous (and derived) fact.

        Returns
        -------
        Factor
        """
        known = self._indicators
        if known is not None and text in known:
            return known[text]
        found = self._proposition_indicator(text, continuous)
        if known is not None and len(known) < 4096 and isinstance(found.values, np.ndarray):
            found.values.flags.writeable = False  # shared with every network of these nodes
            known[text] = found
        return found

    def _proposition_indicator(self, text: str, continuous: Mapping[str, Factor]) -> Factor:
        exact = crossings.case_fractions(self, [text], continuous, chained=False)
        if exact is not None:  # a derived fact's threshold, integrated exactly
            return exact[1]
        clauses = []
        for clause in parse_proposition(text).clauses:
            clauses.append(product_of([self._atom(a, continuous) for a in clause]))
        if len(clauses) == 1:
            return clauses[0]
        # or: 1 - prod(1 - c)
        negs = [Factor(1.0 - c.values, c.axes) for c in clauses]
        p = product_of(negs)
        return Factor(1.0 - p.values, p.axes)

    def reported(self, ev: Evidence, continuous: Mapping[str, Factor]) -> Factor:
        """1 where what ``ev`` reports holds (its claim's proposition, or its negation).

        Parameters
        ----------
        ev : Evidence
            Soft or hard evidence about a proposition.
        continuous : mapping of str to Factor
            The value of each continuous fact.

        Returns
        -------
        Factor
        """
        ind = self.indicator(ev.claim, continuous)
        return Factor(1.0 - ind.values, ind.axes) if ev.negated else ind

    def _atom(self, atom: Atom, continuous: Mapping[str, Factor]) -> Factor:
        if atom.fact in self.states:
            values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
            hit = np.array(
                [any(state_matches(v, st) for v in values) for st in self.states[atom.fact]]
            )
            if atom.op == "!=":
                hit = ~hit
            if atom.negated:
                hit = ~hit
            return Factor(hit.astype(float), (atom.fact,))
        x = continuous[atom.fact]
        t = float(atom.value)  # type: ignore[arg-type]
        ops: dict[str, Callable[[Any], Any]] = {
            ">": lambda v: v > t,
            ">=": lambda v: v >= t,
            "<": lambda v: v < t,
            "<=": lambda v: v <= t,
        }
        hit = ops[atom.op](x.values)
        hit = 1.0 * hit
        if atom.negated:
            hit = 1.0 - hit
        return Factor(hit, x.axes)

    def conflict_rows(self) -> list[tuple[str, float, str, bool]]:
        """The diagnostics row of prior-data conflicts, and their warning.

        Warns :class:`~scenarios.errors.PriorDataConflictWarning` naming every reported
        number more than :data:`CONFLICT_SDS` combined sds from its prior.

        Returns
        -------
        list of tuple
            ``[("prior_data_conflict", largest distance, want, ok)]``, or no row when the
            scenario reports no number.
        """
        from scenarios.errors import PriorDataConflictWarning, warn

        far = self.conflicts()
        if not far:
            return []
        worst = max(far.values())
        bad = {k: v for k, v in far.items() if v > CONFLICT_SDS}
        if bad:
            names = ", ".join(
                f"{k} ({v:.1f} sds from the prior of {self._fact_of(k)!r})" for k, v in bad.items()
            )
            warn(
                f"{self.scenario.title}: prior-data conflict: {names}. The posterior is exact; "
                "check the reported number, its sd, and the prior",
                PriorDataConflictWarning,
                stacklevel=4,
            )
        return [("prior_data_conflict", worst, f"<= {CONFLICT_SDS:g}", not bad)]

    def _fact_of(self, report: str) -> str:
        ev = next(e for e in self.evidence if e.id == report)
        assert ev.claim.reported is not None
        return ev.claim.reported.fact

    def number_model(self, ev: Evidence) -> NumberModel:
        """The error model of a reported number: its mixture, its noise, its count kind.

        Parameters
        ----------
        ev : Evidence
            Of kind ``"number"`` (its weight is ``q``, :meth:`informative`).

        Returns
        -------
        NumberModel
            On the log scale for a positive fact; the noise from
            :func:`~scenarios.engines.numbers.number_noise`.

        Examples
        --------
        >>> s = Scenario(title="t", outcomes={"o": {"kind": "binary", "exhaustive": "y/n",
        ...                                  "prior": {"p": 0.5}}},
        ...              facts={"troops": {"kind": "continuous", "support": [0, None],
        ...                                "prior": {"between": [25, 50]}}},
        ...              claims=[{"id": "n", "text": "t", "hedge": "allegedly",
        ...                       "reported": {"fact": "troops", "value": 30, "sd": 0.2}}])
        >>> m = Network(s).number_model(Network(s).evidence[0])
        >>> m.log_scale, m.sd, m.q  # no source: q is the hedge weight alone
        (True, 0.2, 0.5)
        """
        return self._number_models[ev.id]

    @cached_property
    def _number_models(self) -> dict[str, NumberModel]:
        return {
            ev.id: numbers.number_model(self.scenario, ev.claim, ev.weight)
            for ev in self.evidence
            if ev.kind == "number"
        }

    def number_loglik(
        self,
        ev: Evidence,
        x: Factor,
        params: Mapping[str, Any] | None = None,
        draw_axis: bool = False,
    ) -> Factor:
        """Log-likelihood of a reported number over the fact's values.

        Parameters
        ----------
        ev : Evidence
            Of kind ``"number"``.
        x : Factor
            The fact's values.
        params : mapping, optional
            Values of uncertain probabilities: a binomial count's ascertainment rate is
            taken from here when present, else integrated out.
        draw_axis : bool
            ``params`` carry draws along a first axis.

        Returns
        -------
        Factor
            Over ``x``'s axes (after a ``draw`` axis when the rate is drawn).
        """
        model = self.number_model(ev)
        rate = model.ascertainment
        if rate is None or params is None or rate.name not in params:
            return Factor(model.loglik(x.values), x.axes)
        p = params[rate.name]
        if not draw_axis:
            return Factor(model.loglik(x.values, p), x.axes)
        if DRAW in x.axes:  # the fact drawn too: one rate per draw, along the same axis
            shape = [1] * np.ndim(x.values)
            shape[x.axes.index(DRAW)] = -1
            return Factor(model.loglik(x.values, np.asarray(p, dtype=float).reshape(shape)), x.axes)
        p = np.asarray(p, dtype=float).reshape(-1, *([1] * np.ndim(x.values)))
        return Factor(model.loglik(x.values, p), (DRAW, *x.axes))

    def thresholds(self, fact: str) -> list[float]:
        """Values where some claim cuts a continuous fact, or a count's likelihood kinks.

        Parameters
        ----------
        fact : str

        Returns
        -------
        list of float
            Quadrature segments split there.
        """
        cuts: list[float] = []
        for ev in self.evidence:
            c = ev.claim
            if c.proposition is not None:
                for clause in parse_proposition(c.proposition).clauses:
                    cuts.extend(float(a.value) for a in clause if a.fact == fact)  # type: ignore[arg-type]
                cuts.extend(crossings.threshold_cuts(self, [c.proposition], fact))
            elif c.reported is not None and c.reported.fact == fact:
                # where its likelihood has its mass: :meth:`windows`
                model = self.number_model(ev)
                if model.count == "binomial":  # zero up to k - 1, kinked at whole numbers
                    k = model.observed
                    top = model.value(model.centre + 4 * model.spread)
                    cuts.extend(np.arange(max(k - 1.0, 0.0), min(top, k + 23.0) + 1.0))
        cuts.extend(dependent.threshold_cuts(self, fact))  # outcomes defined by thresholds
        return cuts

    def conflicts(self) -> dict[str, float]:
        """How far each reported number lies from its fact's prior, in combined sds.

        On the report's scale: the distance between the value the number points at (its
        :attr:`~scenarios.engines.numbers.NumberModel.centre`) and the prior median,
        over the root sum of squares of the number's spread and the prior's (its
        (q95 - q05) / 3.29). Above :data:`CONFLICT_SDS` it is a prior-data conflict.

        Returns
        -------
        dict of str to float
            By report id, for every reported number.

        Examples
        --------
        >>> s = Scenario(title="t", outcomes={"o": {"kind": "binary", "exhaustive": "y/n",
        ...                                  "prior": {"p": 0.5}}},
        ...              facts={"x": {"kind": "continuous", "prior": {"between": [1, 2]}}},
        ...              claims=[{"id": "n", "text": "ten",
        ...                       "reported": {"fact": "x", "value": 10, "sd": 0.1}}])
        >>> round(Network(s).conflicts()["n"], 1)  # (10 - 1.5) / hypot(0.5 / 1.645, 0.1)
        26.6
        """
        out = {}
        for ev in self.evidence:
            rep = ev.claim.reported
            if ev.kind == "number" and rep is not None:
                m = self.number_model(ev)
                centre, spread = number_noise_of(rep.fact, self.scenario.nodes, 1.0)
                out[ev.id] = abs(m.centre - centre) / math.hypot(spread, m.spread)
        return out

    def windows(self, fact: str) -> list[Window]:
        """Where the reported numbers about a fact put their likelihood (8 spreads wide).

        Parameters
        ----------
        fact : str

        Returns
        -------
        list of Window
            On each number's own scale (the log for a positive fact), with its
            likelihood if informative.
        """
        out = []
        for ev in self.evidence:
            rep = ev.claim.reported
            if ev.kind == "number" and rep is not None and rep.fact == fact:
                m = self.number_model(ev)
                lo, hi = (float(m.value(m.centre + k * m.spread)) for k in (-8, 8))
                out.append(Window(lo, hi, m.log_scale, m.informative_loglik))
        return out

    def values(self, continuous: Mapping[str, Factor] | None = None, xp: Any = np) -> dict:
        """The value of every continuous fact: quadrature axes, then derived facts.

        Parameters
        ----------
        continuous : mapping of str to Factor, optional
            Values of the continuous facts with axes (default: their quadrature nodes).
        xp : module
            ``numpy`` or ``pytensor.tensor``.

        Returns
        -------
        dict of str to Factor
            Derived facts' values run over their inputs' axes
            (:func:`scenarios.engines.dependent.with_derived`).
        """
        if continuous is None:
            continuous = {n: Factor(x, (n,)) for n, (x, _) in self.quadrature.items()}
        return dependent.with_derived(self, continuous, xp)

    @cached_property
    def quadrature(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Nodes and weights of each continuous fact's prior (:func:`lay_rule`)."""
        return {name: (rule.x, rule.w) for name, rule in self.rules.items()}

    @cached_property
    def rules(self) -> dict[str, Rule]:
        """Each continuous fact's quadrature rule, refined to ``quadrature_tolerance``.

        The prior mass, each reported number's likelihood and, for a table fact, each
        row's density (over the mixture the nodes are laid for) are integrated to the
        tolerance (:func:`~scenarios.engines.quadrature.lay_rule`).
        """
        out = {}
        for name, d in self.dists.items():
            checks = []
            if isinstance(self.priors[name], ContinuousTablePrior):
                parent_states = {g: self.states[g] for g in self.priors[name].given}
                _, rows = row_distributions(self.scenario.facts[name], parent_states)
                checks = [partial(_ratio, row.dist, d.dist) for row in rows]
            thresholds, windows = self.thresholds(name), self.windows(name)
            key = None if checks else _rule_key(d.dist, thresholds, windows)
            nodes, tolerance = self.quadrature_nodes, self.quadrature_tolerance
            key = None if key is None else (key, nodes, tolerance)
            rule = None if key is None else _RULES.get(key)
            if rule is None:
                rule = lay_rule(
                    d.dist,
                    thresholds,
                    windows,
                    self.quadrature_nodes,
                    self.quadrature_tolerance,
                    checks,
                )
                if key is not None:
                    for array in (rule.x, rule.w, rule.segment, rule.index):
                        array.flags.writeable = False
                    _RULES.put(key, rule)
            out[name] = rule
        return out


def _rule_key(dist: Any, thresholds: Sequence[float], windows: Sequence[Window]) -> Any:
    """What a quadrature rule is laid from, by value; ``None`` when it cannot be told.

    The prior's scipy object is the one :func:`scenarios.spec.elicit.distribution` keeps
    for its fact (the same object for an unchanged fact); each window's likelihood is a
    method of a frozen :class:`~scenarios.engines.numbers.NumberModel`, compared by value.
    """
    parts = []
    for win in windows:
        lik = win.loglik
        if lik is None:
            parts.append((win.lo, win.hi, win.log_scale, None))
            continue
        owner = getattr(lik, "__self__", None)
        if not isinstance(owner, NumberModel):
            return None
        parts.append((win.lo, win.hi, win.log_scale, lik.__func__, owner))
    key = (dist, tuple(float(t) for t in thresholds), tuple(parts))
    try:
        hash(key)
    except TypeError:
        return None
    return key


#: Quadrature rules by what they are laid from (their arrays read-only).
_RULES = IdentityCache()
#: What a network's nodes alone decide (:meth:`Network._structure`), by the nodes'
#: identity (kept in the value): each network gets its own copy of the dicts, which
#: :meth:`Network.set_prior` edits.
_STRUCTURES = IdentityCache(8)
_STRUCTURE = (
    "discrete",
    "continuous",
    "derived",
    "states",
    "dists",
    "stated",
    "priors",
    "_row_param",
    "_link_param",
)
#: Discrete nodes' mean tables, uncertain rows and logit tables, by their prior's
#: identity (and the quadrature nodes' a logit reads).
_MEAN_TABLES = IdentityCache(8192)
#: Anchor priors' fitted links (:meth:`Network.link_prior`) by the prior and its context.
_FITTED = IdentityCache()


def _ratio(row: Any, reference: Any, x: np.ndarray) -> np.ndarray:
    """A row's density over the reference density the nodes are laid for."""
    with np.errstate(all="ignore"):
        return np.exp(np.asarray(row.logpdf(x), dtype=float) - reference.logpdf(x))


def _softmax(parts: Sequence[Factor], name: str, xp: Any) -> Factor:
    """Normalised exp of summed log-odds, over ``name`` (the last axis)."""
    target: list[str] = []
    for p in parts:
        target.extend(a for a in p.axes if a not in target and a != name)
    target.append(name)
    eta = sum(align(p.values, p.axes, target) for p in parts)
    eta = eta - eta.max(axis=-1, keepdims=True)
    e = xp.exp(eta)
    return Factor(e / e.sum(axis=-1, keepdims=True), tuple(target))

"""Outcome links elicited as probabilities: anchor cases fitted to a logit link.

A forecaster states a child's probabilities in a few cases of its parents
(:class:`~scenarios.spec.priors.AnchorPrior`); this module fits the main-effects
(multinomial) logit link those cases imply, says how far the link misses each case
when they over-determine it, turns any logit link back into anchor cases, and gives
the child's probabilities in every case of its parents (the *implied table*).

The fit is linear in the anchors' additive log-ratios: with ``X`` the anchors' design
(a column for the intercept, one per parent state other than the baseline's, one per
continuous parent) and ``L`` their log-ratios ``log(p_j / p_0)`` against the child's
first state, the coefficients are ``B = M L`` with ``M`` the pseudo-inverse of ``X``
(exact when ``X`` is square and of full rank, least squares when there are more
anchors than coefficients).

**A concentration** ``c`` (on an anchor, or on the prior for every anchor) makes that
anchor's probabilities a draw from Dirichlet(``c p``), independently across anchors,
and the link the same fit of the drawn anchors: ``B = M L(draw)``
(:class:`AnchorDirichlet`). When the anchors determine the link exactly, the link's
probabilities in an anchor's case ARE that anchor's drawn probabilities, so their
expectation is the stated ``p``: "1% in this case, concentration 30" means a
probability whose mean is 1% and whose spread is the Dirichlet's. The coefficients are
not Normal (a small ``c p`` makes a log-ratio's distribution long-tailed to the left);
:func:`link_distribution` gives their exact first two moments (the log-ratios' means
``digamma(c p_j) - digamma(c p_0)`` and covariances ``trigamma(c p_0) + [j == k]
trigamma(c p_j)``, through ``M``), which the sensitivity analysis uses as a local
summary; the engines draw the anchors themselves.

**Flattening order** of a link's coefficients (:func:`link_vector`): the intercept's
value for each state but the first (in state order; a binary child has the one state
``true``), then each term's values for those states, term by term in the link's order.

Pure numpy/scipy: nothing here knows about engines.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from scenarios.errors import Problem, ScenarioError
from scenarios.spec.fields import MAX_MAGNITUDE, MIN_POSITIVE
from scenarios.spec.priors import (
    Anchor,
    AnchorPrior,
    LogitLink,
    LogitPrior,
    LogitTerm,
    prior_parents,
)

__all__ = [
    "ALPHA_FLOOR",
    "MISFIT_SHOWN",
    "AnchorDirichlet",
    "AnchorFitError",
    "FittedLink",
    "LinkContext",
    "anchor_case",
    "anchor_dirichlet",
    "anchor_notes",
    "anchors_from_logit",
    "case_count",
    "case_value",
    "fit_anchors",
    "implied_table",
    "link_at",
    "link_context",
    "link_distribution",
    "link_probabilities",
    "link_vector",
    "point_prior",
    "vector_link",
]

#: An anchor whose fitted probabilities differ from the stated ones by at least this
#: much (in any state) is reported (:func:`anchor_notes`): half a percentage point, as
#: less is the rounding of stated probabilities.
MISFIT_SHOWN = 0.005
#: The smallest Dirichlet parameter ``concentration * p`` an anchor is drawn (and its
#: log-ratios' moments computed) with: below it the moments leave float range.
ALPHA_FLOOR = 1e-3
#: The quantiles of a continuous parent shown in an implied table.
SHOWN_QUANTILES = (0.05, 0.5, 0.95)


class AnchorFitError(ScenarioError):
    """Anchor cases that do not determine a link (a parent state no anchor informs...).

    Problems are located from the node's ``prior`` (e.g. ``prior.anchors``).
    """

    subject = "anchor cases"


@dataclass(frozen=True)
class LinkContext:
    """What fitting a node's link needs to know about the node and its parents.

    Parameters
    ----------
    states : tuple of str
        The child's states; the first is the reference.
    parents : mapping of str to tuple of str or None
        Each parent's states, or ``None`` for a continuous parent.
    standardisers : mapping of str to (float, float)
        A continuous parent's default ``(center, scale)`` in a logit term.
    values : mapping of str to tuple of float
        A continuous parent's values shown in an implied table (5%, 50%, 95% quantiles).

    Examples
    --------
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> ctx.continuous
    ()
    """

    states: tuple[str, ...]
    parents: Mapping[str, tuple[str, ...] | None]
    standardisers: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    values: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def continuous(self) -> tuple[str, ...]:
        """The continuous parents, in order."""
        return tuple(p for p, s in self.parents.items() if s is None)

    @property
    def binary(self) -> bool:
        """Whether the child is binary (``p`` rather than ``probs``)."""
        return self.states == ("false", "true")


def link_context(nodes: Mapping[str, Any], name: str, continuous: bool = True) -> LinkContext:
    """The :class:`LinkContext` of node ``name`` among ``nodes`` (a scenario's facts and outcomes).

    Parameters
    ----------
    nodes : mapping of str to Fact or Outcome
        E.g. ``scenario.nodes``.
    name : str
        A discrete node whose prior has parents.
    continuous : bool
        Also work out the continuous parents' standardisers and shown values (needs
        their priors to be valid).

    Returns
    -------
    LinkContext

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> ctx = link_context(load(example()).nodes, "mutiny_end")
    >>> ctx.states[0], ctx.parents["elite_cohesion"], [round(v) for v in ctx.values["troops"]]
    ('negotiated', ('cohesive', 'fractured'), [8, 22, 60])
    """
    from scenarios.spec import elicit  # scipy.stats: only when a context is made

    node = nodes[name]
    parents = {
        p: (tuple(nodes[p].state_names) if nodes[p].is_discrete else None)
        for p in prior_parents(node.prior)
    }
    standardisers: dict[str, tuple[float, float]] = {}
    values: dict[str, tuple[float, ...]] = {}
    if continuous:
        for p, states in parents.items():
            if states is None:
                standardisers[p] = elicit.standardiser(nodes[p])
                dist = elicit.distribution(nodes[p]).dist
                values[p] = tuple(float(v) for v in dist.ppf(SHOWN_QUANTILES))
    return LinkContext(tuple(node.state_names), parents, standardisers, values)


# -- coefficients as vectors ---------------------------------------------------------


def _coef_vector(value: float | Mapping[str, float], states: Sequence[str]) -> np.ndarray:
    if isinstance(value, Mapping):
        return np.array([float(value.get(s, 0.0)) for s in states[1:]])
    return np.full(len(states) - 1, float(value))


def _coef_value(row: np.ndarray, ctx: LinkContext) -> float | dict[str, float]:
    if ctx.binary:
        return float(row[0])
    return {s: float(v) for s, v in zip(ctx.states[1:], row, strict=True)}


def link_vector(link: LogitLink, states: Sequence[str]) -> np.ndarray:
    """A link's coefficients, flattened (intercept per state but the first, then each term).

    Parameters
    ----------
    link : LogitLink
    states : sequence of str
        The child's states; a state a ``coef`` mapping leaves out counts as 0.

    Returns
    -------
    numpy.ndarray
        Length ``(1 + len(link.terms)) * (len(states) - 1)``.

    Examples
    --------
    >>> link = LogitLink(intercept={"b": 1.0}, terms=[{"fact": "x", "coef": {"c": 2.0}}])
    >>> link_vector(link, ["a", "b", "c"]).tolist()
    [1.0, 0.0, 0.0, 2.0]
    """
    parts = [link.intercept, *(t.coef for t in link.terms)]
    return np.concatenate([_coef_vector(v, states) for v in parts])


def vector_link(vector: np.ndarray, template: LogitLink, states: Sequence[str]) -> LogitLink:
    """The link with ``template``'s terms and the coefficients of a flat ``vector``.

    The inverse of :func:`link_vector`; the result's coefficients are fixed (no ``sd``).

    Parameters
    ----------
    vector : numpy.ndarray
    template : LogitLink
        Gives the terms' facts, states, centers and scales.
    states : sequence of str

    Returns
    -------
    LogitLink

    Examples
    --------
    >>> link = LogitLink(intercept=0.5, terms=[{"fact": "x", "coef": 1.0}])
    >>> vector_link(link_vector(link, ["false", "true"]) * 2, link, ["false", "true"]).intercept
    1.0
    """
    ctx = LinkContext(tuple(states), {})
    rows = np.asarray(vector, dtype=float).reshape(1 + len(template.terms), len(states) - 1)
    terms = [
        t.model_copy(update={"coef": _coef_value(r, ctx), "sd": None})
        for t, r in zip(template.terms, rows[1:], strict=True)
    ]
    return LogitLink(intercept=_coef_value(rows[0], ctx), terms=terms)


# -- evaluating a link ----------------------------------------------------------------


def case_value(parent: str, value: Any, ctx: LinkContext) -> str | float | None:
    """A case's value for ``parent``: a state name (discrete) or a number, or None if unknown.

    A discrete parent's state may be written as a number when its name is one (``3``).

    Parameters
    ----------
    parent : str
    value : str or float
        As an anchor's ``when`` or ``baseline`` holds it.
    ctx : LinkContext

    Returns
    -------
    str, float or None
        ``None`` when ``value`` is not a state (discrete) or not a number (continuous).

    Examples
    --------
    >>> ctx = LinkContext(("false", "true"), {"n": ("1", "3"), "x": None})
    >>> case_value("n", 3.0, ctx), case_value("x", 2, ctx), case_value("x", "high", ctx)
    ('3', 2.0, None)
    """
    states = ctx.parents.get(parent)
    if states is None:
        return float(value) if isinstance(value, int | float) else None
    if isinstance(value, str):
        return value if value in states else None
    matches = [s for s in states if _as_number(s) == value]
    return matches[0] if len(matches) == 1 else None


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def link_probabilities(
    link: LogitLink, ctx: LinkContext, case: Mapping[str, str | float]
) -> np.ndarray:
    """The child's probabilities under ``link`` in one case of its parents.

    Parameters
    ----------
    link : LogitLink
    ctx : LinkContext
    case : mapping of str to str or float
        Every parent's state (discrete) or value (continuous).

    Returns
    -------
    numpy.ndarray
        One probability per state of the child.

    Examples
    --------
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> link = LogitLink(intercept=0.0, terms=[{"fact": "hq", "state": "true", "coef": 1.0}])
    >>> link_probabilities(link, ctx, {"hq": "false"}).tolist()
    [0.5, 0.5]
    """
    eta = np.concatenate([[0.0], _coef_vector(link.intercept, ctx.states)])
    for term in link.terms:
        coef = np.concatenate([[0.0], _coef_vector(term.coef, ctx.states)])
        if ctx.parents.get(term.fact, ()) is None:
            center, scale = _standardiser(term, ctx)
            eta = eta + coef * (float(case[term.fact]) - center) / scale
        elif case[term.fact] == term.state:
            eta = eta + coef
    return special.softmax(eta)


def _standardiser(term: LogitTerm, ctx: LinkContext) -> tuple[float, float]:
    if term.center is not None and term.scale is not None:
        return term.center, term.scale
    if term.fact not in ctx.standardisers:
        raise ValueError(f"no default center/scale for {term.fact!r}: build the context with them")
    c0, s0 = ctx.standardisers[term.fact]
    return (c0 if term.center is None else term.center, s0 if term.scale is None else term.scale)


# -- the fit --------------------------------------------------------------------------


@dataclass(frozen=True)
class FittedLink:
    """A logit link fitted to anchor cases, how far it misses them, and its uncertainty.

    Attributes
    ----------
    link : LogitLink
        The link fitted to the stated probabilities (what the forecaster said).
    mean : LogitLink
        The mean of the coefficients when the anchors carry a concentration (the
        Dirichlet's mean log-ratios are digamma differences, not the log-ratios of the
        stated probabilities); ``link`` otherwise.
    covariance : numpy.ndarray or None
        Covariance of the flattened coefficients (:func:`link_vector`), ``None`` when
        no anchor carries a concentration.
    fitted : tuple of dict
        Per anchor, the link's probability of each state.
    given : tuple of dict
        Per anchor, the stated probability of each state.
    """

    link: LogitLink
    mean: LogitLink
    covariance: np.ndarray | None
    fitted: tuple[dict[str, float], ...]
    given: tuple[dict[str, float], ...]

    @property
    def misfit(self) -> tuple[float, ...]:
        """Per anchor, the largest difference between a fitted and a stated probability."""
        return tuple(
            max(abs(f[s] - g[s]) for s in g) for f, g in zip(self.fitted, self.given, strict=True)
        )


def _anchor_probs(anchor: Anchor, ctx: LinkContext) -> np.ndarray:
    if anchor.p is not None:
        return np.array([1.0 - anchor.p, anchor.p])
    assert anchor.probs is not None
    return np.array([anchor.probs[s] for s in ctx.states], dtype=float)


def anchor_case(prior: AnchorPrior, anchor: Anchor, ctx: LinkContext) -> dict[str, str | float]:
    """The full case of an anchor: its ``when`` over the baseline, as states and numbers.

    Parameters
    ----------
    prior : AnchorPrior
    anchor : Anchor
    ctx : LinkContext

    Returns
    -------
    dict of str to str or float

    Raises
    ------
    AnchorFitError
        If a state or value does not fit its parent.

    Examples
    --------
    >>> prior = AnchorPrior(given=["hq"], baseline={"hq": False}, anchors=[{"p": 0.2}])
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> anchor_case(prior, prior.anchors[0], ctx)
    {'hq': 'false'}
    """
    out = {}
    for parent in prior.given:
        raw = anchor.when.get(parent, prior.baseline.get(parent))
        value = case_value(parent, raw, ctx)
        if value is None:
            states = ctx.parents.get(parent)
            expected = "a number" if states is None else f"one of {list(states or ())}"
            raise AnchorFitError(
                [Problem(("anchors",), f"{parent}: expected {expected}, got {raw!r}")]
            )
        out[parent] = value
    return out


def _columns(prior: AnchorPrior, ctx: LinkContext) -> list[tuple[str, str | None]]:
    """The fit's coefficients: each parent's states other than the baseline's, or its slope."""
    cols: list[tuple[str, str | None]] = []
    for parent in prior.given:
        states = ctx.parents[parent]
        if states is None:
            cols.append((parent, None))
        else:
            base = case_value(parent, prior.baseline[parent], ctx)
            cols.extend((parent, s) for s in states if s != base)
    return cols


def _describe(col: tuple[str, str | None], prior: AnchorPrior) -> str:
    parent, state = col
    if state is None:
        return f"{parent} away from its baseline {prior.baseline[parent]:g}"
    return f"{parent} = {state}"


def _design(
    prior: AnchorPrior, ctx: LinkContext
) -> tuple[np.ndarray, list[tuple[str, str | None]], dict[str, tuple[float, float]]]:
    cases = [anchor_case(prior, a, ctx) for a in prior.anchors]
    cols = _columns(prior, ctx)
    scales: dict[str, tuple[float, float]] = {}
    for parent in ctx.continuous:
        center = float(prior.baseline[parent])
        moved = [c[parent] for c in cases if c[parent] != center]
        # the scale is the distance to the first anchor that moves the parent, so that its
        # coefficient is the change in log-odds between those two cases
        scales[parent] = (center, abs(float(moved[0]) - center) if moved else 1.0)
    x = np.zeros((len(cases), 1 + len(cols)))
    x[:, 0] = 1.0
    for i, case in enumerate(cases):
        for j, (parent, state) in enumerate(cols, start=1):
            if state is None:
                center, scale = scales[parent]
                x[i, j] = (float(case[parent]) - center) / scale
            else:
                x[i, j] = float(case[parent] == state)
    return x, cols, scales


def _identify(
    x: np.ndarray,
    cols: list[tuple[str, str | None]],
    prior: AnchorPrior,
    scales: Mapping[str, tuple[float, float]],
) -> None:
    problems = []
    for parent, (center, scale) in scales.items():
        if not MIN_POSITIVE <= scale <= MAX_MAGNITUDE:
            problems.append(
                Problem(
                    ("anchors",),
                    f"the first anchor case that moves {parent} is {scale:g} from its baseline "
                    f"{center:g}: expected a distance from {MIN_POSITIVE:g} to {MAX_MAGNITUDE:g}",
                )
            )
    for j, col in enumerate(cols, start=1):
        if not np.any(x[:, j]):
            problems.append(
                Problem(
                    ("anchors",),
                    f"no anchor case has {_describe(col, prior)}: add an anchor with it "
                    "(the other parents at their baseline)",
                )
            )
    if not problems and np.linalg.matrix_rank(x) < x.shape[1]:
        _, _, vt = np.linalg.svd(x)
        null = vt[-1]
        names = [
            "the baseline case" if j == 0 else _describe(cols[j - 1], prior)
            for j in range(len(null))
        ]
        tied = [n for n, v in zip(names, null, strict=True) if abs(v) > 1e-8]
        problems.append(
            Problem(
                ("anchors",),
                f"the anchor cases cannot tell apart the effects of {', '.join(tied)} "
                "(they always change together): add an anchor that changes one of them alone",
            )
        )
    if problems:
        raise AnchorFitError(problems)


def _moments(
    prior: AnchorPrior, ctx: LinkContext
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Stated log-ratios, their means and their covariance (anchor-major), per anchor."""
    k = len(ctx.states) - 1
    stated, means, blocks = [], [], []  # blocks: per anchor, Cov of its log-ratios
    any_uncertain = False
    for anchor in prior.anchors:
        p = _anchor_probs(anchor, ctx)
        lr = np.log(p[1:]) - np.log(p[0])
        stated.append(lr)
        conc = anchor.concentration or prior.concentration
        if conc is None:
            means.append(lr)
            blocks.append(np.zeros((k, k)))
            continue
        any_uncertain = True
        alpha = np.maximum(conc * p, ALPHA_FLOOR)
        means.append(special.digamma(alpha[1:]) - special.digamma(alpha[0]))
        tri = special.polygamma(1, alpha)
        blocks.append(np.full((k, k), tri[0]) + np.diag(tri[1:]))
    return np.array(stated), np.array(means), np.array(blocks) if any_uncertain else None


def fit_anchors(prior: AnchorPrior, ctx: LinkContext) -> FittedLink:
    """Fit the main-effects logit link to a prior's anchor cases.

    Parameters
    ----------
    prior : AnchorPrior
    ctx : LinkContext
        The child's states and its parents' (:func:`link_context`).

    Returns
    -------
    FittedLink

    Raises
    ------
    AnchorFitError
        If the anchors do not determine the link: a parent state (or a continuous
        parent) that no anchor moves away from the baseline, or effects that always
        change together. Problems are located at ``anchors``.

    Examples
    --------
    >>> prior = AnchorPrior(
    ...     given=["hq"], baseline={"hq": False},
    ...     anchors=[{"p": 0.2}, {"when": {"hq": True}, "p": 0.6}],
    ... )
    >>> fit = fit_anchors(prior, LinkContext(("false", "true"), {"hq": ("false", "true")}))
    >>> round(fit.fitted[1]["true"], 12), fit.misfit[1] < 1e-12, fit.covariance is None
    (0.6, True, True)
    """
    _, m, template = _fit_parts(prior, ctx)
    stated, means, blocks = _moments(prior, ctx)
    coefs = np.concatenate([m @ stated, m @ means])
    if not (np.all(np.isfinite(coefs)) and np.abs(coefs).max() <= MAX_MAGNITUDE):
        raise AnchorFitError(
            [Problem(("anchors",), "the anchor cases imply a link too steep to compute: "
                     "move the cases of a continuous parent further apart")]
        )  # fmt: skip
    k = len(ctx.states) - 1
    link = vector_link((m @ stated).ravel(), template, ctx.states)
    mean, cov = link, None
    if blocks is not None:
        # Cov(B[p, j], B[q, l]) = sum over anchors i of M[p, i] M[q, i] Cov_i(l_j, l_l)
        size = m.shape[0] * k
        cov = np.einsum("pi,qi,ijl->pjql", m, m, blocks).reshape(size, size)
        cov = (cov + cov.T) / 2
        centre = m @ means
        mean = vector_link(centre.ravel(), template, ctx.states)
    fitted, given = [], []
    for anchor in prior.anchors:
        case = anchor_case(prior, anchor, ctx)
        fitted.append(
            dict(zip(ctx.states, link_probabilities(link, ctx, case).tolist(), strict=True))
        )
        given.append(dict(zip(ctx.states, _anchor_probs(anchor, ctx).tolist(), strict=True)))
    return FittedLink(link, mean, cov, tuple(fitted), tuple(given))


def _fit_parts(prior: AnchorPrior, ctx: LinkContext) -> tuple[np.ndarray, np.ndarray, LogitLink]:
    """The anchors' design ``X``, the fit ``M = pinv(X)`` and the link's terms (coefs 0)."""
    x, cols, scales = _design(prior, ctx)
    _identify(x, cols, prior, scales)
    terms = []
    for parent, state in cols:
        if state is None:
            center, scale = scales[parent]
            terms.append(LogitTerm(fact=parent, coef=0.0, center=center, scale=scale))
        else:
            terms.append(LogitTerm(fact=parent, state=state, coef=0.0))
    return x, np.linalg.pinv(x), LogitLink(intercept=0.0, terms=terms)


@dataclass(frozen=True)
class AnchorDirichlet:
    """Anchor cases held with a concentration: each a Dirichlet draw, the link their fit.

    Anchor ``i`` with a concentration has probabilities ``P_i ~ Dirichlet(alpha[i])``,
    ``alpha[i] = c p_i`` (independent across anchors); one without keeps its stated
    ``p_i``. The link's flattened coefficients (:func:`link_vector`) are ``B = M L``
    with ``L[i] = log(P_i[1:] / P_i[0])`` (:meth:`coefficients`): the fit
    :func:`fit_anchors` makes of the stated probabilities, made of the drawn ones.

    Attributes
    ----------
    template : LogitLink
        The fitted link's terms (facts, states, centres, scales); coefficients 0.
    design : numpy.ndarray
        ``X``, ``(anchors, blocks)``: a row per anchor, a column per coefficient block
        (intercept, then each term).
    fit : numpy.ndarray
        ``M = pinv(X)``, ``(blocks, anchors)``.
    alpha : numpy.ndarray
        ``(anchors, states)``: the Dirichlet parameters (``c p``, at least
        :data:`ALPHA_FLOOR`); rows of anchors without a concentration hold ``p``.
    uncertain : numpy.ndarray
        ``(anchors,)`` bool: which anchors carry a concentration.
    stated : numpy.ndarray
        ``(anchors, states - 1)``: the stated log-ratios.

    Examples
    --------
    >>> prior = AnchorPrior(
    ...     given=["hq"], baseline={"hq": False}, concentration=20,
    ...     anchors=[{"p": 0.2}, {"when": {"hq": True}, "p": 0.6}],
    ... )
    >>> d = anchor_dirichlet(prior, LinkContext(("false", "true"), {"hq": ("false", "true")}))
    >>> d.alpha.tolist(), d.uncertain.tolist()
    ([[16.0, 4.0], [8.0, 12.0]], [True, True])
    >>> lp = np.log([[[0.8, 0.2], [0.4, 0.6]]])  # the stated probabilities as a "draw"
    >>> d.coefficients(lp).round(6).tolist()  # intercept logit(0.2), then hq's effect
    [[-1.386294, 1.791759]]
    """

    template: LogitLink
    design: np.ndarray = field(compare=False)
    fit: np.ndarray = field(compare=False)
    alpha: np.ndarray = field(compare=False)
    uncertain: np.ndarray = field(compare=False)
    stated: np.ndarray = field(compare=False)

    def coefficients(self, log_probs: np.ndarray) -> np.ndarray:
        """The link's flattened coefficients for drawn anchor probabilities.

        Parameters
        ----------
        log_probs : numpy.ndarray
            ``(draws, anchors, states)``: logarithms of the anchors' drawn
            probabilities, or of anything proportional to them per anchor (log-gamma
            draws: only differences within an anchor count). Rows of anchors without
            a concentration are ignored (their stated log-ratios are used).

        Returns
        -------
        numpy.ndarray
            ``(draws, blocks * (states - 1))``, in :func:`link_vector`'s order.
        """
        lp = np.asarray(log_probs, dtype=float)
        ratios = lp[..., 1:] - lp[..., :1]
        ratios = np.where(self.uncertain[:, None], ratios, self.stated)
        beta = np.einsum("ba,dak->dbk", self.fit, ratios)
        return beta.reshape(beta.shape[0], -1)


def anchor_dirichlet(prior: Any, ctx: LinkContext) -> AnchorDirichlet | None:
    """The Dirichlet anchors of a prior, or ``None`` (not anchors, or none with a concentration).

    Parameters
    ----------
    prior : any prior
    ctx : LinkContext

    Returns
    -------
    AnchorDirichlet or None

    Raises
    ------
    AnchorFitError
        As :func:`fit_anchors`.

    Examples
    --------
    >>> prior = AnchorPrior(given=["hq"], baseline={"hq": False},
    ...     anchors=[{"p": 0.2}, {"when": {"hq": True}, "p": 0.6, "concentration": 10}])
    >>> d = anchor_dirichlet(prior, LinkContext(("false", "true"), {"hq": ("false", "true")}))
    >>> d.uncertain.tolist(), d.alpha[1].tolist()
    ([False, True], [4.0, 6.0])
    """
    if not isinstance(prior, AnchorPrior):
        return None
    concs = [a.concentration or prior.concentration for a in prior.anchors]
    if all(c is None for c in concs):
        return None
    x, m, template = _fit_parts(prior, ctx)
    probs = np.array([_anchor_probs(a, ctx) for a in prior.anchors])
    uncertain = np.array([c is not None for c in concs])
    alpha = np.array(
        [
            np.maximum(c * p, ALPHA_FLOOR) if c is not None else p
            for c, p in zip(concs, probs, strict=True)
        ]
    )
    stated = np.log(probs[:, 1:]) - np.log(probs[:, :1])
    for a in (x, m, alpha, uncertain, stated):
        a.setflags(write=False)
    return AnchorDirichlet(template, x, m, alpha, uncertain, stated)


def point_prior(prior: Any, ctx: LinkContext) -> Any:
    """The prior an engine evaluates: an anchor prior as the :class:`LogitPrior` fitted to it.

    Parameters
    ----------
    prior : any prior
    ctx : LinkContext

    Returns
    -------
    LogitPrior or the prior itself (any other type)

    Examples
    --------
    >>> prior = AnchorPrior(
    ...     given=["hq"], baseline={"hq": False},
    ...     anchors=[{"p": 0.5}, {"when": {"hq": True}, "p": 0.5}],
    ... )
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> point_prior(prior, ctx).logit.intercept
    0.0
    """
    if isinstance(prior, AnchorPrior):
        return LogitPrior(logit=fit_anchors(prior, ctx).link)
    return prior


def link_distribution(
    prior: Any, ctx: LinkContext | Sequence[str]
) -> tuple[LogitLink, np.ndarray | None]:
    """The mean link of a node and the covariance of its flattened coefficients.

    The first two moments of a link's coefficients, exact. The flattening order is
    :func:`link_vector`'s: intercept per state but the first, then each term's values.
    A logit link whose intercept or terms carry an ``sd`` has independent Normal
    coefficients (a diagonal covariance), and these moments are its distribution.
    Anchor cases with a concentration have the moments of the fit of Dirichlet draws
    (the module's docstring); their distribution is not Normal, and the engines draw
    the anchors themselves (:func:`anchor_dirichlet`): the moments serve as a local
    summary (the sensitivity analysis's one "how sure of its link" row).

    Parameters
    ----------
    prior : AnchorPrior or LogitPrior
    ctx : LinkContext, or the node's states
        The states alone suffice for a logit prior (the first is the reference).

    Returns
    -------
    link : LogitLink
        The mean of the coefficients. For anchors with a concentration it is the fit to
        the Dirichlet's mean log-ratios (digamma differences), not :attr:`FittedLink.link`
        (the link at the mean coefficients is not the mean link: it is the mean of
        the probabilities, not of the log-ratios, that the anchors state).
    covariance : numpy.ndarray or None
        ``None`` when the coefficients are fixed.

    Examples
    --------
    >>> prior = AnchorPrior(
    ...     given=["hq"], baseline={"hq": False}, concentration=20,
    ...     anchors=[{"p": 0.2}, {"when": {"hq": True}, "p": 0.6}],
    ... )
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> link, cov = link_distribution(prior, ctx)
    >>> cov.shape, bool(np.all(np.linalg.eigvalsh(cov) > 0))
    ((2, 2), True)
    >>> prior = LogitPrior(logit={"intercept": -1, "intercept_sd": 0.5,
    ...                           "terms": [{"fact": "x", "state": True, "coef": 2}]})
    >>> link, cov = link_distribution(prior, ("false", "true"))
    >>> link.intercept, np.diag(cov).tolist()
    (-1.0, [0.25, 0.0])
    >>> link_distribution(LogitPrior(logit={"intercept": 1}), ("false", "true"))[1] is None
    True
    """
    if isinstance(prior, AnchorPrior):
        if not isinstance(ctx, LinkContext):
            raise TypeError("anchor cases need the node's LinkContext (link_context)")
        fit = fit_anchors(prior, ctx)
        return fit.mean, fit.covariance
    if isinstance(prior, LogitPrior):
        states = ctx.states if isinstance(ctx, LinkContext) else tuple(ctx)
        link = prior.logit
        parts = [link.intercept_sd, *(t.sd for t in link.terms)]
        sds = np.concatenate([_coef_vector(0.0 if v is None else v, states) for v in parts])
        if not np.any(sds > 0):
            return link, None
        return link, np.diag(np.square(sds))
    raise TypeError(f"expected an anchor or logit prior, got {type(prior).__name__}")


def link_at(link: LogitLink, beta: np.ndarray, states: Sequence[str]) -> LogitPrior:
    """The fixed logit prior with ``link``'s terms and the coefficients ``beta``.

    Parameters
    ----------
    link : LogitLink
        Its terms (facts, states, centres, scales) are kept; its ``sd`` s dropped.
    beta : numpy.ndarray
        Flattened as :func:`link_vector`.
    states : sequence of str

    Returns
    -------
    LogitPrior

    Examples
    --------
    >>> link = LogitLink(intercept=1, intercept_sd=0.5, terms=[{"fact": "x", "coef": 2}])
    >>> at = link_at(link, np.array([0.5, 2.5]), ("false", "true")).logit
    >>> at.intercept, at.terms[0].coef, at.intercept_sd
    (0.5, 2.5, None)
    """
    return LogitPrior(logit=vector_link(beta, link, states))


# -- showing a link as probabilities ---------------------------------------------------


def _axes(ctx: LinkContext) -> list[list[Any]]:
    return [list(ctx.values[p]) if s is None else list(s) for p, s in ctx.parents.items()]


def case_count(ctx: LinkContext) -> int:
    """How many cases an implied table has: the product of the parents' states (and values).

    Parameters
    ----------
    ctx : LinkContext

    Returns
    -------
    int

    Examples
    --------
    >>> ctx = LinkContext(("false", "true"), {"a": ("x", "y"), "t": None}, {}, {"t": (1.0, 2.0)})
    >>> case_count(ctx)
    4
    """
    return math.prod(len(a) for a in _axes(ctx))


def implied_table(link_or_prior: Any, ctx: LinkContext, limit: int | None = None) -> pd.DataFrame:
    """The child's probabilities in every case of its parents, as a link implies them.

    Parameters
    ----------
    link_or_prior : LogitLink, LogitPrior or AnchorPrior
    ctx : LinkContext
        With ``values`` for the continuous parents (their 5/50/95% prior quantiles
        from :func:`link_context`).
    limit : int, optional
        At most this many cases, the first in order (:func:`case_count` says how many
        there are).

    Returns
    -------
    pandas.DataFrame
        One row per case (a MultiIndex over the parents), one column per state.

    Examples
    --------
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> link = LogitLink(intercept=0.0, terms=[{"fact": "hq", "state": "true", "coef": 100.0}])
    >>> implied_table(link, ctx).round(3)["true"].tolist()
    [0.5, 1.0]
    """
    if isinstance(link_or_prior, AnchorPrior):
        link = fit_anchors(link_or_prior, ctx).link
    elif isinstance(link_or_prior, LogitPrior):
        link = link_or_prior.logit
    else:
        link = link_or_prior
    combos = itertools.islice(itertools.product(*_axes(ctx)), limit)
    cases = [dict(zip(ctx.parents, combo, strict=True)) for combo in combos]
    rows = np.array([link_probabilities(link, ctx, c) for c in cases])
    index = pd.MultiIndex.from_tuples([tuple(c.values()) for c in cases], names=list(ctx.parents))
    return pd.DataFrame(rows, index=index, columns=list(ctx.states))


def anchors_from_logit(prior: LogitPrior, ctx: LinkContext) -> AnchorPrior:
    """The anchor cases a logit link implies, exactly: so any link is shown as probabilities.

    Baseline: for a discrete parent a state no term names (else its first state), for a
    continuous one its first term's center. Anchors: the baseline case, one case per
    other state of each discrete parent, and one per continuous parent at the baseline
    plus its first term's scale. :func:`fit_anchors` gives the link back.

    Parameters
    ----------
    prior : LogitPrior
    ctx : LinkContext
        With ``standardisers`` when a term leaves its center or scale to the default.

    Returns
    -------
    AnchorPrior
        Without a concentration.

    Examples
    --------
    >>> ctx = LinkContext(("false", "true"), {"hq": ("false", "true")})
    >>> term = {"fact": "hq", "state": True, "coef": 1.0}
    >>> link = LogitPrior(logit={"intercept": 0.0, "terms": [term]})
    >>> a = anchors_from_logit(link, ctx)
    >>> dict(a.baseline), [round(x.p, 4) for x in a.anchors]
    ({'hq': 'false'}, [0.5, 0.7311])
    """
    link = prior.logit
    baseline: dict[str, str | float] = {}
    steps: dict[str, float] = {}
    for parent, states in ctx.parents.items():
        terms = [t for t in link.terms if t.fact == parent]
        if states is None:
            center, scale = _standardiser(terms[0], ctx)
            baseline[parent] = center
            steps[parent] = scale
        else:
            named = {t.state for t in terms}
            free = [s for s in states if s not in named]
            baseline[parent] = free[0] if free else states[0]
    cases: list[dict[str, str | float]] = [{}]
    for parent, states in ctx.parents.items():
        if states is None:
            cases.append({parent: float(baseline[parent]) + steps[parent]})
        else:
            cases.extend({parent: s} for s in states if s != baseline[parent])
    anchors = []
    for when in cases:
        p = link_probabilities(link, ctx, {**baseline, **when})
        if ctx.binary:
            anchors.append(Anchor(when=when, p=float(p[1])))
        else:
            anchors.append(Anchor(when=when, probs=dict(zip(ctx.states, p.tolist(), strict=True))))
    return AnchorPrior(given=tuple(ctx.parents), baseline=baseline, anchors=anchors)


def anchor_notes(scenario: Any, shown: float = MISFIT_SHOWN) -> list[Problem]:
    """Anchor cases the fitted link misses by ``shown`` or more, node by node.

    Not errors: anchors that over-determine the link are fitted by least squares, and
    this says, in probabilities, how far the fit is from what was said.

    Parameters
    ----------
    scenario : Scenario
    shown : float
        The smallest difference reported.

    Returns
    -------
    list of Problem
        Located at the anchor (``outcomes.<name>.prior.anchors.<i>``).

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> anchor_notes(load(example()))
    []
    """
    out = []
    for name, node in scenario.nodes.items():
        if not isinstance(node.prior, AnchorPrior):
            continue
        where = "outcomes" if name in scenario.outcomes else "facts"
        ctx = link_context(scenario.nodes, name, continuous=False)
        fit = fit_anchors(node.prior, ctx)
        for i, (f, g) in enumerate(zip(fit.fitted, fit.given, strict=True)):
            if max(abs(f[s] - g[s]) for s in g) < shown:
                continue
            shown_states = ctx.states[1:] if ctx.binary else ctx.states
            said = ", ".join(f"{st} {g[st]:.3f}" for st in shown_states)
            got = ", ".join(f"{st} {f[st]:.3f}" for st in shown_states)
            out.append(
                Problem(
                    (where, name, "prior", "anchors", i),
                    "the anchor cases over-determine the link and no link fits them all: "
                    f"you said {said}; the fitted link gives {got}",
                )
            )
    return out

"""Quadrature of a continuous fact: nodes where the prior has its mass, and the evidence.

A fact's prior is integrated by Gauss-Legendre in normal scores ``z = Phi^-1(cdf(x))``
(weight ``phi(z)``), split at every threshold a claim names and at ``z = +-3``: the
quantile function is smooth in ``z`` for the usual priors, so heavy tails cost no
accuracy (a LogNormal's variance to 1e-15 with 72 nodes, where 24 nodes on the CDF
missed it by 2%), and a threshold 20 standard deviations out is still a distinct
point (the upper half is computed from ``sf``, so ``1 - 1e-40`` does not round to 1).
Where a reported number puts its likelihood beyond the prior's body (:data:`BODY`
of prior mass on either side), the nodes are laid on the number's own scale (the log
for a positive fact) instead, weighted by the prior density: a surprising report is
integrated where its likelihood lives. Segments are also cut at quantiles of the
prior times each number's likelihood (:data:`MASS_CUTS`), so that the posterior's
bump, wherever prior and report put it, falls on nodes of its own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

__all__ = [
    "BODY",
    "MASS_CUTS",
    "MAX_SEGMENTS",
    "SCORE_EDGES",
    "TOLERANCE",
    "Rule",
    "Window",
    "lay_quadrature",
    "lay_rule",
    "posterior_quantiles",
    "score_of",
    "value_at_score",
]

#: Prior mass, on each side, beyond which a reported number's window is integrated on
#: its own scale rather than in normal scores.
BODY = 1e-9

#: Normal scores where every prior's quadrature is split (its body and its two tails).
SCORE_EDGES = (-10.0, -3.0, 3.0, 10.0)

#: Quantiles of prior times the numbers' likelihood where segments are cut.
MASS_CUTS = np.array([1e-10, 1e-5, 0.01, 0.1, 0.5, 0.9, 0.99, 1 - 1e-5, 1 - 1e-10])


@dataclass(frozen=True)
class Window:
    """Where a reported number's likelihood lives: ``[lo, hi]``, on its scale.

    ``loglik`` (the number's log-likelihood over the fact's values, if informative) lets
    :func:`lay_quadrature` find where prior times likelihood has its mass, which in a
    conflict between them lies between the prior's body and the report.

    Examples
    --------
    >>> Window(2.0, 8.0, log_scale=True).loglik is None
    True
    """

    lo: float
    hi: float
    log_scale: bool
    loglik: Callable[[np.ndarray], np.ndarray] | None = None


#: Default tolerance of the adaptive quadrature: the error allowed, summed over
#: segments, in the mass of each checked integrand relative to its total.
TOLERANCE = 1e-8
#: At most this many segments per fact: refinement stops there (and says so).
MAX_SEGMENTS = 400


@dataclass(frozen=True)
class Rule:
    """A fact's quadrature: nodes, weights, and the segments they come from.

    ``segments`` are ``(a, b, scale)`` with ``scale`` one of ``"score"`` (normal scores of
    the prior), ``"x"`` or ``"log"`` (the fact's value or its log, weighted by the prior
    density); node ``i`` is Gauss-Legendre node ``index[i]`` of segment ``segment[i]``
    (``-1`` when a node was dropped from its segment). ``error`` estimates the relative
    error of the checked integrands (n against 2n nodes per segment, summed).

    Examples
    --------
    >>> from scipy import stats
    >>> rule = lay_rule(stats.norm(), [0.5])
    >>> bool(abs(rule.w.sum() - 1) < 1e-14), rule.error < TOLERANCE
    (True, True)
    """

    x: np.ndarray
    w: np.ndarray
    segments: tuple[tuple[float, float, str], ...]
    segment: np.ndarray
    index: np.ndarray
    nodes: int
    error: float
    dist: Any = None

    def coordinate(self, k: int, x: Any) -> Any:
        """The coordinate of value(s) ``x`` on segment ``k``'s scale."""
        scale = self.segments[k][2]
        if scale == "score":
            return score_of(self.dist, x)
        return np.log(x) if scale == "log" else np.asarray(x, dtype=float)

    def value(self, k: int, u: Any) -> Any:
        """The value(s) at coordinate ``u`` of segment ``k``."""
        scale = self.segments[k][2]
        if scale == "score":
            return value_at_score(self.dist, np.atleast_1d(np.asarray(u, dtype=float)))
        return np.exp(u) if scale == "log" else np.asarray(u, dtype=float)


def lay_quadrature(
    dist: Any,
    thresholds: Sequence[float],
    windows: Sequence[Window] = (),
    nodes: int = 24,
) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights integrating a prior, split at thresholds, dense in windows.

    Parameters
    ----------
    dist : scipy frozen distribution
        The fact's prior.
    thresholds : sequence of float
        Values where the integrand may change abruptly: segments are split there.
    windows : sequence of Window
        Where reported numbers' likelihoods live; their parts outside the prior's body
        are integrated on the number's scale.
    nodes : int
        Gauss-Legendre nodes per segment.

    Returns
    -------
    x, w : numpy.ndarray
        Ascending nodes and weights summing to one.

    Examples
    --------
    >>> from scipy import stats
    >>> prior = stats.lognorm(0.5, scale=30.0)
    >>> x, w = lay_quadrature(prior, [])
    >>> float(w @ x / prior.mean() - 1) < 1e-12, float(w @ x**2 / prior.moment(2) - 1) < 1e-12
    (True, True)
    >>> # a report 28 sds out, at 10: nodes there too, where cdf(x) rounds to 1
    >>> prior = stats.norm(1.5, 0.3)
    >>> x, w = lay_quadrature(prior, [], [Window(9.0, 11.0, False)])
    >>> int((x > 9).sum()) > 0, bool(prior.cdf(9.0) == 1.0)
    (True, True)
    """
    rule = lay_rule(dist, thresholds, windows, nodes, tolerance=None)
    return rule.x, rule.w


def lay_rule(
    dist: Any,
    thresholds: Sequence[float],
    windows: Sequence[Window] = (),
    nodes: int = 24,
    tolerance: float | None = TOLERANCE,
    checks: Sequence[Callable[[np.ndarray], np.ndarray]] = (),
) -> Rule:
    """The quadrature of :func:`lay_quadrature`, refined to a tolerance.

    Segments are laid as there; then each is checked, comparing ``nodes`` against
    ``2 * nodes`` Gauss-Legendre nodes on the prior mass, on each window's likelihood
    (and their product) and on each of ``checks`` (times the prior), and the segment with
    the largest disagreement is halved until their sum, relative to each integrand's
    total, is at most ``tolerance`` (or :data:`MAX_SEGMENTS` is reached).

    Parameters
    ----------
    dist : scipy frozen distribution (or :class:`~scenarios.spec.dependent.Mixture`)
    thresholds : sequence of float
    windows : sequence of Window
    nodes : int
        Gauss-Legendre nodes per segment.
    tolerance : float or None
        ``None``: no refinement (the fixed rule).
    checks : sequence of callable
        Further non-negative functions of the value to integrate to the tolerance (a
        table fact's row densities over its reference density).

    Returns
    -------
    Rule

    Examples
    --------
    >>> from scipy import stats
    >>> prior = stats.norm(0, 1)
    >>> def row(x):  # a narrow density, integrated on the prior's nodes
    ...     return np.exp(stats.norm.logpdf(x, 1.3, 0.02) - prior.logpdf(x))
    >>> fixed = lay_rule(prior, [], checks=[row], tolerance=None)
    >>> fine = lay_rule(prior, [], checks=[row])
    >>> fine.error <= 1e-8 < fixed.error, bool(abs(fine.w @ row(fine.x) - 1) < 1e-12)
    (True, True)
    """
    gl = {n: np.polynomial.legendre.leggauss(n) for n in (nodes, 2 * nodes)}
    lower, upper = (float(v) for v in dist.support())
    body = (float(dist.ppf(BODY)), float(dist.isf(BODY)))
    # cuts where the prior times each number's likelihood has its mass, and times all of
    # them (numbers that agree make a narrower bump between theirs)
    extra: list[float] = []
    # beyond the body, where such a bump reaches past it: from the body's edge to the
    # bump's far end, on the number's scale
    outside: list[tuple[float, float, bool]] = []
    groups = [[win] for win in windows] + ([list(windows)] if len(windows) > 1 else [])
    for group in groups:
        logliks = [win.loglik for win in group if win.loglik is not None]
        lo = max(min(body[0], *(win.lo for win in group)), lower)
        hi = min(max(body[1], *(win.hi for win in group)), upper)
        log_scale = all(win.log_scale for win in group) and lo > 0
        cuts = _mass_cuts(dist, lo, hi, log_scale, logliks) if logliks else [lo, hi]
        extra += cuts
        if cuts and cuts[0] < body[0]:
            outside.append((cuts[0], body[0], log_scale))
        if cuts and cuts[-1] > body[1]:
            outside.append((body[1], cuts[-1], log_scale))
    outside = _merged(outside)
    segments: list[tuple[float, float, str]] = []
    for lo, hi, log_scale in outside:
        cuts = sorted({t for t in [*thresholds, *extra] if lo < t < hi})
        ends = [lo, *cuts, hi]
        ends = list(np.log(ends)) if log_scale else ends
        segments += [(a, b, "log" if log_scale else "x") for a, b in itertools.pairwise(ends)]
    # normal scores for the rest
    cut_values = [*thresholds, *extra, *(t for seg in outside for t in seg[:2])]
    scores = [float(z) for z in score_of(dist, np.array(cut_values, dtype=float)) if np.isfinite(z)]
    far = max([abs(z) for z in scores] + [SCORE_EDGES[-1]])
    # the mass beyond a far cut z lies within about 1/z of it (Mills' ratio)
    near_far = [z + s * k / abs(z) for z in scores if abs(z) > 3 for k in (2, 6) for s in (-1, 1)]
    reach = min(far + 1.0, 37.0)  # beyond 37 sds the tail's mass underflows
    edges = sorted({-reach, *SCORE_EDGES, *(z for z in scores + near_far if abs(z) < reach), reach})
    segments += [(a, b, "score") for a, b in itertools.pairwise(edges) if b - a >= 1e-12]

    cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def rule(seg: tuple[float, float, str], n: int) -> tuple[np.ndarray, np.ndarray]:
        if (seg, n) not in cache:
            cache[seg, n] = rule_of(seg, n)
        return cache[seg, n]

    def rule_of(seg: tuple[float, float, str], n: int) -> tuple[np.ndarray, np.ndarray]:
        a, b, scale = seg
        gx, gw = gl[n]
        z = a + (b - a) * (gx + 1) / 2
        if scale == "score":
            x = value_at_score(dist, z)
            w = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) * (b - a) / 2 * gw
            inside = np.zeros(z.shape, dtype=bool)
            for lo, hi, _ in outside:
                inside |= (x > lo) & (x < hi)
            w = np.where(inside, 0.0, w)  # laid on the number's scale instead
        else:
            x = np.exp(z) if scale == "log" else z
            with np.errstate(all="ignore"):
                w = np.asarray(dist.pdf(x), dtype=float) * (x if scale == "log" else 1.0)
            w = w * (b - a) / 2 * gw
        ok = np.isfinite(x) & np.isfinite(w) & (w > 0) & (x > lower) & (x < upper)
        return np.where(ok, x, np.nan), np.where(ok, w, 0.0)

    integrands = _integrands(windows, checks)
    limit = np.inf if tolerance is None else tolerance  # None: the fixed rule, its error
    segments, error = _refine(segments, rule, integrands, nodes, limit)
    xs, ws, seg_of, idx = [], [], [], []
    for k, seg in enumerate(segments):
        x, w = rule(seg, nodes)
        keep = w > 0
        xs.append(x[keep])
        ws.append(w[keep])
        seg_of.append(np.full(int(keep.sum()), k))
        idx.append(np.arange(nodes)[keep])
    x, w = np.concatenate(xs), np.concatenate(ws)
    seg_arr, idx_arr = np.concatenate(seg_of), np.concatenate(idx)
    order = np.argsort(x, kind="stable")
    return Rule(
        x[order], w[order] / w.sum(), tuple(segments), seg_arr[order], idx_arr[order],
        nodes, error, dist,
    )  # fmt: skip


def _integrands(
    windows: Sequence[Window], checks: Sequence[Callable[[np.ndarray], np.ndarray]]
) -> list[Callable[[np.ndarray], np.ndarray]]:
    """The prior mass, each window's likelihood and their product, and the checks."""
    logliks = [win.loglik for win in windows if win.loglik is not None]
    out: list[Callable[[np.ndarray], np.ndarray]] = [lambda x: np.ones_like(x)]
    combos = [[ll] for ll in logliks] + ([logliks] if len(logliks) > 1 else [])
    for group in combos:

        def lik(x: np.ndarray, group: list = group) -> np.ndarray:
            with np.errstate(all="ignore"):
                total = sum(np.asarray(ll(x), dtype=float) for ll in group)
            return np.exp(total)

        out.append(lik)
    out.extend(checks)
    return out


def _refine(
    segments: list[tuple[float, float, str]],
    rule: Callable[[tuple[float, float, str], int], tuple[np.ndarray, np.ndarray]],
    integrands: Sequence[Callable[[np.ndarray], np.ndarray]],
    nodes: int,
    tolerance: float,
) -> tuple[list[tuple[float, float, str]], float]:
    """Halve the worst segment until the summed n-vs-2n disagreement is within tolerance."""

    def estimates(seg: tuple[float, float, str]) -> np.ndarray:
        out = []
        for n in (nodes, 2 * nodes):
            x, w = rule(seg, n)
            ok = w > 0
            vals = []
            for g in integrands:
                v = np.zeros_like(w)
                with np.errstate(all="ignore"):
                    v[ok] = np.asarray(g(x[ok]), dtype=float) * w[ok]
                vals.append(float(np.sum(np.where(np.isfinite(v), v, 0.0))))
            out.append(vals)
        return np.array(out)  # (2, integrands)

    est = [estimates(seg) for seg in segments]
    while True:
        totals = np.sum([e[1] for e in est], axis=0)
        scale = np.where(totals > 0, totals, np.inf)
        errs = np.array([np.max(np.abs(e[0] - e[1]) / scale) for e in est])
        error = float(errs.sum())
        if error <= tolerance or len(segments) >= MAX_SEGMENTS:
            return segments, error
        k = int(np.argmax(errs))
        a, b, kind = segments[k]
        mid = 0.5 * (a + b)
        halves = [(a, mid, kind), (mid, b, kind)]
        segments[k : k + 1] = halves
        est[k : k + 1] = [estimates(h) for h in halves]


def posterior_quantiles(rule: Rule, mass: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles of a fact's posterior, from its node masses, accurate to the rule's error.

    Within each segment the posterior density on the segment's coordinate is smooth
    (thresholds are segment edges), so it is interpolated through the segment's
    Gauss-Legendre nodes (as a Legendre series, spectrally accurate), integrated exactly
    to any point, and the CDF is inverted by root finding: the quantile is as accurate
    as the node masses, not limited by the nodes' spacing, and the same bit for bit in
    every process.

    Parameters
    ----------
    rule : Rule
    mass : numpy.ndarray
        Posterior mass at each of ``rule.x`` (normalised here).
    levels : sequence of float

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from scipy import stats
    >>> prior = stats.lognorm(0.5, scale=30.0)
    >>> rule = lay_rule(prior, [])
    >>> q = posterior_quantiles(rule, rule.w, [0.05, 0.5, 0.95])
    >>> bool(np.max(np.abs(q / prior.ppf([0.05, 0.5, 0.95]) - 1)) < 1e-9)
    True
    """
    from scipy import optimize

    mass = np.asarray(mass, dtype=float)
    mass = mass / math.fsum(mass)
    gx, _ = np.polynomial.legendre.leggauss(rule.nodes)
    # segments in order of value, with their posterior mass
    order = sorted(
        range(len(rule.segments)),
        key=lambda k: (
            float(np.min(rule.x[rule.segment == k])) if np.any(rule.segment == k) else np.inf
        ),
    )
    seg_mass = np.array([math.fsum(mass[rule.segment == k]) for k in order])
    cum = np.concatenate([[0.0], np.cumsum(seg_mass)])
    out = []
    for q in levels:
        j = int(np.clip(np.searchsorted(cum, q, side="right") - 1, 0, len(order) - 1))
        while j < len(order) - 1 and seg_mass[j] <= 0:
            j += 1
        k = order[j]
        a, b, _ = rule.segments[k]
        here = rule.segment == k
        idx, m = rule.index[here], mass[here]
        target = q - cum[j]
        if len(idx) < rule.nodes:  # nodes dropped: linear in the CDF between them
            xs = rule.x[here]
            c = np.cumsum(m) - 0.5 * m
            out.append(float(np.interp(target, c, xs)))
            continue
        srt = np.argsort(idx)
        # the interpolant's Legendre coefficients (exact from the Gauss nodes), then its
        # integral: fsum and Clenshaw on scalars keep the root bit-for-bit reproducible
        # (numpy's vector sums round by memory alignment, and brentq magnifies an ulp)
        p_at_nodes = np.polynomial.legendre.legvander(gx, rule.nodes - 1)
        coef = [(2 * n + 1) / 2 * math.fsum(m[srt] * p_at_nodes[:, n]) for n in range(rule.nodes)]
        integral = np.polynomial.legendre.legint(coef, lbnd=-1)

        def cdf(u: float, a: float = a, b: float = b, integral: Any = integral) -> float:
            return float(np.polynomial.legendre.legval(2 * (u - a) / (b - a) - 1, integral))

        lo_f, hi_f = -target, cdf(b) - target
        if lo_f >= 0:
            u = a
        elif hi_f <= 0:
            u = b
        else:
            u = optimize.brentq(lambda v, t=target: cdf(v) - t, a, b, xtol=1e-15, rtol=1e-15)
        out.append(float(np.atleast_1d(rule.value(k, u))[0]))
    return np.array(out)


def score_of(dist: Any, x: Any) -> np.ndarray:
    """Normal scores of values ``x`` under a prior, each from its nearer tail.

    Parameters
    ----------
    dist : scipy frozen distribution (or Mixture)
    x : array of float

    Returns
    -------
    numpy.ndarray
        The inverse of :func:`value_at_score`.

    Examples
    --------
    >>> from scipy import stats
    >>> [round(float(v), 9) for v in score_of(stats.norm(1, 2), np.array([-1.0, 19.0]))]
    [-1.0, 9.0]
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        u = np.asarray(dist.cdf(x), dtype=float)
        low = special.ndtri(u)
        high = -special.ndtri(np.asarray(dist.sf(x), dtype=float))
    return np.where(u < 0.5, low, high)


def value_at_score(dist: Any, z: np.ndarray) -> np.ndarray:
    """The values of a prior at normal scores ``z`` (``ppf(Phi(z))``, upper half by ``isf``).

    Parameters
    ----------
    dist : scipy frozen distribution (or Mixture)
    z : array of float

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> from scipy import stats
    >>> [round(float(v), 9) for v in value_at_score(stats.norm(1, 2), np.array([-1.0, 9.0]))]
    [-1.0, 19.0]
    """
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    low = z < 0
    if low.any():
        out[low] = np.asarray(dist.ppf(special.ndtr(z[low])), dtype=float)
    if (~low).any():
        out[~low] = np.asarray(dist.isf(special.ndtr(-z[~low])), dtype=float)
    return out


def _mass_cuts(
    dist: Any,
    lo: float,
    hi: float,
    log_scale: bool,
    logliks: Sequence[Callable[[np.ndarray], Any]],
) -> list[float]:
    """Quantiles of prior times likelihoods over ``[lo, hi]``, from a dense scan."""
    z = np.linspace(*(np.log([lo, hi]) if log_scale else (lo, hi)), 8001)
    x = np.exp(z) if log_scale else z
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        lp = np.asarray(dist.logpdf(x), dtype=float)
        for loglik in logliks:
            lp = lp + np.asarray(loglik(x), dtype=float)
        if log_scale:
            lp = lp + z
    finite = np.isfinite(lp)
    if not finite.any():
        return []
    mass = np.where(finite, np.exp(lp - np.max(lp[finite])), 0.0)
    cdf = np.cumsum(mass)
    cdf /= cdf[-1]
    cuts = np.interp(MASS_CUTS, cdf, x)
    return sorted(float(c) for c in cuts if lo < c < hi)


def _merged(parts: list[tuple[float, float, bool]]) -> list[tuple[float, float, bool]]:
    out: list[tuple[float, float, bool]] = []
    for lo, hi, log_scale in sorted(parts):
        if out and lo <= out[-1][1]:
            prev = out[-1]
            out[-1] = (prev[0], max(prev[1], hi), prev[2] and log_scale)
        else:
            out.append((lo, hi, log_scale))
    return out

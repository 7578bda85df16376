"""Uncertain link coefficients: a logit link whose coefficients are part of theta.

A logit link with an ``sd`` on its intercept or terms (or any link whose
:func:`~scenarios.spec.links.link_distribution` has a covariance) has Normal
coefficients ``beta = mean + root @ z``, ``z ~ N(0, I)``: a :class:`LinkParam`.

- Given a coefficient vector (a draw, or a PyMC variable), the child's table is the
  softmax of ``eta = X beta`` per parent case (:func:`link_table`).
- For the point answer the table is its expectation over ``beta``: the joint is
  linear in the child's table, and ``beta`` enters that table alone and is independent
  of every other uncertain number a priori, so ``P(outcome | claims)`` is the answer
  with the expected table ``E[softmax(eta)]``, exact up to that integral. Per parent
  case ``eta`` (the log-odds of the states after the first) is Normal in ``K - 1``
  dimensions; its expected softmax is integrated by a pruned tensor Gauss-Hermite rule
  in whitened coordinates, refined until two rules agree to :data:`LINK_TOLERANCE`
  (:func:`expected_softmax`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.engines.factors import DRAW, Factor, align
from scenarios.spec.links import link_context, link_distribution, link_vector
from scenarios.spec.priors import AnchorPrior, LogitPrior

if TYPE_CHECKING:
    from scenarios.engines.network import Network

__all__ = [
    "LINK_MAX_POINTS",
    "LINK_MAX_WORK",
    "LINK_TOLERANCE",
    "LinkParam",
    "design",
    "draw_link",
    "expected_softmax",
    "gauss_hermite",
    "integrable",
    "link_param",
    "link_table",
]

#: Absolute error allowed in each expected table entry.
LINK_TOLERANCE = 1e-10
#: The largest cubature rule tried (points); beyond it the expected table is refused.
LINK_MAX_POINTS = 400_000
#: Parent cases times points of a 10-node-per-dimension rule above which a link's
#: expected table is not integrated: the exact engine samples it instead
#: (:func:`integrable`), its Monte Carlo error reported.
LINK_MAX_WORK = 5e7


def integrable(net: Network, param: LinkParam) -> bool:
    """Whether a link's expected table is cheap enough to integrate by cubature.

    Parameters
    ----------
    net : Network
    param : LinkParam

    Returns
    -------
    bool
        ``False`` when its parent cases times ``10 ** k`` points exceed
        :data:`LINK_MAX_WORK` (e.g. a 5-state outcome over a continuous parent).
    """
    cases = 1
    for parent in net.parents(param.node):
        cases *= len(net.states[parent]) if parent in net.states else net.quadrature[parent][0].size
    return cases * 10.0**param.k <= LINK_MAX_WORK


@dataclass(frozen=True)
class LinkParam:
    """Uncertain coefficients of ``node``'s logit link: ``beta = mean + root @ z``.

    ``mean`` is the flattened coefficients (the intercept per state after the first,
    then each term's, in term order: :func:`~scenarios.spec.links.link_distribution`);
    ``root`` (columns with zero spread dropped) satisfies ``root @ root.T ==
    covariance``; ``z`` is standard normal. ``blocks`` is one plus the number of terms,
    ``k`` the log-odds per block (the node's states after the first).

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={"a": {"kind": "binary", "prior": {"p": 0.5}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"logit": {
    ...         "intercept": -1, "terms": [{"fact": "a", "state": True, "coef": 2,
    ...                                    "sd": 0.5}]}}}})
    >>> p = Network(s).link_param("o")
    >>> p.name, p.mean.tolist(), p.root.tolist()
    ('o_link', [-1.0, 2.0], [[0.0], [0.5]])
    """

    name: str
    node: str
    mean: np.ndarray = field(compare=False)
    root: np.ndarray = field(compare=False)
    blocks: int = 1
    k: int = 1


def link_param(net: Network, name: str) -> LinkParam | None:
    """The uncertain coefficients of a node's link, or ``None`` (exact, or not a link).

    Parameters
    ----------
    net : Network
    name : str
        A discrete fact or outcome.

    Returns
    -------
    LinkParam or None
    """
    prior = net.stated[name]  # anchor cases carry the spread their fit implies
    if not isinstance(prior, AnchorPrior | LogitPrior):
        return None
    states = net.states[name]
    link, cov = link_distribution(prior, link_context(net.scenario.nodes, name))
    if cov is None:
        return None
    k = len(states) - 1
    blocks = 1 + len(link.terms)
    mean = link_vector(link, states)
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    keep = values > 1e-300
    root = vectors[:, keep] * np.sqrt(values[keep])
    if np.allclose(cov, np.diag(np.diag(cov))):  # diagonal: the sds themselves, exactly
        sd = np.sqrt(np.diag(cov))
        cols = np.flatnonzero(sd > 0)
        root = np.zeros((sd.size, cols.size))
        root[cols, np.arange(cols.size)] = sd[cols]
    return LinkParam(f"{name}_link", name, mean, root, blocks, k)


def design(net: Network, name: str, continuous: Mapping[str, Factor]) -> list[Factor]:
    """The regressors of a node's link, one per block: 1, one-hot parents, standardised x.

    Parameters
    ----------
    net : Network
    name : str
        A node with a logit link.
    continuous : mapping of str to Factor
        The value of each continuous fact.

    Returns
    -------
    list of Factor
        The intercept's (a scalar 1), then each term's.
    """
    prior = net.priors[name]
    assert isinstance(prior, LogitPrior)
    out = [Factor(1.0, ())]
    for term in prior.logit.terms:
        if term.fact in net.states:
            onehot = (np.array(net.states[term.fact]) == term.state).astype(float)
            out.append(Factor(onehot, (term.fact,)))
        else:
            center, scale = net.standardiser(term.fact, term.center, term.scale)
            x = continuous[term.fact]
            out.append(Factor((x.values - center) / scale, x.axes))
    return out


def _case_axes(features: list[Factor]) -> list[str]:
    axes: list[str] = []
    for f in features:
        axes.extend(a for a in f.axes if a not in axes)
    return axes


def link_table(
    net: Network,
    param: LinkParam,
    xp: Any,
    params: Mapping[str, Any] | None,
    draw_axis: bool,
    continuous: Mapping[str, Factor],
) -> Factor:
    """The node's table: softmax of the link at given coefficients, or its expectation.

    Parameters
    ----------
    net : Network
    param : LinkParam
    xp : module
        ``numpy`` or ``pytensor.tensor``.
    params : mapping, optional
        ``params[param.name]``: coefficient vectors (draws first when ``draw_axis``);
        absent, the expected table over the coefficients' prior (numpy only).
    draw_axis : bool
    continuous : mapping of str to Factor

    Returns
    -------
    Factor
        Over the parents (and ``draw``) then the node.
    """
    name = param.node
    features = design(net, name, continuous)
    k = param.k
    if params is None or param.name not in params:
        return _expected_table(net, param, features, name)
    beta = params[param.name]
    drawn = draw_axis and xp is np
    cases = _case_axes(features)
    target = [DRAW, *(a for a in cases if a != DRAW)] if drawn else cases
    parts = []
    for b, f in enumerate(features):
        if drawn:
            coef = np.asarray(beta)[:, b * k : (b + 1) * k]  # (draws, k)
            shape = (coef.shape[0], *([1] * (len(target) - 1)), k)
            x = align(np.asarray(f.values, dtype=float), f.axes, target)
            parts.append(np.asarray(x)[..., None] * coef.reshape(shape))
        else:
            coef = beta[b * k : (b + 1) * k]
            x = align(f.values, f.axes, target) if f.axes else f.values
            parts.append((x[..., None] if f.axes else x) * coef)
    eta = sum(parts[1:], parts[0])
    return Factor(_softmax_ref(eta, xp), (*target, name))


def _softmax_ref(eta: Any, xp: Any) -> Any:
    """Softmax over the last axis with a reference state of log-odds 0 prepended."""
    if xp is np:
        eta = np.asarray(eta, dtype=float)
        full = np.concatenate([np.zeros((*eta.shape[:-1], 1)), eta], axis=-1)
    else:
        eta = xp.as_tensor_variable(eta)
        full = xp.concatenate([xp.zeros_like(eta[..., :1]), eta], axis=-1)
    full = full - full.max(axis=-1, keepdims=True)
    e = xp.exp(full)
    return e / e.sum(axis=-1, keepdims=True)


def _expected_table(net: Network, param: LinkParam, features: list[Factor], name: str) -> Factor:
    blocks, k = param.blocks, param.k
    cases = _case_axes(features)
    shape = tuple(
        next(np.shape(f.values)[f.axes.index(a)] for f in features if a in f.axes) for a in cases
    )
    # a case on a continuous fact's quadrature node matters in proportion to its weight
    weight = np.ones(shape)
    for a in cases:
        if a in net.quadrature and net.quadrature[a][0].size == shape[cases.index(a)]:
            weight = weight * align(net.quadrature[a][1], (a,), cases)
    x = np.stack(
        [
            np.broadcast_to(align(np.asarray(f.values, float), f.axes, cases), shape)
            for f in features
        ],
        axis=-1,
    ).reshape(-1, blocks)  # (cases, blocks)
    mean = x @ param.mean.reshape(blocks, k)  # (cases, k)
    root = param.root.reshape(blocks, k, -1)  # eta's root per case: sum_b x_b root_b
    eta_root = np.einsum("cb,bkr->ckr", x, root)
    cov = eta_root @ eta_root.transpose(0, 2, 1)
    values, vectors = np.linalg.eigh(cov)
    whiten = vectors * np.sqrt(np.maximum(values, 0.0))[:, None, :]  # (cases, k, k)
    table = expected_softmax(mean, whiten, LINK_TOLERANCE / np.maximum(weight.ravel(), 1e-300))
    return Factor(table.reshape(*shape, k + 1), (*cases, name))


@lru_cache(maxsize=64)
def gauss_hermite(dim: int, n: int, prune: float = LINK_TOLERANCE / 100) -> tuple[Any, Any]:
    """A tensor Gauss-Hermite rule for N(0, I) in ``dim`` dimensions, pruned.

    Points of smallest weight are dropped while the dropped weights sum to at most
    ``prune`` (each integrand here lies in [0, 1], so the error this adds is at most
    ``prune``); the rest are renormalised.

    Parameters
    ----------
    dim, n : int
        Dimensions, and nodes per dimension.
    prune : float

    Returns
    -------
    points : numpy.ndarray
        ``(m, dim)``.
    weights : numpy.ndarray
        ``(m,)``, summing to one.

    Examples
    --------
    >>> t, w = gauss_hermite(2, 10)
    >>> round(float(w @ t[:, 0] ** 2), 12), round(float(w @ (t[:, 0] * t[:, 1]) ** 2), 12)
    (1.0, 1.0)
    """
    from scipy.special import roots_hermitenorm

    x, w = roots_hermitenorm(n)
    w = w / w.sum()
    points = np.array(list(product(x, repeat=dim))).reshape(-1, dim)
    weights = np.prod(np.array(list(product(w, repeat=dim))).reshape(-1, dim), axis=1)
    order = np.argsort(weights)
    dropped = np.cumsum(weights[order]) <= prune
    keep = np.sort(order[~dropped])
    points, weights = points[keep], weights[keep]
    points.setflags(write=False)
    weights = weights / weights.sum()
    weights.setflags(write=False)
    return points, weights


def _rule_softmax(mean: np.ndarray, whiten: np.ndarray, n: int) -> np.ndarray:
    cases, k = mean.shape
    t, w = gauss_hermite(k, n)
    out = np.empty((cases, k + 1))
    step = max(1, 4_000_000 // (t.shape[0] * (k + 1)))  # bounded memory
    for s in range(0, cases, step):
        eta = mean[s : s + step, None, :] + np.einsum("cij,qj->cqi", whiten[s : s + step], t)
        out[s : s + step] = np.einsum("cqs,q->cs", _softmax_ref(eta, np), w)
    return out


def expected_softmax(
    mean: np.ndarray, whiten: np.ndarray, tolerance: float | np.ndarray = LINK_TOLERANCE
) -> np.ndarray:
    """``E[softmax(0, eta)]`` for ``eta ~ N(mean, whiten @ whiten.T)``, case by case.

    A tensor Gauss-Hermite rule in whitened coordinates, refined (more nodes per
    dimension) until it agrees with the next finer rule to ``tolerance`` in every entry;
    the finer rule's answer is returned.

    Parameters
    ----------
    mean : numpy.ndarray
        ``(cases, k)``: the mean log-odds of the states after the first.
    whiten : numpy.ndarray
        ``(cases, k, k)``.
    tolerance : float or numpy.ndarray
        Per case, or for all. The exact engine asks :data:`LINK_TOLERANCE` over the
        prior weight of a case's quadrature node (of a continuous parent): the error
        each case adds to a probability is then at most :data:`LINK_TOLERANCE`.

    Returns
    -------
    numpy.ndarray
        ``(cases, k + 1)``; rows sum to one.

    Raises
    ------
    ValueError
        If no rule within :data:`LINK_MAX_POINTS` points reaches the tolerance.

    Examples
    --------
    >>> from scipy import integrate, stats
    >>> p = expected_softmax(np.array([[0.5]]), np.array([[[1.5]]]))
    >>> f = lambda e: stats.norm.pdf(e, 0.5, 1.5) / (1 + np.exp(-e))
    >>> bool(abs(p[0, 1] - integrate.quad(f, -20, 20, epsabs=1e-13)[0]) < 1e-10)
    True
    """
    cases, k = mean.shape
    out = _softmax_ref(mean, np)
    todo = np.flatnonzero(np.abs(whiten).sum(axis=(1, 2)) > 0)  # the rest: no spread
    tol = np.broadcast_to(np.asarray(tolerance, dtype=float), (cases,))
    n = 6
    previous = _rule_softmax(mean[todo], whiten[todo], n)
    while todo.size:
        n2 = n + max(4, n // 2)
        if n2**k > LINK_MAX_POINTS:
            worst = float(np.sqrt((whiten[todo] ** 2).sum(axis=(1, 2))).max())
            raise ValueError(
                f"an uncertain link over {k + 1} states needs more than {LINK_MAX_POINTS:,} "
                f"cubature points to reach {float(tol[todo].min()):g} (log-odds sd up to "
                f"{worst:.2g}): give its coefficients smaller sds, or use engine='pymc'"
            )
        finer = _rule_softmax(mean[todo], whiten[todo], n2)
        done = np.max(np.abs(finer - previous), axis=1) <= tol[todo]
        out[todo[done]] = finer[done]  # case by case: each stops once its rules agree
        todo, previous, n = todo[~done], finer[~done], n2
    return out


def draw_link(param: LinkParam, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of the coefficients from their Normal prior.

    Parameters
    ----------
    param : LinkParam
    draws : int
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray
        ``(draws, coefficients)``.

    Examples
    --------
    >>> p = LinkParam("o_link", "o", np.array([1.0, 2.0]), np.array([[0.0], [0.5]]), 2, 1)
    >>> b = draw_link(p, 20_000, np.random.default_rng(0))
    >>> b.shape, bool(np.all(b[:, 0] == 1.0)), round(float(b[:, 1].std()), 1)
    ((20000, 2), True, 0.5)
    """
    z = rng.standard_normal((draws, param.root.shape[1]))
    return param.mean + z @ param.root.T

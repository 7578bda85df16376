"""Uncertain link coefficients: a logit link whose coefficients are part of theta.

Two kinds of :class:`LinkParam`:

- A logit link with an ``sd`` on its intercept or terms has Normal coefficients
  ``beta = mean + root @ z``, ``z ~ N(0, I)`` (Gaussian by statement).
- Anchor cases with a concentration (:class:`~scenarios.spec.links.AnchorDirichlet`):
  each anchor's probabilities are a Dirichlet(``c p``) draw and ``beta`` is the fit of
  the drawn anchors, ``beta = M L(draw)``; where the anchors determine the link
  exactly, the link's probability in an anchor's case has mean ``p`` exactly.

How the engines use them:

- Given a coefficient vector (a draw, or a PyMC variable), the child's table is the
  softmax of ``eta = X beta`` per parent case (:func:`link_table`).
- For the point answer the table is its expectation over ``beta``: the joint is
  linear in the child's table, and ``beta`` enters that table alone and is independent
  of every other uncertain number a priori, so ``P(outcome | claims)`` is the answer
  with the expected table ``E[softmax(eta)]``, exact up to that integral. Per parent
  case ``eta`` (the log-odds of the states after the first) of a Normal link is
  Normal in ``K - 1`` dimensions; its expected softmax is integrated by a pruned
  tensor Gauss-Hermite rule in whitened coordinates, refined until two rules agree to
  :data:`LINK_TOLERANCE`
  (:func:`expected_softmax`). For Dirichlet anchors the expectation is taken by
  randomised quasi-Monte Carlo (:func:`anchor_tables`): :data:`ANCHOR_REPLICATES`
  independently scrambled Sobol sequences of :data:`ANCHOR_POINTS` points each, the
  gammas by their inverse CDF, seeded by the scenario's seed and the node. The table
  is the replicates' mean; the exact engine reports the answer's Monte Carlo error
  from the spread of the answers the replicates give (the ``mcse`` column): the
  answer is a ratio of sums linear in the table, so its value at the mean table is
  the replicates' answers averaged with weights their evidence, and its error that
  weighted mean's.
- With draws (the intervals) each draw of theta carries its own draw of the anchors.
  The softmax of a link is computed as a product of per-parent factors
  (``exp(eta) = prod_g exp(eta_g)``, each parent's contribution to the log-odds
  exponentiated once over its own states or quadrature nodes) and one normaliser,
  so no exponential is taken per case; in an assembly the table stays factored (the
  parents' factors and the normaliser's inverse), and the exact engine sums a
  continuous parent's nodes out once (:func:`scenarios.engines.exact.sum_out`).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from typing import TYPE_CHECKING, Any

import numpy as np

from scenarios.engines.factors import DRAW, Factor, align
from scenarios.spec.links import (
    AnchorDirichlet,
    anchor_dirichlet,
    link_context,
    link_distribution,
    link_vector,
)
from scenarios.spec.priors import AnchorPrior, LogitPrior

if TYPE_CHECKING:
    from scenarios.engines.network import Network

__all__ = [
    "ANCHOR_POINTS",
    "ANCHOR_REPLICATES",
    "LINK_MAX_POINTS",
    "LINK_MAX_WORK",
    "LINK_TOLERANCE",
    "LinkParam",
    "anchor_tables",
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
#: Independently scrambled Sobol sequences behind a Dirichlet-anchor link's expected
#: table (:func:`anchor_tables`); their spread gives its Monte Carlo error.
ANCHOR_REPLICATES = 16
#: Points of each sequence (a power of two, as Sobol balance needs).
ANCHOR_POINTS = 128
#: A normaliser of the factored softmax below this is recomputed directly (the
#: per-parent factors underflowed together).
_TINY = 1e-250


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
        Dirichlet anchors are always integrable (by quasi-Monte Carlo).
    """
    if param.anchors is not None:
        return True
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
    ``k`` the log-odds per block (the node's states after the first). ``anchors``:
    the Dirichlet anchors the coefficients are the fit of (``mean`` and ``root`` then
    give their exact mean and a root of their covariance, a summary only).

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
    anchors: AnchorDirichlet | None = field(default=None, compare=False)


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
    ctx = link_context(net.scenario.nodes, name)
    link, cov = link_distribution(prior, ctx)
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
    anchors = anchor_dirichlet(prior, ctx)
    return LinkParam(f"{name}_link", name, mean, root, blocks, k, anchors)


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
    factored: bool = False,
) -> Factor | list[Factor]:
    """The node's table: softmax of the link at given coefficients, or its expectation.

    Parameters
    ----------
    net : Network
    param : LinkParam
    xp : module
        ``numpy`` or ``pytensor.tensor``.
    params : mapping, optional
        ``params[param.name]``: coefficient vectors (draws first when ``draw_axis``),
        or the table itself as a :class:`Factor`; absent, the expected table over the
        coefficients' prior (numpy only; Dirichlet anchors: :func:`anchor_tables` with
        the scenario's seed).
    draw_axis : bool
    continuous : mapping of str to Factor
    factored : bool
        With numpy draws, the table may be given as factors whose product it is: one
        per parent (the exponentiated log-odds it contributes, over the draws, its
        states or nodes and the node) and the normaliser's inverse over the draws
        and the parents' cases, so that no table over every case and state is made.

    Returns
    -------
    Factor or list of Factor
        Over the parents (and ``draw``) then the node.
    """
    name = param.node
    features = design(net, name, continuous)
    k = param.k
    given = None if params is None else params.get(param.name)
    if isinstance(given, Factor):  # the table itself (the exact engine's anchor tables)
        return given
    if given is None:
        if param.anchors is not None:
            return anchor_tables(net, param, net.scenario.seed, continuous)[0]
        return _expected_table(net, param, features, name)
    beta = given
    drawn = draw_axis and xp is np
    if drawn and all(DRAW not in f.axes for f in features):
        beta = np.asarray(beta, dtype=float)
        if factored:
            parts = _factored_parts(features, beta, k, name)
            if parts is not None:
                return parts
        return _drawn_table(features, beta, k, name)
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


def _parts(
    features: list[Factor], beta: np.ndarray, k: int
) -> list[tuple[np.ndarray, np.ndarray, tuple[str, ...]]]:
    """Per group of regressors over the same axes: its log-odds, and their exp with a 0 first.

    Each group's ``f = exp(0 or eta - top)`` has its largest entry 1 per row (``top``
    the row's largest log-odds, at least 0), so the product over groups of ``f`` is
    the unnormalised softmax of the summed log-odds, scaled per case.
    """
    draws = beta.shape[0]
    groups: dict[tuple[str, ...], np.ndarray] = {}
    for b, f in enumerate(features):
        x = np.asarray(f.values, dtype=float)
        coef = beta[:, b * k : (b + 1) * k].reshape(draws, *([1] * x.ndim), k)
        term = x[None, ..., None] * coef
        key = tuple(f.axes)
        groups[key] = groups[key] + term if key in groups else term
    out = []
    for axes, eta in groups.items():
        top = np.maximum(eta.max(axis=-1, keepdims=True), 0.0)
        f = np.empty((*eta.shape[:-1], k + 1))
        np.exp(-top[..., 0], out=f[..., 0])
        np.exp(eta - top, out=f[..., 1:])
        out.append((eta, f, axes))
    return out


def _operands(
    parts: list[tuple[np.ndarray, np.ndarray, tuple[str, ...]]], cases: list[str]
) -> list[Any]:
    """The einsum operands of the groups' factors, all but the largest multiplied into one.

    Axis ``0`` is the draw, ``1 + i`` case axis ``i``, ``len(cases) + 1`` the state.
    Two operands make the normaliser a batched matrix product.
    """
    n = len(cases)

    def ids(axes: tuple[str, ...]) -> list[int]:
        return [0, *(1 + cases.index(a) for a in axes), n + 1]

    order = sorted(parts, key=lambda p: p[1].size)
    big, rest = order[-1], order[:-1]
    if not rest:
        return [big[1], ids(big[2])]
    axes = tuple(a for a in cases if any(a in r[2] for r in rest))
    ops: list[Any] = []
    for _, f, ax in rest:
        ops += [f, ids(ax)]
    merged = np.einsum(*ops, ids(axes), optimize=True) if len(rest) > 1 else rest[0][1]
    return [merged, ids(axes), big[1], ids(big[2])]


def _factored_softmax(
    features: list[Factor], beta: np.ndarray, k: int, cases: list[str], mean: bool
) -> np.ndarray:
    """The link's table per draw ``(draws, *cases, k + 1)``, or its mean over the draws.

    The product of the groups' factors, over its sum across the states: no exponential
    per case. Where that sum underflows (the groups favour states far apart) the
    entries are recomputed from the summed log-odds directly.
    """
    parts = _parts(features, beta, k)
    n = len(cases)
    ops = _operands(parts, cases)
    z = np.einsum(*ops, list(range(n + 1)), optimize=True)
    bad = z < _TINY
    exact = None
    if bad.any():
        where = np.nonzero(bad)
        eta = sum(e[(where[0], *(where[1 + cases.index(a)] for a in axes))] for e, _, axes in parts)
        exact = _softmax_ref(eta, np)  # (entries, k + 1)
    inv = 1.0 / np.where(bad, 1.0, z)
    inv[bad] = 0.0
    if mean:
        table = np.einsum(*ops, inv, list(range(n + 1)), list(range(1, n + 2)), optimize=True)
        if exact is not None:
            np.add.at(table, where[1:], exact)
        return table / beta.shape[0]
    table = np.einsum(*ops, list(range(n + 2)), optimize=True)
    table *= inv[..., None]
    if exact is not None:
        table[where] = exact
    return table


def _factored_parts(
    features: list[Factor], beta: np.ndarray, k: int, name: str
) -> list[Factor] | None:
    """The table per draw as factors (per parent, and the normaliser's inverse), or None.

    None when the normaliser underflows somewhere (the table is then made whole).
    """
    cases = _case_axes(features)
    n = len(cases)
    ops = _operands(_parts(features, beta, k), cases)
    z = np.einsum(*ops, list(range(n + 1)), optimize=True)
    if not z.min() >= _TINY:
        return None
    np.reciprocal(z, out=z)
    out = [
        Factor(ops[i], (DRAW, *(cases[j - 1] for j in ops[i + 1][1:-1]), name))
        for i in range(0, len(ops), 2)
    ]
    return [*out, Factor(z, (DRAW, *cases))]


def _drawn_table(features: list[Factor], beta: np.ndarray, k: int, name: str) -> Factor:
    """The link's table for each draw of its coefficients, in chunks of draws."""
    cases = _case_axes(features)
    sizes = [
        next(np.shape(f.values)[f.axes.index(a)] for f in features if a in f.axes) for a in cases
    ]
    draws = beta.shape[0]
    out = np.empty((draws, *sizes, k + 1))
    step = max(1, 2_000_000 // max(1, int(np.prod(sizes)) * (k + 1)))  # bounded temporaries
    for s in range(0, draws, step):
        out[s : s + step] = _factored_softmax(features, beta[s : s + step], k, cases, False)
    return Factor(out, (DRAW, *cases, name))


#: Anchor tables already computed, by what they depend on (the node, its anchors, the
#: seed and its parents' values): a timeline's or a sensitivity analysis's many
#: networks share them.
_ANCHOR_CACHE: OrderedDict[str, tuple[Factor, Factor]] = OrderedDict()
_ANCHOR_CACHE_SIZE = 16


def _anchor_key(param: LinkParam, seed: int, features: list[Factor]) -> str:
    a = param.anchors
    assert a is not None
    h = hashlib.sha256(f"{param.node}|{int(seed)}|{param.k}".encode())
    for arr in (a.alpha, a.fit, a.stated, a.uncertain):
        h.update(np.ascontiguousarray(arr).tobytes())
    for f in features:
        h.update("|".join(f.axes).encode())
        h.update(np.ascontiguousarray(np.asarray(f.values, dtype=float)).tobytes())
    return h.hexdigest()


def anchor_tables(
    net: Network, param: LinkParam, seed: int, continuous: Mapping[str, Factor] | None = None
) -> tuple[Factor, Factor]:
    """A Dirichlet-anchor link's expected table, and the replicates it is the mean of.

    Randomised quasi-Monte Carlo: :data:`ANCHOR_REPLICATES` independently scrambled
    Sobol sequences of :data:`ANCHOR_POINTS` points, each point's gammas by their
    inverse CDF (on the log scale), each point's coefficients the fit of its anchors
    (:meth:`~scenarios.spec.links.AnchorDirichlet.coefficients`). Seeded by ``seed``
    and the node's name, so an answer is reproducible; kept for reuse (by content).

    Parameters
    ----------
    net : Network
    param : LinkParam
        With ``anchors``.
    seed : int
    continuous : mapping of str to Factor, optional
        The continuous facts' values (default: their quadrature nodes).

    Returns
    -------
    mean : Factor
        Over the parents then the node: the expected table.
    replicates : Factor
        The same with a ``draw`` axis first, one per replicate; ``mean`` is their mean.

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={"a": {"kind": "binary", "prior": {"p": 0.5}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {
    ...         "given": ["a"], "baseline": {"a": False}, "concentration": 10,
    ...         "anchors": [{"p": 0.1}, {"when": {"a": True}, "p": 0.7}]}}})
    >>> net = Network(s)
    >>> mean, reps = anchor_tables(net, net.link_param("o"), seed=1)
    >>> mean.axes, reps.values.shape  # a 0.1 and a 0.7, in expectation
    (('a', 'o'), (16, 2, 2))
    >>> [round(float(v), 2) for v in mean.values[:, 1]]
    [0.1, 0.7]
    """
    from scipy import special
    from scipy.stats import qmc

    anchors = param.anchors
    assert anchors is not None
    values = net.values() if continuous is None else continuous
    features = design(net, param.node, values)
    key = _anchor_key(param, seed, features)
    if key in _ANCHOR_CACHE:
        _ANCHOR_CACHE.move_to_end(key)
        return _ANCHOR_CACHE[key]
    tag = zlib.crc32(param.node.encode())
    rng = np.random.default_rng([int(seed) % 2**63, 0x4C494E4B, tag])
    alpha = anchors.alpha[anchors.uncertain]  # (uncertain anchors, states)
    dim = alpha.size
    cases = _case_axes(features)
    tables = []
    for _ in range(ANCHOR_REPLICATES):
        u = qmc.Sobol(dim, scramble=True, seed=rng).random(ANCHOR_POINTS)
        u = np.clip(u, 1e-300, 1.0 - 2.0**-53).reshape(ANCHOR_POINTS, *alpha.shape)
        a = np.broadcast_to(alpha, u.shape)
        x = special.gammaincinv(a, u)
        with np.errstate(divide="ignore"):
            # tiny shapes: the inverse underflows; its logarithm from P(a, x) ~ x^a / G(a+1)
            log_x = np.where(x > 1e-200, np.log(x), (np.log(u) + special.gammaln(a + 1.0)) / a)
        full = np.zeros((ANCHOR_POINTS, *anchors.alpha.shape))
        full[:, anchors.uncertain] = log_x
        beta = anchors.coefficients(full)
        tables.append(_factored_softmax(features, beta, param.k, cases, True))
    reps = np.stack(tables)
    mean = reps.mean(axis=0)
    for arr in (reps, mean):
        arr.setflags(write=False)  # shared through the cache
    out = (
        Factor(mean, (*cases, param.node)),
        Factor(reps, (DRAW, *cases, param.node)),
    )
    _ANCHOR_CACHE[key] = out
    while len(_ANCHOR_CACHE) > _ANCHOR_CACHE_SIZE:
        _ANCHOR_CACHE.popitem(last=False)
    return out


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
    """Draws of the coefficients from their prior (Normal, or the fit of Dirichlet anchors).

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
    if param.anchors is not None:  # each anchor a Dirichlet draw, the link their fit
        from scenarios.engines.uncertain import log_gamma

        a = param.anchors
        alpha = a.alpha[a.uncertain]
        full = np.zeros((draws, *a.alpha.shape))
        full[:, a.uncertain] = log_gamma(np.broadcast_to(alpha, (draws, *alpha.shape)), rng)
        return a.coefficients(full)
    z = rng.standard_normal((draws, param.root.shape[1]))
    return param.mean + z @ param.root.T

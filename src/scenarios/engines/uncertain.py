"""The uncertain probabilities of a scenario, and how engines integrate or draw them.

Tables with a concentration have Dirichlet rows (:class:`RowParam`); source rates are
Beta (:class:`RateParam`). The exact engine integrates a rate by Gauss-Jacobi quadrature
(:func:`rate_quadrature`); every engine can draw them all (:func:`draw_parameters`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from scipy import linalg, special, stats

if TYPE_CHECKING:
    from scenarios.engines.network import Network

__all__ = [
    "FLOOR",
    "LOG_SCALE_SHAPE",
    "RateParam",
    "RowParam",
    "draw_parameters",
    "log_gamma",
    "rate_quadrature",
]


@dataclass(frozen=True)
class RowParam:
    """Uncertain rows of a table: Dirichlet(``alpha``) over ``rows`` of ``node``.

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.io import example, load
    >>> param = Network(load(example())).row_param("army_strikes")
    >>> param.name, param.rows, param.alpha.round(6).tolist()
    ('army_strikes_probs', (0,), [[3.5, 1.5]])
    """

    name: str
    node: str
    rows: tuple[int, ...]
    alpha: np.ndarray = field(compare=False)


@dataclass(frozen=True)
class RateParam:
    """An uncertain rate: Beta(``a``, ``b``) (``b == 0`` marks a fixed value ``a``).

    Examples
    --------
    >>> RateParam("wire_true_positive", 8.0, 2.0).mean, RateParam("x", 0.7, 0.0).fixed
    (0.8, True)
    """

    name: str
    a: float
    b: float

    @property
    def fixed(self) -> bool:
        """Whether the rate is a known number."""
        return self.b == 0.0

    @property
    def mean(self) -> float:
        """Prior mean."""
        return self.a if self.fixed else self.a / (self.a + self.b)


#: Shapes below this are drawn on the log scale (:func:`log_gamma`): a gamma draw of a
#: smaller shape underflows to exactly 0 often enough to matter.
LOG_SCALE_SHAPE = 0.1
#: Draws of probabilities are kept within [FLOOR, 1 - 2**-53]: values closer to 0 than
#: this have no float to stand for them, and exact 0s and 1s give 0/0 downstream.
FLOOR = 1e-300


def rate_quadrature(param: RateParam, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes and weights of a Beta rate, exact for polynomials of ``degree``.

    The rule is computed from the Beta's own recurrence (Golub-Welsch), written in ``a``
    and ``b`` so that tiny parameters (1e-9) or very large ones (1e12) keep their
    precision, where scipy's ``roots_jacobi`` (in ``a - 1`` and ``b - 1``) fails.

    Parameters
    ----------
    param : RateParam
    degree : int

    Returns
    -------
    nodes, weights : numpy.ndarray
        The weights sum to one; a fixed rate has one node.

    Raises
    ------
    ValueError
        If the rule is not finite for these Beta parameters.

    Examples
    --------
    >>> x, w = rate_quadrature(RateParam("r", 2.0, 3.0), degree=3)
    >>> round(float(w @ x), 12), round(float(w @ x**3), 12)  # Beta(2, 3): 2/5 and 4/35
    (0.4, 0.114285714286)
    >>> x, w = rate_quadrature(RateParam("r", 3e-10, 7e-10), degree=3)
    >>> round(float(w @ x), 15), round(float(w @ x**3), 9)  # nearly all mass at 0 and 1
    (0.3, 0.3)
    """
    if param.fixed:
        return np.array([param.a]), np.array([1.0])
    # the same rates and degree every network of a scenario's edits: the rule is kept
    try:
        return _jacobi_rule(float(param.a), float(param.b), int(degree))
    except ValueError as exc:
        raise ValueError(f"{exc} of {param.name}") from None


@lru_cache(maxsize=1024)
def _jacobi_rule(a: float, b: float, degree: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = _jacobi(a, b, degree)
    x.flags.writeable = False
    w.flags.writeable = False
    return x, w


def _jacobi(a: float, b: float, degree: int) -> tuple[np.ndarray, np.ndarray]:
    n = degree // 2 + 1
    # scipy's rule keeps the relative precision of tiny weights far in a tail (high
    # degrees: hundreds of claims), which eigenvectors lose; it fails for tiny or huge
    # parameters, where the recurrence below takes over
    if a > 0.5 and b > 0.5:
        try:
            with np.errstate(all="raise"):
                x, w = special.roots_jacobi(n, b - 1.0, a - 1.0)
            if np.all(np.isfinite(x)) and np.all(np.isfinite(w)) and np.all(w >= 0):
                return np.clip((x + 1.0) / 2.0, 0.0, 1.0), w / w.sum()
        except (FloatingPointError, ValueError, OverflowError):
            pass
    s = a + b
    # monic Jacobi recurrence on [-1, 1] for the weight (1 - x)**(b - 1) (1 + x)**(a - 1)
    m = np.arange(1, n, dtype=float)
    diag = np.empty(n)
    diag[0] = (a - b) / s
    # integers grouped first: 2 * m + s - 2 would lose a tiny s to cancellation
    diag[1:] = (a - b) * (s - 2.0) / ((2 * (m - 1) + s) * (2 * m + s))
    off2 = np.empty(n - 1)
    if n > 1:
        off2[0] = 4.0 * a * b / (s * s * (s + 1.0))  # the general formula is 0/0 here
        k = m[1:]
        off2[1:] = (
            4.0
            * k
            * ((k - 1) + b)
            * ((k - 1) + a)
            * ((k - 2) + s)
            / ((2 * (k - 1) + s) ** 2 * ((2 * k - 1) + s) * ((2 * k - 3) + s))
        )
    with np.errstate(all="ignore"):
        x, v = linalg.eigh_tridiagonal(diag, np.sqrt(np.maximum(off2, 0.0)))
        w = v[0] ** 2
        w = w / w.sum()
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
        raise ValueError(f"no Gauss-Jacobi rule for Beta({a}, {b})")
    return np.clip((x + 1.0) / 2.0, 0.0, 1.0), w


def log_gamma(shape: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Logarithms of Gamma(``shape``, 1) draws, exact in distribution for any shape > 0.

    A gamma draw of a tiny shape is often smaller than the smallest float. Its logarithm
    is not: ``log G = log G' + log(U) / shape`` with ``G' ~ Gamma(shape + 1)`` and ``U``
    uniform (Marsaglia and Tsang's boost).

    Parameters
    ----------
    shape : numpy.ndarray
        Shapes, one draw each; a shape of 0 (the limit: a point mass at 0) gives
        ``-inf``.
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray
        Of ``shape``'s shape; finite where the shape is positive.

    Examples
    --------
    >>> x = log_gamma(np.full(20_000, 1e-4), np.random.default_rng(0))
    >>> bool(np.isfinite(x).all()), bool(np.median(x) < -1000)  # G itself would be 0
    (True, True)
    """
    shape = np.asarray(shape, dtype=float)
    u = rng.random(shape.shape)
    positive = shape > 0
    # a shape of 0 is a point mass at 0 (log -inf), and so, to float precision, is one
    # below about 1e-308 (log G beyond -1e308)
    with np.errstate(divide="ignore", over="ignore"):
        boost = np.log1p(-u) / np.where(positive, shape, 1.0)
        return np.where(positive, np.log(rng.gamma(shape + 1.0)) + boost, -np.inf)


#: Rows of shapes whose largest is below this are scaled up to it (:func:`_lifted`).
LIFT_SHAPE = 1e-200


def _lifted(alpha: np.ndarray) -> np.ndarray:
    # Dirichlet(c * alpha) for a tiny total is, to float precision, a vertex picked with
    # odds alpha: scaling a row whose shapes are all below 1e-200 up keeps that, and
    # keeps its largest log-gamma draw finite (about -1e200, not -inf) so that it can
    # be normalised
    top = alpha.max(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((top > 0) & (top < LIFT_SHAPE), LIFT_SHAPE / top, 1.0)
    return alpha * scale


def _dirichlet(alpha: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    alpha = np.broadcast_to(alpha + 0.0, (draws, *alpha.shape))  # + 0.0: -0.0 is 0.0
    if alpha[alpha > 0].min(initial=np.inf) >= LOG_SCALE_SHAPE:  # a 0 stays exactly 0
        g = rng.gamma(alpha)
        return g / g.sum(axis=-1, keepdims=True)
    lg = log_gamma(_lifted(alpha), rng)
    p = np.exp(lg - special.logsumexp(lg, axis=-1, keepdims=True))
    # below the smallest float: no change a float can hold (a state of weight 0 stays 0)
    p = np.where(alpha > 0, np.maximum(p, FLOOR), 0.0)
    return np.minimum(p / p.sum(axis=-1, keepdims=True), 1.0)


def _beta(a: float, b: float, draws: int, rng: np.random.Generator) -> np.ndarray:
    if min(a, b) >= LOG_SCALE_SHAPE:
        return np.asarray(stats.beta(a, b).rvs(size=draws, random_state=rng), dtype=float)
    lg = log_gamma(np.broadcast_to(_lifted(np.array([a, b])), (draws, 2)), rng)
    x = np.exp(lg[:, 0] - np.logaddexp(lg[:, 0], lg[:, 1]))
    return np.clip(x, FLOOR, 1.0 - 2.0**-53)


def draw_parameters(net: Network, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draws of every uncertain probability from its prior.

    Shapes below :data:`LOG_SCALE_SHAPE` (concentrations of 1e-3, say) are drawn on the
    log scale (:func:`log_gamma`), and every draw is finite and a distribution: such a
    prior puts nearly all its mass within 1e-300 of 0 or 1, and the draws do too.

    Parameters
    ----------
    net : Network
    draws : int
    rng : numpy.random.Generator

    Returns
    -------
    dict of str to numpy.ndarray
        For each of ``net.parameters`` by name, draws first (uncertain link
        coefficients, :class:`~scenarios.engines.links.LinkParam`, are Normal).

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> theta = draw_parameters(net, 10, np.random.default_rng(0))
    >>> theta["army_strikes_probs"].shape
    (10, 1, 2)
    """
    from scenarios.engines.links import LinkParam, draw_link

    out: dict[str, np.ndarray] = {}
    for p in net.parameters:
        if isinstance(p, RowParam):
            out[p.name] = _dirichlet(p.alpha, draws, rng)
        elif isinstance(p, LinkParam):  # Normal link coefficients
            out[p.name] = draw_link(p, draws, rng)
        else:
            out[p.name] = _beta(p.a, p.b, draws, rng)
    return out

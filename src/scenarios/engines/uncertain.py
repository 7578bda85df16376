"""The uncertain probabilities of a scenario, and how engines integrate or draw them.

Tables with a concentration have Dirichlet rows (:class:`RowParam`); source rates are
Beta (:class:`RateParam`). The exact engine integrates a rate by Gauss-Jacobi quadrature
(:func:`rate_quadrature`); every engine can draw them all (:func:`draw_parameters`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy import special, stats

if TYPE_CHECKING:
    from scenarios.engines.network import Network

__all__ = ["RateParam", "RowParam", "draw_parameters", "rate_quadrature"]


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


def rate_quadrature(param: RateParam, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes and weights of a Beta rate, exact for polynomials of ``degree``.

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
        If scipy gives no finite rule for these Beta parameters.

    Examples
    --------
    >>> x, w = rate_quadrature(RateParam("r", 2.0, 3.0), degree=3)
    >>> round(float(w @ x), 12), round(float(w @ x**3), 12)  # Beta(2, 3): 2/5 and 4/35
    (0.4, 0.114285714286)
    """
    if param.fixed:
        return np.array([param.a]), np.array([1.0])
    n = degree // 2 + 1
    with np.errstate(invalid="ignore", divide="ignore"):  # scipy warns at a + b == 1 (fine)
        x, w = special.roots_jacobi(n, param.b - 1.0, param.a - 1.0)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
        raise ValueError(f"no Gauss-Jacobi rule for Beta({param.a}, {param.b}) of {param.name}")
    return (x + 1.0) / 2.0, w / w.sum()


def draw_parameters(net: Network, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draws of every uncertain probability from its prior.

    Parameters
    ----------
    net : Network
    draws : int
    rng : numpy.random.Generator

    Returns
    -------
    dict of str to numpy.ndarray
        For each of ``net.parameters`` by name, draws first.

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> theta = draw_parameters(net, 10, np.random.default_rng(0))
    >>> theta["army_strikes_probs"].shape
    (10, 1, 2)
    """
    out: dict[str, np.ndarray] = {}
    for p in net.parameters:
        if isinstance(p, RowParam):
            g = rng.gamma(np.broadcast_to(p.alpha, (draws, *p.alpha.shape)))
            out[p.name] = g / g.sum(axis=-1, keepdims=True)
        else:
            out[p.name] = stats.beta(p.a, p.b).rvs(size=draws, random_state=rng)
    return out

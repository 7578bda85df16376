"""From the way people speak about a quantity to a distribution.

"90% between 25 and 50 thousand" becomes an equal-tailed fit: the distribution whose
5% and 95% quantiles are 25 and 50. Quantiles are fitted by least squares on the
quantile function: on its own scale for a Normal, on the log scale for a LogNormal, on the
logit scale for a Beta (so ranges near 0 or 1 count as much as central ones); two
quantiles are matched exactly. The family
follows the fact: Beta for a probability, LogNormal for a positive quantity (support
``[0, null]``), Normal for an unbounded one; ``family`` overrides it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import optimize, special, stats

from scenarios.spec.priors import DistributionPrior, QuantilePrior, RangePrior

if TYPE_CHECKING:
    from scenarios.spec.nodes import Fact

__all__ = ["Elicited", "distribution", "from_quantiles", "from_range", "is_positive"]

#: Named distributions: scipy constructor from the PyMC parameterisation.
_SCIPY = {
    "Normal": lambda mu, sigma: stats.norm(mu, sigma),
    "LogNormal": lambda mu, sigma: stats.lognorm(sigma, scale=np.exp(mu)),
    "Beta": lambda alpha, beta: stats.beta(alpha, beta),
    "Gamma": lambda alpha, beta: stats.gamma(alpha, scale=1.0 / beta),
    "Uniform": lambda lower, upper: stats.uniform(lower, upper - lower),
    "HalfNormal": lambda sigma: stats.halfnorm(scale=sigma),
    "Exponential": lambda lam: stats.expon(scale=1.0 / lam),
    "StudentT": lambda nu, mu, sigma: stats.t(nu, mu, sigma),
    "TruncatedNormal": lambda mu, sigma, lower, upper: stats.truncnorm(
        (lower - mu) / sigma, (upper - mu) / sigma, mu, sigma
    ),
}


@dataclass(frozen=True)
class Elicited:
    """A continuous prior as PyMC and scipy both understand it.

    Examples
    --------
    >>> d = from_range(25, 50, mass=0.9, family="LogNormal")
    >>> [round(float(x), 6) for x in d.dist.ppf([0.05, 0.95])]
    [25.0, 50.0]
    """

    name: str
    parameters: dict[str, float]
    dist: Any = field(compare=False, repr=False)

    def to_prior(self) -> Any:
        """The ``pymc_extras.prior.Prior`` of this distribution.

        Returns
        -------
        pymc_extras.prior.Prior

        Examples
        --------
        >>> from_range(25, 50, family="LogNormal").to_prior().distribution
        'LogNormal'
        """
        from pymc_extras.prior import Prior

        return Prior(self.name, **self.parameters)

    @property
    def support(self) -> tuple[float, float]:
        """Lower and upper bound.

        Examples
        --------
        >>> from_range(25, 50, family="LogNormal").support
        (0.0, inf)
        """
        lo, hi = self.dist.support()
        return float(lo), float(hi)


def _make(name: str, **parameters: float) -> Elicited:
    if name not in _SCIPY:
        raise ValueError(f"unknown distribution {name!r}; expected one of {sorted(_SCIPY)}")
    try:
        dist = _SCIPY[name](**parameters)
    except TypeError:
        import inspect

        wanted = list(inspect.signature(_SCIPY[name]).parameters)
        raise ValueError(f"{name} takes parameters {wanted}, got {sorted(parameters)}") from None
    if not np.all(np.isfinite(dist.ppf([0.05, 0.5, 0.95]))):
        raise ValueError(f"{name}{parameters} is not a proper distribution (check its parameters)")
    return Elicited(name, {k: float(v) for k, v in parameters.items()}, dist)


def from_range(lower: float, upper: float, mass: float = 0.9, family: str = "Normal") -> Elicited:
    """Distribution with ``mass`` between ``lower`` and ``upper``, equal tails.

    Parameters
    ----------
    lower, upper : float
    mass : float
        In (0, 1).
    family : {"Normal", "LogNormal", "Beta"}

    Returns
    -------
    Elicited

    Raises
    ------
    ValueError
        If the family cannot have that range (a LogNormal below zero, a Beta outside
        (0, 1)).

    Examples
    --------
    >>> d = from_range(0.1, 0.4, mass=0.8, family="Beta")
    >>> round(float(d.dist.cdf(0.4) - d.dist.cdf(0.1)), 6)
    0.8
    """
    tail = (1.0 - mass) / 2.0
    return from_quantiles({tail: lower, 1.0 - tail: upper}, family)


def from_quantiles(quantiles: dict[float, float], family: str = "Normal") -> Elicited:
    """Least-squares fit of a family to ``{probability: value}``.

    Parameters
    ----------
    quantiles : dict of float to float
        Level (strictly between 0 and 1) to value; two are matched exactly.
    family : {"Normal", "LogNormal", "Beta"}

    Returns
    -------
    Elicited

    Raises
    ------
    ValueError
        Values that do not increase with their levels, or that the family cannot take.

    Examples
    --------
    >>> d = from_quantiles({0.1: 20.0, 0.5: 30.0, 0.9: 40.0})
    >>> round(d.parameters["mu"], 6), round(d.parameters["sigma"], 4)
    (30.0, 7.803)
    """
    q = np.array(sorted(quantiles), dtype=float)
    v = np.array([quantiles[k] for k in sorted(quantiles)], dtype=float)
    z = stats.norm.ppf(q)
    if family in ("Normal", "LogNormal"):
        if family == "LogNormal":
            if np.any(v <= 0):
                raise ValueError(f"a LogNormal needs positive values, got {v.tolist()}")
            v = np.log(v)
        sigma, mu = np.polyfit(z, v, 1) if len(z) > 2 else _two_point(z, v)
        if sigma <= 0:
            raise ValueError("quantile values must increase with their levels")
        return _make(family, mu=float(mu), sigma=float(sigma))
    if family == "Beta":
        if np.any((v <= 0) | (v >= 1)):
            raise ValueError(f"a Beta needs values strictly between 0 and 1, got {v.tolist()}")
        return _fit_beta(tuple(q), tuple(v))
    raise ValueError(f"cannot elicit a {family} from a range; use Normal, LogNormal or Beta")


def _two_point(z: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    if len(z) < 2 or not z[1] > z[0]:
        raise ValueError("give two distinct quantile levels")
    sigma = (v[1] - v[0]) / (z[1] - z[0])
    return float(sigma), float(v[0] - sigma * z[0])


@lru_cache(maxsize=256)
def _fit_beta(q: tuple[float, ...], v: tuple[float, ...]) -> Elicited:
    qa, va = np.array(q), np.array(v)
    target = special.logit(va)

    def residual(log_ab: np.ndarray) -> np.ndarray:
        # on the logit scale, so that ranges near 0 or 1 weigh as much as central ones
        a, b = np.exp(log_ab)
        return special.logit(np.clip(stats.beta.ppf(qa, a, b), 1e-300, 1 - 1e-16)) - target

    # start from a logit-normal matched to the outermost quantiles
    z = stats.norm.ppf(qa)
    sd = max((target[-1] - target[0]) / (z[-1] - z[0]), 1e-3)
    mean = float(special.expit(np.interp(0.5, qa, target)))
    concentration = max(1.0 / (sd**2 * mean * (1 - mean)) - 1.0, 0.5)
    start = np.log([mean * concentration, (1.0 - mean) * concentration])
    fit = optimize.least_squares(residual, start, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    a, b = np.exp(fit.x)
    return _make("Beta", alpha=float(a), beta=float(b))


def default_family(fact: Fact) -> str:
    """The family a range or quantiles give for this fact (see module docstring).

    Parameters
    ----------
    fact : Fact
        A continuous or probability fact.

    Returns
    -------
    str
        ``"Beta"`` (probability, or support [0, 1]), ``"LogNormal"`` (support
        [0, null]) or ``"Normal"`` (no bounds).

    Raises
    ------
    ValueError
        Other supports: they need a ``family`` or a named distribution.

    Examples
    --------
    >>> from scenarios.spec.nodes import Fact
    >>> default_family(Fact(kind="continuous", support=(0, None), prior={"between": [1, 2]}))
    'LogNormal'
    """
    if fact.kind == "probability":
        return "Beta"
    lo, hi = fact.support or (None, None)
    if lo is None and hi is None:
        return "Normal"
    if lo == 0 and hi is None:
        return "LogNormal"
    if lo == 0 and hi == 1:
        return "Beta"
    raise ValueError(
        f"cannot choose a family for support {[lo, hi]}: give 'family' (Normal, LogNormal, "
        "Beta) or a named 'distribution'"
    )


def distribution(fact: Fact) -> Elicited:
    """The prior distribution of a continuous or probability fact.

    Parameters
    ----------
    fact : Fact

    Returns
    -------
    Elicited

    Raises
    ------
    ValueError
        If the prior cannot be turned into a proper distribution, or falls outside the
        fact's support.

    Examples
    --------
    >>> from scenarios.spec.nodes import Fact
    >>> d = distribution(Fact(kind="probability", prior={"between": [0.2, 0.6]}))
    >>> d.name, [round(float(x), 6) for x in d.dist.ppf([0.05, 0.95])]
    ('Beta', [0.2, 0.6])
    >>> distribution(Fact(kind="continuous", support=[0, None],
    ...                   prior={"between": [1e-300, 10]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: LogNormal(mu=-344.2, sigma=210.7) spreads beyond any number a float can hold ...
    """
    # facts are frozen and hashable: an edit elsewhere in the scenario keeps the same
    # fact, and each engine call used to fit (and freeze in scipy, ~1 ms) its prior anew
    try:
        return _distribution_of(fact)
    except TypeError:  # a fact holding an unhashable value: no cache
        return _distribution(fact)


@lru_cache(maxsize=1024)
def _distribution_of(fact: Fact) -> Elicited:
    return _distribution(fact)


def _distribution(fact: Fact) -> Elicited:
    prior = fact.prior
    if isinstance(prior, DistributionPrior):
        elicited = _make(prior.distribution, **prior.parameters)
    elif isinstance(prior, RangePrior | QuantilePrior):
        family = prior.family or default_family(fact)
        if isinstance(prior, RangePrior):
            elicited = from_range(*prior.between, mass=prior.mass, family=family)
        else:
            elicited = from_quantiles(dict(prior.quantiles), family)
    else:
        raise ValueError(f"{type(prior).__name__} is not a continuous prior")
    lo, hi = elicited.support
    want_lo, want_hi = fact.support or (None, None)
    if fact.kind == "probability":
        want_lo, want_hi = 0.0, 1.0
    if (want_lo is not None and lo < want_lo) or (want_hi is not None and hi > want_hi):
        raise ValueError(
            f"{elicited.name} has support [{lo}, {hi}], outside the fact's support "
            f"[{want_lo}, {want_hi}]"
        )
    with np.errstate(all="ignore"):
        mean, sd = float(elicited.dist.mean()), float(elicited.dist.std())
    if not (math.isfinite(mean) and math.isfinite(sd)):
        raise ValueError(
            f"{elicited.name}({_shown_parameters(elicited)}) spreads beyond any number a "
            f"float can hold (mean {mean:.3g}, sd {sd:.3g}): narrow the range or quantiles"
        )
    return elicited


def _shown_parameters(elicited: Elicited) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in elicited.parameters.items())


def is_positive(fact: Fact) -> bool:
    """Whether a continuous fact is positive, so that reported numbers err on the log scale.

    Parameters
    ----------
    fact : Fact

    Returns
    -------
    bool
        ``False`` also when the prior is not a proper distribution.

    Examples
    --------
    >>> from scenarios.spec.nodes import Fact
    >>> is_positive(Fact(kind="continuous", support=(0, None), prior={"between": [1, 2]}))
    True
    >>> is_positive(Fact(kind="continuous", prior={"between": [1, 2]}))
    False
    """
    try:
        return distribution(fact).support[0] >= 0.0
    except ValueError:
        return False


def standardiser(fact: Fact) -> tuple[float, float]:
    """Default ``(center, scale)`` of a continuous fact in a logit link.

    Center: the prior median. Scale: half the 90% prior interval over 1.645 (the standard
    deviation, for a Normal).

    Parameters
    ----------
    fact : Fact

    Returns
    -------
    center, scale : float

    Examples
    --------
    >>> from scenarios.spec.nodes import Fact
    >>> fact = Fact(kind="continuous", prior={"between": [10, 20]})
    >>> [round(x, 9) for x in standardiser(fact)]
    [15.0, 3.03978416]
    """
    try:
        return _standardiser_of(fact)
    except TypeError:  # a fact holding an unhashable value: no cache
        return _standardiser(fact)


@lru_cache(maxsize=1024)
def _standardiser_of(fact: Fact) -> tuple[float, float]:
    return _standardiser(fact)


def _standardiser(fact: Fact) -> tuple[float, float]:
    d = distribution(fact).dist
    q05, q50, q95 = d.ppf([0.05, 0.5, 0.95])
    return float(q50), float((q95 - q05) / (2 * stats.norm.ppf(0.95)))


def number_noise(fact: Fact, spread: float) -> tuple[float, float]:
    """Centre and sd of the noise a reported number is when it is not informative.

    On the report's scale: the log scale for a positive fact (:func:`is_positive`), the
    fact's own scale otherwise. Centre: the prior median; sd: ``spread`` times the
    prior's standard-deviation-equivalent spread, (q95 - q05) / 3.29 on that scale.

    Parameters
    ----------
    fact : Fact
    spread : float
        Multiple of the prior's spread
        (:data:`~scenarios.spec.reliability.NUMBER_NOISE_SPREAD` by default).

    Returns
    -------
    center, sd : float

    Examples
    --------
    >>> from scenarios.spec.nodes import Fact
    >>> fact = Fact(kind="continuous", prior={"between": [10, 20]})
    >>> [round(x, 6) for x in number_noise(fact, 3.0)]
    [15.0, 9.119352]
    """
    d = distribution(fact).dist
    q = np.asarray(d.ppf([0.05, 0.5, 0.95]), dtype=float)
    if is_positive(fact):
        q = np.log(q)
    return float(q[1]), float(spread * (q[2] - q[0]) / (2 * stats.norm.ppf(0.95)))

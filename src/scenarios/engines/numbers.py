"""The error model of a reported number: a robust mixture of a measurement and noise.

:class:`NumberModel` is the one error model of every engine and of
:func:`scenarios.engines.simulate.simulate`; :func:`number_mixture` its log-likelihood;
:func:`informative`, :func:`number_noise` and :func:`number_model` build it from a
scenario's claim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from scenarios.spec import elicit
from scenarios.spec import reliability as rel
from scenarios.spec.claims import Claim
from scenarios.spec.scenario import Scenario

__all__ = ["NumberModel", "informative", "number_mixture", "number_model", "number_noise"]


@dataclass(frozen=True)
class NumberModel:
    """How a reported number arises: a robust mixture, informative with probability ``q``.

    Informative, a number measures the fact: ``observed ~ Normal(scale(true) + bias, sd)``,
    or for a count (``count``) ``Poisson(true e^bias)`` or a negative binomial of that
    mean and ``dispersion``. Otherwise (probability ``1 - q``) it is noise:
    ``Normal(noise_centre, noise_sd)`` on the report's scale, for a count that Normal on
    the log scale binned to whole numbers (``k`` covers ``[k - 1/2, k + 1/2)``, 0 covers
    ``(0, 1/2)``). ``scale`` is the logarithm for a positive fact (``log_scale``) and the
    identity otherwise; ``observed`` is the reported value on that scale (a count's
    ``k`` as is). The one error model of every engine and of
    :func:`scenarios.engines.simulate.simulate`.

    Examples
    --------
    >>> m = NumberModel(log_scale=True, observed=float(np.log(25.0)), bias=0.0, sd=0.2)
    >>> float(m.mean(np.float64(25.0)) - m.observed), round(float(m.value(np.log(30.0))), 9)
    (0.0, 30.0)
    >>> noisy = NumberModel(True, float(np.log(25.0)), 0.0, 0.2, q=0.5,
    ...                     noise_centre=float(np.log(25.0)), noise_sd=1.0)
    >>> round(float(np.exp(noisy.loglik(np.float64(25.0)))), 4)  # (1.9947 + 0.3989) / 2
    1.1968
    """

    log_scale: bool
    observed: float
    bias: float
    sd: float
    q: float = 1.0
    noise_centre: float = 0.0
    noise_sd: float = 1.0
    count: str | None = None
    dispersion: float | None = None

    def scale(self, x: Any) -> Any:
        """The fact's value ``x`` on the report's scale (log for a positive fact).

        Parameters
        ----------
        x : array or tensor

        Returns
        -------
        array or tensor
        """
        return _log(x) if self.log_scale else x

    def mean(self, x: Any) -> Any:
        """The expected report, on the model's scale, given the fact's value ``x``.

        For a count, the log of its mean ``x e^bias``.

        Parameters
        ----------
        x : array or tensor

        Returns
        -------
        array or tensor
        """
        return self.scale(x) + self.bias

    def value(self, z: Any) -> Any:
        """A number on the model's scale back on the fact's own scale.

        Parameters
        ----------
        z : array

        Returns
        -------
        array
        """
        return np.exp(z) if self.log_scale else z

    @property
    def centre(self) -> float:
        """The fact's value, on the model's scale, at which the report is expected."""
        if self.count is not None:
            return math.log(max(self.observed, 0.5)) - self.bias
        return self.observed - self.bias

    @property
    def spread(self) -> float:
        """The informative report's sd on the model's scale (for a count, about)."""
        if self.count is not None:
            extra = 1.0 / self.dispersion if self.dispersion else 0.0
            return math.sqrt(1.0 / (self.observed + 1.0) + extra)
        return self.sd

    @property
    def log_noise(self) -> float:
        """Log density (a count: log mass) of the report if it is noise."""
        if self.count is not None:
            k = self.observed
            lo = -np.inf if k == 0 else (math.log(k - 0.5) - self.noise_centre) / self.noise_sd
            hi = (math.log(k + 0.5) - self.noise_centre) / self.noise_sd
            return float(np.log(stats.norm.cdf(hi) - stats.norm.cdf(lo)))
        return float(stats.norm.logpdf(self.observed, self.noise_centre, self.noise_sd))

    def informative_loglik(self, x: Any) -> Any:
        """Log-likelihood of the report over the fact's values ``x``, if informative.

        Parameters
        ----------
        x : array or tensor
            The fact's values.

        Returns
        -------
        array or tensor
            Shaped like ``x``.
        """
        if self.count is None:
            z = (self.observed - self.mean(x)) / self.sd
            return -0.5 * z * z - math.log(self.sd * math.sqrt(2 * math.pi))
        k, log_mean = self.observed, self.mean(x)
        mean = x * math.exp(self.bias)
        if self.count == "poisson":
            return k * log_mean - mean - math.lgamma(k + 1)
        r = float(self.dispersion)  # type: ignore[arg-type]
        log_total = _log(mean + r)
        return (
            math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1)
            + r * (math.log(r) - log_total)
            + k * (log_mean - log_total)
        )

    def loglik(self, x: Any) -> Any:
        """Log-likelihood of the report over the fact's values ``x``: the mixture.

        Parameters
        ----------
        x : array or tensor
            The fact's values.

        Returns
        -------
        array or tensor
            Shaped like ``x`` (:func:`number_mixture`).
        """
        if self.q >= 1.0:
            return self.informative_loglik(x)
        return number_mixture(self.informative_loglik(x), self.q, self.log_noise)

    def draw(self, x: Any, rng: np.random.Generator) -> np.ndarray:
        """Reports drawn from the model, one per value of the fact.

        Informative with probability ``q``: from the error model around ``x``; else from
        the noise. Counts are whole numbers (as floats).

        Parameters
        ----------
        x : array
            The fact's true values.
        rng : numpy.random.Generator

        Returns
        -------
        numpy.ndarray
            On the fact's own scale, shaped like ``x``.

        Examples
        --------
        >>> m = NumberModel(True, 25.0, 0.0, 0.0, count="poisson")  # a count of 25
        >>> m.draw(np.array([3.0, 40.0]), np.random.default_rng(0)).tolist()  # Poisson(x)
        [2.0, 50.0]
        """
        x = np.asarray(x, dtype=float)
        if self.count is None:
            z = self.mean(x) + self.sd * rng.standard_normal(x.shape)
        else:
            mean = x * math.exp(self.bias)
            if self.count == "poisson":
                k = rng.poisson(mean)
            else:
                r = float(self.dispersion)  # type: ignore[arg-type]
                k = rng.negative_binomial(r, r / (r + mean))
            z = np.asarray(k, dtype=float)
        if self.q < 1.0:
            noise = self.noise_centre + self.noise_sd * rng.standard_normal(x.shape)
            if self.count is not None:  # binned: k covers [k - 1/2, k + 1/2)
                noise = np.floor(np.exp(noise) + 0.5)
            z = np.where(rng.random(x.shape) < self.q, z, noise)
        if self.count is not None:
            return np.asarray(z, dtype=float)
        return np.asarray(self.value(z), dtype=float)


def informative(scenario: Scenario, claim: Claim, w: float) -> float:
    """The probability ``q`` that a claim's reported number is informative.

    The claim's ``reported.informative`` if given; else the source grade's
    :data:`~scenarios.spec.reliability.NUMBER_INFORMATIVE` (1 for a number with no
    source or a source without a grade; a file's ``reliability.numbers`` overrides the
    table) times the hedge weight ``w``.

    Parameters
    ----------
    scenario : Scenario
        The scenario the claim belongs to (its sources and reliability tables).
    claim : Claim
        A claim with a reported number.
    w : float
        Its hedge weight.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> s = Scenario(
    ...     title="t",
    ...     facts={"n": {"kind": "continuous", "support": [0, None],
    ...                  "prior": {"between": [10, 20]}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "yes or no",
    ...                     "prior": {"p": 0.5}}},
    ...     sources={"wire": {"grade": "B"}},
    ...     claims=[{"id": "c", "text": "15", "source": "wire",
    ...              "reported": {"fact": "n", "value": 15, "sd": 0.1}}],
    ... )
    >>> informative(s, s.claims[0], 0.5)
    0.45
    """
    rep = claim.reported
    assert rep is not None
    if rep.informative is not None:
        return float(rep.informative)
    src = scenario.sources.get(claim.source) if claim.source else None
    grade = src.grade if src is not None else None
    tables = scenario.reliability
    return (tables.number_informative(grade) if grade else 1.0) * w


def number_noise(scenario: Scenario, fact: str) -> tuple[float, float]:
    """Centre and sd of a reported number's noise, on the report's scale.

    Parameters
    ----------
    scenario : Scenario
    fact : str
        A continuous fact of ``scenario``.

    Returns
    -------
    center, sd : float
        See :func:`scenarios.spec.elicit.number_noise`.

    Examples
    --------
    >>> s = Scenario(title="t", outcomes={"o": {"kind": "binary", "exhaustive": "y/n",
    ...                                  "prior": {"p": 0.5}}},
    ...              facts={"n": {"kind": "continuous", "prior": {"between": [10, 20]}}})
    >>> centre, sd = number_noise(s, "n")
    >>> sd > 0
    True
    """
    return elicit.number_noise(scenario.facts[fact], rel.NUMBER_NOISE_SPREAD)


def number_model(scenario: Scenario, claim: Claim, q: float) -> NumberModel:
    """The error model of a claim's reported number: its mixture, its noise, its count kind.

    Parameters
    ----------
    scenario : Scenario
    claim : Claim
        A claim of ``scenario`` with a reported number.
    q : float
        The probability that the number is informative (:func:`informative`).

    Returns
    -------
    NumberModel
        On the log scale for a positive fact; the noise from :func:`number_noise`.

    Examples
    --------
    >>> s = Scenario(title="t", outcomes={"o": {"kind": "binary", "exhaustive": "y/n",
    ...                                  "prior": {"p": 0.5}}},
    ...              facts={"troops": {"kind": "continuous", "support": [0, None],
    ...                                "prior": {"between": [25, 50]}}},
    ...              claims=[{"id": "n", "text": "t",
    ...                       "reported": {"fact": "troops", "value": 30, "sd": 0.2}}])
    >>> m = number_model(s, s.claims[0], 0.5)
    >>> m.log_scale, m.sd, m.q
    (True, 0.2, 0.5)
    """
    rep = claim.reported
    assert rep is not None
    positive = elicit.is_positive(scenario.facts[rep.fact])
    centre, scale = number_noise(scenario, rep.fact)
    if rep.count is not None:
        observed, sd = float(rep.value), 0.0
    else:
        assert rep.sd is not None
        observed = math.log(rep.value) if positive else float(rep.value)
        sd = float(rep.sd)
    return NumberModel(
        log_scale=positive,
        observed=observed,
        bias=float(rep.bias),
        sd=sd,
        q=float(q),
        noise_centre=centre,
        noise_sd=scale,
        count=rep.count,
        dispersion=None if rep.dispersion is None else float(rep.dispersion),
    )


def number_mixture(informative: Any, q: float, log_noise: float) -> Any:
    """Log-likelihood of a reported number: ``log(q e^informative + (1 - q) e^log_noise)``.

    Parameters
    ----------
    informative : array or tensor
        Log-likelihood of the report at each value of the fact, if it is informative.
    q : float
        Probability that the report is informative, in (0, 1].
    log_noise : float
        Log density (or mass, for a count) of the report if it is noise.

    Returns
    -------
    array or tensor
        Shaped like ``informative``; a pytensor tensor when ``informative`` is one.

    Examples
    --------
    >>> import numpy as np
    >>> normal = np.log([0.4, 0.002])  # the informative density at two true values
    >>> [round(float(v), 6) for v in np.exp(number_mixture(normal, 0.5, np.log(0.01)))]
    [0.205, 0.006]
    """
    if q >= 1.0:
        return informative
    part = informative + math.log(q)
    noise = math.log1p(-q) + log_noise
    if isinstance(part, np.ndarray | float | int):
        return np.logaddexp(part, noise)
    import pytensor.tensor as pt

    return pt.logaddexp(part, noise)


def _log(v: Any) -> Any:
    if isinstance(v, np.ndarray | float | int):
        return np.log(v)
    import pytensor.tensor as pt

    return pt.log(v)

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
from scipy import special, stats

from scenarios.engines.uncertain import RateParam
from scenarios.spec import reliability as rel
from scenarios.spec.claims import Claim
from scenarios.spec.dependent import is_positive_fact, number_noise_of
from scenarios.spec.scenario import Scenario

__all__ = [
    "NumberModel",
    "ascertainment_param",
    "informative",
    "number_mixture",
    "number_model",
    "number_noise",
]


@dataclass(frozen=True)
class NumberModel:
    """How a reported number arises: a robust mixture, informative with probability ``q``.

    Informative, a number measures the fact: ``observed ~ Normal(scale(true) + bias, sd)``,
    or for a count (``count``) ``Poisson(true e^bias)`` or a negative binomial of that
    mean and ``dispersion``, or binomial thinning ``Binomial(true, p)`` with ``p`` the
    ``ascertainment`` rate (Beta; integrated out unless a value is given; a non-whole
    ``true`` is rounded at random, up with probability its fraction, so that the
    likelihood is continuous in it). Otherwise (probability ``1 - q``) it is noise:
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
    ascertainment: RateParam | None = None

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
        if self.count == "binomial":
            assert self.ascertainment is not None
            return math.log(max(self.observed, 0.5) / self.ascertainment.mean)
        if self.count is not None:
            return math.log(max(self.observed, 0.5)) - self.bias
        return self.observed - self.bias

    @property
    def spread(self) -> float:
        """The informative report's sd on the model's scale (for a count, about)."""
        if self.count == "binomial":
            p = self.ascertainment
            assert p is not None
            # binomial noise of ln(k / p), plus the uncertain rate's own: var ln p
            extra = 0.0 if p.fixed else float(special.polygamma(1, [p.a, p.a + p.b]) @ [1, -1])
            return math.sqrt((1.0 - p.mean) / (self.observed + 1.0) + extra)
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

    def informative_loglik(self, x: Any, p: Any = None) -> Any:
        """Log-likelihood of the report over the fact's values ``x``, if informative.

        Parameters
        ----------
        x : array or tensor
            The fact's values.
        p : array or tensor, optional
            The ascertainment rate of a binomial count (broadcast against ``x``); by
            default integrated over its Beta (a beta-binomial), or its fixed value.

        Returns
        -------
        array or tensor
            ``x`` and ``p`` broadcast.

        Examples
        --------
        >>> m = NumberModel(True, 3.0, 0.0, 0.0, count="binomial",
        ...                 ascertainment=RateParam("a", 2.0, 2.0))
        >>> x = np.array([2.0, 10.0])  # below the count: impossible; else a beta-binomial
        >>> from scipy import stats
        >>> bool(np.exp(m.informative_loglik(x))[0] == 0.0)
        True
        >>> round(float(np.exp(m.informative_loglik(x))[1] - stats.betabinom.pmf(3, 10, 2, 2)), 12)
        0.0
        """
        if self.count == "binomial":
            return self._thinned(x, p)
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
            math.lgamma(k + r)
            - math.lgamma(r)
            - math.lgamma(k + 1)
            + r * (math.log(r) - log_total)
            + k * (log_mean - log_total)
        )

    def _thinned(self, x: Any, p: Any) -> Any:
        """Binomial thinning of the true count ``N``: ``x`` rounded at random, ``E[N] = x``.

        ``N = floor(x) + 1`` with probability ``frac(x)``, else ``floor(x)``: the
        likelihood interpolates the binomial's linearly between whole numbers, so it is
        continuous in ``x`` (for NUTS and quadrature) and a proper generative story (for
        :meth:`draw`); it is zero where ``x <= k - 1``.
        """
        rate = self.ascertainment
        assert rate is not None
        k = self.observed
        numpy = isinstance(x, np.ndarray | float | int) and (
            p is None or isinstance(p, np.ndarray | float | int)
        )
        if numpy:
            gammaln, where, log, log1p, floor = (
                special.gammaln,
                np.where,
                np.log,
                np.log1p,
                np.floor,
            )
            logaddexp = np.logaddexp
        else:
            import pytensor.tensor as pt

            gammaln, where, log, log1p, floor = pt.gammaln, pt.switch, pt.log, pt.log1p, pt.floor
            logaddexp = pt.logaddexp
        integrated = p is None and not rate.fixed
        if p is None:
            p = rate.a

        def logpmf(n: Any) -> Any:  # P(k | N = n), n whole and >= k
            rest = n - k
            log_choose = gammaln(n + 1.0) - gammaln(rest + 1.0) - math.lgamma(k + 1.0)
            if integrated:  # p ~ Beta(a, b) integrated out: a beta-binomial
                a, b = rate.a, rate.b
                return (
                    log_choose
                    + math.lgamma(k + a)
                    + gammaln(rest + b)
                    - gammaln(n + a + b)
                    - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
                )
            return log_choose + (k * log(p) if k else 0.0) + rest * log1p(-p)

        possible = x > k - 1.0
        xs = where(possible, x, k)  # keeps every term finite where the report is impossible
        n0 = floor(xs)
        phi = xs - n0
        with np.errstate(divide="ignore"):  # phi = 0, or a drawn p of 0 or 1: -inf is right
            low = where(n0 >= k, log1p(-phi) + logpmf(where(n0 >= k, n0, k)), -np.inf)
            ll = logaddexp(low, log(phi) + logpmf(n0 + 1.0))
        return where(possible, ll, -np.inf)

    def loglik(self, x: Any, p: Any = None) -> Any:
        """Log-likelihood of the report over the fact's values ``x``: the mixture.

        Parameters
        ----------
        x : array or tensor
            The fact's values.
        p : array or tensor, optional
            A binomial count's ascertainment rate (:meth:`informative_loglik`).

        Returns
        -------
        array or tensor
            ``x`` and ``p`` broadcast (:func:`number_mixture`).
        """
        if self.q >= 1.0:
            return self.informative_loglik(x, p)
        return number_mixture(self.informative_loglik(x, p), self.q, self.log_noise)

    def draw(self, x: Any, rng: np.random.Generator, p: Any = None) -> np.ndarray:
        """Reports drawn from the model, one per value of the fact.

        Informative with probability ``q``: from the error model around ``x``; else from
        the noise. Counts are whole numbers (as floats).

        A binomial count thins the true count ``x`` rounded at random
        (:meth:`informative_loglik`).

        Parameters
        ----------
        x : array
            The fact's true values.
        rng : numpy.random.Generator
        p : array, optional
            A binomial count's ascertainment rate, one per value (default: drawn from
            its Beta).

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
            if self.count == "binomial":
                if p is None:
                    rate = self.ascertainment
                    assert rate is not None
                    p = rate.a if rate.fixed else rng.beta(rate.a, rate.b, size=x.shape)
                whole = np.floor(x)
                true = whole + (rng.random(x.shape) < x - whole)  # rounded at random
                k = rng.binomial(true.astype(np.int64), p)
            elif self.count == "poisson":
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
    return number_noise_of(fact, scenario.nodes, rel.NUMBER_NOISE_SPREAD)


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
    positive = is_positive_fact(rep.fact, scenario.nodes)
    centre, scale = number_noise(scenario, rep.fact)
    ascertainment = None
    if rep.count is not None:
        observed, sd = float(rep.value), 0.0
        if rep.ascertainment is not None:
            ascertainment = ascertainment_param(claim)
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
        ascertainment=ascertainment,
    )


def ascertainment_param(claim: Claim) -> RateParam | None:
    """The ascertainment rate of a claim's binomial count, as an uncertain rate.

    Named ``<claim id>_ascertainment``; ``None`` when the claim reports no binomial count.

    Parameters
    ----------
    claim : Claim

    Returns
    -------
    RateParam or None
        Beta(mean c, (1 - mean) c) for a concentration c; fixed at the mean otherwise.

    Examples
    --------
    >>> c = Claim(id="cases", text="412 cases", reported={
    ...     "fact": "n", "value": 412, "count": "binomial",
    ...     "ascertainment": {"mean": 0.25, "concentration": 20}})
    >>> ascertainment_param(c)
    RateParam(name='cases_ascertainment', a=5.0, b=15.0)
    """
    rep = claim.reported
    if rep is None or rep.ascertainment is None:
        return None
    name, rate = f"{claim.id}_ascertainment", rep.ascertainment
    if rate.concentration is None or rate.mean == 1.0:
        return RateParam(name, float(rate.mean), 0.0)
    c = float(rate.concentration)
    return RateParam(name, rate.mean * c, (1.0 - rate.mean) * c)


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

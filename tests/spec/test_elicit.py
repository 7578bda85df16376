"""Elicitation: ranges and quantiles to distributions, and the family each fact gets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special, stats

from scenarios.spec import elicit
from scenarios.spec.nodes import Fact

Z95 = stats.norm.ppf(0.95)


# --- ranges: equal tails ------------------------------------------------------------


@pytest.mark.parametrize("mass", [0.5, 0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("family", "lower", "upper"),
    [
        ("Normal", -3.0, 7.5),
        ("Normal", 25.0, 50.0),
        ("LogNormal", 25.0, 50.0),
        ("LogNormal", 0.001, 1000.0),
        ("Beta", 0.1, 0.4),
        ("Beta", 0.6, 0.95),
        ("Beta", 0.02, 0.1),
        ("Beta", 0.3, 0.35),
    ],
)
def test_range_has_equal_tails(family: str, lower: float, upper: float, mass: float) -> None:
    d = elicit.from_range(lower, upper, mass=mass, family=family)
    assert d.name == family
    tail = (1 - mass) / 2
    np.testing.assert_allclose(d.dist.ppf([tail, 1 - tail]), [lower, upper], rtol=1e-8)
    assert d.dist.cdf(upper) - d.dist.cdf(lower) == pytest.approx(mass, abs=1e-8)


@pytest.mark.parametrize(
    ("lower", "upper", "mass"),
    [(0.01, 0.05, 0.95), (0.001, 0.01, 0.9), (0.95, 0.99, 0.9)],
)
def test_beta_range_near_the_bounds_has_equal_tails(
    lower: float, upper: float, mass: float
) -> None:
    d = elicit.from_range(lower, upper, mass=mass, family="Beta")
    tail = (1 - mass) / 2
    np.testing.assert_allclose(d.dist.ppf([tail, 1 - tail]), [lower, upper], rtol=1e-8)


def test_range_closed_forms() -> None:
    d = elicit.from_range(25, 50, mass=0.9, family="Normal")
    assert d.parameters["mu"] == pytest.approx(37.5, rel=1e-12)
    assert d.parameters["sigma"] == pytest.approx(12.5 / Z95, rel=1e-12)
    d = elicit.from_range(25, 50, mass=0.9, family="LogNormal")
    assert d.parameters["mu"] == pytest.approx(math.log(25 * 50) / 2, rel=1e-12)
    assert d.parameters["sigma"] == pytest.approx(math.log(2) / (2 * Z95), rel=1e-12)
    assert d.support == (0.0, math.inf)


def test_range_default_is_normal_and_90_percent() -> None:
    d = elicit.from_range(0, 10)
    assert d.name == "Normal"
    np.testing.assert_allclose(d.dist.ppf([0.05, 0.95]), [0, 10], atol=1e-12)


# --- quantiles: least squares -------------------------------------------------------


@pytest.mark.parametrize("family", ["Normal", "LogNormal"])
def test_three_quantiles_least_squares_on_the_quantile_function(family: str) -> None:
    quantiles = {0.1: 20.0, 0.5: 30.0, 0.9: 50.0}  # no Normal or LogNormal fits all three
    d = elicit.from_quantiles(quantiles, family)
    q = np.array(sorted(quantiles))
    v = np.array([quantiles[k] for k in q])
    if family == "LogNormal":
        v = np.log(v)
    # v = mu + sigma z, least squares
    design = np.column_stack([np.ones_like(q), stats.norm.ppf(q)])
    (mu, sigma), *_ = np.linalg.lstsq(design, v, rcond=None)
    assert d.parameters["mu"] == pytest.approx(mu, rel=1e-10)
    assert d.parameters["sigma"] == pytest.approx(sigma, rel=1e-10)
    # and it is not an interpolation: the residuals are not all zero
    fitted = d.dist.ppf(q)
    assert np.max(np.abs(fitted - np.array([quantiles[k] for k in q]))) > 0.1


@pytest.mark.parametrize("family", ["Normal", "LogNormal", "Beta"])
def test_consistent_quantiles_give_back_the_distribution(family: str) -> None:
    truth = {
        "Normal": stats.norm(3, 2),
        "LogNormal": stats.lognorm(0.4, scale=math.exp(1.5)),
        "Beta": stats.beta(2.5, 6.0),
    }[family]
    levels = [0.05, 0.25, 0.5, 0.9]
    d = elicit.from_quantiles({p: float(truth.ppf(p)) for p in levels}, family)
    grid = [0.01, 0.1, 0.3, 0.5, 0.7, 0.99]
    np.testing.assert_allclose(d.dist.ppf(grid), truth.ppf(grid), rtol=1e-6)


def test_two_quantiles_are_exact() -> None:
    d = elicit.from_quantiles({0.25: 10.0, 0.75: 30.0}, "Normal")
    np.testing.assert_allclose(d.dist.ppf([0.25, 0.75]), [10.0, 30.0], rtol=1e-12)


def test_beta_three_quantiles_least_squares_on_the_logit_quantile_function() -> None:
    quantiles = {0.1: 0.2, 0.5: 0.3, 0.9: 0.7}
    q = np.array(sorted(quantiles))
    v = np.array([quantiles[k] for k in q])

    def residual(log_ab: np.ndarray) -> np.ndarray:
        return special.logit(stats.beta.ppf(q, *np.exp(log_ab))) - special.logit(v)

    best = min(
        (
            optimize.least_squares(residual, np.log(start), xtol=1e-14, ftol=1e-14)
            for start in ([1, 1], [2, 4], [5, 10], [0.5, 0.5])
        ),
        key=lambda fit: fit.cost,
    )
    d = elicit.from_quantiles(quantiles, "Beta")
    sse = float(np.sum((special.logit(d.dist.ppf(q)) - special.logit(v)) ** 2))
    assert sse <= 2 * best.cost + 1e-10


@pytest.mark.parametrize(
    ("quantiles", "family", "message"),
    [
        ({0.1: -1.0, 0.9: 5.0}, "LogNormal", "positive"),
        ({0.1: 0.0, 0.9: 0.5}, "Beta", "between 0 and 1"),
        ({0.1: 0.2, 0.9: 1.5}, "Beta", "between 0 and 1"),
        ({0.1: 5.0, 0.9: 1.0}, "Normal", "increase"),
        ({0.1: 1.0, 0.9: 5.0}, "Gamma", "Normal, LogNormal or Beta"),
    ],
)
def test_impossible_elicitations(quantiles: dict, family: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        elicit.from_quantiles(quantiles, family)


# --- families by support ------------------------------------------------------------


def fact(kind: str = "continuous", support=None, prior=None) -> Fact:
    return Fact(kind=kind, support=support, prior=prior or {"between": [0.2, 0.6]})


@pytest.mark.parametrize(
    ("kind", "support", "family"),
    [
        ("probability", None, "Beta"),
        ("continuous", None, "Normal"),
        ("continuous", (None, None), "Normal"),
        ("continuous", (0, None), "LogNormal"),
        ("continuous", (0, 1), "Beta"),
    ],
)
def test_family_defaults_by_support(kind: str, support, family: str) -> None:
    f = fact(kind, support)
    assert elicit.default_family(f) == family
    d = elicit.distribution(f)
    assert d.name == family
    np.testing.assert_allclose(d.dist.ppf([0.05, 0.95]), [0.2, 0.6], rtol=1e-8)
    assert elicit.is_positive(f) == (family != "Normal")


@pytest.mark.parametrize("support", [(5, None), (None, 0), (-1, 1), (0, 10)])
def test_no_default_family_for_other_supports(support) -> None:
    with pytest.raises(ValueError, match="give 'family'"):
        elicit.default_family(fact("continuous", support))


def test_family_overrides_the_default() -> None:
    f = fact("continuous", (0, None), {"between": [10, 20], "family": "Normal"})
    # a Normal reaches below zero: outside the support of a positive fact
    with pytest.raises(ValueError, match="outside the fact's support"):
        elicit.distribution(f)
    g = fact("continuous", None, {"between": [10, 20], "family": "LogNormal"})
    assert elicit.distribution(g).name == "LogNormal"


def test_named_distribution_and_quantile_priors() -> None:
    f = fact(
        "continuous", (0, None), {"distribution": "Gamma", "parameters": {"alpha": 3, "beta": 0.5}}
    )
    d = elicit.distribution(f)
    assert d.dist.mean() == pytest.approx(6.0)
    with pytest.raises(ValueError, match="Gamma takes parameters"):
        elicit.distribution(
            fact("continuous", None, {"distribution": "Gamma", "parameters": {"mu": 1}})
        )
    with pytest.raises(ValueError, match="unknown distribution"):
        elicit.distribution(
            fact("continuous", None, {"distribution": "Cauchyish", "parameters": {"mu": 1}})
        )
    q = fact("probability", None, {"quantiles": {0.25: 0.3, 0.75: 0.5}})
    np.testing.assert_allclose(elicit.distribution(q).dist.ppf([0.25, 0.75]), [0.3, 0.5], rtol=1e-8)


def test_standardiser_is_median_and_90_percent_half_width() -> None:
    center, scale = elicit.standardiser(
        fact("continuous", None, {"distribution": "Normal", "parameters": {"mu": 4, "sigma": 3}})
    )
    assert center == pytest.approx(4.0, rel=1e-12)
    assert scale == pytest.approx(3.0, rel=1e-12)
    center, scale = elicit.standardiser(fact("continuous", (0, None), {"between": [25, 50]}))
    assert center == pytest.approx(math.sqrt(25 * 50), rel=1e-10)
    assert scale == pytest.approx(25 / (2 * Z95), rel=1e-10)

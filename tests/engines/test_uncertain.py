"""Draws and quadrature of the uncertain probabilities, down to tiny concentrations."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from scenarios import Scenario
from scenarios.cli import main
from scenarios.engines import exact
from scenarios.engines.network import Network
from scenarios.engines.uncertain import (
    FLOOR,
    RateParam,
    draw_parameters,
    log_gamma,
    rate_quadrature,
)
from scenarios.errors import SamplingWarning
from scenarios.io import save


def beta_moments(a: float, b: float, k: int) -> np.ndarray:
    """E[x**j] of Beta(a, b) for j < k, by the product formula."""
    return np.array([np.prod([(a + i) / (a + b + i) for i in range(j)]) for j in range(k)])


@pytest.mark.parametrize(
    ("a", "b"),
    [(2.0, 3.0), (0.3, 0.7), (3e-4, 7e-4), (3e-10, 7e-10), (1e-9, 1e-9), (5.0, 1e-17),
     (8e-5, 2e-5), (3e11, 7e11), (0.5, 0.5), (40.0, 0.01)],
)  # fmt: skip
def test_rate_quadrature_is_exact_for_its_degree(a: float, b: float) -> None:
    for degree in (1, 5, 11):
        x, w = rate_quadrature(RateParam("r", a, b), degree)
        assert np.isfinite(x).all() and np.isfinite(w).all()
        assert ((x >= 0) & (x <= 1)).all() and (w >= 0).all()
        got = np.array([w @ x**j for j in range(degree + 1)])
        np.testing.assert_allclose(got, beta_moments(a, b, degree + 1), rtol=1e-12)


@pytest.mark.parametrize("shape", [2.0, 0.5, 0.05, 1e-4, 1e-9])
def test_log_gamma_has_the_gamma_distribution(shape: float) -> None:
    lg = log_gamma(np.full(20_000, shape), np.random.default_rng(1))
    assert np.isfinite(lg).all()
    # P(G <= g) on the log scale: where g underflows, the series x**a / Gamma(a + 1)
    with np.errstate(under="ignore"):
        small = shape * lg - special.gammaln(shape + 1.0)
        u = np.where(lg < -30, np.exp(small), special.gammainc(shape, np.exp(lg)))
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_a_shape_of_zero_is_a_point_mass_at_zero() -> None:
    lg = log_gamma(np.array([0.0, 1.0]), np.random.default_rng(0))
    assert lg[0] == -np.inf and np.isfinite(lg[1])


def binary(p: float, concentration: float, claims: list | None = None) -> Scenario:
    return Scenario(
        title="one binary fact",
        facts={"f": {"kind": "binary", "prior": {"p": p, "concentration": concentration}}},
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        claims=claims or [],
    )


@pytest.mark.parametrize("concentration", [1e-9, 1e-4, 1e-3, 0.02, 0.15])
def test_tiny_concentrations_draw_finite_distributions(concentration: float) -> None:
    net = Network(binary(0.3, concentration))
    theta = draw_parameters(net, 20_000, np.random.default_rng(2))["f_probs"][:, 0, :]
    assert np.isfinite(theta).all()
    assert (theta >= 0).all() and (theta <= 1).all()
    np.testing.assert_allclose(theta.sum(axis=-1), 1.0, atol=1e-15)
    # Beta(0.3 c, 0.7 c): the mean is 0.3 whatever c (binomial error of 20,000 draws)
    assert abs(theta[:, 1].mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 20_000)
    # and the share above one half is the Beta's own
    above = stats.beta(0.3 * concentration, 0.7 * concentration).sf(0.5)
    assert abs((theta[:, 1] > 0.5).mean() - above) < 4 * np.sqrt(above * (1 - above) / 20_000)


@pytest.mark.parametrize("concentration", [1e-4, 1e-3, 0.05, 0.15, 2.0])
def test_interval_of_a_lone_fact_is_its_beta_quantiles(concentration: float) -> None:
    # no claims: the interval of P(f) is the Beta(0.3 c, 0.7 c)'s 5% and 95% quantiles
    draws = 4000
    post = binary(0.3, concentration).update(draws=draws, seed=3)
    low, high = post.facts.loc[("f", "true"), ["lower", "upper"]]
    assert post.facts.loc[("f", "true"), "probability"] == pytest.approx(0.3, abs=1e-12)
    beta = stats.beta(0.3 * concentration, 0.7 * concentration)
    se = np.sqrt(0.05 * 0.95 / draws)  # of a quantile's level
    for value, level in ((low, 0.05), (high, 0.95)):
        assert np.isfinite(value)
        # on the level scale within Monte Carlo error, or (where the quantile is below
        # the smallest float, 1e-300) equal to it on the probability scale
        near = abs(beta.cdf(value) - level) < 4 * se
        assert near or abs(value - beta.ppf(level)) <= FLOOR * 10, (value, beta.ppf(level))


def test_tiny_concentrations_with_claims_give_finite_flagless_intervals() -> None:
    claims = [{"id": "c", "text": "f", "proposition": "f", "status": "confirmed"}]
    for concentration in (1e-9, 1e-4, 1e-3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplingWarning)
            post = binary(0.3, concentration, claims).update(draws=500, seed=4)
        values = post.facts[["probability", "lower", "upper"]].to_numpy()
        assert np.isfinite(values).all()
        assert post.facts.loc[("f", "true"), "probability"] == pytest.approx(1.0)
        assert "non_finite_values" not in post.diagnostics.index


def test_non_finite_draws_are_a_failed_diagnostic_and_strict_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = exact.draw_parameters

    def broken(net: Network, draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        theta = real(net, draws, rng)
        for value in theta.values():
            value[: draws // 2] = np.nan  # half the draws broken
        return theta

    monkeypatch.setattr(exact, "draw_parameters", broken)
    scenario = binary(0.3, 5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)
        post = scenario.update(draws=200, seed=5)
    values = post.facts[["probability", "lower", "upper"]].to_numpy()
    assert np.isfinite(values).all()  # never printed as nan
    assert post.diagnostics.loc["non_finite_draws", "value"] == 100
    assert not post.diagnostics.loc["non_finite_draws", "ok"]
    assert any(w.startswith("non_finite_draws") for w in post.warnings)
    path = save(scenario, tmp_path / "s.yaml")
    assert main(["update", str(path), "--strict", "--draws", "200"]) == 3
    assert main(["update", str(path), "--draws", "200"]) == 0

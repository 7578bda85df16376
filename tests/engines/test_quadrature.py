"""Posterior quantiles from quadrature node masses: accurate, and the same bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from scenarios.engines.quadrature import Window, lay_rule, posterior_quantiles

LEVELS = [0.05, 0.5, 0.95]


def _lognormal_update(sigma: float, scale: float, reported: float, noise: float):
    """A lognormal prior and a normal claim on the log: the posterior is lognormal."""
    prior = stats.lognorm(sigma, scale=scale)
    claim = stats.norm(np.log(reported), noise)
    # the window the engine lays for a reported number: its likelihood, on the log scale
    window = Window(
        reported * np.exp(-8 * noise),
        reported * np.exp(8 * noise),
        log_scale=True,
        loglik=lambda x: claim.logpdf(np.log(x)),
    )
    rule = lay_rule(prior, [], [window])
    like = claim.pdf(np.log(rule.x))
    precision = 1 / sigma**2 + 1 / noise**2
    mu = (np.log(scale) / sigma**2 + np.log(reported) / noise**2) / precision
    return rule, rule.w * like, stats.lognorm(precision**-0.5, scale=np.exp(mu))


@pytest.mark.parametrize(("reported", "noise"), [(26.0, 0.3), (80.0, 0.2), (12.0, 1.5)])
def test_quantiles_match_the_conjugate_posterior(reported: float, noise: float) -> None:
    rule, mass, posterior = _lognormal_update(0.5, 30.0, reported, noise)
    got = posterior_quantiles(rule, mass, LEVELS)
    np.testing.assert_allclose(got, posterior.ppf(LEVELS), rtol=1e-12)


def test_quantiles_do_not_depend_on_memory_alignment() -> None:
    """numpy's vector sums round by alignment, and root finding magnifies one ulp:
    a report run twice must print the same digits."""
    rule, mass, _ = _lognormal_update(0.5, 30.0, 26.0, 0.3)
    seen = set()
    for offset in range(8):
        buffer = np.empty(mass.size + 8)
        view = buffer[offset : offset + mass.size]
        view[:] = mass
        seen.add(tuple(posterior_quantiles(rule, view, LEVELS).tolist()))
    assert len(seen) == 1, seen

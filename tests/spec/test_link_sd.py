"""Uncertain link coefficients in the file format: the sd fields and their distribution."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import Scenario
from scenarios.errors import ScenarioError
from scenarios.spec.links import link_at, link_distribution, link_vector
from scenarios.spec.priors import LogitPrior


def _scenario(link: dict) -> Scenario:
    return Scenario(
        title="t",
        facts={"a": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={
            "o": {
                "kind": "categorical",
                "states": ["x", "y", "z"],
                "exhaustive": "one",
                "prior": {"logit": link},
            }
        },
    )


def test_flattening_order_and_diagonal_covariance() -> None:
    prior = LogitPrior(
        logit={
            "intercept": {"y": 1.0},
            "intercept_sd": {"z": 0.5},
            "terms": [{"fact": "a", "state": True, "coef": {"z": 2.0}, "sd": {"y": 0.1}}],
        }
    )
    link, cov = link_distribution(prior, ("x", "y", "z"))
    assert link_vector(link, ("x", "y", "z")).tolist() == [1.0, 0.0, 0.0, 2.0]
    assert cov is not None
    assert np.allclose(cov, np.diag([0.0, 0.25, 0.01, 0.0]))
    back = link_at(link, np.array([1.5, -1.0, 0.5, 2.5]), ("x", "y", "z")).logit
    assert dict(back.intercept) == {"y": 1.5, "z": -1.0}
    assert dict(back.terms[0].coef) == {"y": 0.5, "z": 2.5}
    assert back.terms[0].sd is None and back.intercept_sd is None


def test_zero_sd_is_exact() -> None:
    prior = LogitPrior(logit={"intercept": 1.0, "intercept_sd": 0.0})
    assert link_distribution(prior, ("false", "true"))[1] is None


def test_negative_sd_refused() -> None:
    with pytest.raises(ValueError, match="standard deviation"):  # pydantic's, a ValueError
        _scenario({"intercept": {"y": 1.0}, "intercept_sd": {"y": -0.5}})


def test_sd_of_an_unknown_state_refused() -> None:
    with pytest.raises(ScenarioError, match=r"terms\.0\.sd"):
        _scenario({"terms": [{"fact": "a", "state": True, "coef": {"y": 1.0}, "sd": {"w": 0.5}}]})


def test_binary_sd_must_be_a_number() -> None:
    binary = {
        "kind": "binary",
        "exhaustive": "y/n",
        "prior": {"logit": {"intercept": 1.0, "intercept_sd": {"true": 1}}},
    }
    with pytest.raises(ScenarioError, match="intercept_sd"):
        Scenario(
            title="t", facts={"a": {"kind": "binary", "prior": {"p": 0.5}}}, outcomes={"o": binary}
        )

"""Numbers of the model's uncertain probabilities: mean tables and sources' rates."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import Scenario
from scenarios.engines.parameters import RateMoments, mean_table, rate_moments
from tests.analysis.conftest import confounded


def test_mean_table_follows_the_given_axes() -> None:
    s = confounded()
    assert mean_table(s, "c").tolist() == pytest.approx([0.7, 0.3])
    # o given (c, a), rows written c=T,a=T 0.8; c=T,a=F 0.7; c=F,a=T 0.3; c=F,a=F 0.1
    o = mean_table(s, "o")
    assert o.shape == (2, 2, 2)
    np.testing.assert_allclose(o[:, :, 1], [[0.1, 0.3], [0.7, 0.8]], atol=1e-15)
    np.testing.assert_allclose(o.sum(axis=-1), 1.0, atol=1e-15)
    flipped = mean_table(s, "o", ["a", "c"])[:, :, 1]
    np.testing.assert_allclose(flipped, [[0.1, 0.7], [0.3, 0.8]], atol=1e-15)
    # a parent it does not depend on: the same row repeated
    a = mean_table(s, "a", ["o", "c"])
    assert a.shape == (2, 2, 2)
    assert np.array_equal(a[0], a[1]) and a[0, :, 1].tolist() == pytest.approx([0.2, 0.9])


def test_mean_table_refuses_what_it_cannot_give() -> None:
    s = confounded()
    with pytest.raises(ValueError, match="depends on \\['c'\\]"):
        mean_table(s, "a", ["o"])
    logit = s.with_prior(
        "a", {"logit": {"intercept": 0.0, "terms": [{"fact": "c", "state": "true", "coef": 1}]}}
    )
    with pytest.raises(TypeError, match="LogitPrior"):
        mean_table(logit, "a")


def test_rate_moments_are_the_conjugate_update() -> None:
    s = Scenario(
        title="Rates",
        facts={"x": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        sources={
            "src": {
                "true_positive": {"mean": 0.6, "concentration": 5},
                "false_positive": {"mean": 0.3},
            },
            "idle": {"grade": "B"},
        },
        claims=[
            {"id": "c", "text": "x", "proposition": "x", "source": "src", "weight": 1.0},
            {"id": "h", "text": "x", "proposition": "x", "status": "confirmed"},
        ],
    )
    moments = rate_moments(s)
    assert list(moments) == ["src"]  # a source without claims learns nothing
    tp, fp = moments["src"]
    # x is confirmed and src reported it: one true positive, Beta(3, 2) -> Beta(4, 2)
    assert tp.mean == pytest.approx(4 / 6, abs=1e-12)
    assert tp.variance == pytest.approx(4 * 2 / (6**2 * 7), abs=1e-12)
    assert not tp.fixed
    assert fp == RateMoments(mean=0.3, variance=0.0, fixed=True)

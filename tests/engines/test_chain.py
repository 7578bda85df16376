"""A logit link over many parents as a chain of partial sums: exact, and small."""

from __future__ import annotations

import numpy as np
import pytest

import scenarios
from scenarios.engines import network
from scenarios.engines.assembly import assemble
from scenarios.engines.network import Network


def many_parents(k: int, coefs: list[float], categorical: bool = False) -> scenarios.Scenario:
    facts = {
        f"f{i}": {"kind": "binary", "prior": {"p": 0.2 + 0.6 * i / max(k - 1, 1)}} for i in range(k)
    }
    if categorical:
        coef = [{"force": c, "talks": -c / 2} for c in coefs]
        outcome = {
            "kind": "categorical",
            "states": ["deal", "force", "talks"],
            "other": "talks",
            "prior": {
                "logit": {
                    "intercept": {"force": -0.5},
                    "terms": [{"fact": f"f{i}", "state": True, "coef": coef[i]} for i in range(k)],
                }
            },
        }
    else:
        outcome = {
            "kind": "binary",
            "exhaustive": "yes/no",
            "prior": {
                "logit": {
                    "intercept": -1.0,
                    "terms": [{"fact": f"f{i}", "state": True, "coef": coefs[i]} for i in range(k)],
                }
            },
        }
    return scenarios.Scenario(
        title="many",
        facts=facts,
        outcomes={"o": outcome},
        sources={"s": {"grade": "B"}},
        claims=[
            {"id": f"c{i}", "text": "x", "proposition": f"f{i}", "source": "s"}
            for i in range(0, k, 3)
        ],
    )


@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("spread", ["equal", "distinct"])
def test_chain_equals_the_full_table(spread: str, categorical: bool, monkeypatch) -> None:
    k = 9
    coefs = [0.3] * k if spread == "equal" else list(np.linspace(-1, 1.3, k))
    s = many_parents(k, coefs, categorical)
    chained = assemble(Network(s)).nodes.count("o")
    # equal effects repeat their partial sums: a chain of them is smaller than the table;
    # distinct effects do not, and the plain table is kept
    assert chained > 1 if spread == "equal" else chained == 1
    with_chain = s.update(intervals=False).scenarios["probability"]
    monkeypatch.setattr(network, "CHAIN_MIN_PARENTS", 10**6)
    assert assemble(Network(s)).nodes.count("o") == 1
    plain = s.update(intervals=False).scenarios["probability"]
    assert np.allclose(with_chain, plain, atol=1e-9)


def test_chain_makes_a_hundred_parents_tractable() -> None:
    k = 96
    s = many_parents(k, [0.3] * k)
    post = s.update(intervals=False).scenarios["probability"]
    # independent facts given the claims: check against Monte Carlo over their posteriors
    facts = s.update(intervals=False).facts["probability"]
    q = np.array([facts.loc[(f"f{i}", "true")] for i in range(k)])
    rng = np.random.default_rng(0)
    draws = rng.uniform(size=(200_000, k)) < q
    eta = -1.0 + 0.3 * draws.sum(axis=1)
    mc = (1 / (1 + np.exp(-eta))).mean()
    assert post.loc[("o", "true")] == pytest.approx(mc, abs=4e-3)

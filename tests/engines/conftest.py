"""Scenarios shared by the full engine's tests."""

from __future__ import annotations

import pytest

from scenarios import Scenario


@pytest.fixture(scope="module")
def mixed() -> Scenario:
    """Every kind of node and claim the full engine compiles, in a few lines."""
    return Scenario(
        title="Mixed",
        seed=11,
        facts={
            "biased": {"kind": "binary", "prior": {"p": 0.4, "concentration": 6}},
            "size": {
                "kind": "continuous",
                "support": [0, None],
                "prior": {"between": [25, 50], "mass": 0.9},
            },
            "res": {
                "kind": "categorical",
                "states": ["none", "some", "armed"],
                "prior": {
                    "logit": {
                        "intercept": {"some": 0.2, "armed": -1},
                        "terms": [
                            {"fact": "size", "coef": {"armed": 1.0}},
                            {"fact": "biased", "state": True, "coef": {"some": 0.5}},
                        ],
                    }
                },
            },
        },
        outcomes={
            "call": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["biased", "res"],
                    "concentration": 10,
                    "default": {"p": 0.3},
                    "table": [{"when": {"biased": True, "res": "armed"}, "p": 0.9}],
                },
            }
        },
        sources={"friend": {"grade": "C"}, "wire": {"grade": "B"}},
        claims=[
            {"id": "c1", "text": "biased", "proposition": "biased", "source": "friend"},
            {
                "id": "c2",
                "text": "big",
                "proposition": "size > 40 and res != none",
                "source": "friend",
            },
            {
                "id": "c3",
                "text": "thirty",
                "reported": {"fact": "size", "value": 30, "sd": 0.2},
                "source": "wire",
            },
            {
                "id": "c4",
                "text": "armed",
                "proposition": "res == armed",
                "source": "wire",
                "hedge": "allegedly",
            },
        ],
    )

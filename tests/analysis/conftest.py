from __future__ import annotations

import pytest

from scenarios import Scenario


def confounded(p_c: float = 0.3) -> Scenario:
    """C -> A, C -> O: observing A tells about C (and so O); setting A does not."""
    return Scenario(
        title="Confounded",
        facts={
            "c": {"kind": "binary", "prior": {"p": p_c}},
            "a": {
                "kind": "binary",
                "prior": {
                    "given": ["c"],
                    "table": [{"when": {"c": True}, "p": 0.9}, {"when": {"c": False}, "p": 0.2}],
                },
            },
        },
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["c", "a"],
                    "table": [
                        {"when": {"c": True, "a": True}, "p": 0.8},
                        {"when": {"c": True, "a": False}, "p": 0.7},
                        {"when": {"c": False, "a": True}, "p": 0.3},
                        {"when": {"c": False, "a": False}, "p": 0.1},
                    ],
                },
            },
        },
    )


@pytest.fixture
def confounded_scenario() -> Scenario:
    return confounded()

"""Shared by the explorer's tests: a small scenario with every kind of control, and the
library's answers to compare what the explorer shows with.

Every check compares what the explorer shows with what the library computes for the
edited scenario, built independently of the widgets (``with_prior`` etc. on the
original scenario).
"""

from __future__ import annotations

import re
import warnings

import scenarios
from scenarios import Scenario
from scenarios.analysis import score
from scenarios.io.data import example, examples, resolution_for
from scenarios.views.explorer import Explorer
from scenarios.views.formats import probability

#: The shipped example priors files.
PRIORS = [example(name) for name in examples()]
#: The shipped resolution of the Wagner example.
RESOLUTION = resolution_for(example())
#: The explorer's default draws.
DRAWS = 4000


def harbour() -> Scenario:
    """A small scenario with every kind of control: not Wagner-shaped."""
    return Scenario(
        title="Harbour blockage",
        seed=11,
        sources={
            "coastguard": {"grade": "B"},
            "blog": {"grade": "E"},
            "sensor": {
                "name": "AIS tracker",
                "true_positive": {"mean": 0.9, "concentration": 20},
                "false_positive": {"mean": 0.1, "concentration": 20},
            },
        },
        facts={
            "storm": {"kind": "binary", "prior": {"p": 0.3, "concentration": 6}},
            "crew": {
                "kind": "categorical",
                "states": ["small", "medium", "large"],
                "prior": {"probs": {"small": 0.5, "medium": 0.3, "large": 0.2}},
            },
            "delay_days": {
                "kind": "continuous",
                "unit": "days",
                "support": [0, None],
                "prior": {"quantiles": {0.1: 2, 0.5: 5, 0.9: 12}},
            },
            "fuel_share": {"kind": "probability", "prior": {"between": [0.2, 0.6]}},
            "damage": {
                "kind": "binary",
                "prior": {
                    "given": ["storm"],
                    "table": [{"when": {"storm": True}, "p": 0.7}],
                    "default": {"p": 0.1},
                    "concentration": 15,
                },
            },
        },
        outcomes={
            "refloated": {
                "kind": "binary",
                "question": "Refloated within a week?",
                "exhaustive": "yes or no",
                "prior": {
                    "logit": {
                        "intercept": 1.0,
                        "terms": [
                            {"fact": "storm", "state": "true", "coef": -1.0},
                            {"fact": "delay_days", "coef": -0.8},
                            {"fact": "fuel_share", "coef": 0.3},
                        ],
                    }
                },
            },
            "cost": {
                "states": ["low", "high", "other"],
                "other": "other",
                "prior": {
                    "given": ["damage", "crew"],
                    "table": [
                        {
                            "when": {"damage": True, "crew": "large"},
                            "probs": {"low": 0.1, "high": 0.8, "other": 0.1},
                        }
                    ],
                    "default": {"probs": {"low": 0.6, "high": 0.3, "other": 0.1}},
                },
            },
        },
        claims=[
            {
                "id": "c_storm",
                "text": "A storm hit.",
                "proposition": "storm",
                "source": "coastguard",
                "information": 2,
            },
            {
                "id": "c_damage",
                "text": "Hull damaged.",
                "proposition": "damage",
                "source": "blog",
                "hedge": "reportedly",
            },
            {
                "id": "c_delay",
                "text": "Seven days.",
                "source": "coastguard",
                "reported": {"fact": "delay_days", "value": 7, "sd": 0.3},
            },
            {
                "id": "c_crew",
                "text": "Large crew on board.",
                "proposition": 'crew == "large"',
                "source": "sensor",
            },
            {
                "id": "c_calm",
                "text": "The sea was calm.",
                "proposition": "not storm",
                "source": "blog",
                "status": "disputed",
                "disputed_by": "coastguard",
            },
        ],
    )


def update(scenario: Scenario) -> scenarios.Posterior:
    """The library's answer, as the explorer computes it (sampling warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scenarios.SamplingWarning)
        return scenario.update(draws=DRAWS)


ROW = re.compile(
    r'<tr[^>]*data-outcome="([^"]+)" data-state="([^"]+)">.*?'
    r'<td class="probability num">([^<]+)</td>'
)


def shown(explorer: Explorer) -> dict[tuple[str, str], str]:
    """The scenario table as the explorer displays it: (outcome, state) -> text."""
    return {(o, s): p for o, s, p in ROW.findall(explorer.table.value)}


def expected(scenario: Scenario) -> dict[tuple[str, str], str]:
    post = update(scenario)
    return {key: probability(p) for key, p in post.scenarios["probability"].items()}


def assert_shows(explorer: Explorer, scenario: Scenario) -> None:
    """The explorer holds ``scenario`` and shows the library's numbers for it."""
    assert explorer.scenario == scenario
    want = expected(scenario)
    assert shown(explorer) == want
    assert explorer.posterior is not None
    got = explorer.posterior.scenarios["probability"]
    assert {k: probability(v) for k, v in got.items()} == want
    assert "Updated" in explorer.status_text


def cell(html_text: str, row: str, cls: str) -> str:
    """The text of ``<td class="<cls> ...">`` in the row whose attributes contain ``row``."""
    found = re.search(rf"<tr[^>]*{row}[^>]*>.*?<td class=\"{cls}[ \"][^>]*>([^<]+)</td>", html_text)
    assert found is not None, (row, cls)
    return found.group(1)


def rows(html_text: str, attribute: str) -> list[str]:
    """The values of ``attribute`` of the table rows that have it, in order."""
    return re.findall(rf'<tr[^>]*{attribute}="([^"]+)"', html_text)


def shown_score(ex: Explorer) -> dict[str, tuple[str, str, str]]:
    """The Score tab as shown: outcome -> (P(resolved), Brier, log score)."""
    body = ex.analysis_html("score")
    return {
        o: tuple(cell(body, f'data-outcome="{o}"', c) for c in ("p-resolved", "brier", "log-score"))
        for o in rows(body, "data-outcome")
    }


def expected_score(scenario: Scenario, resolution: object) -> dict[str, tuple[str, str, str]]:
    """The library's score of a scenario, as the Score tab writes it."""
    table = score(update(scenario), resolution)
    return {
        o: (f"{r.p_resolved:.4f}", f"{r.brier:.4f}", f"{r.log_score:.4f}")
        for o, r in table.iterrows()
    }

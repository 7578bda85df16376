"""The explorer's "What reports would we expect?" tab: a prior predictive check by simulation.

Every probability the tab shows is compared with the prior predictive probability of the
report computed by hand from the generative story (fixed source rates, so that each is
a closed form), within Monte Carlo error; the tab's laziness is checked by counting the
simulations run, never by timing them.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from scipy import stats

from scenarios import Scenario
from scenarios.views.explorer import Explorer
from scenarios.views.explorer.model import (
    NUMBER_FLAG,
    NUMBER_RANGE,
    PREDICTIVE_WORLDS,
    SURPRISE,
    prior_predictive,
)
from scenarios.views.formats import number, points, probability
from tests.views.explorer_support import cell, harbour, rows

# fixed rates: the pilot reports a storm (hedged, w), the ministry denies it and
# reports calm seas, the pilot retracts at its retraction rates
P_STORM, P_QUIET = 0.3, 0.85
T, F, W = 0.8, 0.1, 0.6
T2, F2 = 0.7, 0.2
RT, RF = 0.05, 0.4
MU, SIGMA, SD = 10.0, 2.0, 1.0  # the swell: Normal(MU, SIGMA), reported with sd SD


def ledger(p_storm: float = P_STORM, p_quiet: float = P_QUIET, swell: float = 11.0) -> Scenario:
    """A claim with a denial and a retraction, a relay, a silence and a reported number."""
    fixed = {"true_positive": {"mean": T}, "false_positive": {"mean": F}}
    return Scenario(
        title="Storm ledger",
        seed=7,
        sources={
            "pilot": {
                "name": "The harbour pilot",
                **fixed,
                "retraction": {"if_true": {"mean": RT}, "if_false": {"mean": RF}},
            },
            "ministry": {"true_positive": {"mean": T2}, "false_positive": {"mean": F2}},
            "wire": {"name": "A news wire", **fixed},
        },
        facts={
            "storm": {"kind": "binary", "prior": {"p": p_storm}},
            "quiet": {"kind": "binary", "prior": {"p": p_quiet}},
            "swell": {
                "kind": "continuous",
                "unit": "metres",
                "description": "Height of the swell at the harbour mouth",
                "prior": {"distribution": "Normal", "parameters": {"mu": MU, "sigma": SIGMA}},
            },
        },
        outcomes={
            "late": {
                "kind": "binary",
                "exhaustive": "yes/no",
                "prior": {
                    "given": ["storm"],
                    "table": [
                        {"when": {"storm": True}, "p": 0.9},
                        {"when": {"storm": False}, "p": 0.2},
                    ],
                },
            }
        },
        claims=[
            {
                "id": "c_storm",
                "text": "A storm closed the harbour mouth.",
                "proposition": "storm",
                "source": "pilot",
                "weight": W,
                "denied_by": "ministry",
                "retracted": {"note": "the pilot withdrew it"},
            },
            {
                "id": "c_relay",
                "text": "Wire repeats the pilot: a storm.",
                "proposition": "storm",
                "source": "wire",
                "via": "c_storm",
            },
            {
                "id": "c_quiet",
                "text": "Calm seas all week.",
                "proposition": "quiet",
                "source": "ministry",
                "silent": True,
            },
            {
                "id": "c_swell",
                "text": "Waves of eleven metres.",
                "source": "pilot",
                "reported": {"fact": "swell", "value": swell, "sd": SD, "informative": 1.0},
            },
        ],
    )


def exact(p_storm: float = P_STORM, p_quiet: float = P_QUIET) -> dict[str, float]:
    """P(each report is made) under the prior, and P(what the file holds), by hand.

    A single claim by a source with fixed rates t, f about a binary fact with prior p:
    P(report) = p (f + w (t - f)) + (1 - p) f. Its answers are made only with it.
    """
    claim_if_storm, claim_if_calm = F + W * (T - F), F
    p_claim = p_storm * claim_if_storm + (1 - p_storm) * claim_if_calm
    # the denial reports "not storm": the ministry's t where there is no storm
    p_denial = p_storm * claim_if_storm * F2 + (1 - p_storm) * claim_if_calm * T2
    p_retraction = p_storm * claim_if_storm * RT + (1 - p_storm) * claim_if_calm * RF
    p_quiet_report = p_quiet * T2 + (1 - p_quiet) * F2
    return {
        "c_storm": p_claim,
        "c_storm~denied_by~ministry": p_denial,
        "c_storm~retracted": p_retraction,
        "c_relay": p_claim,  # a relay is made exactly where its original is
        "c_quiet": p_quiet_report,
        # what the file holds: answers given their claim, the silence as no report
        "observed:c_storm": p_claim,
        "observed:c_storm~denied_by~ministry": p_denial / p_claim,
        "observed:c_storm~retracted": p_retraction / p_claim,
        "observed:c_relay": 1.0,
        "observed:c_quiet": 1.0 - p_quiet_report,
    }


def shown_reports(ex: Explorer) -> dict[str, dict[str, str]]:
    """The tab's report rows as shown: report id -> cell texts."""
    body = ex.analysis_html("predictive")
    out = {}
    for report in rows(body, "data-report"):
        row = f'data-report="{re.escape(report)}"'
        out[report] = {
            c: cell(body, row, c) for c in ("p-made", "mcse", "p-observed", "mcse-observed")
        }
        made = re.search(rf'<tr[^>]*{row}[^>]*>.*?<td class="made">([^<]+)', body)
        assert made is not None, report
        out[report]["made"] = made.group(1)  # for an answer, a note follows what was made
    return out


def test_the_tab_shows_the_exact_prior_predictive_probabilities_within_monte_carlo_error() -> None:
    s = ledger()
    ex = Explorer(s)
    ex.controls["analysis:predictive.worlds"].value = 20000  # tab hidden: nothing runs
    assert "predictive" not in ex.analysis
    ex.show_view("predictive")
    check = ex.analysis["predictive"].data["check"]
    assert (check.n, check.seed) == (20000, s.seed)  # the scenario's seed by default
    body = ex.analysis_html("predictive")
    assert 'Simulated <b class="scn-worlds">20000</b> worlds' in body
    assert f'(seed <b class="scn-seed">{s.seed}</b>)' in body

    want = exact()
    table = check.reports
    assert list(table.index) == [
        "c_storm",
        "c_storm~denied_by~ministry",
        "c_storm~retracted",
        "c_relay",
        "c_quiet",
    ]
    assert table["role"].tolist() == ["claim", "denial", "retraction", "relay", "silence"]
    for report, r in table.iterrows():
        assert abs(r["p_made"] - want[report]) < 4 * r["mcse"], report
        observed = want[f"observed:{report}"]
        assert abs(r["p_observed"] - observed) < 4 * r["mcse_observed"] + 1e-12, report
    # ... and the tab shows the model's numbers, in the library's percent format
    shown = shown_reports(ex)
    assert list(shown) == list(table.index)
    for report, r in table.iterrows():
        assert shown[report]["p-made"] == probability(r["p_made"], "percent")
        assert shown[report]["p-observed"] == probability(r["p_observed"], "percent")
        assert shown[report]["mcse"] == points(r["mcse"], "", signed=False)
    assert shown["c_quiet"]["made"] == "no report"
    assert shown["c_storm"]["made"] == "yes"
    # plain words: the claim's text and the source's name, not their ids
    assert "<b>Denial of:</b> A storm closed the harbour mouth." in body
    assert "<b>No report of:</b> Calm seas all week." in body
    assert 'title="pilot">The harbour pilot</div>' in body
    assert 'title="wire">A news wire</div>' in body


def test_a_reported_number_is_shown_beside_its_prior_predictive_range() -> None:
    ex = Explorer(ledger())
    ex.controls["analysis:predictive.worlds"].value = 20000
    ex.show_view("predictive")
    row = ex.analysis["predictive"].data["check"].numbers.loc["c_swell"]
    # informative with certainty: the number is Normal(swell, SD), swell Normal(MU, SIGMA)
    predictive = stats.norm(MU, math.hypot(SIGMA, SD))
    spread = predictive.std()
    inner = (1 - NUMBER_RANGE) / 2
    assert abs(row["median"] - MU) < 0.05 * spread
    assert abs(row["low"] - predictive.ppf(inner)) < 0.1 * spread
    assert abs(row["high"] - predictive.ppf(1 - inner)) < 0.1 * spread
    tail = 2 * predictive.sf(11.0)
    assert abs(row["tail"] - tail) < 4 * row["mcse"]
    assert not row["surprise"] and row["label"] == "Height of the swell at the harbour mouth"
    body = ex.analysis_html("predictive")
    assert cell(body, 'data-claim="c_swell"', "reported") == "11"
    assert cell(body, 'data-claim="c_swell"', "median") == number(row["median"], 3)
    want = f"{number(row['low'], 3)} – {number(row['high'], 3)}"
    assert cell(body, 'data-claim="c_swell"', "range") == want
    assert "Height of the swell at the harbour mouth</b> (metres)" in body


def test_an_edit_changes_the_table_and_is_followed_while_the_tab_is_shown() -> None:
    s = ledger()
    ex = Explorer(s)
    ex.show_view("predictive")
    before = ex.analysis["predictive"].data["check"].reports
    assert (
        abs(before.loc["c_storm", "p_made"] - exact()["c_storm"])
        < 4 * before.loc["c_storm", "mcse"]
    )
    ex.controls["prior:storm"].value = 0.9  # no refresh pressed: the tab follows the edit
    assert ex.scenario == s.with_prior("storm", {"p": 0.9})
    assert not ex.stale("predictive") and "Up to date" in ex.analysis_status("predictive")
    after = ex.analysis["predictive"].data["check"].reports
    want = exact(p_storm=0.9)
    for report in ("c_storm", "c_storm~denied_by~ministry", "c_storm~retracted"):
        assert abs(after.loc[report, "p_made"] - want[report]) < 4 * after.loc[report, "mcse"]
    # the prior moved P(claim) from 0.2 to 0.51: far beyond the Monte Carlo error
    assert after.loc["c_storm", "p_made"] - before.loc["c_storm", "p_made"] > 0.25
    p = probability(after.loc["c_storm", "p_made"], "percent")
    assert cell(ex.analysis_html("predictive"), 'data-report="c_storm"', "p-made") == p
    # the silence is about another fact: the same worlds (same seed) give the same share
    assert after.loc["c_quiet", "p_made"] == before.loc["c_quiet", "p_made"]


def test_no_simulation_runs_while_the_tab_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    simulate = Scenario.simulate

    def counted(self: Scenario, n: int, seed: int | None = None) -> Any:
        calls.append((n, seed))
        return simulate(self, n, seed)

    monkeypatch.setattr(Scenario, "simulate", counted)
    ex = Explorer(harbour())
    for p in (0.4, 0.5, 0.6):  # slider steps on the scenario tab
        ex.controls["prior:storm"].value = p
    ex.controls["claim:c_crew.on"].value = False
    ex.show_view("voi")  # another analysis tab
    ex.controls["prior:storm"].value = 0.7
    ex.controls["analysis:predictive.seed"].value = 3  # its choices, while hidden
    assert calls == [] and "predictive" not in ex.analysis

    ex.show_view("predictive")  # shown: simulated once, with the chosen seed
    assert calls == [(PREDICTIVE_WORLDS, 3)]
    ex.controls["prior:storm"].value = 0.2  # an edit while shown: simulated again
    assert len(calls) == 2
    ex.show_view(None)
    ex.controls["prior:storm"].value = 0.25  # hidden again: nothing
    assert len(calls) == 2 and ex.stale("predictive")
    assert "Stale" in ex.analysis_status("predictive")
    ex.show_view("predictive")  # stale when shown: once more
    assert len(calls) == 3
    ex.show_view("voi")
    ex.show_view("predictive")  # up to date: shown again without simulating
    assert len(calls) == 3
    ex.controls["analysis:predictive.refresh"].click()
    assert len(calls) == 4


def test_surprising_observations_are_flagged() -> None:
    # the storm claim is rare under a prior of 1% (P = 0.01 * 0.5 + 0.99 * 0.1 = 0.104,
    # so its rates are lowered too), the silence about a near-certain calm sea is rare,
    # and 40 m of swell is far outside the predictive range (Normal(10, 2.24))
    s = ledger(p_storm=0.01, p_quiet=0.99, swell=40.0)
    s = s.with_source("pilot", false_positive={"mean": 0.01})
    s = s.with_source("ministry", true_positive={"mean": 0.99})
    ex = Explorer(s)
    ex.show_view("predictive")
    check = ex.analysis["predictive"].data["check"]
    f, t2 = 0.01, 0.99
    p_claim = 0.01 * (f + W * (T - f)) + 0.99 * f
    p_silence = 1 - (0.99 * t2 + 0.01 * F2)
    assert p_claim < SURPRISE and p_silence < SURPRISE  # the construction is surprising
    r = check.reports
    assert abs(r.loc["c_storm", "p_observed"] - p_claim) < 4 * r.loc["c_storm", "mcse"]
    assert abs(r.loc["c_quiet", "p_observed"] - p_silence) < 4 * r.loc["c_quiet", "mcse"]
    # the denial, given the rare claim, is likely (no storm: the ministry says so at 0.99)
    assert check.surprises == ["c_storm", "c_quiet", "c_swell"]
    body = ex.analysis_html("predictive")
    flagged = re.findall(r'<tr data-(?:report|claim)="([^"]+)"[^>]*class="scn-surprise"', body)
    assert flagged == ["c_storm", "c_quiet", "c_swell"]
    assert "3 of 6 observations surprising under the prior" in body
    assert f"outside the {NUMBER_FLAG:.0%} range" in body
    numbers = check.numbers.loc["c_swell"]
    assert numbers["flag_high"] < 40.0
    assert numbers["tail"] == 0.0  # no world of 4000 reported 40 m or more: said as < 1/n
    assert cell(body, 'data-claim="c_swell"', "tail") == "&lt; 0.03%"

    # the same claims under the original priors: nothing flagged
    calm = Explorer(ledger())
    calm.show_view("predictive")
    assert calm.analysis["predictive"].data["check"].surprises == []
    assert 'class="scn-surprise"' not in calm.analysis_html("predictive")
    assert "Nothing the file holds is surprising under the prior" in calm.analysis_html(
        "predictive"
    )


def test_the_seed_and_worlds_make_the_table_reproducible() -> None:
    s = ledger()
    ex = Explorer(s)
    ex.show_view("predictive")
    first = ex.analysis["predictive"].data["check"]
    assert first.reports.equals(prior_predictive(s, PREDICTIVE_WORLDS, s.seed).reports)
    ex.controls["analysis:predictive.seed"].value = 99  # shown: recomputed at once
    other = ex.analysis["predictive"].data["check"]
    assert other.seed == 99 and not other.reports.equals(first.reports)
    assert '(seed <b class="scn-seed">99</b>)' in ex.analysis_html("predictive")
    ex.controls["analysis:predictive.seed"].value = s.seed
    assert ex.analysis["predictive"].data["check"].reports.equals(first.reports)
    ex.controls["analysis:predictive.worlds"].value = 1000
    assert len(ex.analysis["predictive"].data["check"].reports) == len(first.reports)
    assert ex.analysis["predictive"].data["check"].n == 1000
    assert "simulated 1000 worlds" in ex.analysis_status("predictive")


def test_a_claim_switched_off_gains_its_retraction_row() -> None:
    ex = Explorer(harbour())
    ex.show_view("predictive")
    assert "c_crew~retracted" not in rows(ex.analysis_html("predictive"), "data-report")
    ex.controls["claim:c_crew.on"].value = False  # its source retracted it
    reports = rows(ex.analysis_html("predictive"), "data-report")
    assert reports[reports.index("c_crew") + 1] == "c_crew~retracted"
    assert 'data-role="retraction"' in ex.analysis_html("predictive")

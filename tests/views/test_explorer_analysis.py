"""The explorer's analysis tabs: computed when shown, stale after an edit, the library's numbers.

Each view is compared with :mod:`scenarios.analysis` computed for the same (edited)
scenario, independently of the explorer.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

import scenarios
from scenarios import Scenario
from scenarios.analysis import (
    power_scaling,
    score,
    sensitivity,
    timeline,
    timeline_moves,
    value_of_information,
    what_if,
)
from scenarios.io.data import resolution_for
from scenarios.io.resolutions import load_resolution
from scenarios.spec.resolution import Resolution
from scenarios.views.explorer import ANALYSIS_VIEWS, Explorer
from scenarios.views.explorer.edits import rescale
from scenarios.views.formats import change, probability
from scenarios.views.html import TOP_INPUTS, what_if_summary
from tests.views.explorer_support import (
    PRIORS,
    RESOLUTION,
    assert_shows,
    cell,
    expected_score,
    harbour,
    rows,
    shown_score,
    update,
)


@pytest.fixture(scope="module")
def wagner() -> Scenario:
    return scenarios.load(scenarios.example())


def test_the_score_follows_every_edit_against_the_shipped_resolution(wagner: Scenario) -> None:
    ex = Explorer(scenarios.example())  # a path: its resolution is found
    assert ex.resolution_path == RESOLUTION.resolve()
    resolution = load_resolution(RESOLUTION)
    assert ex.resolution == resolution
    assert shown_score(ex) == expected_score(wagner, resolution)
    assert "Hindsight" in ex.analysis_html("score")
    assert set(ex.analysis) == {"score"}  # nothing heavy was computed on opening

    loyalty = dict(wagner.facts["army_loyalty"].prior.probs)
    ex.controls["prior:army_loyalty"].sliders["loyal"].value = 0.2
    want = wagner.with_prior(
        "army_loyalty", {"probs": rescale(loyalty, "loyal", 0.2), "concentration": 8}
    )
    assert_shows(ex, want)
    got = shown_score(ex)
    assert got == expected_score(want, resolution)
    assert got != expected_score(wagner, resolution)  # the edit moved the score
    before = score(update(wagner), resolution).loc["mutiny_end", "brier"]
    after = score(update(want), resolution).loc["mutiny_end", "brier"]
    verdict = "better" if after < before else "worse"
    assert f"{after - before:+.4f} {verdict}" in ex.analysis_html("score")
    assert not ex.stale("score")
    assert set(ex.analysis) == {"score"}  # a slider move computes no heavy view


def test_value_of_information_is_computed_when_shown_and_goes_stale(wagner: Scenario) -> None:
    ex = Explorer(wagner, resolution=RESOLUTION)
    assert ex.shown_view is None and "voi" not in ex.analysis
    ex.show_view("voi")
    assert ex.views.selected_index == list(ANALYSIS_VIEWS).index("voi") + 1
    voi = value_of_information(wagner, "mutiny_end").table
    body = ex.analysis_html("voi")
    assert rows(body, "data-fact") == list(voi.index)
    top = voi.index[0]
    assert cell(body, f'data-fact="{top}"', "mi") == f"{voi.iloc[0]['mutual_information']:.4f}"
    assert f"Look for <b>{top}</b> next" in body
    assert "Up to date" in ex.analysis_status("voi")

    # an edit makes it stale; it is not recomputed until asked
    computed = ex.analysis["voi"]
    ex.controls["prior:elite_cohesion"].sliders["fractured"].value = 0.6
    assert ex.stale("voi") and "Stale" in ex.analysis_status("voi")
    assert ex.analysis["voi"] is computed and ex.analysis_html("voi") == body

    ex.controls["analysis:voi.refresh"].click()
    assert not ex.stale("voi") and "Up to date" in ex.analysis_status("voi")
    edited = ex.scenario
    assert edited != wagner
    for outcome in edited.outcomes:
        got, want = ex.analysis["voi"].data[outcome], value_of_information(edited, outcome)
        assert got.outcome == want.outcome and got.entropy_bits == want.entropy_bits
        assert_frame_equal(got.table, want.table)
    new = value_of_information(edited, "mutiny_end").table
    body = ex.analysis_html("voi")
    assert rows(body, "data-fact") == list(new.index)
    top = new.index[0]
    assert cell(body, f'data-fact="{top}"', "mi") == f"{new.iloc[0]['mutual_information']:.4f}"

    # another outcome is drawn from the same result, without computing anything
    result = ex.analysis["voi"]
    ex.controls["analysis:voi.outcome"].value = "putin_in_power"
    assert ex.analysis["voi"] is result
    other = value_of_information(edited, "putin_in_power").table
    assert rows(ex.analysis_html("voi"), "data-fact") == list(other.index)


def test_timeline_view_shows_which_report_moved_what() -> None:
    s = harbour()
    ex = Explorer(s)
    ex.show_view("timeline")
    table = timeline(s)
    moves = timeline_moves(table)
    body = ex.analysis_html("timeline")
    assert "<svg" in body and "refloated: report by report" in body
    # in the order the reports came in (the timeline's steps), not by size of move
    assert rows(body, "data-claim") == list(moves.sort_index()["claim"])
    assert rows(body, "data-step") == [str(i) for i in sorted(moves.index)]
    assert list(moves["moved"]) == sorted(moves["moved"], reverse=True)
    for claim, moved in zip(moves["claim"], moves["moved"], strict=True):
        assert cell(body, f'data-claim="{claim}"', "moved") == f"{moved * 100:.1f}"
    assert_frame_equal(ex.analysis["timeline"].data["table"], table)

    # the outcome is a choice of display: no recomputation
    result = ex.analysis["timeline"]
    ex.controls["analysis:timeline.outcome"].value = "cost"
    assert ex.analysis["timeline"] is result
    assert "cost: report by report" in ex.analysis_html("timeline")

    # a claim switched off (retracted by its source) gets its retraction step once
    # refreshed (issue 12: the retracted report stays, the retraction is a report)
    ex.controls["claim:c_crew.on"].value = False
    assert ex.stale("timeline") and "Stale" in ex.analysis_status("timeline")
    assert "c_crew~retracted" not in rows(ex.analysis_html("timeline"), "data-claim")
    ex.refresh_analysis("timeline")
    assert not ex.stale("timeline")
    assert "c_crew~retracted" in rows(ex.analysis_html("timeline"), "data-claim")
    assert_frame_equal(ex.analysis["timeline"].data["table"], timeline(ex.scenario))


def test_sensitivity_view_ranks_the_inputs_and_says_the_prior_share() -> None:
    s = harbour()
    ex = Explorer(s)
    ex.show_view("sensitivity")
    sens = sensitivity(s)  # default: the most likely state of the first outcome
    power = power_scaling(s, sens.target)
    body = ex.analysis_html("sensitivity")
    top = sens.table.head(TOP_INPUTS)
    assert rows(body, "data-rank") == [str(i) for i in range(1, len(top) + 1)]
    for rank, r in enumerate(top.itertuples(), start=1):
        row = f'data-rank="{rank}"'
        assert cell(body, row, "p-low") == probability(r.p_low)
        assert cell(body, row, "p-high") == probability(r.p_high)
        assert cell(body, row, "swing") == change(r.swing, "percent", signed=False)
    assert f"the prior drives {power.prior_share:.0%} of the answer" in body
    assert "<svg" in body  # the tornado

    # an edit makes it stale; Refresh analysis computes it for the edited scenario
    ex.controls["prior:storm"].value = 0.6
    assert ex.stale("sensitivity") and "Stale" in ex.analysis_status("sensitivity")
    ex.controls["analysis:sensitivity.refresh"].click()
    edited = s.with_prior("storm", {"p": 0.6, "concentration": 6})
    assert ex.scenario == edited and not ex.stale("sensitivity")
    want = sensitivity(edited)
    assert_frame_equal(ex.analysis["sensitivity"].data["sensitivity"].table, want.table)
    body = ex.analysis_html("sensitivity")
    assert cell(body, 'data-rank="1"', "swing") == change(
        want.table.iloc[0]["swing"], "percent", signed=False
    )
    share = power_scaling(edited, want.target).prior_share
    assert f"the prior drives {share:.0%} of the answer" in body

    # another target, asked while the tab is shown, is computed at once
    ex.controls["analysis:sensitivity.target"].value = ("cost", "high")
    got = ex.analysis["sensitivity"].data["sensitivity"]
    assert got.target == ("cost", "high") and not ex.stale("sensitivity")
    assert ex.analysis["sensitivity"].data["power"].target == ("cost", "high")
    p_high = update(edited).scenarios.loc[("cost", "high"), "probability"]
    assert got.probability == pytest.approx(p_high, abs=1e-12)
    assert f"P(cost = high) = {probability(p_high)}" in ex.analysis_html("sensitivity")


def test_what_if_view_compares_learning_and_setting_a_fact() -> None:
    s = harbour()
    ex = Explorer(s)
    # it starts on a fact with causes, where the two differ
    assert ex.controls["analysis:what_if.fact"].value == "damage"
    assert ex.controls["analysis:what_if.state"].value == "true"
    ex.show_view("what_if")
    table = what_if(s, damage="true")
    body = ex.analysis_html("what_if")
    for (outcome, state), r in table.iterrows():
        row = f'data-outcome="{outcome}" data-state="{state}"'
        for col in ("now", "observe", "intervene"):
            assert cell(body, row, col) == probability(r[col])
    assert html.escape(what_if_summary(table, s, "damage", "true", fmt="percent")) in body
    assert "causes (storm)" in body
    assert "if we learnt damage = true" in body and "if we made damage = true (do)" in body

    ex.controls["analysis:what_if.fact"].value = "crew"
    assert list(ex.controls["analysis:what_if.state"].options) == ["small", "medium", "large"]
    assert ex.analysis["what_if"].key == ("crew", "small")
    ex.controls["analysis:what_if.state"].value = "large"
    assert_frame_equal(ex.analysis["what_if"].data["table"], what_if(s, crew="large"))
    assert "crew has no causes in the model" in ex.analysis_html("what_if")

    # an impossible what-if is refused with the reason, in the view
    ex.controls["claim:c_storm.status"].value = "confirmed"
    ex.controls["analysis:what_if.fact"].value = "storm"
    ex.controls["analysis:what_if.state"].value = "false"
    assert ex.analysis["what_if"].error is not None
    assert "cannot all hold" in ex.analysis_html("what_if") and "scn-warn" in ex.analysis_html(
        "what_if"
    )


def test_score_on_a_small_scenario_found_beside_its_priors(tmp_path: Path) -> None:
    s = harbour()
    (tmp_path / "priors").mkdir()
    (tmp_path / "resolutions").mkdir()
    priors = scenarios.save(s, tmp_path / "priors" / "harbour.yaml")
    (tmp_path / "resolutions" / "harbour.yaml").write_text(
        "format: scenarios-resolution/1\ntitle: How the blockage ended\n"
        "outcomes:\n  refloated: true\n  cost: high\n"
    )
    ex = Explorer(priors, priors_dir=tmp_path / "priors")
    resolution = load_resolution(tmp_path / "resolutions" / "harbour.yaml")
    assert ex.resolution == resolution
    assert shown_score(ex) == expected_score(s, resolution)
    ex.controls["prior:damage.default"].value = 0.5
    assert shown_score(ex) == expected_score(ex.scenario, resolution)
    assert ex.scenario != s

    # a Resolution given in Python; none at all
    given = Resolution(title="t", outcomes={"refloated": False})
    assert list(shown_score(Explorer(s, resolution=given))) == ["refloated"]
    bare = Explorer(s)
    assert bare.resolution is None and "no resolution for this scenario" in bare.analysis_html(
        "score"
    )
    assert bare.refresh_analysis("score")["score"].error is not None


@pytest.mark.parametrize(
    "path",
    # Wagner's sensitivity alone takes seconds (123 inputs): with the slow tests
    [pytest.param(p, marks=pytest.mark.slow) if p.stem.startswith("wagner") else p for p in PRIORS],
    ids=lambda p: p.stem,
)
def test_every_view_refreshes_from_python_on_each_shipped_scenario(path: Path) -> None:
    ex = Explorer(path)
    results = ex.refresh_analysis()  # the scenario tab is shown: every view
    assert set(results) == set(ANALYSIS_VIEWS)
    assert (ex.resolution is not None) == (resolution_for(path) is not None)
    for view, result in results.items():
        if view == "score" and ex.resolution is None:
            assert "no resolution for this scenario" in ex.analysis_html(view)
            continue
        assert result.error is None, (path.stem, view, result.error)
        assert result.scenario == ex.scenario and not ex.stale(view)
        assert "Up to date" in ex.analysis_status(view) or view == "score"

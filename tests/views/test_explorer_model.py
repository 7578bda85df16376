"""The explorer's state without widgets: edits applied or refused, analyses and staleness."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

import scenarios
from scenarios import ImpossibleEvidenceError, ScenarioError
from scenarios.analysis import score, value_of_information, what_if
from scenarios.io.resolutions import load_resolution
from scenarios.views.explorer import edits, model
from scenarios.views.explorer.model import ANALYSIS_VIEWS, ExplorerModel, analysis_choices
from tests.views.explorer_support import RESOLUTION, harbour, update


@pytest.mark.parametrize("module", [model, edits], ids=lambda m: m.__name__)
def test_the_model_and_the_edits_use_no_widgets(module: object) -> None:
    tree = ast.parse(Path(module.__file__).read_text())  # type: ignore[attr-defined]
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported  # the check sees the imports
    assert not {m for m in imported if m.split(".")[0] in ("ipywidgets", "traitlets")}


def test_an_edit_is_applied_and_updated_with_the_library() -> None:
    s = harbour()
    m = ExplorerModel(s)
    assert m.error is None and m.posterior is not None
    assert m.posterior.scenarios.equals(update(s).scenarios)
    m.apply(lambda sc: sc.with_prior("storm", {"p": 0.6}))
    want = s.with_prior("storm", {"p": 0.6})
    assert m.scenario == want
    assert m.posterior.scenario == want
    assert m.posterior.scenarios.equals(update(want).scenarios)


def test_a_refused_edit_changes_nothing() -> None:
    s = harbour()
    m = ExplorerModel(s)
    before = m.posterior
    with pytest.raises(ScenarioError, match="less than or equal to 1"):
        m.apply(lambda sc: sc.with_prior("storm", {"p": 1.5}))
    m.apply(lambda sc: sc.with_claim_changed("c_storm", status="confirmed"))
    confirmed = m.scenario
    with pytest.raises(ImpossibleEvidenceError):
        m.apply(lambda sc: sc.with_claim_changed("c_calm", status="confirmed"))
    assert m.scenario == confirmed and m.posterior is not before
    assert m.posterior.scenario == confirmed


def test_an_impossible_scenario_opens_with_its_error_and_recovers() -> None:
    s = harbour().with_claim_changed("c_storm", status="confirmed")
    s = s.with_claim_changed("c_calm", status="confirmed")
    m = ExplorerModel(s)
    assert m.posterior is None and isinstance(m.error, ImpossibleEvidenceError)
    m.apply(lambda sc: sc.with_claim_changed("c_calm", status="retracted"))
    assert m.error is None and m.posterior is not None


def test_views_go_stale_with_the_scenario_and_the_question() -> None:
    s = harbour()
    m = ExplorerModel(s)
    assert all(m.stale(view) for view in ANALYSIS_VIEWS)
    result = m.compute("voi", None)
    assert result.error is None and result.scenario == s and not m.stale("voi")
    for outcome in s.outcomes:
        got, want = result.data[outcome], value_of_information(s, outcome)
        assert got.outcome == outcome and got.entropy_bits == want.entropy_bits
        assert_frame_equal(got.table, want.table)
    assert m.stale("voi", key=("cost", "high"))  # another question
    m.apply(lambda sc: sc.with_prior("storm", {"p": 0.6}))
    assert m.stale("voi") and m.analysis["voi"] is result  # kept, not recomputed

    result = m.compute("what_if", ("crew", "large"))
    assert_frame_equal(result.data["table"], what_if(m.scenario, crew="large"))
    assert not m.stale("what_if", ("crew", "large")) and m.stale("what_if", ("crew", "small"))
    assert m.compute("what_if", None).error == "this scenario has no discrete fact to set"
    with pytest.raises(KeyError, match="no analysis view 'nope'"):
        m.compute("nope", None)


def test_the_score_needs_a_resolution_and_keeps_the_opened_scenario_as_baseline() -> None:
    wagner = scenarios.load(scenarios.example())
    m = ExplorerModel(wagner, priors_path=scenarios.example())
    resolution = load_resolution(RESOLUTION)
    assert m.resolution == resolution and m.resolution_path == RESOLUTION
    assert_frame_equal(m.baseline_score, score(update(wagner), resolution))
    m.apply(lambda sc: sc.with_prior("army_strikes", {"p": 0.9}))
    result = m.compute("score", None)
    assert_frame_equal(result.data["score"], score(update(m.scenario), resolution))
    assert result.data["baseline"] is m.baseline_score

    bare = ExplorerModel(harbour())
    assert bare.resolution is None and bare.baseline_score is None
    assert "no resolution for this scenario" in (bare.compute("score", None).error or "")


def test_a_resolution_file_that_cannot_be_read_is_said(tmp_path: Path) -> None:
    (tmp_path / "priors").mkdir()
    (tmp_path / "resolutions").mkdir()
    priors = scenarios.save(harbour(), tmp_path / "priors" / "harbour.yaml")
    (tmp_path / "resolutions" / "harbour.yaml").write_text("outcomes: [not, a, mapping]\n")
    m = ExplorerModel(scenarios.load(priors), priors_path=priors)
    assert m.resolution is None and m.resolution_problem
    assert m.no_resolution().startswith("the resolution file cannot be read")


def test_analysis_choices_follow_the_scenario() -> None:
    s = harbour()
    choices = analysis_choices(s)
    assert choices["timeline.outcome"] == choices["voi.outcome"] == ["refloated", "cost"]
    assert choices["what_if.fact"] == ["storm", "crew", "damage"]  # discrete facts only
    targets = [value for _, value in choices["sensitivity.target"]]
    assert targets[0] == ("", "")
    assert targets[1:] == [
        ("refloated", "false"),
        ("refloated", "true"),
        ("cost", "low"),
        ("cost", "high"),
        ("cost", "other"),
    ]


def test_expected_reports_are_the_prior_probabilities_of_the_reports() -> None:
    # prior predictive check: P(report) by simulation against the exact engine's
    # probability of that report alone (its evidence), within 5 Monte Carlo errors
    import math

    s = harbour()
    m = ExplorerModel(s)
    table = m.expected_reports(n=20000, seed=3)
    dispute = "c_calm~disputed_by~coastguard"
    assert list(table.index) == ["c_storm", "c_damage", "c_crew", "c_calm", dispute]
    assert table.loc[dispute, ["claim", "source"]].tolist() == ["c_calm", "coastguard"]
    for claim in s.claims:
        if claim.proposition is None:
            continue
        alone = claim.model_copy(update={"status": "reported", "disputed_by": ()})
        exact = math.exp(s.replace(claims=[alone]).update(intervals=False).log_evidence)
        row = table.loc[claim.id]
        assert (row["claim"], row["source"]) == (claim.id, claim.source)
        assert abs(row["prior"] - exact) < 5 * row["mcse"] + 1e-12, claim.id
    # the dispute is made only with its claim: P(claim and dispute), the engine's evidence
    both = math.exp(s.replace(claims=[s.claim("c_calm")]).update(intervals=False).log_evidence)
    assert abs(table.loc[dispute, "prior"] - both) < 5 * table.loc[dispute, "mcse"]
    assert table.equals(m.expected_reports(n=20000, seed=3))
    assert not table.equals(m.expected_reports(n=20000, seed=4))

"""The explorer's controls, driven without a browser.

Every check compares what the explorer shows with what the library computes for the
edited scenario, built independently of the widgets (``with_prior`` etc. on the
original scenario).
"""

from __future__ import annotations

import html
import math
import re
from datetime import timedelta
from pathlib import Path

import ipywidgets as widgets
import pytest

import scenarios
from scenarios import Scenario
from scenarios.io.data import notebook
from scenarios.spec.elicit import distribution
from scenarios.views import html as views
from scenarios.views.explorer import Explorer, ProbabilityEditor, ProbabilityInput
from scenarios.views.explorer.edits import STATUSES, link_anchors, rescale, with_anchor_field
from scenarios.views.formats import probability
from tests.views.explorer_support import (
    PRIORS,
    assert_shows,
    expected,
    harbour,
    shown,
    update,
)


@pytest.fixture(scope="module")
def wagner() -> Scenario:
    return scenarios.load(scenarios.example())


@pytest.mark.parametrize("path", PRIORS, ids=lambda p: p.stem)
def test_every_prior_claim_and_source_has_a_control(path: Path) -> None:
    s = scenarios.load(path)
    ex = Explorer(s)
    c = ex.controls
    for name, node in s.nodes.items():
        prior = node.prior
        kind = type(prior).__name__
        if kind == "Probabilities" and prior.p is not None:
            assert isinstance(c[f"prior:{name}"], ProbabilityInput)
            assert c[f"prior:{name}"].description == name
            assert c[f"prior:{name}"].value == prior.p
        elif kind == "Probabilities":
            assert c[f"prior:{name}"].value == dict(prior.probs)
        elif kind in ("RangePrior", "QuantilePrior", "DistributionPrior"):
            slider = c[f"prior:{name}"]
            assert isinstance(slider, widgets.FloatRangeSlider)
            want = distribution(s.facts[name]).dist.ppf([0.05, 0.95])
            assert slider.value == pytest.approx(tuple(want), rel=1e-6)
        elif kind == "TablePrior":
            for i in range(len(prior.table)):
                assert f"prior:{name}.table[{i}]" in c
            assert (f"prior:{name}.default" in c) == (prior.default is not None)
        elif kind in ("LogitPrior", "AnchorPrior"):
            # a link is shown as anchor-case probabilities, never as log-odds
            anchors = link_anchors(s, name)
            for i, anchor in enumerate(anchors.anchors):
                box = c[f"prior:{name}.anchors[{i}]"]
                if anchor.p is not None:
                    assert isinstance(box, ProbabilityInput) and box.value == anchor.p
                else:
                    assert box.value == dict(anchor.probs)
            assert f"prior:{name}.implied" in c
        elif kind == "ContinuousTablePrior":
            for i in range(len(prior.table)):
                assert isinstance(c[f"prior:{name}.table[{i}]"], widgets.FloatRangeSlider)
            assert (f"prior:{name}.default" in c) == (prior.default is not None)
        elif kind == "DerivedPrior":
            assert prior.expression.text in c[f"prior:{name}.formula"].value
            n = len(prior.expression.constants())
            assert [k for k in c if k.startswith(f"prior:{name}.constants")] == [
                f"prior:{name}.constants[{k}]" for k in range(n)
            ]
        elif kind == "ThresholdPrior":
            assert f"prior:{name}.meaning" in c
            lines = [k for k in c if k.startswith(f"prior:{name}.threshold")]
            assert lines and [c[k].value for k in lines] == [
                float(t)
                for text in prior.conditions
                for t in re.findall(r"[<>]=?\s*(-?[\d.]+)", text)
            ]
        else:
            pytest.fail(f"no check of the controls of a {kind}")
        assert (f"prior:{name}.concentration" in c) == (
            getattr(prior, "concentration", None) is not None
        )
    for claim in s.claims:
        assert c[f"claim:{claim.id}.status"].value == claim.status
        assert c[f"claim:{claim.id}.information"].value == (claim.information or 0)
        assert c[f"claim:{claim.id}.on"].value == (claim.status != "retracted")
    for name, source in s.sources.items():
        assert c[f"source:{name}.grade"].value == source.grade
    assert shown(ex) == expected(s)


def test_binary_slider_changes_the_prior_and_the_table(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    assert_shows(ex, wagner)
    ex.controls["prior:army_strikes"].value = 0.55
    want = wagner.with_prior("army_strikes", {"p": 0.55, "concentration": 5})
    assert ex.scenario.facts["army_strikes"].prior.p == 0.55
    assert ex.scenario.facts["army_strikes"].prior.concentration == 5
    assert_shows(ex, want)
    assert re.search(
        r'data-fact="army_strikes" data-state="true">.*?<td class="posterior num">'
        + f"{probability(update(want).facts.loc[('army_strikes', 'true'), 'probability'])}<",
        ex.comparison.value,
    )


def test_categorical_editor_stays_normalised(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    editor = ex.controls["prior:army_loyalty"]
    assert isinstance(editor, ProbabilityEditor)
    probs = dict(wagner.facts["army_loyalty"].prior.probs)
    for state, value in [("loyal", 0.9), ("defecting", 0.3), ("wavering", 0.0), ("loyal", 1.0)]:
        editor.sliders[state].value = value
        probs = rescale(probs, state, value)
        assert math.fsum(editor.value.values()) == pytest.approx(1.0, abs=1e-9)
        assert editor.value == probs
        assert {s: sl.value for s, sl in editor.sliders.items()} == probs
        assert dict(ex.scenario.facts["army_loyalty"].prior.probs) == probs
    want = wagner.with_prior("army_loyalty", {"probs": probs, "concentration": 8})
    assert_shows(ex, want)


def test_range_slider_writes_a_range_prior() -> None:
    s = harbour()
    ex = Explorer(s)
    ex.controls["prior:delay_days"].value = (3.0, 9.0)
    want = s.with_prior("delay_days", {"between": [3.0, 9.0], "mass": 0.9})
    assert_shows(ex, want)
    quantities = ex.posterior.quantities.loc["delay_days"]
    assert quantities["mean"] == pytest.approx(update(want).quantities.loc["delay_days", "mean"])
    ex.controls["prior:fuel_share"].value = (0.3, 0.5)
    assert_shows(ex, want.with_prior("fuel_share", {"between": [0.3, 0.5], "mass": 0.9}))


def test_table_rows_logit_intercepts_and_concentrations(wagner: Scenario) -> None:
    s = harbour()
    ex = Explorer(s)
    ex.controls["prior:damage.table[0]"].value = 0.9
    ex.controls["prior:damage.default"].value = 0.2
    ex.controls["prior:damage.concentration"].value = 40.0
    ex.controls["prior:refloated.anchors[0]"].value = 0.6
    ex.controls["prior:storm.concentration"].value = 2.0
    cost = ex.controls["prior:cost.default"]
    cost.sliders["high"].value = 0.5
    damage = {
        "given": ["storm"],
        "table": [{"when": {"storm": True}, "p": 0.9}],
        "default": {"p": 0.2},
        "concentration": 40.0,
    }
    logit = link_anchors(s, "refloated").model_dump(exclude_none=True)
    logit["anchors"][0]["p"] = 0.6
    cost_prior = s.outcomes["cost"].prior.model_dump(exclude_none=True)
    cost_prior["default"]["probs"] = rescale(cost_prior["default"]["probs"], "high", 0.5)
    want = (
        s.with_prior("damage", damage)
        .with_prior("refloated", logit)
        .with_prior("storm", {"p": 0.3, "concentration": 2.0})
        .with_prior("cost", cost_prior)
    )
    assert_shows(ex, want)

    wex = Explorer(wagner)
    probs = rescale(dict(wagner.outcomes["mutiny_end"].prior.anchors[2].probs), "other", 0.3)
    wex.controls["prior:mutiny_end.anchors[2]"].sliders["other"].value = 0.3
    assert_shows(wex, with_anchor_field(wagner, "mutiny_end", ("anchors", 2, "probs"), probs))


def test_claim_status_on_off_information_and_grade(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    # ("denied"/"disputed" need a denier: offered only on claims that name one)
    assert "denied" not in ex.controls["claim:hq_seized.status"].options
    assert "denied" in ex.controls["claim:coup_attempt.status"].options
    ex.controls["claim:hq_seized.status"].value = "confirmed"
    want = wagner.with_claim_changed("hq_seized", status="confirmed")
    assert_shows(ex, want)

    ex.controls["claim:helicopter_downed.on"].value = False
    want = want.with_claim_changed("helicopter_downed", status="retracted")
    assert_shows(ex, want)
    assert ex.controls["claim:helicopter_downed.status"].value == "retracted"
    assert "helicopter_downed" in [c.id for c in ex.scenario.claims]  # kept in the ledger
    assert "15 of 16 claims counted" in ex.status_text

    ex.controls["claim:helicopter_downed.on"].value = True
    want = want.with_claim_changed("helicopter_downed", status="reported")
    assert_shows(ex, want)

    ex.controls["claim:no_resistance.information"].value = 6
    want = want.with_claim_changed("no_resistance", information=6)
    assert_shows(ex, want)
    ex.controls["claim:no_resistance.information"].value = 0  # none
    want = want.with_claim_changed("no_resistance", information=None)
    assert ex.scenario.claim("no_resistance").information is None
    assert_shows(ex, want)

    ex.controls["source:news_report.grade"].value = "E"
    want = want.with_source("news_report", grade="E")
    assert_shows(ex, want)
    assert shown(ex) != expected(wagner)

    # the status dropdown set to retracted switches the claim off, and back
    ex.controls["claim:moscow_armour.status"].value = "retracted"
    assert ex.controls["claim:moscow_armour.on"].value is False
    ex.controls["claim:moscow_armour.status"].value = "reported"
    assert ex.controls["claim:moscow_armour.on"].value is True
    assert_shows(ex, want.with_claim_changed("moscow_armour", status="reported"))
    assert set(ex.controls["claim:moscow_armour.status"].options) == set(STATUSES)


def test_impossible_evidence_is_refused_and_the_last_good_scenario_kept(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    # (putin_in_moscow, the pair used before, is now a silence: it cannot be confirmed)
    ex.controls["claim:kremlin_goal.status"].value = "confirmed"
    good = wagner.with_claim_changed("kremlin_goal", status="confirmed")
    assert_shows(ex, good)
    table = ex.table.value

    ex.controls["claim:march_for_justice.status"].value = "confirmed"
    assert "Impossible evidence" in ex.status_text
    assert "march_for_justice" in ex.status_text and "kremlin_goal" in ex.status_text
    assert ex.scenario == good
    assert ex.table.value == table
    assert ex.controls["claim:march_for_justice.status"].value == "reported"  # reverted

    # the next valid edit works from the last good scenario
    ex.controls["claim:putin_left_moscow.on"].value = False
    assert_shows(ex, good.with_claim_changed("putin_left_moscow", status="retracted"))


def test_invalid_edit_is_refused_with_its_message() -> None:
    s = harbour()
    ex = Explorer(s)
    before = ex.controls["prior:delay_days"].value
    ex.controls["prior:delay_days"].value = (5.0, 5.0)  # a range needs lower < upper
    assert "Invalid edit" in ex.status_text
    assert "lower < upper" in ex.status_text
    assert ex.scenario == s
    assert ex.controls["prior:delay_days"].value == pytest.approx(before)

    assert not ex.apply(lambda sc: sc.with_prior("storm", {"p": 1.5}))
    assert "less than or equal to 1" in ex.status_text
    assert ex.scenario == s
    assert ex.apply(lambda sc: sc.with_prior("storm", {"p": 0.6}))
    assert_shows(ex, s.with_prior("storm", {"p": 0.6}))
    assert ex.controls["prior:storm"].value == 0.6
    assert "prior:storm.concentration" not in ex.controls  # the prior has none now


def test_a_new_claim_gets_its_controls() -> None:
    s = harbour()
    ex = Explorer(s)
    claim = {
        "id": "c_tug",
        "text": "Tugs are on site.",
        "proposition": "not damage",
        "source": "coastguard",
        "information": 2,
    }
    assert ex.apply(lambda sc: sc.with_claim(claim))
    assert_shows(ex, s.with_claim(claim))
    ex.controls["claim:c_tug.status"].value = "confirmed"
    assert_shows(ex, s.with_claim({**claim, "status": "confirmed"}))
    ex.controls["prior:storm"].value = 0.2  # the rebuilt controls still edit the scenario
    assert ex.scenario.facts["storm"].prior.p == 0.2


def test_an_impossible_scenario_opens_with_its_message() -> None:
    s = harbour().with_claim_changed("c_storm", status="confirmed")
    s = s.with_claim_changed("c_calm", status="confirmed")
    ex = Explorer(s)
    assert ex.posterior is None
    assert "Impossible evidence" in ex.status_text
    assert ex.apply(lambda sc: sc.with_claim_changed("c_calm", status="retracted"))
    assert ex.posterior is not None


def test_save_writes_a_new_file_each_time(tmp_path: Path, wagner: Scenario) -> None:
    where = tmp_path / "edited" / "priors"  # created on first save
    ex = Explorer(wagner, priors_dir=where)
    ex.controls["prior:army_strikes"].value = 0.4
    ex.controls["claim:coup_attempt.on"].value = False
    first = ex.save()
    second = ex.save()
    assert first is not None and second is not None and first != second
    assert sorted(where.iterdir()) == sorted([first, second])
    assert scenarios.load(first) == ex.scenario == scenarios.load(second)
    assert str(second) in ex.saved_label.value
    ex.controls["save"].click()
    assert len(list(where.iterdir())) == 3
    assert scenarios.load(scenarios.example()) == wagner  # the original is untouched


def test_save_failure_is_shown(tmp_path: Path, wagner: Scenario) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ex = Explorer(wagner, priors_dir=blocker)
    assert ex.save() is None
    assert "Not saved" in ex.saved_label.value
    assert blocker.read_text() == "not a folder"


def test_explorer_displays_as_a_widget_and_accepts_a_path(wagner: Scenario) -> None:
    ex = Explorer(scenarios.example())
    assert ex.scenario == wagner
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert isinstance(ex.widget, widgets.VBox)
    assert "<svg" in ex.chart.value and 'data-state="negotiated"' in ex.chart.value
    assert all(
        getattr(w, "continuous_update", False) is False
        for w in ex.controls.values()
        if isinstance(w, widgets.FloatSlider | widgets.FloatRangeSlider | widgets.FloatLogSlider)
    )


@pytest.mark.slow
def test_full_engine_button_shows_mcse_and_diagnostics() -> None:
    s = harbour()
    ex = Explorer(s, full_options={"draws": 200, "tune": 200, "chains": 2, "seed": 3})
    ex.controls["prior:storm"].value = 0.5
    ex.controls["run_full"].click()
    post = ex.full_posterior
    assert post is not None and post.engine == "pymc"
    assert post.scenario == ex.scenario
    view = ex.full_view.value
    assert "MCSE" in view
    for key, p in post.scenarios["probability"].items():
        row = re.search(
            rf'data-outcome="{key[0]}" data-state="{key[1]}">.*?'
            r'<td class="probability num">([^<]+)</td>.*?<td class="mcse num">([^<]+)</td>',
            view,
        )
        assert row is not None
        assert row.group(1) == probability(p)
        assert row.group(2) == f"{post.scenarios.loc[key, 'mcse']:.4f}"
    for name in post.diagnostics.index:
        assert f'data-diagnostic="{name}"' in view
    for message in views.failed_checks(post):
        assert f'<div class="scn-warn">{html.escape(message)}</div>' in view
    assert ex.controls["run_full"].disabled is False

    ex.controls["prior:storm"].value = 0.6
    assert "changed since the full engine ran" in ex.full_note.value


@pytest.mark.slow
def test_explorer_notebook_serves_the_file_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tests/test_notebooks.py runs every notebook on its defaults; this checks the override
    import papermill

    other = scenarios.save(harbour(), tmp_path / "harbour.yaml")
    monkeypatch.setenv("SCENARIOS_PRIORS_FILE", str(other))
    nb = papermill.execute_notebook(
        str(notebook("wagner-explorer")),
        str(tmp_path / "explorer.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
        start_timeout=120,
    )
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    state = str(nb.metadata.get("widgets", {}))  # the widget state papermill saved
    assert "Harbour blockage" in state
    assert "Refloated within a week?" in state
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer.ipynb", "harbour.yaml"]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1.7", "1.7 is more than 1"),
        ("-0.2", "below 0"),
        ("170%", "outside 0% to 100%"),
        ("abc", "is not a number"),
        ("nan", "is not a probability"),
    ],
)
def test_a_probability_that_is_not_one_is_refused_with_its_reason(
    wagner: Scenario, typed: str, reason: str
) -> None:
    ex = Explorer(wagner)
    control = ex.controls["prior:army_strikes"]
    before = ex.scenario
    control.box.value = typed
    assert reason in control.message.value and "Not applied" in control.message.value
    assert ex.scenario == before  # nothing applied, nothing clamped
    assert control.value == wagner.facts["army_strikes"].prior.p
    assert control.box.value == f"{wagner.facts['army_strikes'].prior.p:.1%}"
    control.box.value = "45%"  # an accepted edit clears the reason and applies
    assert control.message.value == ""
    assert ex.scenario.facts["army_strikes"].prior.p == 0.45
    state = ex.controls["prior:army_loyalty"].sliders["loyal"]
    state.box.value = typed
    assert reason in state.message.value
    assert ex.scenario.facts["army_loyalty"].prior == wagner.facts["army_loyalty"].prior


def test_a_claim_after_as_of_or_without_a_time_is_shown_with_a_message(
    wagner: Scenario,
) -> None:
    first = wagner.claims[0]
    assert wagner.as_of is not None
    assert "scn-claim-time" not in _all_html(Explorer(wagner))  # dated with time and zone
    later = wagner.as_of + timedelta(days=1)
    s = wagner.with_claim_changed(first.id, time=later, hindsight=True)
    page = _all_html(Explorer(s))
    assert "scn-claim-time" in page and "known only in hindsight" in page
    s = wagner.with_claim_changed(first.id, time=wagner.as_of.strftime("%Y-%m-%d"))
    page = _all_html(Explorer(s))
    assert f"dated {wagner.as_of:%Y-%m-%d}, a date with no time of day" in page
    assert "known only in hindsight" not in page  # midnight of the same day: before as_of


def test_labels_are_words(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    page = _all_html(ex)
    description = wagner.facts["army_strikes"].description
    assert description and html.escape(description[:40]) in page
    grades = [label for label, _ in ex.controls["source:news_report.grade"].options]
    assert "B - usually reliable" in grades
    info = dict(ex.controls[f"claim:{wagner.claims[0].id}.information"].options)
    assert info["3 - possibly true"] == 3 and info["not graded"] == 0
    assert ex.controls["prior:army_strikes.concentration"].description == "how sure"


def _all_html(ex: Explorer) -> str:
    out: list[str] = []

    def walk(w: object) -> None:
        if isinstance(w, widgets.HTML):
            out.append(w.value)
        for child in getattr(w, "children", ()):
            walk(child)

    walk(ex.widget)
    return "\n".join(out)


def test_implied_table_follows_its_link_and_parents_only(
    wagner: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scenarios.views.explorer.controls import Controls

    laid: list[str] = []
    table = Controls._implied_table
    controls = Controls(wagner, lambda edit: False)
    spy = staticmethod(lambda s, name: laid.append(name) or table(s, name))
    monkeypatch.setattr(Controls, "_implied_table", spy)
    implied = controls.widgets["prior:mutiny_end.implied"]
    before = implied.value
    strikes = wagner.facts["army_strikes"].prior.model_dump(exclude_none=True)
    controls.sync(wagner.with_prior("army_strikes", {**strikes, "p": 0.4}))  # elsewhere
    assert laid == [] and implied.value == before
    anchors = link_anchors(wagner, "mutiny_end")
    probs = rescale(dict(anchors.anchors[0].probs), "negotiated", 0.7)
    edited = with_anchor_field(wagner, "mutiny_end", ("anchors", 0, "probs"), probs)
    controls.sync(edited)  # its own anchor case
    assert controls.widgets["prior:mutiny_end.implied"] is implied  # synced, not rebuilt
    assert laid == ["mutiny_end"] and implied.value != before
    loyal = {**wagner.facts["army_loyalty"].prior.model_dump(exclude_none=True)}
    loyal["probs"] = rescale(dict(loyal["probs"]), "loyal", 0.5)
    controls.sync(edited.with_prior("army_loyalty", loyal))  # a parent
    assert laid == ["mutiny_end", "mutiny_end"]
    monkeypatch.undo()
    fresh = Controls(edited, lambda edit: False).widgets["prior:mutiny_end.implied"].value
    controls.sync(edited)
    assert implied.value == fresh  # what a new explorer on that scenario shows

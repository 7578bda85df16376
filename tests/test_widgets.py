"""The explorer widgets, driven without a browser.

Every check compares what the explorer shows with what the library computes for the
edited scenario, built independently of the widgets (``with_prior`` etc. on the
original scenario).
"""

from __future__ import annotations

import html
import math
import re
import warnings
from pathlib import Path

import ipywidgets as widgets
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import scenarios
from scenarios import Scenario
from scenarios.analysis import (
    Resolution,
    load_resolution,
    power_scaling,
    score,
    sensitivity,
    timeline,
    value_of_information,
    what_if,
)
from scenarios.spec.elicit import distribution
from scenarios.views.report import timeline_moves
from scenarios.widgets import (
    ANALYSIS_VIEWS,
    STATUSES,
    TOP_INPUTS,
    Explorer,
    ProbabilityEditor,
    interval_of,
    prior_with,
    range_prior,
    rescale,
    what_if_summary,
)

ROOT = Path(__file__).resolve().parents[1]
PRIORS = sorted((ROOT / "priors").glob("*.yaml"))
DRAWS = 1000


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
            },
        ],
    )


@pytest.fixture(scope="module")
def wagner() -> Scenario:
    return scenarios.load(scenarios.default_priors())


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
    return {key: f"{p:.3f}" for key, p in post.scenarios["probability"].items()}


def assert_shows(explorer: Explorer, scenario: Scenario) -> None:
    """The explorer holds ``scenario`` and shows the library's numbers for it."""
    assert explorer.scenario == scenario
    want = expected(scenario)
    assert shown(explorer) == want
    assert explorer.posterior is not None
    got = explorer.posterior.scenarios["probability"]
    assert {k: f"{v:.3f}" for k, v in got.items()} == want
    assert "Updated" in explorer.status_text


# --- pure functions ------------------------------------------------------------------


@given(
    weights=st.lists(st.floats(0.0, 10.0), min_size=2, max_size=6),
    pick=st.integers(0, 5),
    value=st.floats(0.0, 1.0),
)
def test_rescale_keeps_probabilities_normalised_and_proportional(
    weights: list[float], pick: int, value: float
) -> None:
    total = sum(weights)
    probs = (
        {f"s{i}": w / total for i, w in enumerate(weights)}
        if total > 0
        else {f"s{i}": 1 / len(weights) for i in range(len(weights))}
    )
    state = f"s{pick % len(probs)}"
    out = rescale(probs, state, value)
    assert list(out) == list(probs)
    assert math.fsum(out.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(0.0 <= v <= 1.0 for v in out.values())
    assert out[state] == pytest.approx(value, abs=1e-9)
    rest = math.fsum(v for s, v in probs.items() if s != state)
    for s, p in probs.items():
        if s != state and rest > 1e-9:
            assert out[s] == pytest.approx((1 - value) * p / rest, abs=1e-5)


def test_rescale_shares_the_remainder_when_the_others_are_zero() -> None:
    assert rescale({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.4) == {"a": 0.4, "b": 0.3, "c": 0.3}
    with pytest.raises(KeyError, match="unknown state 'z'"):
        rescale({"a": 1.0}, "z", 0.5)


def test_prior_with_sets_a_nested_field_and_leaves_the_prior_alone(wagner: Scenario) -> None:
    prior = wagner.facts["hq_seized"].prior
    edited = prior_with(prior, ("table", 1, "p"), 0.5)
    assert edited["table"][1]["p"] == 0.5
    assert prior.table[1].p == 0.65  # unchanged: scenarios are immutable
    assert wagner.with_prior("hq_seized", edited).facts["hq_seized"].prior.table[1].p == 0.5


def test_range_helpers_use_the_elicited_quantiles() -> None:
    s = harbour()
    lo, hi = interval_of(s.facts["delay_days"])
    assert (lo, hi) == pytest.approx(
        tuple(distribution(s.facts["delay_days"]).dist.ppf([0.05, 0.95]))
    )
    assert interval_of(s.facts["fuel_share"]) == (0.2, 0.6)
    assert range_prior(s.facts["delay_days"], 3, 9) == {"between": [3.0, 9.0], "mass": 0.9}


# --- controls ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PRIORS, ids=lambda p: p.stem)
def test_every_prior_claim_and_source_has_a_control(path: Path) -> None:
    s = scenarios.load(path)
    ex = Explorer(s)
    c = ex.controls
    for name, node in s.nodes.items():
        prior = node.prior
        kind = type(prior).__name__
        if kind == "Probabilities" and prior.p is not None:
            assert isinstance(c[f"prior:{name}"], widgets.FloatSlider)
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
        elif kind == "LogitPrior":
            keys = (
                [f"prior:{name}.intercept"]
                if node.kind == "binary"
                else [f"prior:{name}.intercept.{st}" for st in node.state_names[1:]]
            )
            assert all(k in c for k in keys)
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
        + f"{update(want).facts.loc[('army_strikes', 'true'), 'probability']:.3f}<",
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
    ex.controls["prior:refloated.intercept"].value = -0.5
    ex.controls["prior:storm.concentration"].value = 2.0
    cost = ex.controls["prior:cost.default"]
    cost.sliders["high"].value = 0.5
    damage = {
        "given": ["storm"],
        "table": [{"when": {"storm": True}, "p": 0.9}],
        "default": {"p": 0.2},
        "concentration": 40.0,
    }
    logit = s.outcomes["refloated"].prior.model_dump(exclude_none=True)
    logit["logit"]["intercept"] = -0.5
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
    wex.controls["prior:mutiny_end.intercept.regime_change"].value = -2.0
    intercept = dict(wagner.outcomes["mutiny_end"].prior.logit.intercept, regime_change=-2.0)
    mutiny = prior_with(wagner.outcomes["mutiny_end"].prior, ("logit", "intercept"), intercept)
    assert_shows(wex, wagner.with_prior("mutiny_end", mutiny))


def test_claim_status_on_off_information_and_grade(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    ex.controls["claim:hq_seized.status"].value = "denied"
    want = wagner.with_claim_changed("hq_seized", status="denied")
    assert_shows(ex, want)

    ex.controls["claim:helicopter_downed.on"].value = False
    want = want.with_claim_changed("helicopter_downed", status="retracted")
    assert_shows(ex, want)
    assert ex.controls["claim:helicopter_downed.status"].value == "retracted"
    assert "helicopter_downed" in [c.id for c in ex.scenario.claims]  # kept in the ledger
    assert "14 of 15 claims counted" in ex.status_text

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

    ex.controls["source:wire_services.grade"].value = "E"
    want = want.with_source("wire_services", grade="E")
    assert_shows(ex, want)
    assert shown(ex) != expected(wagner)

    # the status dropdown set to retracted switches the claim off, and back
    ex.controls["claim:moscow_armour.status"].value = "retracted"
    assert ex.controls["claim:moscow_armour.on"].value is False
    ex.controls["claim:moscow_armour.status"].value = "disputed"
    assert ex.controls["claim:moscow_armour.on"].value is True
    assert_shows(ex, want.with_claim_changed("moscow_armour", status="disputed"))
    assert set(ex.controls["claim:moscow_armour.status"].options) == set(STATUSES)


def test_impossible_evidence_is_refused_and_the_last_good_scenario_kept(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    ex.controls["claim:putin_in_moscow.status"].value = "confirmed"
    good = wagner.with_claim_changed("putin_in_moscow", status="confirmed")
    assert_shows(ex, good)
    table = ex.table.value

    ex.controls["claim:putin_left_moscow.status"].value = "confirmed"
    assert "Impossible evidence" in ex.status_text
    assert "putin_left_moscow" in ex.status_text and "putin_in_moscow" in ex.status_text
    assert ex.scenario == good
    assert ex.table.value == table
    assert ex.controls["claim:putin_left_moscow.status"].value == "reported"  # reverted

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
    ex.controls["claim:c_tug.status"].value = "denied"
    assert_shows(ex, s.with_claim({**claim, "status": "denied"}))
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
    assert scenarios.load(scenarios.default_priors()) == wagner  # the original is untouched


def test_save_failure_is_shown(tmp_path: Path, wagner: Scenario) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ex = Explorer(wagner, priors_dir=blocker)
    assert ex.save() is None
    assert "Not saved" in ex.saved_label.value
    assert blocker.read_text() == "not a folder"


def test_explorer_displays_as_a_widget_and_accepts_a_path(wagner: Scenario) -> None:
    ex = Explorer(scenarios.default_priors())
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
        assert row.group(1) == f"{p:.3f}"
        assert row.group(2) == f"{post.scenarios.loc[key, 'mcse']:.4f}"
    for name in post.diagnostics.index:
        assert f'data-diagnostic="{name}"' in view
    for message in post.warnings:
        assert f'<div class="scn-warn">WARNING {html.escape(message)}</div>' in view
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
        str(ROOT / "notebooks" / "wagner-explorer.ipynb"),
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


# --- analysis views ------------------------------------------------------------------

RESOLUTION = ROOT / "resolutions" / "wagner-2023-06-23.yaml"


def _cell(html_text: str, row: str, cls: str) -> str:
    """The text of ``<td class="<cls> ...">`` in the row whose attributes contain ``row``."""
    found = re.search(rf"<tr[^>]*{row}[^>]*>.*?<td class=\"{cls}[ \"][^>]*>([^<]+)</td>", html_text)
    assert found is not None, (row, cls)
    return found.group(1)


def _rows(html_text: str, attribute: str) -> list[str]:
    return re.findall(rf'<tr[^>]*{attribute}="([^"]+)"', html_text)


def _body(ex: Explorer, view: str) -> str:
    return ex._analysis_parts[view]["body"].value


def _status(ex: Explorer, view: str) -> str:
    return ex._analysis_parts[view]["status"].value


def shown_score(ex: Explorer) -> dict[str, tuple[str, str, str]]:
    body = _body(ex, "score")
    return {
        o: tuple(
            _cell(body, f'data-outcome="{o}"', c) for c in ("p-resolved", "brier", "log-score")
        )
        for o in _rows(body, "data-outcome")
    }


def expected_score(scenario: Scenario, resolution: object) -> dict[str, tuple[str, str, str]]:
    table = score(update(scenario), resolution)
    return {
        o: (f"{r.p_resolved:.4f}", f"{r.brier:.4f}", f"{r.log_score:.4f}")
        for o, r in table.iterrows()
    }


def test_the_score_follows_every_edit_against_the_shipped_resolution(wagner: Scenario) -> None:
    ex = Explorer(scenarios.default_priors())  # a path: its resolution is found
    assert ex.resolution_path == RESOLUTION.resolve()
    resolution = load_resolution(RESOLUTION)
    assert ex.resolution == resolution
    assert shown_score(ex) == expected_score(wagner, resolution)
    assert "Hindsight" in _body(ex, "score")
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
    assert f"{after - before:+.4f} {verdict}" in _body(ex, "score")
    assert not ex.stale("score")
    assert set(ex.analysis) == {"score"}  # a slider move computes no heavy view


def test_value_of_information_is_computed_when_shown_and_goes_stale(wagner: Scenario) -> None:
    ex = Explorer(wagner, resolution=RESOLUTION)
    assert ex.shown_view is None and "voi" not in ex.analysis
    ex.show_view("voi")
    assert ex.views.selected_index == list(ANALYSIS_VIEWS).index("voi") + 1
    voi = value_of_information(wagner, "mutiny_end")
    body = _body(ex, "voi")
    assert _rows(body, "data-fact") == list(voi.index)
    top = voi.index[0]
    assert _cell(body, f'data-fact="{top}"', "mi") == f"{voi.iloc[0]['mutual_information']:.4f}"
    assert f"Look for <b>{top}</b> next" in body
    assert "Up to date" in _status(ex, "voi")

    # an edit makes it stale; it is not recomputed until asked
    computed = ex.analysis["voi"]
    ex.controls["prior:elite_cohesion"].sliders["fractured"].value = 0.6
    assert ex.stale("voi") and "Stale" in _status(ex, "voi")
    assert ex.analysis["voi"] is computed and _body(ex, "voi") == body

    ex.controls["analysis:voi.refresh"].click()
    assert not ex.stale("voi") and "Up to date" in _status(ex, "voi")
    edited = ex.scenario
    assert edited != wagner
    for outcome in edited.outcomes:
        assert_frame_equal(ex.analysis["voi"].data[outcome], value_of_information(edited, outcome))
    new = value_of_information(edited, "mutiny_end")
    body = _body(ex, "voi")
    assert _rows(body, "data-fact") == list(new.index)
    top = new.index[0]
    assert _cell(body, f'data-fact="{top}"', "mi") == f"{new.iloc[0]['mutual_information']:.4f}"

    # another outcome is drawn from the same result, without computing anything
    result = ex.analysis["voi"]
    ex.controls["analysis:voi.outcome"].value = "putin_in_power"
    assert ex.analysis["voi"] is result
    other = value_of_information(edited, "putin_in_power")
    assert _rows(_body(ex, "voi"), "data-fact") == list(other.index)


def test_timeline_view_shows_which_report_moved_what() -> None:
    s = harbour()
    ex = Explorer(s)
    ex.show_view("timeline")
    table = timeline(s)
    moves = timeline_moves(table)
    body = _body(ex, "timeline")
    assert "<svg" in body and "refloated: report by report" in body
    assert _rows(body, "data-claim") == list(moves["claim"])  # largest move first
    assert list(moves["moved"]) == sorted(moves["moved"], reverse=True)
    for claim, moved in zip(moves["claim"], moves["moved"], strict=True):
        assert _cell(body, f'data-claim="{claim}"', "moved") == f"{moved * 100:.1f}"
    assert_frame_equal(ex.analysis["timeline"].data["table"], table)

    # the outcome is a choice of display: no recomputation
    result = ex.analysis["timeline"]
    ex.controls["analysis:timeline.outcome"].value = "cost"
    assert ex.analysis["timeline"] is result
    assert "cost: report by report" in _body(ex, "timeline")

    # a claim switched off leaves the timeline once refreshed
    ex.controls["claim:c_crew.on"].value = False
    assert ex.stale("timeline") and "Stale" in _status(ex, "timeline")
    assert "c_crew" in _rows(_body(ex, "timeline"), "data-claim")
    ex.refresh_analysis("timeline")
    assert not ex.stale("timeline")
    assert "c_crew" not in _rows(_body(ex, "timeline"), "data-claim")
    assert_frame_equal(ex.analysis["timeline"].data["table"], timeline(ex.scenario))


def test_sensitivity_view_ranks_the_inputs_and_says_the_prior_share() -> None:
    s = harbour()
    ex = Explorer(s)
    ex.show_view("sensitivity")
    sens = sensitivity(s)  # default: the most likely state of the first outcome
    power = power_scaling(s, sens.attrs["target"])
    body = _body(ex, "sensitivity")
    top = sens.head(TOP_INPUTS)
    assert _rows(body, "data-rank") == [str(i) for i in range(1, len(top) + 1)]
    for rank, r in enumerate(top.itertuples(), start=1):
        row = f'data-rank="{rank}"'
        assert _cell(body, row, "p-low") == f"{r.p_low:.3f}"
        assert _cell(body, row, "p-high") == f"{r.p_high:.3f}"
        assert _cell(body, row, "swing") == f"{r.swing:.3f}"
    assert f"the prior drives {power.attrs['prior_share']:.0%} of the answer" in body
    assert "<svg" in body  # the tornado

    # an edit makes it stale; Refresh analysis computes it for the edited scenario
    ex.controls["prior:storm"].value = 0.6
    assert ex.stale("sensitivity") and "Stale" in _status(ex, "sensitivity")
    ex.controls["analysis:sensitivity.refresh"].click()
    edited = s.with_prior("storm", {"p": 0.6, "concentration": 6})
    assert ex.scenario == edited and not ex.stale("sensitivity")
    want = sensitivity(edited)
    assert_frame_equal(ex.analysis["sensitivity"].data["table"], want)
    body = _body(ex, "sensitivity")
    assert _cell(body, 'data-rank="1"', "swing") == f"{want.iloc[0]['swing']:.3f}"
    share = power_scaling(edited, want.attrs["target"]).attrs["prior_share"]
    assert f"the prior drives {share:.0%} of the answer" in body

    # another target, asked while the tab is shown, is computed at once
    ex.controls["analysis:sensitivity.target"].value = ("cost", "high")
    got = ex.analysis["sensitivity"].data["table"]
    assert got.attrs["target"] == ("cost", "high") and not ex.stale("sensitivity")
    p_high = update(edited).scenarios.loc[("cost", "high"), "probability"]
    assert got.attrs["probability"] == pytest.approx(p_high, abs=1e-12)
    assert f"P(cost = high) = {p_high:.3f}" in _body(ex, "sensitivity")


def test_what_if_view_compares_learning_and_setting_a_fact() -> None:
    s = harbour()
    ex = Explorer(s)
    # it starts on a fact with causes, where the two differ
    assert ex.controls["analysis:what_if.fact"].value == "damage"
    assert ex.controls["analysis:what_if.state"].value == "true"
    ex.show_view("what_if")
    table = what_if(s, damage="true")
    body = _body(ex, "what_if")
    for (outcome, state), r in table.iterrows():
        row = f'data-outcome="{outcome}" data-state="{state}"'
        for col in ("now", "observe", "intervene"):
            assert _cell(body, row, col) == f"{r[col]:.3f}"
    assert html.escape(what_if_summary(table, s, "damage", "true")) in body
    assert "causes (storm)" in body

    ex.controls["analysis:what_if.fact"].value = "crew"
    assert list(ex.controls["analysis:what_if.state"].options) == ["small", "medium", "large"]
    assert ex.analysis["what_if"].key == ("crew", "small")
    ex.controls["analysis:what_if.state"].value = "large"
    assert_frame_equal(ex.analysis["what_if"].data["table"], what_if(s, crew="large"))
    assert "crew has no causes in the model" in _body(ex, "what_if")

    # an impossible what-if is refused with the reason, in the view
    ex.controls["claim:c_storm.status"].value = "confirmed"
    ex.controls["analysis:what_if.fact"].value = "storm"
    ex.controls["analysis:what_if.state"].value = "false"
    assert ex.analysis["what_if"].error is not None
    assert "cannot all hold" in _body(ex, "what_if") and "scn-warn" in _body(ex, "what_if")


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
    assert bare.resolution is None and "no resolution for this scenario" in _body(bare, "score")
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
    assert (ex.resolution is not None) == (ROOT / "resolutions" / path.name).exists()
    for view, result in results.items():
        if view == "score" and ex.resolution is None:
            assert "no resolution for this scenario" in _body(ex, view)
            continue
        assert result.error is None, (path.stem, view, result.error)
        assert result.scenario == ex.scenario and not ex.stale(view)
        assert "Up to date" in _status(ex, view) or view == "score"

"""Controls of the dependent priors (continuous tables, derived facts, thresholds) and of
anchor cases' "how sure", driven without a browser.

Every check compares what the explorer shows with what the library computes for the
edited scenario, written out by hand (``with_prior`` on the original scenario).
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest
from scipy import stats

import scenarios
from scenarios import Scenario
from scenarios.analysis.graph import model_graph
from scenarios.spec.dependent import threshold_places
from scenarios.views.explorer import Explorer
from scenarios.views.explorer.controls import Controls, NumberInput
from scenarios.views.explorer.edits import control_shape, with_row_range, with_threshold_value
from scenarios.views.formats import probability
from tests.views.explorer_support import shown


@pytest.fixture(scope="module")
def penn() -> Scenario:
    return scenarios.load(scenarios.example("pennsylvania-2024-11-05"))


def exact(s: Scenario) -> dict[tuple[str, str], str]:
    """The scenario table of ``s`` as the explorer writes it, from the library."""
    return {
        k: probability(p) for k, p in s.update(intervals=False).scenarios["probability"].items()
    }


def descendants(w: widgets.Widget) -> list[widgets.Widget]:
    out = [w]
    for child in getattr(w, "children", ()):
        out.extend(descendants(child))
    return out


def test_every_fact_and_outcome_of_pennsylvania_has_its_controls(penn: Scenario) -> None:
    c = Controls(penn, lambda edit: False).widgets
    for name in penn.nodes:
        assert any(k == f"prior:{name}" or k.startswith(f"prior:{name}.") for k in c), name
    # the distribution per case of poll_miss: its 90% range, one slider per row
    for i, row in enumerate(penn.facts["polling_error"].prior.table):
        mu, sigma = row.parameters["mu"], row.parameters["sigma"]
        want = stats.norm(mu, sigma).ppf([0.05, 0.95])
        slider = c[f"prior:polling_error.table[{i}]"]
        assert isinstance(slider, widgets.FloatRangeSlider)
        assert slider.value == pytest.approx(tuple(want), rel=1e-9)
    assert "prior:polling_error.default" not in c  # the file gives none
    # the derived fact: its formula and what it is made of, in words; no number to move
    formula = c["prior:trump_share.formula"].value
    assert "trump_share = polled_share + polling_error" in formula
    for part in ("polled_share", "polling_error"):
        assert html.escape(penn.facts[part].description[:60], quote=True) in formula
    assert not any(k.startswith("prior:trump_share.constants") for k in c)
    # the thresholds: a number per line, and what each state means
    assert c["prior:pa_winner.threshold[0]"].value == 50
    assert [c[f"prior:pa_margin.threshold[{k}]"].value for k in (0, 1)] == [49.75, 50.25]
    meaning = c["prior:pa_margin.meaning"].value
    assert "trump_share &lt; 49.75" in meaning and "in every other case" in meaning
    assert html.escape(penn.outcomes["pa_margin"].states["recount_margin"][:40]) in meaning


def test_a_case_row_and_a_line_edit_the_scenario_through_with_prior(penn: Scenario) -> None:
    ex = Explorer(penn)
    assert shown(ex) == exact(penn)
    row = ex.controls["prior:polling_error.table[1]"]
    row.value = (-2.0, 3.0)
    prior = penn.facts["polling_error"].prior.model_dump(exclude_none=True)
    prior["table"] = list(prior["table"])
    prior["table"][1] = {"when": {"poll_miss": "on_target"}, "between": [-2.0, 3.0], "mass": 0.9}
    want = penn.with_prior("polling_error", prior)
    assert ex.scenario == want
    assert shown(ex) == exact(want) != exact(penn)
    assert ex.controls["prior:polling_error.table[1]"] is row  # kept, not rebuilt

    winner = ex.controls["prior:pa_winner.threshold[0]"]
    winner.value = 50.5
    want = want.with_prior(
        "pa_winner", {"cases": {"trump": "trump_share > 50.5", "harris": "otherwise"}}
    )
    assert ex.scenario == want
    assert shown(ex) == exact(want)
    assert "trump_share &gt; 50.5" in ex.controls["prior:pa_winner.meaning"].value
    assert ex.controls["prior:pa_winner.threshold[0]"] is winner  # kept, not rebuilt

    # typed into the box, in the fact's unit
    line = ex.controls["prior:pa_margin.threshold[1]"]
    assert isinstance(line, NumberInput)
    line.box.value = "50.4"
    cases = {"harris_clear": "trump_share < 49.75", "recount_margin": "trump_share <= 50.4",
             "trump_clear": "otherwise"}  # fmt: skip
    want = want.with_prior("pa_margin", {"cases": cases})
    assert ex.scenario == want
    assert shown(ex) == exact(want)

    # an edit made elsewhere (a file's prior set anew) moves the controls with it
    assert ex.apply(lambda s: s.with_prior("pa_winner", penn.outcomes["pa_winner"].prior))
    assert ex.controls["prior:pa_winner.threshold[0]"].value == 50
    assert ex.apply(lambda s: s.with_prior("polling_error", penn.facts["polling_error"].prior))
    assert ex.controls["prior:polling_error.table[1]"].value == pytest.approx(
        tuple(stats.norm(0, 1.5).ppf([0.05, 0.95])), rel=1e-9
    )


def test_moving_a_number_keeps_the_controls_a_new_formula_rebuilds_them(penn: Scenario) -> None:
    moved = with_threshold_value(
        penn, "pa_margin", threshold_places(penn.outcomes["pa_margin"].prior)[1], 51
    )
    assert control_shape(moved) == control_shape(penn)
    moved = with_row_range(penn, "polling_error", ("table", 2), -5, 1)
    assert control_shape(moved) == control_shape(penn)
    formula = penn.with_prior("trump_share", {"derived": "polled_share + polling_error * 1.0"})
    assert control_shape(formula) != control_shape(penn)  # a number to edit appears
    line = penn.with_prior(
        "pa_winner", {"cases": {"trump": "trump_share >= 50", "harris": "otherwise"}}
    )
    assert control_shape(line) != control_shape(penn)


def test_invalid_values_are_refused_with_their_reason(penn: Scenario) -> None:
    ex = Explorer(penn)
    table = ex.table.value
    row = ex.controls["prior:polling_error.table[0]"]
    before = row.value
    row.value = (3.0, 3.0)
    assert "Invalid edit" in ex.status_text
    assert "facts.polling_error.prior.table.0" in ex.status_text
    assert "lower &lt; upper" in ex.status_text or "lower < upper" in ex.status_text
    assert ex.scenario == penn and ex.table.value == table
    assert row.value == pytest.approx(before)

    line = ex.controls["prior:pa_winner.threshold[0]"]
    for typed, reason in (("fifty", "is not a number"), ("inf", "not a finite number")):
        line.box.value = typed
        assert "Not applied" in line.message.value and reason in line.message.value
        assert ex.scenario == penn and line.value == 50 and line.box.value == "50"
    line.box.value = "49"  # an accepted value clears the reason
    assert line.message.value == ""
    assert ex.scenario.outcomes["pa_winner"].prior.cases["trump"] == "trump_share > 49"


def test_a_formula_number_is_edited_and_refused_when_the_formula_breaks() -> None:
    s = scenarios.loads("""
title: Share
facts:
  reach: {kind: probability, prior: {between: [0.2, 0.4]}}
  seen: {kind: probability, prior: {derived: "reach * 0.5"}}
outcomes:
  wide: {kind: binary, exhaustive: yes or no, prior: {when: "seen > 0.15"}}
""")
    ex = Explorer(s)
    number = ex.controls["prior:seen.constants[0]"]
    assert number.value == 0.5
    number.value = 0.6
    want = s.with_prior("seen", {"derived": "reach * 0.6"})
    assert ex.scenario == want and shown(ex) == exact(want)
    assert "reach * 0.6" in ex.controls["prior:seen.formula"].value
    number.value = 3.0  # the share could pass 1: refused by validation, with where and why
    assert "Invalid edit" in ex.status_text and "facts.seen.prior.derived" in ex.status_text
    assert "must lie in [0, 1]" in ex.status_text
    assert ex.scenario == want and number.value == 0.6
    # a line beyond what the fact can reach (reach * 0.6 <= 0.6) is refused at the box
    line = ex.controls["prior:wide.threshold[0]"]
    line.box.value = "0.7"
    assert "outside the values it can take (0 to 0.6)" in line.message.value
    assert ex.scenario == want


def test_how_sure_of_anchor_cases_per_link_and_per_case() -> None:
    s = scenarios.loads("""
title: Strike
sources: {met: {grade: B}}
facts:
  storm: {kind: binary, prior: {p: 0.3}}
  crew: {kind: categorical, states: [small, large], prior: {probs: {small: 0.6, large: 0.4}}}
outcomes:
  late:
    kind: binary
    exhaustive: yes or no
    prior:
      given: [storm, crew]
      baseline: {storm: false, crew: small}
      anchors:
        - {when: {}, p: 0.2}
        - {when: {storm: true}, p: 0.6, concentration: 5}
        - {when: {crew: large}, p: 0.1}
      concentration: 20
claims:
  - {id: wind, text: A gale warning., proposition: storm, source: met}
""")
    ex = Explorer(s)
    whole = ex.controls["prior:late.concentration"]
    case = ex.controls["prior:late.anchors[1].concentration"]
    assert (whole.value, case.value) == (20.0, 5.0)
    assert whole.description == case.description == "how sure"
    assert "prior:late.anchors[0].concentration" not in ex.controls
    anchors = s.outcomes["late"].prior.model_dump(exclude_none=True)
    anchors["anchors"] = [dict(a) for a in anchors["anchors"]]
    case.value = 12.0
    anchors["anchors"][1]["concentration"] = 12.0
    want = s.with_prior("late", anchors)
    assert ex.scenario == want and shown(ex) == exact(want)
    whole.value = 40.0
    anchors["concentration"] = 40.0
    want = s.with_prior("late", anchors)
    assert ex.scenario == want and shown(ex) == exact(want)


def test_a_click_on_any_node_opens_its_controls(penn: Scenario) -> None:
    ex = Explorer(penn)
    ids = [n.id for n in model_graph(penn).nodes]
    nodes = [i for i in ids if i.split(":")[0] in ("fact", "outcome")]
    assert len(nodes) == len(penn.nodes)
    for node in ids:
        assert ex.focus(node), node
    for node in nodes:
        name = node.split(":", 1)[1]
        box = ex._controls.focus(node)  # the box the click outlines
        assert "scn-focused" in box._dom_classes
        inside = descendants(box)
        mine = [w for k, w in ex.controls.items() if k.split(".")[0] == f"prior:{name}"]
        assert mine and all(w in inside for w in mine), name
        # folded parts open: a table's rows show at once
        assert all(a.selected_index == 0 for a in inside if isinstance(a, widgets.Accordion))


def test_the_default_row_of_a_table_of_distributions_has_its_range() -> None:
    s = scenarios.loads("""
title: Delivery
facts:
  weather:
    kind: categorical
    states: {calm: Calm sea, storm: A storm in the strait}
    prior: {probs: {calm: 0.7, storm: 0.3}}
  delay:
    kind: continuous
    unit: days
    support: [0, null]
    prior:
      given: [weather]
      table: [{when: {weather: calm}, between: [1, 3]}]
      default: {quantiles: {0.05: 3, 0.95: 12}}
outcomes:
  late: {kind: binary, exhaustive: yes or no, prior: {when: "delay > 5"}}
""")
    ex = Explorer(s)
    assert ex.controls["prior:delay.default"].value == pytest.approx((3.0, 12.0), rel=1e-9)
    assert ex.controls["prior:delay.table[0]"].value == pytest.approx((1.0, 3.0), rel=1e-12)
    line = ex.controls["prior:late.threshold[0]"]
    assert line.description == "is above" and line.value == 5
    ex.controls["prior:delay.default"].value = (4.0, 10.0)
    want = s.with_prior(
        "delay",
        {"given": ["weather"], "table": [{"when": {"weather": "calm"}, "between": [1, 3]}],
         "default": {"between": [4.0, 10.0], "mass": 0.9}},
    )  # fmt: skip
    assert ex.scenario == want and shown(ex) == exact(want)
    line.box.value = "-1"  # a delay is never negative
    assert "outside the values it can take (0 to inf)" in line.message.value
    assert ex.scenario == want

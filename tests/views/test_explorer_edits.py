"""What a control means, without widgets: rescaling, fields of priors, ranges, claims."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scenarios
from scenarios import Scenario, ScenarioError
from scenarios.spec.elicit import distribution
from scenarios.spec.overrides import apply_overrides
from scenarios.views.explorer.edits import (
    control_shape,
    counted,
    field,
    interval_of,
    link_anchors,
    range_bounds,
    range_prior,
    rescale,
    switch_claim,
    with_anchor_field,
    with_field,
)
from tests.views.explorer_support import harbour


@pytest.fixture(scope="module")
def wagner() -> Scenario:
    return scenarios.load(scenarios.example())


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


def test_with_field_sets_a_nested_field_and_leaves_the_prior_alone(wagner: Scenario) -> None:
    prior = wagner.facts["hq_seized"].prior
    assert field(prior, ("table", 1, "p")) == 0.65
    edited = with_field(wagner, "hq_seized", ("table", 1, "p"), 0.5)
    assert edited.facts["hq_seized"].prior.table[1].p == 0.5
    assert field(edited.facts["hq_seized"].prior, ("table", 1, "p")) == 0.5
    assert prior.table[1].p == 0.65  # unchanged: scenarios are immutable
    # the same edit as an override by dotted path (sweeps, reports): one way to edit
    via_override, _ = apply_overrides(wagner, {"hq_seized.table.1.p": 0.5})
    assert edited == via_override
    with pytest.raises(ScenarioError, match="less than or equal to 1"):
        with_field(wagner, "hq_seized", ("table", 1, "p"), 1.5)


def test_range_helpers_use_the_elicited_quantiles() -> None:
    s = harbour()
    lo, hi = interval_of(s.facts["delay_days"])
    assert (lo, hi) == pytest.approx(
        tuple(distribution(s.facts["delay_days"]).dist.ppf([0.05, 0.95]))
    )
    assert interval_of(s.facts["fuel_share"]) == (0.2, 0.6)
    assert range_prior(s.facts["delay_days"], 3, 9) == {"between": [3.0, 9.0], "mass": 0.9}


def test_range_bounds_stay_inside_the_support_and_contain_the_interval() -> None:
    s = harbour()
    lo, hi = interval_of(s.facts["delay_days"])
    vmin, vmax, step = range_bounds(s.facts["delay_days"], lo, hi)
    assert 0 < vmin <= lo < hi <= vmax  # support [0, None): strictly above 0
    assert step > 0 and vmin == pytest.approx(round(vmin / step) * step)
    assert range_bounds(s.facts["fuel_share"], 0.2, 0.6) == (0.001, 0.999, 0.001)


def test_a_logit_link_is_edited_as_its_anchor_cases() -> None:
    # issue 13: the explorer never asks for a log-odds number; editing one anchor case of
    # a logit link writes the link as anchor cases, the others as they were
    s = harbour()
    anchors = link_anchors(s, "refloated")
    assert type(anchors).__name__ == "AnchorPrior"
    edited = with_anchor_field(s, "refloated", ("anchors", 1, "p"), 0.25)
    prior = edited.outcomes["refloated"].prior
    assert type(prior).__name__ == "AnchorPrior"
    assert prior.anchors[1].p == 0.25
    assert [a.p for i, a in enumerate(prior.anchors) if i != 1] == [
        a.p for i, a in enumerate(anchors.anchors) if i != 1
    ]
    with pytest.raises(scenarios.ScenarioError, match="strictly between 0 and 1"):
        with_anchor_field(s, "refloated", ("anchors", 1, "p"), 0.0)


def test_switching_a_claim_off_and_on_restores_its_status() -> None:
    s = harbour()
    assert s.claim("c_calm").status == "disputed"
    off = switch_claim(s, "c_calm", False)
    assert off.claim("c_calm").status == "retracted" and not counted(off.claim("c_calm"))
    assert [c.id for c in off.claims] == [c.id for c in s.claims]  # kept in the ledger
    assert switch_claim(off, "c_calm", True, "disputed") == s
    assert switch_claim(off, "c_calm", True).claim("c_calm").status == "reported"
    assert switch_claim(s, "c_calm", True) == s  # on already: nothing changes


def test_control_shape_changes_only_with_what_there_is_to_control() -> None:
    s = harbour()
    shape = control_shape(s)
    assert control_shape(with_field(s, "storm", ("p",), 0.4)) == shape
    assert control_shape(s.with_claim_changed("c_storm", hedge="allegedly")) == shape
    assert control_shape(with_field(s, "storm", ("concentration",), None)) != shape
    claim = {"id": "c_new", "text": "t", "proposition": "storm", "source": "blog"}
    assert control_shape(s.with_claim(claim)) != shape
    assert control_shape(s.with_source("sensor", grade="C")) != shape

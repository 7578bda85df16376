"""What-if and value of information against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios import Scenario
from scenarios.analysis import value_of_information, what_if


def test_observe_and_intervene_differ_as_computed_by_hand(confounded_scenario: Scenario) -> None:
    table = what_if(confounded_scenario, a=True)
    p_c = 0.3
    # observe a: P(c | a) by Bayes, then P(o | c, a)
    post_c = p_c * 0.9 / (p_c * 0.9 + (1 - p_c) * 0.2)
    observe = post_c * 0.8 + (1 - post_c) * 0.3
    # do(a): c keeps its prior
    intervene = p_c * 0.8 + (1 - p_c) * 0.3
    now = p_c * (0.9 * 0.8 + 0.1 * 0.7) + (1 - p_c) * (0.2 * 0.3 + 0.8 * 0.1)
    row = table.loc[("o", "true")]
    assert row["observe"] == pytest.approx(observe, abs=1e-12)
    assert row["intervene"] == pytest.approx(intervene, abs=1e-12)
    assert row["now"] == pytest.approx(now, abs=1e-12)
    assert abs(row["observe"] - row["intervene"]) > 0.05


def test_intervention_on_a_root_equals_observation(confounded_scenario: Scenario) -> None:
    table = what_if(confounded_scenario, c=False)
    assert np.allclose(table["observe"], table["intervene"], atol=1e-12)


def test_intervene_rejects_unknown_states(confounded_scenario: Scenario) -> None:
    with pytest.raises(ValueError, match="unknown state"):
        confounded_scenario.intervene(a="maybe")


def test_value_of_information_matches_hand_computed_mutual_information(
    confounded_scenario: Scenario,
) -> None:
    result = value_of_information(confounded_scenario, "o")
    voi = result.table
    # joint P(o, c) by hand
    p_c = np.array([0.7, 0.3])  # c false, true
    p_a_given_c = np.array([[0.8, 0.2], [0.1, 0.9]])  # rows c, cols a (false, true)
    p_o_true = np.array([[0.1, 0.3], [0.7, 0.8]])  # rows c, cols a
    joint_oca = np.zeros((2, 2, 2))  # o, c, a
    for c in range(2):
        for a in range(2):
            w = p_c[c] * p_a_given_c[c, a]
            joint_oca[1, c, a] = w * p_o_true[c, a]
            joint_oca[0, c, a] = w * (1 - p_o_true[c, a])

    def mi(j: np.ndarray) -> float:
        po, pf = j.sum(1, keepdims=True), j.sum(0, keepdims=True)
        return float((j * np.log2(j / (po * pf))).sum())

    assert voi.loc["c", "mutual_information"] == pytest.approx(mi(joint_oca.sum(2)), abs=1e-12)
    assert voi.loc["a", "mutual_information"] == pytest.approx(mi(joint_oca.sum(1)), abs=1e-12)
    # P(mode changes): the mode of o flips when learning c = true
    p_o = joint_oca.sum((1, 2))
    cond_c = joint_oca.sum(2) / joint_oca.sum((0, 2))
    flips = sum(p_c[c] for c in range(2) if np.argmax(cond_c[:, c]) != np.argmax(p_o))
    assert voi.loc["c", "p_mode_changes"] == pytest.approx(flips, abs=1e-12)
    assert list(voi.index) == sorted(voi.index, key=lambda f: -voi.loc[f, "mutual_information"])
    # the outcome's entropy, and the share of it each fact would remove
    h = float(-(p_o * np.log2(p_o)).sum())
    assert (result.outcome, result.entropy_bits) == ("o", pytest.approx(h, abs=1e-12))
    assert voi.loc["c", "share_of_uncertainty"] == pytest.approx(mi(joint_oca.sum(2)) / h)
    # expected rise of the top probability: E_c[max_o P(o | c)] - max_o P(o)
    gain = sum(p_c[c] * cond_c[:, c].max() for c in range(2)) - p_o.max()
    assert voi.loc["c", "expected_max_gain"] == pytest.approx(gain, abs=1e-12)


def test_known_facts_are_not_worth_chasing(confounded_scenario: Scenario) -> None:
    voi = value_of_information(confounded_scenario.observe(c=True), "o").table
    assert list(voi.index) == ["a"]
    # given c: a is true with 0.9, and then o with 0.8 (0.7 when a is false)
    joint = np.array([[0.9 * 0.2, 0.1 * 0.3], [0.9 * 0.8, 0.1 * 0.7]])  # rows o, cols a
    outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
    mi = float((joint * np.log2(joint / outer)).sum())
    assert voi.loc["a", "mutual_information"] == pytest.approx(mi, abs=1e-12)
    # asked about explicitly, a known fact is listed with nothing to tell
    asked = value_of_information(confounded_scenario.observe(c=True), "o", facts=["c"]).table
    assert asked.loc["c", "mutual_information"] == pytest.approx(0.0, abs=1e-12)

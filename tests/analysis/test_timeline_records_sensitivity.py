"""Timeline, track records, sensitivity and power-scaling against independent answers."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

import scenarios
from scenarios import Scenario
from scenarios.analysis import (
    power_scaling,
    resolve_claim,
    sensitivity,
    timeline,
    track_record,
    with_track_record,
)
from scenarios.views import plots


def t(hour: int) -> datetime:
    return datetime(2024, 1, 1, hour, tzinfo=UTC)


@pytest.fixture
def ledger() -> Scenario:
    return Scenario(
        title="Ledger",
        facts={
            "x": {"kind": "binary", "prior": {"p": 0.3}},
            "y": {"kind": "binary", "prior": {"p": 0.6}},
        },
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes/no",
                "prior": {
                    "given": ["x", "y"],
                    "default": {"p": 0.2},
                    "table": [{"when": {"x": True, "y": True}, "p": 0.9}],
                },
            }
        },
        sources={"wire": {"grade": "B"}, "blog": {"grade": "D"}},
        claims=[
            {"id": "c2", "text": "y", "proposition": "y", "source": "blog", "time": t(12)},
            {"id": "c1", "text": "x", "proposition": "x", "source": "wire", "time": t(10)},
            {"id": "c3", "text": "not y", "proposition": "not y", "source": "wire", "time": t(14)},
        ],
    )


def p_true(s: Scenario) -> float:
    return float(s.update(intervals=False).scenarios.loc[("o", "true"), "probability"])


def test_timeline_replays_claims_in_time_order(ledger: Scenario) -> None:
    table = timeline(ledger)
    assert list(table["claim"]) == ["", "c1", "c2", "c3"]
    assert table.loc[0, ("o", "true")] == pytest.approx(p_true(ledger.replace(claims=())))
    assert table.loc[3, ("o", "true")] == pytest.approx(p_true(ledger))
    # step 1 is exactly the scenario known at 10:00
    assert table.loc[1, ("o", "true")] == pytest.approx(p_true(ledger.known_at(t(10))))
    moved = abs(table.loc[1, ("o", "true")] - table.loc[0, ("o", "true")])
    assert table.loc[1, "moved"] == pytest.approx(max(moved, table.loc[1, "moved"]))
    assert table.loc[1, "moved"] >= moved - 1e-12


def test_retraction_is_kept_in_the_ledger_and_undone_as_of_earlier(ledger: Scenario) -> None:
    retracted = ledger.retract("c1", at=t(13), note="discredited")
    assert retracted.claim("c1").note == "discredited"
    assert p_true(retracted) == pytest.approx(p_true(ledger.without_claim("c1")))
    # as of 12:00 the claim still counted
    assert p_true(retracted.known_at(t(12))) == pytest.approx(p_true(ledger.known_at(t(12))))
    table = timeline(retracted)
    assert list(zip(table["claim"], table["event"], strict=True))[-2:] == [
        ("c1", "retracted"),
        ("c3", "reported"),
    ]
    assert table.iloc[-1][("o", "true")] == pytest.approx(p_true(retracted))


def test_track_record_is_the_conjugate_update_for_a_full_weight_claim() -> None:
    s = Scenario(
        title="Record",
        facts={"x": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "y/n",
                "prior": {
                    "given": ["x"],
                    "table": [{"when": {"x": True}, "p": 0.9}, {"when": {"x": False}, "p": 0.1}],
                },
            }
        },
        sources={
            "src": {
                "true_positive": {"mean": 0.6, "concentration": 5},
                "false_positive": {"mean": 0.3, "concentration": 10},
            }
        },
        claims=[{"id": "c", "text": "x", "proposition": "x", "source": "src", "weight": 1.0}],
    )
    record = track_record(resolve_claim(s, "c", held=True))["src"]
    a, b = 0.6 * 5, 0.4 * 5  # Beta(3, 2) -> Beta(4, 2) after one true positive
    assert record.true_positive.mean == pytest.approx((a + 1) / (a + b + 1), abs=1e-12)
    assert record.true_positive.concentration == pytest.approx(a + b + 1, abs=1e-9)
    # the false-positive rate learnt nothing: the report was not false
    assert record.false_positive.mean == pytest.approx(0.3, abs=1e-12)
    refuted = track_record(resolve_claim(s, "c", held=False))["src"]
    assert refuted.false_positive.mean == pytest.approx((3 + 1) / (10 + 1), abs=1e-12)


def test_resolving_a_claim_reweighs_the_same_sources_other_claims(ledger: Scenario) -> None:
    # wire says x (c1) and not y (c3): if x turns out false, wire's c3 should count for less
    base = ledger.update(intervals=False).facts.loc[("y", "true"), "probability"]
    wrong = resolve_claim(ledger, "c1", held=False).update(intervals=False)
    right = resolve_claim(ledger, "c1", held=True).update(intervals=False)
    assert wrong.facts.loc[("y", "true"), "probability"] > base
    assert right.facts.loc[("y", "true"), "probability"] < base
    # and the record carries to the next file
    record = track_record(resolve_claim(ledger, "c1", held=False))
    carried = with_track_record(ledger.without_claim("c1"), record)
    assert carried.sources["wire"].true_positive == record["wire"].true_positive


def test_sensitivity_rows_recompute_exactly(ledger: Scenario) -> None:
    table = sensitivity(ledger, ("o", "true"))
    assert table["swing"].is_monotonic_decreasing
    claim_row = table[(table.kind == "claim") & (table.name == "c3")].iloc[0]
    assert claim_row.p_low == pytest.approx(p_true(ledger.without_claim("c3")))
    assert claim_row.p_high == pytest.approx(p_true(ledger.with_claim_changed("c3", weight=1.0)))
    p_row = table[(table.kind == "prior") & (table.name == "x")].iloc[0]
    assert p_row.p_low == pytest.approx(
        p_true(ledger.with_prior("x", {"p": float(p_row.low)})), abs=1e-3
    )
    assert {"prior", "claim", "source"} <= set(table.kind)
    assert table.attrs["probability"] == pytest.approx(p_true(ledger))


def test_power_scaling_ends(ledger: Scenario) -> None:
    table = power_scaling(ledger, ("o", "true"), alphas=(1e-9, 1.0, 2.0))
    assert table.loc[1.0, "prior_scaled"] == pytest.approx(p_true(ledger))
    assert table.loc[1e-9, "evidence_scaled"] == pytest.approx(
        p_true(ledger.replace(claims=())), abs=1e-6
    )
    assert 0.0 <= table.attrs["prior_share"] <= 1.0


def test_wagner_tools_run_end_to_end() -> None:
    wagner = scenarios.load(scenarios.default_priors())
    tl = timeline(wagner)
    assert len(tl) == 1 + sum(c.counted for c in wagner.claims)
    assert np.allclose(
        tl.iloc[-1][list(wagner.update(intervals=False).scenarios.index)].astype(float),
        wagner.update(intervals=False).scenarios["probability"],
    )
    sens = sensitivity(wagner, ("mutiny_end", "suppressed"))
    assert (sens.kind == "claim").any()


def test_retracted_status_and_time_together_are_refused(ledger: Scenario) -> None:
    with pytest.raises(scenarios.ScenarioError, match="retracted_at"):
        ledger.with_claim_changed("c1", status="retracted", retracted_at=t(13))


def test_plot_helpers_are_exported() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from scenarios import analysis

    wagner = scenarios.load(scenarios.default_priors())
    ax = plots.plot_timeline(analysis.timeline(wagner), "mutiny_end")
    assert ax.get_ylabel() == "P(mutiny_end)"
    ax = plots.plot_tornado(analysis.sensitivity(wagner, ("mutiny_end", "negotiated")))
    assert len(ax.patches) > 0

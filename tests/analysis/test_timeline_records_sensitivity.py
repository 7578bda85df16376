"""Timeline, track records, sensitivity and power-scaling against independent answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

import scenarios
from scenarios import Scenario
from scenarios.analysis import (
    power_scaling,
    resolve_claim,
    sensitivity,
    timeline,
    timeline_moves,
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
    # by hand: P(o) = P(x) [0.6 * 0.9 + 0.4 * 0.2] + (1 - P(x)) 0.2 while y is unreported
    prior = 0.3 * 0.62 + 0.7 * 0.2
    # c1: wire (grade B: mean rates t = 0.8, f = 0.15) says x, at full weight
    px = 0.3 * 0.8 / (0.3 * 0.8 + 0.7 * 0.15)
    after_c1 = px * 0.62 + (1 - px) * 0.2
    assert table.loc[0, ("o", "true")] == pytest.approx(prior, abs=1e-12)
    assert table.loc[1, ("o", "true")] == pytest.approx(after_c1, abs=1e-12)
    assert table.loc[3, ("o", "true")] == pytest.approx(p_true(ledger))
    # step 1 is exactly the scenario known at 10:00
    assert table.loc[1, ("o", "true")] == pytest.approx(p_true(ledger.known_at(t(10))))
    # moved: the largest change of any outcome probability (o true and o false move alike)
    assert table.loc[0, "moved"] == 0.0
    assert table.loc[1, "moved"] == pytest.approx(after_c1 - prior, abs=1e-12)


def test_retraction_is_kept_in_the_ledger_and_undone_as_of_earlier(ledger: Scenario) -> None:
    retracted = ledger.retract("c1", at=t(13), note="discredited")
    assert retracted.claim("c1").retraction.note == "discredited"
    # the report stays and the retraction counts against x: lower than no claim at all
    assert p_true(retracted) < p_true(ledger.without_claim("c1")) < p_true(ledger)
    # as of 12:00 the claim still counted
    assert p_true(retracted.known_at(t(12))) == pytest.approx(p_true(ledger.known_at(t(12))))
    table = timeline(retracted)
    assert list(zip(table["claim"], table["event"], strict=True))[-2:] == [
        ("c1~retracted", "retracted"),
        ("c3", "reported"),
    ]
    assert table.iloc[-1][("o", "true")] == pytest.approx(p_true(retracted))


def test_timeline_moves_names_the_report_and_the_state_it_moved_most() -> None:
    # one claim per source, so that each report's likelihood is its source's mean rates
    s = Scenario(
        title="Moves",
        facts={"x": {"kind": "binary", "prior": {"p": 0.3}}},
        outcomes={
            "o": {
                "kind": "categorical",
                "states": ["hi", "mid", "lo"],
                "exhaustive": "a scale",
                "prior": {
                    "given": ["x"],
                    "table": [
                        {"when": {"x": True}, "probs": {"hi": 0.7, "mid": 0.2, "lo": 0.1}},
                        {"when": {"x": False}, "probs": {"hi": 0.1, "mid": 0.3, "lo": 0.6}},
                    ],
                },
            }
        },
        sources={"blog": {"grade": "D"}, "wire": {"grade": "B"}, "desk": {"grade": "C"}},
        claims=[
            {"id": "late", "text": "no", "proposition": "not x", "source": "desk", "time": t(12)},
            {"id": "early", "text": "x", "proposition": "x", "source": "wire", "time": t(10)},
            {"id": "known", "text": "x", "proposition": "x", "source": "blog"},
        ],
    )
    # P(x) after each report, by hand: mean rates of grade D 0.6 / 0.4, B 0.8 / 0.15, C 0.7 / 0.3
    yes, no = [0.3], [0.7]
    for t_rate, f_rate in [(0.6, 0.4), (0.8, 0.15), (0.3, 0.7)]:  # "not x": rates swap
        yes.append(yes[-1] * t_rate)
        no.append(no[-1] * f_rate)
    px = [a / (a + b) for a, b in zip(yes, no, strict=True)]
    # P(o = hi) = 0.1 + 0.6 P(x) moves 0.6 dP(x): more than mid (-0.1) or lo (-0.5)
    hi = [0.1 + 0.6 * p for p in px]
    steps = {1: "known", 2: "early", 3: "late"}
    order = sorted(steps, key=lambda k: -abs(hi[k] - hi[k - 1]))
    assert order != sorted(steps)  # the ranking is not the time order

    moves = timeline_moves(timeline(s))
    assert list(moves.index) == order
    assert list(moves["claim"]) == [steps[k] for k in order]
    assert list(moves["event"]) == ["reported"] * 3
    assert pd.isna(moves.loc[1, "time"]) and moves.loc[2, "time"] == t(10)
    assert list(moves["outcome"]) == ["o"] * 3 and list(moves["state"]) == ["hi"] * 3
    for step in steps:
        row = moves.loc[step]
        assert row["before"] == pytest.approx(hi[step - 1], abs=1e-12)
        assert row["after"] == pytest.approx(hi[step], abs=1e-12)
        assert row["change"] == pytest.approx(hi[step] - hi[step - 1], abs=1e-12)
        assert row["moved"] == pytest.approx(abs(hi[step] - hi[step - 1]), abs=1e-12)


def test_timeline_moves_keep_time_order_between_equal_moves(ledger: Scenario) -> None:
    table = timeline(ledger)
    assert list(timeline_moves(table).index) == [3, 1, 2]
    table[("moved", "")] = [0.0, 0.1, 0.1, 0.1]
    assert list(timeline_moves(table).index) == [1, 2, 3]


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
    sens = sensitivity(ledger, ("o", "true"))
    table = sens.table
    assert sens.target == ("o", "true")
    assert sens.probability == pytest.approx(p_true(ledger), abs=1e-12)
    assert table["swing"].is_monotonic_decreasing
    assert np.allclose(table["swing"], (table["p_high"] - table["p_low"]).abs(), atol=0)
    claim_row = table[(table.kind == "claim") & (table.name == "c3")].iloc[0]
    assert claim_row.p_low == pytest.approx(p_true(ledger.without_claim("c3")))
    assert claim_row.p_high == pytest.approx(p_true(ledger.with_claim_changed("c3", weight=1.0)))
    # x's p has no concentration: one unit of log-odds either side of 0.3
    p_row = table[(table.kind == "prior") & (table.name == "x")].iloc[0]
    low, high = expit(logit(0.3) - 1), expit(logit(0.3) + 1)
    assert (p_row.parameter, p_row.low, p_row.high) == ("p", f"{low:.3f}", f"{high:.3f}")
    assert p_row.p_low == pytest.approx(p_true(ledger.with_prior("x", {"p": low})), abs=1e-12)
    assert p_row.p_high == pytest.approx(p_true(ledger.with_prior("x", {"p": high})), abs=1e-12)
    # the table's default row of o, moved the same way
    default = table[(table.name == "o") & (table.parameter == "p | other rows")].iloc[0]
    moved = {"given": ["x", "y"], "table": [{"when": {"x": True, "y": True}, "p": 0.9}]}
    low, high = expit(logit(0.2) - 1), expit(logit(0.2) + 1)
    assert default.p_low == pytest.approx(
        p_true(ledger.with_prior("o", {**moved, "default": {"p": low}})), abs=1e-12
    )
    # sources graded B go to C and A
    wire = table[(table.kind == "source") & (table.name == "wire")].iloc[0]
    assert (wire.low, wire.high) == ("C", "A")
    assert wire.p_high == pytest.approx(p_true(ledger.with_source("wire", grade="A")), abs=1e-12)
    # x.p, y.p, o's one row and its default; three claims; two sources
    assert sorted(table.kind) == sorted(["prior"] * 4 + ["claim"] * 3 + ["source"] * 2)


def test_sensitivity_equals_a_whole_update_per_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    # the tornado asks the exact engine for the point answer alone and tries each prior
    # setting on the slider engine without setting it back; the old path (a whole update
    # per claim or source setting, set_prior there and back) must give the same table
    import sys

    from scenarios.engines.fast import Interactive

    wagner = scenarios.load(scenarios.example())
    target = ("mutiny_end", "negotiated")
    fast = sensitivity(wagner, target)
    module = sys.modules["scenarios.analysis.sensitivity"]
    monkeypatch.setattr(module, "point_marginals", lambda s, names: None)

    def there_and_back(self: Interactive, name: str, prior: Any) -> np.ndarray:
        try:
            return self.set_prior(name, prior)["probability"].to_numpy()
        finally:
            self.set_prior(name, wagner.nodes[name].prior)

    monkeypatch.setattr(Interactive, "try_prior", there_and_back)
    whole = sensitivity(wagner, target)
    assert fast.probability == pytest.approx(whole.probability, abs=1e-12)
    text = ["kind", "name", "parameter", "low", "high"]
    assert fast.table[text].equals(whole.table[text])
    numbers = ["p_low", "p_high", "swing"]
    diff = fast.table[numbers].to_numpy() - whole.table[numbers].to_numpy()
    assert np.abs(diff).max() <= 1e-12


def test_power_scaling_ends(ledger: Scenario) -> None:
    power = power_scaling(ledger, ("o", "true"), alphas=(1e-9, 1.0, 2.0))
    table = power.table
    assert power.target == ("o", "true")
    assert table.loc[1.0, "prior_scaled"] == pytest.approx(p_true(ledger))
    assert table.loc[1e-9, "evidence_scaled"] == pytest.approx(
        p_true(ledger.replace(claims=())), abs=1e-6
    )


def coin(p: float, claim: bool) -> Scenario:
    """Outcome o is fact f (prior ``p``); optionally one claim on f with fixed rates."""
    claims = [
        {
            "id": "c",
            "text": "f",
            "proposition": "f",
            "likelihood": {"if_true": 0.8, "if_false": 0.2},
            "weight": 1.0,
        }
    ]
    copy = [{"when": {"f": True}, "p": 1.0}, {"when": {"f": False}, "p": 0.0}]
    return Scenario(
        title="Coin",
        facts={"f": {"kind": "binary", "prior": {"p": p}}},
        outcomes={
            "o": {"kind": "binary", "exhaustive": "y/n", "prior": {"given": ["f"], "table": copy}}
        },
        claims=claims if claim else [],
    )


@pytest.mark.parametrize(("p", "claim"), [(0.3, False), (0.5, True), (0.3, True)])
def test_power_scaling_against_the_powered_posterior_by_hand(p: float, claim: bool) -> None:
    alphas = (0.5, 1.0, 2.0)
    power = power_scaling(coin(p, claim), ("o", "true"), alphas=alphas)
    lik = (0.8, 0.2) if claim else (1.0, 1.0)

    def powered(a_prior: float, a_evidence: float) -> float:
        yes = p**a_prior * lik[0] ** a_evidence
        no = (1 - p) ** a_prior * lik[1] ** a_evidence
        return yes / (yes + no)

    prior = [powered(a, 1.0) for a in alphas]
    evidence = [powered(1.0, a) for a in alphas]
    assert np.allclose(power.table["prior_scaled"], prior, atol=1e-12)
    assert np.allclose(power.table["evidence_scaled"], evidence, atol=1e-12)
    x = np.log2(alphas)
    slope_p, slope_e = np.polyfit(x, prior, 1)[0], np.polyfit(x, evidence, 1)[0]
    assert power.prior_slope == pytest.approx(slope_p, abs=1e-12)
    assert power.evidence_slope == pytest.approx(slope_e, abs=1e-12)
    if p == 0.5:  # a flat prior stays flat when powered: the claim drives it all
        assert power.prior_slope == pytest.approx(0.0, abs=1e-12)
        assert power.prior_share == pytest.approx(0.0, abs=1e-12)
    elif not claim:  # no claims: the prior drives it all
        assert power.evidence_slope == pytest.approx(0.0, abs=1e-12)
        assert power.prior_share == pytest.approx(1.0, abs=1e-12)
    else:
        want = abs(slope_p) / (abs(slope_p) + abs(slope_e))
        assert 0.05 < want < 0.95
        assert power.prior_share == pytest.approx(want, abs=1e-12)


def test_wagner_tools_run_end_to_end() -> None:
    wagner = scenarios.load(scenarios.default_priors())
    tl = timeline(wagner)
    answers = sum(len(c.answers) + (c.retraction is not None) for c in wagner.claims)
    assert len(tl) == 1 + len(wagner.claims) + answers
    assert set(tl["event"]) == {"prior", "reported", "denied", "disputed"}
    assert np.allclose(
        tl.iloc[-1][list(wagner.update(intervals=False).scenarios.index)].astype(float),
        wagner.update(intervals=False).scenarios["probability"],
    )
    sens = sensitivity(wagner, ("mutiny_end", "suppressed")).table
    counted = [c.id for c in wagner.claims if c.status != "confirmed"]
    assert sorted(sens.loc[sens.kind == "claim", "name"]) == sorted(counted)
    assert sorted(sens.loc[sens.kind == "source", "name"]) == sorted(wagner.sources)


@pytest.mark.parametrize("name", scenarios.examples())
def test_timeline_point_answers_equal_a_whole_update_at_every_step(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the timeline asks the exact engine for the outcomes' point answer alone; the old
    # path (a whole update per step) must give the same table
    import sys

    module = sys.modules["scenarios.analysis.timeline"]
    s = scenarios.load(scenarios.example(name))
    fast = timeline(s)
    monkeypatch.setattr(
        module,
        "_probabilities",
        lambda sc, options, index: sc.update(**options).scenarios["probability"],
    )
    whole = timeline(s)
    assert list(fast.columns) == list(whole.columns)
    assert fast[["claim", "event", "text"]].equals(whole[["claim", "event", "text"]])
    numbers = [c for c in whole.columns if c[0] not in ("time", "claim", "event", "text")]
    diff = fast[numbers].to_numpy(dtype=float) - whole[numbers].to_numpy(dtype=float)
    assert np.abs(diff).max() <= 1e-12


def test_retracted_at_is_refused_with_its_new_name(ledger: Scenario) -> None:
    # (redesign, issue 12: 'retracted_at' became 'retracted: {at, note}')
    with pytest.raises(scenarios.ScenarioError, match=r"retracted: \{at: TIME"):
        ledger.with_claim_changed("c1", retracted_at=t(13))
    both = ledger.with_claim_changed("c1", status="retracted", retracted={"at": t(13)})
    assert both.claim("c1").retraction.at == t(13)


def test_plot_helpers_are_exported() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from scenarios import analysis

    wagner = scenarios.load(scenarios.default_priors())
    ax = plots.plot_timeline(analysis.timeline(wagner), "mutiny_end")
    assert ax.get_ylabel() == "P(mutiny_end)"
    sens = analysis.sensitivity(wagner, ("mutiny_end", "negotiated"))
    ax = plots.plot_tornado(sens, top=15)
    assert len(ax.patches) == 2 * min(15, len(sens.table))  # a low and a high bar per input
    assert ax.get_xlabel() == "P(mutiny_end = negotiated)"


def test_an_ascertainment_rate_is_one_judgement_in_the_tornado() -> None:
    # a thinned count: the ascertainment rate appears once, at its Beta's 5% and 95%
    # values; a higher rate means fewer true cases behind the same report
    from scipy import stats

    s = Scenario(
        title="cases",
        facts={
            "cases": {"kind": "continuous", "support": [0, None], "prior": {"between": [100, 400]}}
        },
        outcomes={
            "large": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "logit": {
                        "intercept": 0.0,
                        "terms": [{"fact": "cases", "coef": 1.0, "center": 200, "scale": 50}],
                    }
                },
            }
        },
        claims=[
            {
                "id": "reported",
                "text": "60 cases reported",
                "reported": {
                    "fact": "cases",
                    "value": 60,
                    "count": "binomial",
                    "ascertainment": {"mean": 0.3, "concentration": 30},
                },
            }
        ],
    )
    table = sensitivity(s, ("large", "true")).table
    row = table[table["parameter"] == "ascertainment"]
    assert len(row) == 1 and row["name"].iloc[0] == "reported"
    low, high = stats.beta(9, 21).ppf([0.05, 0.95])

    def at(p: float) -> float:
        fixed = {"fact": "cases", "value": 60, "count": "binomial", "ascertainment": {"mean": p}}
        changed = s.with_claim_changed("reported", reported=fixed)
        return float(
            changed.update(intervals=False).scenarios.loc[("large", "true"), "probability"]
        )

    assert row["low"].iloc[0] == f"{low:.2f}" and row["high"].iloc[0] == f"{high:.2f}"
    assert row["p_low"].iloc[0] == pytest.approx(at(low), abs=1e-12)
    assert row["p_high"].iloc[0] == pytest.approx(at(high), abs=1e-12)
    assert row["p_low"].iloc[0] > row["p_high"].iloc[0]


def test_a_logit_link_is_moved_as_its_anchor_cases_in_the_tornado() -> None:
    # issue 13: no intercept or coefficient is shown to a person; the link's anchor cases
    # are, each moved as a probability (odds x/÷ e without a concentration)
    from scenarios.spec.links import anchors_from_logit, link_context

    s = Scenario(
        title="cases",
        facts={
            "cases": {"kind": "continuous", "support": [0, None], "prior": {"between": [100, 400]}}
        },
        outcomes={
            "large": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "logit": {
                        "intercept": 0.5,
                        "terms": [{"fact": "cases", "coef": 1.0, "center": 200, "scale": 50}],
                    }
                },
            }
        },
        sources={"wire": {"grade": "C"}},
        claims=[{"id": "c", "text": "big", "proposition": "cases > 250", "source": "wire"}],
    )
    table = sensitivity(s, ("large", "true")).table
    rows = table[table["name"] == "large"]
    assert list(rows["parameter"]) == ["p | baseline", "p | cases=250"]
    assert not table["parameter"].str.contains("intercept|coef|log-odds").any()
    anchors = anchors_from_logit(s.outcomes["large"].prior, link_context(s.nodes, "large"))
    p = anchors.anchors[1].p
    low = expit(logit(p) - 1)
    moved = anchors.model_copy(
        update={"anchors": (anchors.anchors[0], anchors.anchors[1].model_copy(update={"p": low}))}
    )
    expected = s.with_prior("large", moved).update(intervals=False).scenarios
    row = rows[rows["parameter"] == "p | cases=250"]
    assert row["p_low"].iloc[0] == pytest.approx(
        float(expected.loc[("large", "true"), "probability"]), abs=1e-12
    )

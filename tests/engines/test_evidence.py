"""What each kind of report does, on cases small enough to compute by hand.

A hedged report tracks the truth with probability w, else is noise at the false-positive
rate: P(report | A) = f + w (t - f), P(report | not A) = f. A denial is a report of
"not A" by the denier; a retraction is a report by the claim's own source with its
retraction rates; the information digit is shown beside the posterior, never weighed.
"""

from __future__ import annotations

import math
import warnings
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from scipy.special import logsumexp

from scenarios import Scenario, ScenarioError
from scenarios.io import from_dict
from scenarios.spec import reliability as rel


def odds(p: float) -> float:
    return p / (1 - p)


def coin(claims: list[dict[str, Any]], **extra: Any) -> Scenario:
    """Facts a and b (p = 1/2 each, independent); sources with fixed or graded rates."""
    data: dict[str, Any] = {
        "title": "coin",
        "facts": {
            "a": {"kind": "binary", "prior": {"p": 0.5}},
            "b": {"kind": "binary", "prior": {"p": 0.5}},
        },
        "outcomes": {
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["a"],
                    "table": [{"when": {"a": True}, "p": 0.9}, {"when": {"a": False}, "p": 0.2}],
                },
            }
        },
        "sources": {
            # fixed rates: the likelihoods are numbers
            "strong": {"true_positive": {"mean": 0.9}, "false_positive": {"mean": 0.05}},
            "weak": {"true_positive": {"mean": 0.6}, "false_positive": {"mean": 0.4}},
            "graded_a": {"grade": "A"},
            "graded_b": {"grade": "B"},
        },
        "claims": claims,
    }
    data.update(extra)
    return from_dict(data, "coin")


def p_true(s: Scenario, fact: str = "a") -> float:
    return float(s.update(intervals=False).facts.loc[(fact, "true"), "probability"])


def claim(cid: str = "c", source: str = "strong", proposition: str = "a", **fields: Any) -> dict:
    return {"id": cid, "text": proposition, "proposition": proposition, "source": source, **fields}


# --- the hedge mixture ------------------------------------------------------------------


@pytest.mark.parametrize("hedge", ["reportedly", "allegedly", "unverified", "rumoured"])
def test_a_hedged_claim_moves_the_odds_by_one_plus_w_times_the_ratio_less_one(hedge: str) -> None:
    w = rel.HEDGE_WEIGHTS[hedge]
    got = odds(p_true(coin([claim(hedge=hedge)])))
    assert got == pytest.approx(1 + w * (0.9 / 0.05 - 1), rel=1e-12)
    # the strong source stays strong: far above the old cap 1 / (1 - w)
    assert got > 2 / (1 - w)
    # an explicit weight overrides the hedge
    assert odds(p_true(coin([claim(hedge=hedge, weight=0.2)]))) == pytest.approx(
        1 + 0.2 * (0.9 / 0.05 - 1), rel=1e-12
    )


def test_one_hedged_claim_of_a_graded_source_uses_the_mean_rates() -> None:
    # one report: E[f + w (t - f)] / E[f] over the source's independent Beta rates
    (tm, _), (fm, _) = rel.GRADE_RATES["A"]
    w = rel.HEDGE_WEIGHTS["allegedly"]
    got = odds(p_true(coin([claim(source="graded_a", hedge="allegedly")])))
    assert got == pytest.approx((fm + w * (tm - fm)) / fm, rel=1e-12)


# --- denials and disputes ---------------------------------------------------------------


def test_a_denial_by_a_weaker_source_moves_less_than_the_claim() -> None:
    made = odds(p_true(coin([claim()])))
    # claim by the strong source, denied by the weak one: P(denial | a) = f_weak = 0.4,
    # P(denial | not a) = t_weak = 0.6 (a report of "not a")
    both = odds(p_true(coin([claim(denied_by="weak", status="denied")])))
    assert made == pytest.approx(0.9 / 0.05, rel=1e-12)
    assert both == pytest.approx(0.9 / 0.05 * 0.4 / 0.6, rel=1e-12)
    assert 1 < both < made  # the denial moves less than the claim did
    assert abs(math.log(0.4 / 0.6)) < abs(math.log(made))
    # the same denial by a strong denier outweighs a weak claim
    flipped = odds(p_true(coin([claim(source="weak", denied_by="strong")])))
    assert flipped == pytest.approx(0.6 / 0.4 * 0.05 / 0.9, rel=1e-12)


def test_a_dispute_is_a_hedged_denial() -> None:
    w = rel.HEDGE_WEIGHTS[rel.DISPUTE_HEDGE]
    disputed = odds(p_true(coin([claim(disputed_by="weak", status="disputed")])))
    # P(dispute | not a) = f + w (t - f) with the disputer's rates, P(dispute | a) = f
    assert disputed == pytest.approx(0.9 / 0.05 * 0.4 / (0.4 + w * 0.2), rel=1e-12)
    denied = odds(p_true(coin([claim(denied_by="weak")])))
    assert denied < disputed < odds(p_true(coin([claim()])))
    # a dispute may name its own hedge or weight
    own = odds(p_true(coin([claim(disputed_by={"source": "weak", "weight": 0.1})])))
    assert own == pytest.approx(0.9 / 0.05 * 0.4 / (0.4 + 0.1 * 0.2), rel=1e-12)


def test_a_denial_shares_the_deniers_reliability_with_its_own_claims() -> None:
    # graded_b says b and denies a: two reports of one source, E[t (f)] over shared rates
    s = coin(
        [
            claim(source="graded_a", denied_by="graded_b"),
            claim("cb", source="graded_b", proposition="b"),
        ]
    )
    (tm, tk), (fm, fk) = rel.GRADE_RATES["B"]
    t1, f1 = tm, fm
    t2 = tm * (tm * tk + 1) / (tk + 1)  # E[t^2] of Beta(mean tm, concentration tk)
    f2 = fm * (fm * fk + 1) / (fk + 1)
    (ta, _), (fa, _) = rel.GRADE_RATES["A"]
    # P(a, b, reports) over the four states, the A source's report of a by mean rates
    weights = {(1, 1): ta * f1 * t1, (1, 0): ta * f2, (0, 1): fa * t2, (0, 0): fa * t1 * f1}
    z = sum(weights.values())
    assert p_true(s, "a") == pytest.approx((weights[1, 1] + weights[1, 0]) / z, abs=1e-12)
    assert p_true(s, "b") == pytest.approx((weights[1, 1] + weights[0, 1]) / z, abs=1e-12)


# --- retractions ------------------------------------------------------------------------


def test_a_retraction_counts_against_the_proposition_by_the_retraction_rates() -> None:
    made = odds(p_true(coin([claim()])))
    retracted = odds(p_true(coin([claim(status="retracted")])))
    (rt, _), (rf, _) = rel.RETRACTION_RATES
    assert retracted == pytest.approx(made * rt / rf, rel=1e-12)
    assert retracted < made
    # overridden in the file, and per source
    tables = {"retraction": {"if_true": {"mean": 0.1}, "if_false": {"mean": 0.5}}}
    assert odds(
        p_true(coin([claim(retracted={"note": "n"})], reliability=tables))
    ) == pytest.approx(made * 0.1 / 0.5, rel=1e-12)
    own = coin([claim(status="retracted")], reliability=tables).with_source(
        "strong", retraction={"if_true": {"mean": 0.01}, "if_false": {"mean": 0.6}}
    )
    assert odds(p_true(own)) == pytest.approx(made * 0.01 / 0.6, rel=1e-12)


def test_a_retraction_lowers_the_same_sources_other_claim() -> None:
    # graded_b says a (c1) and b (c2); then retracts c1. Fixed retraction rates (r_t, r_f)
    # and the B source's Beta rates t, f: by hand, with P(a) = P(b) = 1/2,
    #   P(b | all) = [r_t E t^2 + r_f E t E f] / [r_t E t^2 + (r_t + r_f) E t E f + r_f E f^2]
    rt, rf = 0.02, 0.3
    tables = {"retraction": {"if_true": {"mean": rt}, "if_false": {"mean": rf}}}
    two = [claim("c1", source="graded_b"), claim("c2", source="graded_b", proposition="b")]
    before = coin(two, reliability=tables)
    after = before.retract("c1", note="the photo was old")
    (tm, tk), (fm, fk) = rel.GRADE_RATES["B"]
    et, ef = tm, fm
    et2, ef2 = tm * (tm * tk + 1) / (tk + 1), fm * (fm * fk + 1) / (fk + 1)
    want_b = (rt * et2 + rf * et * ef) / (rt * et2 + (rt + rf) * et * ef + rf * ef2)
    want_b_before = (et2 + et * ef) / (et2 + 2 * et * ef + ef2)
    assert p_true(after, "b") == pytest.approx(want_b, abs=1e-12)
    assert p_true(before, "b") == pytest.approx(want_b_before, abs=1e-12)
    # the retraction lowers the effect of the source's other, unretracted claim ...
    assert 0.5 < p_true(after, "b") < p_true(before, "b")
    # ... and below what that claim does from a source with the same grade and no record
    alone = coin([claim("c2", source="graded_b", proposition="b")])
    assert p_true(after, "b") < p_true(alone, "b")
    # the retracted report stays: a is lower than with no report, but not as low as a
    # bare retraction's ratio would make it (r_t / r_f against the prior odds)
    assert odds(p_true(after, "a")) > rt / rf


def test_status_retracted_alone_is_a_retraction_at_the_claims_time() -> None:
    a = coin([claim(status="retracted")])
    b = coin([claim(retracted={})])
    assert p_true(a) == pytest.approx(p_true(b), abs=1e-15)
    assert a.claims[0].retraction is not None and a.claims[0].retraction.at is None


# --- the digit ----------------------------------------------------------------------


def test_the_digit_changes_nothing_but_is_shown_and_flagged() -> None:
    # a weak report of a (p = 1/2 moved to 0.6): probably true (2) is not flagged at 0.6;
    # a strong denial then pulls a to 0.06: a "2" is flagged, a "5" is not
    def table(digit: int | None, denied: bool) -> Any:
        fields = {"information": digit} if digit else {}
        if denied:
            fields["denied_by"] = "strong"
        return coin([claim(source="weak", **fields)]).update(intervals=False)

    for denied in (False, True):
        plain = table(None, denied)
        for digit in range(1, 7):
            post = table(digit, denied)
            assert post.facts.equals(plain.facts) and post.scenarios.equals(plain.scenarios)
            assert post.log_evidence == plain.log_evidence
            row = post.claims.loc["c"]
            assert row["digit"] == digit and row["meaning"] == rel.DIGIT_MEANINGS[digit]
            assert row["probability"] == pytest.approx(
                p_true(coin([claim(source="weak", **({"denied_by": "strong"} if denied else {}))])),
                abs=1e-15,
            )
            assert row["prior"] == pytest.approx(0.5, abs=1e-15)
            flagged = (digit in (1, 2) and denied) or (digit in (4, 5) and False)
            assert row["flag"] == flagged, (digit, denied)
    # digits 4 and 5 are flagged when the proposition ends likely
    post = coin([claim(information=5), claim("d", source="graded_a", information=4)]).update(
        intervals=False
    )
    assert post.claims["flag"].tolist() == [True, True]
    assert post.claims.loc["c", "probability"] > 0.7
    # thresholds are the file's to set: at 0.999 a "5" is no longer flagged
    lenient = coin([claim(information=5)], reliability={"digits": {5: 0.999}})
    assert not lenient.update(intervals=False).claims.loc["c", "flag"]
    assert table(None, False).claims.loc["c", "meaning"] == ""


def test_digits_3_and_6_cannot_have_thresholds() -> None:
    with pytest.raises(ScenarioError, match=r"reliability\.digits\.3: expected a digit that"):
        coin([], reliability={"digits": {3: 0.5}})


# --- what the file may say --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "field"), [("denied", "denied_by"), ("disputed", "disputed_by")]
)
def test_a_denial_without_a_denier_is_refused(status: str, field: str) -> None:
    with pytest.raises(ScenarioError, match=rf"claims\.0: .*needs '{field}: SOURCE': name who"):
        coin([claim(status=status)])


def test_a_denier_must_be_a_source() -> None:
    with pytest.raises(ScenarioError, match=r"claims\.0\.denied_by\.0\.source: unknown source"):
        coin([claim(denied_by="nobody")])
    with pytest.raises(ScenarioError, match=r"claims\.0\.disputed_by\.1\.source: 'weak' is named"):
        coin([claim(disputed_by=["weak", "weak"])])


def test_old_weights_are_refused_with_what_replaced_them() -> None:
    with pytest.raises(ScenarioError, match=r"reliability\.information is gone"):
        coin([], reliability={"information": {2: 0.8}})
    with pytest.raises(ScenarioError, match=r"reliability\.status is gone"):
        coin([], reliability={"status": {"disputed": 0.4}})


def test_numbers_cannot_be_denied_or_retracted_and_retractions_need_a_source() -> None:
    number = {
        "id": "n",
        "text": "n",
        "source": "strong",
        "denied_by": "weak",
        "reported": {"fact": "x", "value": 3.0, "sd": 0.1},
    }
    with pytest.raises(ScenarioError, match="a reported number cannot be denied or retracted"):
        coin(
            [number],
            facts={
                "a": {"kind": "binary", "prior": {"p": 0.5}},
                "x": {"kind": "continuous", "prior": {"between": [1, 5]}},
            },
        )
    with pytest.raises(ScenarioError, match="a retraction is a report by the claim's own source"):
        coin(
            [
                {
                    "id": "c",
                    "text": "a",
                    "proposition": "a",
                    "status": "retracted",
                    "likelihood": {"if_true": 0.9, "if_false": 0.1},
                }
            ]
        )


# --- no hindsight -----------------------------------------------------------------------


def t(hour: int) -> datetime:
    return datetime(2024, 1, 1, hour, tzinfo=UTC)


def test_a_claim_after_as_of_is_refused_and_accepted_as_hindsight() -> None:
    late = claim(time=t(13))
    with pytest.raises(
        ScenarioError,
        match=r"claims\.0\.time: after the scenario's as_of "
        r"\(2024-01-01T12:00:00\+00:00\): claim 'c'",
    ):
        coin([late], as_of=t(12))
    assert p_true(coin([{**late, "hindsight": True}], as_of=t(12))) == pytest.approx(
        p_true(coin([claim()])), abs=1e-15
    )
    coin([claim(time=t(12))], as_of=t(12))  # at as_of is not after it
    # a naive time is UTC
    with pytest.raises(ScenarioError, match=r"claims\.0\.time"):
        coin([claim(time=datetime(2024, 1, 1, 13))], as_of=t(12))
    # denials and retractions are reports too
    with pytest.raises(ScenarioError, match=r"claims\.0\.denied_by\.0\.time: after"):
        coin([claim(denied_by={"source": "weak", "time": t(14)})], as_of=t(12))
    with pytest.raises(ScenarioError, match=r"claims\.0\.retracted\.at: after"):
        coin([claim(retracted={"at": t(14)})], as_of=t(12))


def test_known_at_leaves_out_later_denials_and_retractions() -> None:
    s = coin(
        [
            claim(
                time=t(10),
                status="denied",
                denied_by={"source": "weak", "time": t(12)},
                retracted={"at": t(14)},
            )
        ]
    )
    early = s.known_at(t(11))
    assert early.claims[0].denied_by == () and early.claims[0].retraction is None
    assert early.claims[0].status == "reported"
    assert p_true(early) == pytest.approx(p_true(coin([claim()])), abs=1e-15)
    middle = s.known_at(t(13))
    assert [d.source for d in middle.claims[0].denied_by] == ["weak"]
    assert middle.claims[0].retraction is None
    assert p_true(s.known_at(t(15))) == pytest.approx(p_true(s), abs=1e-15)
    assert s.known_at(t(9)).claims == ()


# --- the full engine ----------------------------------------------------------------


@pytest.fixture(scope="module")
def answered() -> Scenario:
    """A hedge, a denial, a dispute and a retraction, with uncertain rates and priors."""
    return Scenario(
        title="Answered",
        seed=5,
        facts={
            "a": {"kind": "binary", "prior": {"p": 0.4, "concentration": 8}},
            "b": {
                "kind": "categorical",
                "states": ["x", "y", "z"],
                "prior": {"probs": {"x": 0.5, "y": 0.3, "z": 0.2}},
            },
        },
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["a", "b"],
                    "default": {"p": 0.3},
                    "table": [{"when": {"a": True, "b": "x"}, "p": 0.8}],
                },
            }
        },
        sources={"wire": {"grade": "B"}, "ministry": {"grade": "D"}, "blog": {"grade": "C"}},
        claims=[
            {
                "id": "c1",
                "text": "a",
                "proposition": "a",
                "source": "wire",
                "hedge": "allegedly",
                "denied_by": "ministry",
                "status": "denied",
            },
            {
                "id": "c2",
                "text": "b is x",
                "proposition": "b == x",
                "source": "blog",
                "disputed_by": "ministry",
                "information": 2,
            },
            {
                "id": "c3",
                "text": "b is not z",
                "proposition": "b != z",
                "source": "wire",
                "status": "retracted",
            },
            {"id": "c4", "text": "a", "proposition": "a", "source": "blog"},
        ],
    )


def test_the_pymc_model_of_denials_and_retractions_equals_pymc_extras(answered: Scenario) -> None:
    from pymc_extras import marginalize

    ours = answered.to_pymc(marginalized=True)
    plain = answered.to_pymc(marginalized=False)
    names = {v.name for v in plain.free_RVs}
    assert {"wire_retraction_if_true", "wire_retraction_if_false"} <= names
    theirs = marginalize(plain, [v for v in plain.free_RVs if v.name in ("a", "b")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_ours, f_theirs = ours.compile_logp(), theirs.compile_logp()
    start = ours.initial_point()
    rng = np.random.default_rng(0)
    for _ in range(5):
        point = {k: v + rng.normal(scale=0.5, size=np.shape(v)) for k, v in start.items()}
        theirs_lp = logsumexp([f_theirs({**point, "o": c}) for c in (0, 1)])
        assert f_ours(point) == pytest.approx(theirs_lp, abs=1e-10)


@pytest.mark.slow
def test_full_engine_agrees_with_exact_on_hedges_denials_and_retractions(
    answered: Scenario,
) -> None:
    exact = answered.update(draws=20000)
    full = answered.update(engine="pymc", seed=3)
    assert full.diagnostics["ok"].all(), full.diagnostics
    for table_e, table_f in ((exact.scenarios, full.scenarios), (exact.facts, full.facts)):
        diff = (table_f["probability"] - table_e["probability"]).abs()
        assert (diff <= 4 * table_f["mcse"] + 1e-9).all(), diff / table_f["mcse"]
        assert np.allclose(table_f[["lower", "upper"]], table_e[["lower", "upper"]], atol=0.03)
    assert full.claims.equals(exact.claims)


# --- relays -------------------------------------------------------------------------


def test_ten_relays_of_one_story_are_one_report() -> None:
    wire = claim("wire", source="graded_b", time=t(10))
    relays = [claim(f"r{i}", source="weak", via="wire", time=t(11)) for i in range(10)]
    one = coin([wire])
    many = coin([wire, *relays])
    assert p_true(many) == pytest.approx(p_true(one), abs=1e-15)
    assert many.update(intervals=False).log_evidence == pytest.approx(
        one.update(intervals=False).log_evidence, abs=1e-15
    )
    # while ten independent reports of the same grade would be ten reports
    independent = coin([wire, *({**r, "source": "graded_b", "via": None} for r in relays)])
    assert p_true(independent) > p_true(one) + 0.01
    # a relay of a relay repeats the same original
    chained = coin(
        [wire, claim("r0", source="weak", via="wire"), claim("r1", source="weak", via="r0")]
    )
    assert p_true(chained) == pytest.approx(p_true(one), abs=1e-15)


def test_an_original_first_known_through_a_relay_counts_from_the_relay() -> None:
    s = coin(
        [
            claim("wire", source="graded_b", time=t(14)),
            claim("bbc", source="weak", via="wire", time=t(11)),
            claim("blog", source="weak", via="tv", time=t(12)),
            claim("tv", source="weak", via="wire", time=t(13)),
        ]
    )
    before = s.known_at(t(10))
    assert before.claims == ()
    at_11 = s.known_at(t(11))  # the BBC relay: the wire report was made by then
    assert [c.id for c in at_11.claims] == ["wire", "bbc"]
    assert at_11.claim("wire").time == t(11)
    assert p_true(at_11) == pytest.approx(p_true(coin([claim("wire", source="graded_b")])))
    at_12 = s.known_at(t(12))  # the blog relays the TV's relay (not yet seen) of the wire
    assert [c.id for c in at_12.claims] == ["wire", "bbc", "blog"]
    assert at_12.claim("blog").via == "wire"
    from scenarios.analysis import timeline

    table = timeline(s)
    assert list(zip(table["claim"], table["event"], strict=True))[1:] == [
        ("wire", "reported"),
        ("bbc", "relayed"),
        ("blog", "relayed"),
        ("tv", "relayed"),
    ]
    assert table["time"].iloc[1] == t(11)
    assert (table["moved"].iloc[2:] == 0).all()


def test_a_relay_must_repeat_an_existing_claim_and_say_what_it_says() -> None:
    wire = claim("wire", source="graded_b")
    with pytest.raises(ScenarioError, match=r"claims\.1\.via: unknown claim 'nope'"):
        coin([wire, claim("r", source="weak", via="nope")])
    with pytest.raises(
        ScenarioError,
        match=r"claims\.1\.proposition: a relay repeats its "
        r"original 'wire': it must report 'a'",
    ):
        coin([wire, claim("r", source="weak", proposition="b", via="wire")])
    with pytest.raises(
        ScenarioError,
        match=r"claims\.0\.via: relays repeat each other in a "
        r"cycle: r1 -> r2 -> r1",
    ):
        coin([claim("r1", via="r2"), claim("r2", via="r1")])
    with pytest.raises(ScenarioError, match="give denials, retractions, a status or a likelihood"):
        coin([wire, claim("r", source="weak", via="wire", denied_by="strong")])
    # the same proposition, spaced differently, is the same proposition
    coin([wire, claim("r", source="weak", proposition="  a", via="wire")])


# --- silence: the absence of a report ---------------------------------------------------


def test_silence_multiplies_the_odds_by_the_complements_of_the_report() -> None:
    # P(no report | a) = 1 - (f + w (t - f)), P(no report | not a) = 1 - f
    got = odds(p_true(coin([claim(silent=True)])))
    assert got == pytest.approx((1 - 0.9) / (1 - 0.05), rel=1e-12)
    w = rel.HEDGE_WEIGHTS["unverified"]
    hedged = odds(p_true(coin([claim(silent=True, hedge="unverified")])))
    assert hedged == pytest.approx((1 - 0.05 - w * (0.9 - 0.05)) / (1 - 0.05), rel=1e-12)
    assert got < hedged < 1.0


def test_silence_of_a_strong_source_lowers_the_proposition_and_of_an_e_source_barely() -> None:
    extra = {"sources": {"graded_a": {"grade": "A"}, "graded_e": {"grade": "E"}}}
    strong = p_true(coin([claim(source="graded_a", silent=True)], **extra))
    (tm, _), (fm, _) = rel.GRADE_RATES["A"]
    assert strong == pytest.approx((1 - tm) / ((1 - tm) + (1 - fm)), abs=1e-12)
    assert strong < 0.1
    weak = p_true(coin([claim(source="graded_e", silent=True)], **extra))
    (te, _), (fe, _) = rel.GRADE_RATES["E"]
    assert weak == pytest.approx((1 - te) / ((1 - te) + (1 - fe)), abs=1e-12)
    assert abs(weak - 0.5) < 0.1 < 0.5 - strong


def test_silence_shares_the_sources_rates_with_its_reports() -> None:
    # graded_b reports b and is silent on a: E[t (1 - t)], E[t (1 - f)], ... over shared rates
    s = coin(
        [
            claim("ca", source="graded_b", silent=True),
            claim("cb", source="graded_b", proposition="b"),
        ]
    )
    (tm, tk), (fm, fk) = rel.GRADE_RATES["B"]
    t2 = tm * (tm * tk + 1) / (tk + 1)
    f2 = fm * (fm * fk + 1) / (fk + 1)
    weights = {(1, 1): tm - t2, (1, 0): fm * (1 - tm), (0, 1): tm * (1 - fm), (0, 0): fm - f2}
    z = sum(weights.values())
    assert p_true(s, "a") == pytest.approx((weights[1, 1] + weights[1, 0]) / z, abs=1e-12)
    assert p_true(s, "b") == pytest.approx((weights[1, 1] + weights[0, 1]) / z, abs=1e-12)


def test_a_silence_is_only_an_absence_of_a_report() -> None:
    for fields in ({"status": "confirmed"}, {"denied_by": "weak"}, {"status": "retracted"}):
        with pytest.raises(ScenarioError, match="silence"):
            coin([claim(silent=True, **fields)])


def test_the_pymc_model_of_a_silence_equals_pymc_extras() -> None:
    from pymc_extras import marginalize

    s = coin(
        [
            claim("ca", source="graded_b", silent=True, hedge="allegedly"),
            claim("cb", source="graded_b", proposition="b"),
        ]
    )
    ours = s.to_pymc(marginalized=True)
    plain = s.to_pymc(marginalized=False)
    theirs = marginalize(plain, [v for v in plain.free_RVs if v.name in ("a", "b")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_ours, f_theirs = ours.compile_logp(), theirs.compile_logp()
    start = ours.initial_point()
    rng = np.random.default_rng(0)
    for _ in range(3):
        point = {k: v + rng.normal(scale=0.5, size=np.shape(v)) for k, v in start.items()}
        theirs_lp = logsumexp([f_theirs({**point, "o": c}) for c in (0, 1)])
        assert f_ours(point) == pytest.approx(theirs_lp, abs=1e-10)

"""Scores against their formulas; pooling against its definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scenarios
from scenarios import Scenario
from scenarios.analysis import calibration, compare_forecasters, pool, score
from scenarios.io import load_resolution
from scenarios.io.data import resolution_for
from scenarios.posterior import scenario_hash
from scenarios.spec.resolution import Resolution

from .conftest import confounded


def p_o(p_c: float) -> float:
    """P(o = true) of :func:`confounded`, by hand."""
    return p_c * (0.9 * 0.8 + 0.1 * 0.7) + (1 - p_c) * (0.2 * 0.3 + 0.8 * 0.1)


def test_brier_and_log_score_follow_their_formulas(confounded_scenario: Scenario) -> None:
    post = confounded_scenario.update(intervals=False)
    p_true = float(post.scenarios.loc[("o", "true"), "probability"])
    scores = score(post, Resolution(title="t", outcomes={"o": True}))
    assert scores.loc["o", "resolved"] == "true"
    assert scores.loc["o", "brier"] == pytest.approx((1 - p_true) ** 2 + (0 - (1 - p_true)) ** 2)
    assert scores.loc["o", "log_score"] == pytest.approx(np.log(p_true))


def test_wagner_resolution_is_shipped_and_scores_the_default_priors() -> None:
    resolution = load_resolution(resolution_for(scenarios.default_priors()))
    post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    scores = score(post, resolution)
    assert set(scores.index) == {"mutiny_end", "putin_in_power"}
    assert scores.loc["mutiny_end", "resolved"] == "negotiated"
    p = post.scenarios.loc["mutiny_end", "probability"]
    hit = (p.index == "negotiated").astype(float)
    assert scores.loc["mutiny_end", "brier"] == pytest.approx(float(((p - hit) ** 2).sum()))


def test_resolution_naming_an_unknown_state_is_an_error(confounded_scenario: Scenario) -> None:
    post = confounded_scenario.update(intervals=False)
    with pytest.raises(KeyError, match="not a state"):
        score(post, Resolution(title="t", outcomes={"o": "perhaps"}))


def test_compare_forecasters_ranks_by_brier() -> None:
    good, bad = confounded(p_c=0.9), confounded(p_c=0.05)
    resolution = Resolution(title="t", outcomes={"o": True})
    table = compare_forecasters({"bad": bad, "good": good.update(intervals=False)}, resolution)
    assert list(table["forecaster"]) == ["good", "bad"]
    # one yes/no question resolved true: Brier (1 - p)^2 + (0 - (1 - p))^2, log score ln p
    for i, p_c in enumerate((0.9, 0.05)):
        p = p_o(p_c)
        assert table.loc[i, "brier"] == pytest.approx(2 * (1 - p) ** 2, abs=1e-12)
        assert table.loc[i, "log_score"] == pytest.approx(np.log(p), abs=1e-12)
    assert list(table["outcomes"]) == [1, 1]
    assert list(table["scenario_sha256"]) == [scenario_hash(good), scenario_hash(bad)]


def test_calibration_of_calibrated_forecasts() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=20000)
    happened = rng.uniform(size=p.size) < p
    table = calibration(pd.DataFrame({"probability": p, "happened": happened}), bins=5)
    assert table["forecasts"].sum() == p.size
    assert np.allclose(table["observed"], table["mean_forecast"], atol=4 * table["stderr"].max())


def test_calibration_table_by_hand() -> None:
    forecasts = pd.DataFrame(
        {
            "probability": [0.05, 0.1, 0.15, 0.6, 0.7, 0.95, 1.0],
            "happened": [False, False, True, True, False, True, True],
        }
    )
    table = calibration(forecasts, bins=4)
    assert table["low"].tolist() == [0.0, 0.25, 0.5, 0.75]
    assert table["forecasts"].tolist() == [3, 0, 2, 2]
    assert table["mean_forecast"].iloc[[0, 2, 3]].tolist() == pytest.approx([0.1, 0.65, 0.975])
    assert table["observed"].iloc[[0, 2, 3]].tolist() == pytest.approx([1 / 3, 0.5, 1.0])
    assert table["stderr"].iloc[0] == pytest.approx(np.sqrt(1 / 3 * 2 / 3 / 3))
    assert table.loc[1, ["mean_forecast", "observed", "stderr"]].isna().all()


def test_pooling_identical_files_returns_the_same_answer() -> None:
    wagner = scenarios.load(scenarios.default_priors())
    for method in ("linear", "log"):
        pooled = pool([wagner, wagner, wagner], weights=[1, 2, 3], method=method)
        a = pooled.update(intervals=False).scenarios
        b = wagner.update(intervals=False).scenarios
        assert np.allclose(a["probability"], b["probability"], atol=1e-12)


def test_linear_and_log_pooling_of_a_probability() -> None:
    a, b = confounded(p_c=0.2), confounded(p_c=0.6)
    lin = pool([a, b], weights=[3, 1]).facts["c"].prior.p
    assert lin == pytest.approx(0.75 * 0.2 + 0.25 * 0.6)
    log = pool([a, b], weights=[3, 1], method="log").facts["c"].prior.p
    num = 0.2**0.75 * 0.6**0.25
    assert log == pytest.approx(num / (num + 0.8**0.75 * 0.4**0.25))


def test_pooling_tables_row_by_row() -> None:
    a = confounded()
    b = a.with_prior(
        "a",
        {
            "given": ["c"],
            "table": [{"when": {"c": True}, "p": 0.5}, {"when": {"c": False}, "p": 0.4}],
        },
    )
    rows = {r.when["c"]: r.p for r in pool([a, b]).facts["a"].prior.table}
    assert rows == pytest.approx({"true": 0.7, "false": 0.3})


def test_pooling_different_structures_is_refused() -> None:
    a = confounded()
    b = a.replace(outcomes={"o2": a.outcomes["o"]})
    with pytest.raises(ValueError, match="cannot pool"):
        pool([a, b])


def test_pooling_continuous_priors_numerically() -> None:
    def s(lo: float, hi: float) -> Scenario:
        return Scenario(
            title="x",
            facts={"x": {"kind": "continuous", "prior": {"between": [lo, hi], "mass": 0.9}}},
            outcomes={
                "o": {
                    "kind": "binary",
                    "exhaustive": "yes/no",
                    "prior": {
                        "logit": {
                            "terms": [{"fact": "x", "coef": 1.0, "center": 0.0, "scale": 1.0}]
                        }
                    },
                }
            },
        )

    pooled = pool([s(-1, 1), s(1, 3)], method="log")
    q = pooled.facts["x"].prior.quantiles
    # log pool of two equal-variance Normals: the Normal halfway, same sd
    assert q[0.5] == pytest.approx(1.0, abs=1e-3)
    assert q[0.95] - q[0.05] == pytest.approx(2.0, abs=1e-2)


def graded() -> Scenario:
    """Four graded claims about two facts; one resolved in the file by resolve_claim."""
    from scenarios.analysis import resolve_claim

    s = Scenario(
        title="Graded",
        facts={
            "x": {"kind": "binary", "prior": {"p": 0.5}},
            "y": {
                "kind": "categorical",
                "states": ["a", "b", "c"],
                "prior": {"probs": {"a": 0.3, "b": 0.3, "c": 0.4}},
            },
        },
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        sources={"w": {"grade": "B"}},
        claims=[
            {"id": "c1", "text": "x", "proposition": "x", "source": "w", "information": 2},
            {
                "id": "c2",
                "text": "y is a",
                "proposition": "y == a",
                "source": "w",
                "information": 2,
            },
            {
                "id": "c3",
                "text": "y not c",
                "proposition": "y != c or x",
                "source": "w",
                "information": 5,
            },
            {"id": "c4", "text": "y b", "proposition": "y == b", "source": "w", "information": 4},
            {"id": "c5", "text": "x again", "proposition": "x", "source": "w"},
        ],
    )
    return resolve_claim(s, "c4", held=False)


def test_digit_calibration_counts_per_digit_how_often_claims_held() -> None:
    from scenarios.analysis import digit_calibration

    s = graded()
    # x resolved false: c1 (2) wrong, c3 (5) unsettled by x alone (y unknown);
    # c2 said by id to have held; c4 (4) did not hold, by the resolution in the file
    table = digit_calibration(s, {"x": False, "c2": True})
    assert table.loc[2, ["claims", "held"]].tolist() == [2, 1]
    assert table.loc[2, "fraction_held"] == 0.5
    assert table.loc[2, "stderr"] == pytest.approx(np.sqrt(0.25 / 2))
    assert table.loc[4, ["claims", "held"]].tolist() == [1, 0]
    assert table.loc[5, "claims"] == 0 and np.isnan(table.loc[5, "fraction_held"])
    assert table.loc[2, "meaning"] == "probably true"
    # with y resolved too, c3 settles (y == a is not c: it held); c5 has no digit
    table = digit_calibration(
        s.update(intervals=False), Resolution(title="t", outcomes={"x": False, "y": "a", "o": True})
    )
    assert table.loc[5, ["claims", "held"]].tolist() == [1, 1]
    assert table.loc[2, ["claims", "held"]].tolist() == [2, 1]  # c1 wrong, c2 right
    assert int(table["claims"].sum()) == 4


def test_anchor_cases_pool_as_the_links_fitted_to_them() -> None:
    from scenarios.spec.links import link_context, point_prior
    from scenarios.spec.overrides import apply_overrides

    a = scenarios.load(scenarios.example("wagner-2023-06-23"))
    b, _ = apply_overrides(a, {"mutiny_end.anchors.0.probs.suppressed": 0.4})
    pooled = pool([a, b], method="log")

    def fitted(s: Scenario) -> Scenario:
        ctx = link_context(s.nodes, "mutiny_end")
        return s.with_prior("mutiny_end", point_prior(s.outcomes["mutiny_end"].prior, ctx))

    want = pool([fitted(a), fitted(b)], method="log")
    assert pooled.outcomes["mutiny_end"].prior == want.outcomes["mutiny_end"].prior
    assert pooled.outcomes["mutiny_end"].prior != fitted(a).outcomes["mutiny_end"].prior

"""Scores against their formulas; pooling against its definition."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import scenarios
from scenarios import Scenario
from scenarios.analysis import (
    Resolution,
    archive_forecast,
    calibration,
    compare_forecasters,
    load_resolution,
    pool,
    score,
)
from scenarios.analysis.scoring import load_archive

from .conftest import confounded

ROOT = Path(__file__).parents[2]


def test_brier_and_log_score_follow_their_formulas(confounded_scenario: Scenario) -> None:
    post = confounded_scenario.update(intervals=False)
    p_true = float(post.scenarios.loc[("o", "true"), "probability"])
    scores = score(post, Resolution(title="t", outcomes={"o": True}))
    assert scores.loc["o", "resolved"] == "true"
    assert scores.loc["o", "brier"] == pytest.approx((1 - p_true) ** 2 + (0 - (1 - p_true)) ** 2)
    assert scores.loc["o", "log_score"] == pytest.approx(np.log(p_true))


def test_wagner_resolution_is_shipped_and_scores_the_default_priors() -> None:
    resolution = load_resolution(ROOT / "resolutions" / "wagner-2023-06-23.yaml")
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


def test_compare_forecasters_ranks_by_brier(tmp_path: Path) -> None:
    good = scenarios.save(confounded(p_c=0.9), tmp_path / "good.yaml")
    bad = scenarios.save(confounded(p_c=0.05), tmp_path / "bad.yaml")
    table = compare_forecasters([bad, good], Resolution(title="t", outcomes={"o": True}))
    assert list(table["priors"]) == [str(good), str(bad)]
    assert table["brier"].is_monotonic_increasing
    assert table.loc[0, "sha256"] == __import__("hashlib").sha256(good.read_bytes()).hexdigest()


def test_calibration_of_calibrated_forecasts() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(size=20000)
    happened = rng.uniform(size=p.size) < p
    table = calibration(pd.DataFrame({"probability": p, "happened": happened}), bins=5)
    assert table["forecasts"].sum() == p.size
    assert np.allclose(table["observed"], table["mean_forecast"], atol=4 * table["stderr"].max())


def test_archive_links_the_priors_file_and_hash(tmp_path: Path) -> None:
    priors = scenarios.default_priors()
    post = scenarios.load(priors).update(intervals=False)
    a = archive_forecast(post, priors, tmp_path)
    b = archive_forecast(post, priors, tmp_path)
    assert a != b  # never overwritten
    record = json.loads(a.read_text())
    assert record["priors_sha256"] == __import__("hashlib").sha256(priors.read_bytes()).hexdigest()
    assert record["seed"] == post.seed
    rows = load_archive(tmp_path, [load_resolution(ROOT / "resolutions/wagner-2023-06-23.yaml")])
    assert len(rows) == 2 * len(post.scenarios)
    assert rows.loc[rows.state == "negotiated", "happened"].all()


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

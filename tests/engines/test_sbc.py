"""Simulation-based calibration of the full engine (Talts et al. 2018, "Validating Bayesian
inference algorithms with simulation-based calibration").

Each replication draws theta, a world and its reports from ``Scenario.simulate`` (the
generative story), conditions the scenario on that world's data, runs
``update(engine="pymc")`` and ranks the true value of a parameter among the posterior
draws. If the engine's posterior is the generative story's, the ranks are uniform.

**What a scenario conditions on.** The engines condition only on reports that were
made: a report not made is not evidence (silence has no likelihood in the file format),
so ``update`` computes P(theta | every report in the file was made), marginalising over
whatever else was or was not said. Conditioning each world on the set of reports *it*
happened to make would therefore not be calibrated: a world that made no report would
get the prior as its posterior, while its true rates are those of a world that stayed
silent (lower true-positive rates), and the ranks pile up. The calibrated design fixes
the set of reports first (the scenario's claims) and keeps only the simulated worlds
that made all of them (rejection sampling): their theta is then drawn from exactly
P(theta | those reports made). The data that still vary from world to world are those
the file can state whatever the world: a reported number's value, and a fact revealed by
a ``confirmed`` claim (its proposition set to the world's state). Each design keeps one
model structure (only ``pm.Data`` values change), so the compiled model is reused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scenarios import Scenario

pytestmark = [
    pytest.mark.slow,
    # few draws per replication on purpose: the engine's ESS warning is expected
    pytest.mark.filterwarnings("ignore::scenarios.errors.SamplingWarning"),
    # numbers drawn from the model's own noise land far from the prior now and then
    pytest.mark.filterwarnings("ignore::scenarios.errors.PriorDataConflictWarning"),
]

#: Replications per design, and what each samples. Few draws, but a full warm-up: with
#: 200 tuning steps the draws of a Beta rate were measurably off in its tails (ranks of
#: 400 replications at p = 0.0003), with 1000 they are not (p = 0.16); a compiled model
#: costs about 0.25 s per replication either way.
REPLICATIONS = 160
SAMPLER = {"draws": 200, "tune": 1000, "chains": 2, "cores": 1}
#: Keep every THIN-th draw (nearly independent draws: autocorrelation skews ranks).
THIN = 4
BINS = 8
#: Worlds simulated to find REPLICATIONS that made every report of a design.
WORLDS = 2_000_000

# a target: a scalar parameter by name, an entry of a row parameter, or a continuous fact
Target = str | tuple[str, int, int]


@dataclass(frozen=True)
class Design:
    """A scenario, the reports every kept world made, what varies, what is ranked."""

    name: str
    scenario: Scenario
    data: Callable[[Scenario, pd.Series], Scenario]
    targets: tuple[Target, ...]


def _base(title: str, facts: dict, sources: dict, claims: list) -> Scenario:
    return Scenario(
        title=title,
        facts=facts,
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        sources=sources,
        claims=claims,
    )


def _reveal(facts: dict[str, str]) -> Callable[[Scenario, pd.Series], Scenario]:
    """Set each ``confirmed`` claim (by id) to its binary fact's state in the world."""

    def data(s: Scenario, world: pd.Series) -> Scenario:
        for claim, fact in facts.items():
            proposition = fact if world[fact] == "true" else f"not {fact}"
            s = s.with_claim_changed(claim, proposition=proposition)
        return s

    return data


def _number(claim: str) -> Callable[[Scenario, pd.Series], Scenario]:
    def data(s: Scenario, world: pd.Series) -> Scenario:
        reported = s.claim(claim).reported
        assert reported is not None
        value = float(world[f"value:{claim}"])
        return s.with_claim_changed(claim, reported={**reported.model_dump(), "value": value})

    return data


HEDGES = {"a": "allegedly", "b": "reportedly", "c": "unverified", "d": "allegedly"}

SHARED_HEDGED = Design(
    "one source, hedged reports",
    _base(
        "Shared and hedged",
        {
            "a": {"kind": "binary", "prior": {"p": 0.5, "concentration": 4}},
            **{f: {"kind": "binary", "prior": {"p": 0.5}} for f in "bcd"},
        },
        {"wire": {"grade": "C"}},
        [
            *(
                {"id": f"c_{f}", "text": f, "proposition": f, "source": "wire", "hedge": h}
                for f, h in HEDGES.items()
            ),
            *(
                {"id": f"seen_{f}", "text": f, "proposition": f, "status": "confirmed"}
                for f in HEDGES
            ),
        ],
    ),
    _reveal({f"seen_{f}": f for f in HEDGES}),
    ("wire_true_positive", "wire_false_positive", ("a_probs", 0, 1)),
)

RETRACTION = Design(
    "retractions and a denial",
    _base(
        "Retracted",
        {
            "a": {"kind": "binary", "prior": {"p": 0.5, "concentration": 4}},
            "b": {"kind": "binary", "prior": {"p": 0.5}},
            "c": {"kind": "binary", "prior": {"p": 0.4}},
        },
        {
            "tv": {
                "grade": "C",
                "retraction": {
                    "if_true": {"mean": 0.1, "concentration": 10},
                    "if_false": {"mean": 0.4, "concentration": 5},
                },
            },
            "mod": {"grade": "D"},
        },
        [
            {
                "id": "r1",
                "text": "a",
                "proposition": "a",
                "source": "tv",
                "retracted": {"note": "withdrawn"},
            },
            {
                "id": "r2",
                "text": "b",
                "proposition": "b",
                "source": "tv",
                "hedge": "allegedly",
                "status": "retracted",
            },
            {
                "id": "r3",
                "text": "c",
                "proposition": "c",
                "source": "tv",
                "hedge": "reportedly",
                "denied_by": "mod",
            },
            {"id": "seen_a", "text": "a seen", "proposition": "a", "status": "confirmed"},
            {"id": "seen_b", "text": "b seen", "proposition": "b", "status": "confirmed"},
        ],
    ),
    _reveal({"seen_a": "a", "seen_b": "b"}),
    ("tv_true_positive", "tv_retraction_if_true", "tv_retraction_if_false", "mod_true_positive"),
)

NUMBER = Design(
    "reported number",
    _base(
        "Counted",
        {
            "x": {
                "kind": "continuous",
                "support": [0, None],
                "prior": {"between": [20, 50], "mass": 0.9},
            },
            "big": {
                "kind": "binary",
                "prior": {"logit": {"intercept": 0.0, "terms": [{"fact": "x", "coef": 1.5}]}},
            },
        },
        {"wire": {"grade": "C"}},
        [
            {
                "id": "n1",
                "text": "x",
                "reported": {"fact": "x", "value": 30, "sd": 0.3},
                "source": "wire",
                "hedge": "reportedly",
            },
            {
                "id": "p1",
                "text": "big",
                "proposition": "big",
                "source": "wire",
                "hedge": "allegedly",
            },
            {"id": "p2", "text": "x over 35", "proposition": "x > 35", "source": "wire"},
        ],
    ),
    _number("n1"),
    ("x", "wire_true_positive"),
)

DESIGNS = [SHARED_HEDGED, RETRACTION, NUMBER]


def _true(sim: Any, i: int, target: Target) -> float:
    if isinstance(target, tuple):
        name, row, state = target
        return float(sim.theta[name][i, row, state])
    if target in sim.theta:
        return float(sim.theta[target][i])
    return float(sim.worlds[target].iloc[i])


def _draws(post: Any, target: Target) -> np.ndarray:
    name = target[0] if isinstance(target, tuple) else target
    values = np.asarray(post.idata["posterior"][name].values)
    if isinstance(target, tuple):
        values = values[..., target[1], target[2]]
    return values[:, ::THIN].ravel()


def ranks(design: Design) -> tuple[dict[Target, np.ndarray], int, int]:
    """Ranks of the true values among posterior draws, and the draws per rank, divergences."""
    s = design.scenario
    sim = s.simulate(WORLDS, seed=2024)
    reports = sim.reports
    kept = np.flatnonzero(reports.all(axis=1).to_numpy())
    assert len(kept) >= REPLICATIONS, f"{design.name}: only {len(kept)} worlds made every report"
    out: dict[Target, list[int]] = {t: [] for t in design.targets}
    divergences = 0
    draws = 0
    for rep, i in enumerate(kept[:REPLICATIONS]):
        scenario = design.data(s, sim.worlds.iloc[i])
        post = scenario.update(engine="pymc", seed=rep, **SAMPLER)
        if rep > 0:  # one structure per design: compiled once, reused with new data
            assert post.settings["compiled_model"] == "reused"
        divergences += int(post.diagnostics.loc["divergences", "value"])
        for target in design.targets:
            d = _draws(post, target)
            draws = len(d)
            out[target].append(int(np.sum(d < _true(sim, i, target))))
    return {t: np.array(r) for t, r in out.items()}, draws, divergences


@pytest.mark.parametrize("design", DESIGNS, ids=[d.name for d in DESIGNS])
def test_full_engine_ranks_are_uniform(design: Design) -> None:
    found, draws, divergences = ranks(design)
    # ranks run over 0..draws; bins hold whole ranks, so their sizes may differ by one
    size = np.bincount(np.arange(draws + 1) * BINS // (draws + 1), minlength=BINS)
    for target, r in found.items():
        counts = np.bincount(r * BINS // (draws + 1), minlength=BINS)
        p = stats.chisquare(counts, size / size.sum() * len(r)).pvalue
        print(
            f"SBC {design.name} {target}: bins {counts.tolist()} p = {p:.3f} "
            f"({len(r)} replications, {draws} draws each, {divergences} divergences)"
        )
        assert p > 0.01, f"{design.name} {target}: ranks not uniform {counts.tolist()} (p={p})"

"""The slider engine gives the exact engine's answers, edit after edit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scenarios
from scenarios.engines.assembly import assemble
from scenarios.engines.exact import psis_weights
from scenarios.engines.factors import DRAW, contract
from scenarios.engines.fast import Interactive
from scenarios.engines.network import Network
from scenarios.errors import SamplingWarning
from scenarios.posterior import weighted_quantile


@pytest.fixture(scope="module")
def wagner() -> scenarios.Scenario:
    return scenarios.load(scenarios.default_priors())


def exact(s: scenarios.Scenario, **kw) -> np.ndarray:
    return s.update(intervals=False, **kw).scenarios["probability"].to_numpy()


def randomised_table(prior, rng: np.random.Generator) -> dict:
    data = prior.model_dump(exclude_none=True)
    for row in data.get("table", []):
        if "p" in row:
            row["p"] = float(rng.uniform(0.05, 0.95))
        else:
            row["probs"] = dict(
                zip(row["probs"], rng.dirichlet([2] * len(row["probs"])).tolist(), strict=True)
            )
    return data


def test_initial_table_equals_update_with_the_same_draws(wagner: scenarios.Scenario) -> None:
    fast = Interactive(wagner, draws=1000)
    with warnings.catch_warnings():  # 1000 draws are too few for a reliable interval here
        warnings.simplefilter("ignore", SamplingWarning)  # (the same draws all the same)
        ref = wagner.update(draws=1000).scenarios
    table = fast.table()
    assert np.allclose(table["probability"], ref["probability"], atol=1e-12)
    assert np.allclose(table[["lower", "upper"]], ref[["lower", "upper"]], atol=1e-12)


def test_a_run_of_edits_matches_the_exact_engine(wagner: scenarios.Scenario) -> None:
    fast = Interactive(wagner, draws=200)
    rng = np.random.default_rng(1)
    edits = [
        ("army_strikes", lambda: {"p": float(rng.uniform(0.05, 0.95)), "concentration": 5}),
        ("hq_seized", lambda: {"p": float(rng.uniform(0.05, 0.95))}),
        ("army_strikes", lambda: {"p": float(rng.uniform(0.05, 0.95))}),
        (
            "resistance",
            lambda: {
                "probs": dict(
                    zip(["none", "token", "armed"], rng.dirichlet([2, 2, 2]).tolist(), strict=True)
                )
            },
        ),
        ("troops", lambda: {"between": [float(rng.uniform(10, 30)), 60.0], "mass": 0.9}),
        ("putin_in_power", lambda: randomised_table(wagner.outcomes["putin_in_power"].prior, rng)),
        ("army_loyalty", lambda: randomised_table(wagner.facts["army_loyalty"].prior, rng)),
    ]
    current = wagner
    for name, make in edits * 2:
        node = current.nodes[name]
        prior = make()
        if name in ("hq_seized", "resistance") and node.prior.__class__.__name__ != "Probabilities":
            continue  # these nodes have tables in the Wagner file; edit what is there
        table = fast.set_prior(name, prior)
        current = current.with_prior(name, prior)
        assert np.allclose(table["probability"], exact(current), atol=1e-12), name
        assert (table["lower"] <= table["upper"]).all()
        # the intervals are those of the same draws contracted from scratch
        net = Network(current)
        batch = assemble(net, params=fast.parameter_draws, draw_axis=True)
        zs = contract(batch.factors_for(), [DRAW])
        g = np.concatenate(
            [contract(batch.factors_for([o]), [DRAW, o]) / zs[:, None] for o in current.outcomes],
            axis=1,
        )
        w, _, _ = psis_weights(np.log(zs))
        lo_hi = weighted_quantile(g.T, w, [0.05, 0.95])
        assert np.allclose(table[["lower", "upper"]].to_numpy(), lo_hi, atol=1e-12), name
    assert fast.scenario == current


def test_invalid_edit_is_refused_and_changes_nothing(wagner: scenarios.Scenario) -> None:
    fast = Interactive(wagner)
    before = fast.table()
    with pytest.raises(scenarios.ScenarioError, match="army_strikes"):
        fast.set_prior("army_strikes", {"probs": {"x": 1.0}})
    assert fast.table().equals(before)
    assert fast.scenario == wagner


def test_claim_edits_rebuild(wagner: scenarios.Scenario) -> None:
    fast = Interactive(wagner)
    claim = next(c.id for c in wagner.claims if c.source)
    table = fast.apply(lambda s: s.with_claim_changed(claim, status="retracted"))
    assert np.allclose(
        table["probability"],
        exact(wagner.with_claim_changed(claim, status="retracted")),
        atol=1e-12,
    )

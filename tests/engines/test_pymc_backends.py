"""The full engine's compact model and its two nutpie backends (numba, JAX)."""

from __future__ import annotations

import numpy as np
import pytest

import scenarios
from scenarios import Scenario
from scenarios.engines.network import Network
from scenarios.engines.pymc import _build


def _transformed_point(model, constrained: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Constrained values of the free variables, mapped to the model's value variables."""
    point = {}
    for rv in model.free_RVs:
        value = model.rvs_to_values[rv]
        transform = model.rvs_to_transforms.get(rv)
        x = constrained[rv.name]
        point[value.name] = (
            x if transform is None else transform.forward(x, *rv.owner.inputs).eval()
        )
    return point


def test_grouped_parameters_have_the_separate_model_density(mixed: Scenario) -> None:
    # the engine groups rows and rates into a few vector variables; at the same values of
    # every parameter its log-density (no Jacobian) must equal that of one variable each
    separate, _ = _build(mixed, data=True, grouped=False)
    grouped, _ = _build(mixed, data=True)
    names = {v.name for v in grouped.free_RVs}
    assert "source_rates" in names and "biased_probs" not in names
    assert {"biased_probs", "friend_true_positive"} <= set(grouped.named_vars)
    rng = np.random.default_rng(4)

    f_sep = separate.compile_logp(jacobian=False)
    f_grp = grouped.compile_logp(jacobian=False)
    for _ in range(4):
        values = {}
        for rv in separate.free_RVs:
            shape = tuple(separate.initial_point()[separate.rvs_to_values[rv].name].shape)
            if rv.owner.op.name == "dirichlet":
                k = int(rv.type.shape[-1])
                values[rv.name] = rng.dirichlet(np.ones(k), size=shape[:-1] or None)
            elif rv.owner.op.name == "beta":
                values[rv.name] = rng.uniform(0.05, 0.95)
            else:
                values[rv.name] = np.exp(rng.normal(3.5, 0.2, size=shape or None))
        rates = [rv.name for rv in separate.free_RVs if rv.owner.op.name == "beta"]
        rows = {
            rv.name: np.atleast_2d(values[rv.name])
            for rv in separate.free_RVs
            if rv.owner.op.name == "dirichlet"
        }
        merged = {k: v for k, v in values.items() if k not in rates and k not in rows}
        # in the network's order of parameters, rows grouped by their number of states
        order = [p.name for p in Network(mixed).parameters]
        merged["source_rates"] = np.array([values[n] for n in order if n in rates])
        for k in {v.shape[-1] for v in rows.values()}:
            group = [rows[n] for n in order if n in rows and rows[n].shape[-1] == k]
            merged[f"rows_{k}_states"] = np.concatenate(group)
        lp_sep = f_sep(_transformed_point(separate, values))
        lp_grp = f_grp(_transformed_point(grouped, merged))
        assert lp_grp == pytest.approx(lp_sep, abs=1e-9)


def test_unknown_backend_is_refused(mixed: Scenario) -> None:
    with pytest.raises(ValueError, match="backend 'torch'"):
        mixed.update(engine="pymc", backend="torch")


@pytest.mark.slow
def test_jax_backend_agrees_with_exact_and_repeats(mixed: Scenario) -> None:
    pytest.importorskip("jax")
    exact = mixed.update(draws=20000)
    a = mixed.update(engine="pymc", seed=3, backend="jax")
    assert a.settings["backend"] == "jax" and a.settings["sampler"] == "nutpie"
    for table_e, table_f in ((exact.scenarios, a.scenarios), (exact.facts, a.facts)):
        diff = (table_f["probability"] - table_e["probability"]).abs()
        assert (diff <= 4 * table_f["mcse"] + 1e-9).all(), diff / table_f["mcse"]
    # an edit of numbers reuses the compiled JAX model; the same seed, the same numbers
    b = mixed.update(engine="pymc", seed=3, backend="jax")
    assert b.settings["compiled_model"] == "reused"
    assert a.scenarios.equals(b.scenarios)
    edited = mixed.with_source("wire", grade="D")
    c = edited.update(engine="pymc", seed=3, backend="jax")
    assert c.settings["compiled_model"] == "reused"
    exact_c = edited.update(intervals=False)
    diff = (c.scenarios["probability"] - exact_c.scenarios["probability"]).abs()
    assert (diff <= 4 * c.scenarios["mcse"] + 1e-9).all()
    assert isinstance(scenarios.SamplingWarning, type)

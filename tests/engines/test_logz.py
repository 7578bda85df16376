"""The LogZ Op: log Z and its gradient by calibration, against contraction and PyTensor."""

from __future__ import annotations

import warnings

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import Mode

import scenarios
from scenarios.engines.factors import Factor, contract
from scenarios.engines.logz import LogZ, logz_and_gradient
from scenarios.engines.pymc import _build

# no compilation, no rewrites: the Op's perform and PyTensor's own graph, run by Python
MODE = Mode(linker="py", optimizer=None)


def _random_factors(rng: np.random.Generator, zeros: bool = False) -> list[Factor]:
    """A loop (a-b-c-a), a chain off it (c-d), a lone axis (e) and a disconnected pair."""
    shapes = {"a": 2, "b": 3, "c": 2, "d": 4, "e": 3, "x": 2, "y": 3}
    scopes = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d",), ("e",), ("x", "y"), ("a",)]
    out = []
    for axes in scopes:
        values = rng.random(tuple(shapes[a] for a in axes)) + 0.05
        if zeros:  # a structural zero, as a conditional table may hold
            values.flat[0] = 0.0
        out.append(Factor(values, axes))
    return out


@pytest.mark.parametrize("zeros", [False, True])
def test_logz_equals_the_log_of_the_contraction(zeros: bool) -> None:
    factors = _random_factors(np.random.default_rng(1), zeros)
    logz, grads = logz_and_gradient(factors)
    assert logz == pytest.approx(np.log(contract(factors, [])), rel=1e-12)
    assert [g.shape for g in grads] == [np.shape(f.values) for f in factors]


@pytest.mark.parametrize("zeros", [False, True])
def test_gradient_against_finite_differences(zeros: bool) -> None:
    factors = _random_factors(np.random.default_rng(2), zeros)
    _, grads = logz_and_gradient(factors)
    h = 1e-6
    for k, f in enumerate(factors):
        for index in np.ndindex(np.shape(f.values)):
            moved = []
            for sign in (1.0, -1.0):
                values = np.array(f.values, dtype=float)
                values[index] += sign * h
                moved.append(
                    logz_and_gradient([*factors[:k], Factor(values, f.axes), *factors[k + 1 :]])[0]
                )
            # a zero entry is differentiated too (the product of the others, no division)
            assert grads[k][index] == pytest.approx((moved[0] - moved[1]) / (2 * h), abs=1e-7)


def test_op_gradient_equals_pytensors_graph() -> None:
    factors = _random_factors(np.random.default_rng(3), zeros=True)
    inputs = [pt.tensor(f"t{k}", shape=np.shape(f.values)) for k, f in enumerate(factors)]
    ours = LogZ([f.axes for f in factors])(*inputs)
    tables = [Factor(t, f.axes) for t, f in zip(inputs, factors, strict=True)]
    graph = pt.log(contract(tables, [], backend="pytensor"))
    f_ours = pytensor.function(inputs, [ours, *pytensor.grad(ours, inputs)], mode=MODE)
    f_graph = pytensor.function(inputs, [graph, *pytensor.grad(graph, inputs)], mode=MODE)
    values = [f.values for f in factors]
    for a, b in zip(f_ours(*values), f_graph(*values), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_impossible_evidence_gives_minus_infinity() -> None:
    factors = [Factor(np.array([0.5, 0.5]), ("a",)), Factor(np.zeros(2), ("a",))]
    logz, grads = logz_and_gradient(factors)
    assert logz == -np.inf and np.isnan(grads[0]).all()


def test_op_rejects_mismatched_tables() -> None:
    with pytest.raises(ValueError, match="2 dimensions for axes"):
        LogZ([("a",)])(pt.matrix("m"))
    with pytest.raises(ValueError, match="1 tables for 2 axis tuples"):
        LogZ([("a",), ("b",)])(pt.vector("v"))


@pytest.mark.parametrize("name", scenarios.examples())
def test_model_logp_and_gradient_with_the_op_equal_the_graphs(name: str) -> None:
    """The engine's model, its potential by the Op or by the contraction: same density."""
    scenario = scenarios.load(scenarios.example(name))
    with_op, _ = _build(scenario, data=True, contraction="op")
    with_graph, _ = _build(scenario, data=True)
    f_op = with_op.compile_fn([with_op.logp(), *with_op.dlogp()], mode=MODE)  # type: ignore[arg-type]
    f_graph = with_graph.compile_fn([with_graph.logp(), *with_graph.dlogp()], mode=MODE)  # type: ignore[arg-type]
    start = with_graph.initial_point()
    rng = np.random.default_rng(4)
    for _ in range(3):
        point = {k: v + rng.normal(scale=0.3, size=np.shape(v)) for k, v in start.items()}
        for a, b in zip(f_op(point), f_graph(point), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_full_engine_with_the_op_within_mcse_of_exact(
    mixed: scenarios.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sampled with the Op in place of the contraction, the answers are the exact ones."""
    from scenarios.engines import pymc as engine

    build = engine._build
    monkeypatch.setattr(engine, "_build", lambda s, **kw: build(s, **kw, contraction="op"))
    exact = mixed.update(draws=20000)
    with warnings.catch_warnings():  # numba runs the Op's perform in object mode, and says so
        warnings.filterwarnings("ignore", message="Numba will use object mode")
        # ~1 ms per gradient in numpy: a short run (the answers are Rao-Blackwellised)
        full = mixed.update(engine="pymc", seed=3, chains=2, tune=300, draws=500)
    assert full.settings["sampler"] == "nutpie"
    assert full.diagnostics.loc["max_rhat", "value"] <= 1.02
    for table_e, table_f in ((exact.scenarios, full.scenarios), (exact.facts, full.facts)):
        diff = (table_f["probability"] - table_e["probability"]).abs()
        assert (diff <= 4 * table_f["mcse"] + 1e-9).all(), diff / table_f["mcse"]

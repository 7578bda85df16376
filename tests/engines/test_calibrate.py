"""One calibration for every marginal (``scenarios.engines.calibrate``).

Each marginal :func:`~scenarios.engines.calibrate.marginals` gives must equal its own
contraction (:func:`~scenarios.engines.factors.contract`, an independent opt_einsum
path) to 1e-12: on random factor sets (with and without a batch axis of draws, scalars,
disconnected parts) and on classic networks shipped in pgmpy, with hard evidence.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pytest

from scenarios.engines import calibrate
from scenarios.engines.assembly import assemble
from scenarios.engines.exact import Query
from scenarios.engines.factors import DRAW, Factor, contract
from scenarios.engines.network import Network

TOL = 1e-12


def random_factors(rng: np.random.Generator) -> list[Factor]:
    names = [f"v{i}" for i in range(int(rng.integers(1, 10)))]
    sizes = {n: int(rng.integers(1, 4)) for n in names}
    draws = bool(rng.integers(0, 2))
    factors = []
    for _ in range(int(rng.integers(1, 9))):
        k = min(len(names), int(rng.integers(0 if factors else 1, 4)))
        axes = [str(a) for a in rng.choice(names, size=k, replace=False)]
        if draws and rng.random() < 0.5:
            axes = [DRAW, *axes]
        shape = [5 if a == DRAW else sizes[a] for a in axes]
        factors.append(Factor(rng.random(shape), tuple(axes)))
    return factors


@pytest.mark.parametrize("seed", range(60))
def test_every_marginal_equals_its_own_contraction(seed: int) -> None:
    factors = random_factors(np.random.default_rng(seed))
    targets = sorted({a for f in factors for a in f.axes if a != DRAW})
    if not targets:
        pytest.skip("no variable drawn")
    batch = [DRAW] if any(DRAW in f.axes for f in factors) else []
    got = calibrate.marginals(factors, targets, batch)
    assert set(got) == set(targets)
    for t in targets:
        want = np.asarray(contract(factors, [*batch, t]))
        assert got[t].shape == want.shape
        np.testing.assert_allclose(got[t], want, rtol=TOL, atol=TOL * float(np.max(want)))


@pytest.mark.parametrize("seed", range(10))
def test_draws_in_chunks_give_the_same_marginals(seed: int, monkeypatch) -> None:
    rng = np.random.default_rng(seed)
    factors = [
        Factor(rng.random((7, 2, 3)), (DRAW, "a", "b")),
        Factor(rng.random((3, 2)), ("b", "c")),
        Factor(rng.random((7, 2)), (DRAW, "c")),
        Factor(rng.random(2), ("d",)),
    ]
    whole = calibrate.marginals(factors, ["a", "b", "c", "d"], [DRAW])
    z = calibrate.total(factors, [DRAW])
    monkeypatch.setattr(calibrate, "CHUNK_ENTRIES", 2 + seed % 5)  # chunks of 1-3 draws
    chunked = calibrate.marginals(factors, ["a", "b", "c", "d"], [DRAW])
    for t, want in whole.items():
        assert chunked[t].shape == (7, want.shape[-1])
        np.testing.assert_allclose(chunked[t], want, rtol=TOL, atol=0)
        np.testing.assert_allclose(contract(factors, [DRAW, t]), want, rtol=TOL, atol=0)
    np.testing.assert_allclose(calibrate.total(factors, [DRAW]), z, rtol=TOL, atol=0)
    np.testing.assert_allclose(contract(factors, [DRAW]), z, rtol=TOL, atol=0)


def test_a_target_in_no_factor_is_refused() -> None:
    with pytest.raises(ValueError, match="'b' is in no factor"):
        calibrate.marginals([Factor(np.ones(2), ("a",))], ["b"])


def test_the_cost_counts_the_largest_bucket() -> None:
    f = Factor(np.ones((2, 3, 4)), ("a", "b", "c"))
    tree = calibrate.bucket_tree([f])
    assert calibrate.calibration_cost(tree, ["a"]).largest == 24


pgmpy = pytest.importorskip("pgmpy")
MODELS = Path(pgmpy.__file__).parent / "utils" / "example_models"


def network(name: str):
    from scenarios.io.bif import from_bif

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # renormalised columns
        return from_bif(MODELS / f"{name}.bif.gz")


@pytest.mark.parametrize("name", ["asia", "sachs", "alarm", "child"])
def test_query_marginals_equal_one_contraction_each(name: str) -> None:
    scenario = network(name)
    net = Network(scenario)
    asm = assemble(net)
    q = Query(scenario)
    rng = np.random.default_rng(len(name))
    nodes = list(net.discrete)
    for _ in range(4):
        picked = [nodes[i] for i in rng.choice(len(nodes), size=6, replace=False)]
        targets, observed = picked[:3], picked[3:]
        # states with positive probability: those of the prior mode of each, one by one
        evidence: dict[str, str] = {}
        for n in observed:
            p = q.marginals([n], evidence)[n]
            evidence[n] = net.states[n][int(np.argmax(p))]
        got = q.marginals(targets, evidence)
        extra = [
            Factor((np.array(net.states[n]) == s).astype(float), (n,)) for n, s in evidence.items()
        ]
        for t in targets:
            want = np.asarray(contract([*asm.all(), *extra], [t]))
            np.testing.assert_allclose(got[t], want / want.sum(), rtol=0, atol=TOL)


def test_evidence_on_a_leaf_matches_pgmpy() -> None:
    from pgmpy.inference import VariableElimination
    from pgmpy.readwrite import BIFReader

    model = BIFReader(string=gzip.decompress((MODELS / "asia.bif.gz").read_bytes()).decode())
    infer = VariableElimination(model.get_model())
    scenario = network("asia")  # xray and dysp, the leaves, are outcomes
    assert {"xray", "dysp"} <= set(scenario.outcomes)
    evidence = {"xray": "yes", "dysp": "no"}
    got = Query(scenario).marginals(["lung", "tub", "either"], evidence)
    post = scenario.observe(**evidence).update(intervals=False)
    for name, p in got.items():
        factor = infer.query([name], evidence=evidence, show_progress=False)
        states = scenario.nodes[name].state_names
        want = np.array([float(factor.get_value(**{name: s})) for s in states])
        np.testing.assert_allclose(p, want, rtol=0, atol=1e-9)
        from_update = post.facts.loc[name, "probability"].to_numpy(dtype=float)
        np.testing.assert_allclose(from_update, want, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["asia", "sachs", "child", "alarm"])
def test_update_with_observations_is_the_query_path(name: str) -> None:
    # update() slices observed nodes out of its calibration and keeps the prior of the
    # unchanged nodes: its posterior and prior must be Query.marginals' (another path)
    from scenarios.engines.exact import Query

    s = network(name)
    nodes = list(s.nodes)
    rng = np.random.default_rng(len(name))
    picked = [nodes[i] for i in rng.choice(len(nodes), size=3, replace=False)]
    for observed in (picked[:1], picked):
        # a state of each that the others allow (the first state with probability > 0)
        ev: dict[str, str] = {}
        for n in observed:
            p = Query(s).marginals([n], evidence=ev)[n]
            ev[n] = s.nodes[n].state_names[int(np.flatnonzero(p > 0)[0])]
        post = s.observe(**ev).update(intervals=False)
        want = Query(s).marginals([n for n in nodes if n not in ev], evidence=ev)
        prior = Query(s, evidence_power=0.0).marginals(nodes)
        for n in nodes:
            table = post.scenarios if n in s.outcomes else post.facts
            got = table.loc[n, "probability"].to_numpy()
            expected = want[n] if n in want else (np.array(s.nodes[n].state_names) == ev[n])
            assert np.abs(got - expected).max() <= 1e-12, n
            before = (post.prior_scenarios if n in s.outcomes else post.prior_facts).loc[n]
            assert np.abs(before["probability"].to_numpy() - prior[n]).max() <= 1e-12, n

"""The update path's shortcuts change no number: every table bit for bit a cold update's.

``observe`` checks the observations alone (not the whole scenario again), the point
assembly's tables are kept by the identity of the nodes and priors they come from, and a
calibration's cost is worked out once. A *cold* update has none of that: the observed
scenario is re-validated in full and every cache the engine keeps starts empty. Both must
give the same posterior, every table and the log evidence, bit for bit, on the shipped
examples and on classic networks.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scenarios import Scenario
from scenarios.engines import assembly, calibrate, exact, network
from scenarios.engines.assembly import assemble
from scenarios.engines.memo import IdentityCache
from scenarios.engines.network import Network
from scenarios.io import example, load
from scenarios.posterior import _TABLES, Posterior
from scenarios.spec import validation
from scenarios.spec.priors import Probabilities
from tests.conftest import validated_in_full

CACHES = (
    (network, "_STRUCTURES"),
    (network, "_MEAN_TABLES"),
    (network, "_FITTED"),
    (assembly, "_POINT_TABLES"),
    (exact, "_PRIORS"),
)


@contextmanager
def cold(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every cache of the exact engine empty (and the plans' too) while inside."""
    with monkeypatch.context() as m:
        for module, name in CACHES:
            m.setattr(module, name, IdentityCache(getattr(module, name).size))
        m.setattr(validation, "_NODE_PROBLEMS", {})
        calibrate._planned_tree.cache_clear()
        yield
    calibrate._planned_tree.cache_clear()


def assert_same(fast: Posterior, slow: Posterior) -> None:
    for name in _TABLES:
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), check_exact=True)
    assert fast.log_evidence == slow.log_evidence or (
        np.isnan(fast.log_evidence) and np.isnan(slow.log_evidence)
    )


def evidence_sets(s: Scenario, n: int, seed: int) -> list[dict[str, str]]:
    """``n`` seeded sets of 1-3 observed discrete nodes, each state drawn at random."""
    rng = np.random.default_rng(seed)
    discrete = [k for k, node in s.nodes.items() if node.is_discrete]
    out = []
    for _ in range(n):
        picked = rng.choice(len(discrete), size=min(len(discrete), int(rng.integers(1, 4))))
        out.append(
            {
                discrete[i]: s.nodes[discrete[i]].state_names[
                    int(rng.integers(len(s.nodes[discrete[i]].state_names)))
                ]
                for i in picked
            }
        )
    return out


def classic(name: str) -> Scenario:
    pgmpy = pytest.importorskip("pgmpy")
    from scenarios.io.bif import from_bif

    path = Path(pgmpy.__file__).parent / "utils" / "example_models" / f"{name}.bif.gz"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return from_bif(path)


def update(s: Scenario, **options: Any) -> Posterior | str:
    try:
        return s.update(**options)
    except Exception as exc:  # impossible evidence: the same error both ways
        return f"{type(exc).__name__}: {exc}"


def compare(s: Scenario, states: dict[str, str], monkeypatch, **options: Any) -> None:
    s.update(intervals=False)  # caches warm, as in a session
    fast = update(s.observe(**states), **options)
    with cold(monkeypatch):
        slow = update(validated_in_full(s, **states), **options)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        assert_same(fast, slow)


SHIPPED = ["wagner-2023-06-23", "ever-given-2021-03-25"]


@pytest.mark.parametrize("name", SHIPPED)
def test_observed_examples_are_updated_bit_for_bit_as_cold(name: str, monkeypatch) -> None:
    s = load(example(name))
    for states in evidence_sets(s, 3, seed=len(name)):
        compare(s, states, monkeypatch, intervals=False)


def test_the_default_example_with_intervals_bit_for_bit(monkeypatch) -> None:
    s = load(example())
    states = evidence_sets(s, 1, seed=5)[0]
    compare(s, states, monkeypatch)


def test_asia_file_bit_for_bit(monkeypatch) -> None:
    s = load(Path(__file__).parents[1] / "data" / "asia.yaml")
    for states in evidence_sets(s, 4, seed=1):
        compare(s, states, monkeypatch, intervals=False)


@pytest.mark.parametrize("name", ["cancer", "survey", "sachs", "child", "alarm"])
def test_classic_networks_bit_for_bit(name: str, monkeypatch) -> None:
    s = classic(name)
    for states in evidence_sets(s, 4, seed=len(name)):
        compare(s, states, monkeypatch, intervals=False)
    # and the scenario's own update, with no observation
    fast = s.update(intervals=False)
    with cold(monkeypatch):
        assert_same(fast, validated_in_full(s).update(intervals=False))


def test_kept_tables_follow_a_networks_edited_prior() -> None:
    s = classic("asia")
    first = Network(s)
    kept = assemble(first)
    assert assemble(Network(s)).tables is kept.tables  # the same nodes and priors: kept
    for table in kept.tables:
        assert not table.values.flags.writeable  # shared, so read-only
    first.set_prior("asia", Probabilities.model_validate({"probs": {"yes": 0.5, "no": 0.5}}))
    edited = assemble(first)
    owner = edited.nodes.index("asia")
    np.testing.assert_array_equal(edited.tables[owner].values, [0.5, 0.5])
    np.testing.assert_array_equal(
        assemble(Network(s)).tables[owner].values, kept.tables[owner].values
    )


@pytest.mark.parametrize("name", ["asia", "child"])
def test_a_query_too_large_to_calibrate_at_once_answers_each_target_alone(
    name: str, monkeypatch
) -> None:
    s = classic(name)
    query = exact.Query(s)
    for states in evidence_sets(s, 3, seed=2):
        names = [n for n in query.network.discrete if n not in states]
        try:
            want = query.marginals(names, states)
        except exact.ImpossibleEvidenceError:
            continue
        with monkeypatch.context() as m:
            m.setattr(exact, "CALIBRATED_TABLE", 1)  # every calibration "too large"
            got = query.marginals(names, states)
        assert list(got) == names
        for n in names:
            np.testing.assert_allclose(got[n], want[n], rtol=0, atol=1e-13)


def test_an_observed_update_too_large_to_calibrate_at_once_calibrates_each_node(
    monkeypatch,
) -> None:
    s = classic("child")
    for states in evidence_sets(s, 3, seed=3):
        observed = s.observe(**states)
        want = update(observed, intervals=False)
        with monkeypatch.context() as m:
            m.setattr(exact, "CALIBRATED_TABLE", 1)  # every calibration "too large"
            got = update(observed, intervals=False)
        if isinstance(want, str):
            assert got == want
            continue
        for name in ("scenarios", "facts"):
            a, b = getattr(got, name)["probability"], getattr(want, name)["probability"]
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=1e-13)
        for k, v in states.items():  # an observed node: its state, with certainty
            table = got.facts if k in s.facts else got.scenarios
            assert table.loc[(k, v), "probability"] == 1.0
        assert got.log_evidence == pytest.approx(want.log_evidence, abs=1e-12)

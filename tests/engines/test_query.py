"""``scenarios.engines.exact.Query``: joint queries against brute-force enumeration.

The oracle (``tests.engines.oracle``) enumerates every combination of states of a random
network without the engine's factor code; a query's joint over any two nodes, with or
without extra evidence, must be its marginal to 1e-9.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scenarios import ImpossibleEvidenceError, Scenario
from scenarios.engines.exact import Query
from tests.engines.oracle import brute_force_joint
from tests.strategies import RandomNetwork, random_networks

TOL = 1e-9


def oracle_joint(
    net: RandomNetwork, names: list[str], evidence: dict[str, str] | None = None
) -> np.ndarray:
    """P(names | claims, evidence) by enumeration, one axis per name."""
    order = list(net.nodes)
    shape = tuple(len(net.nodes[n].states) for n in names)
    out = np.zeros(shape)
    for idx, p in brute_force_joint(net).items():
        at = dict(zip(order, idx, strict=True))
        if evidence and any(net.nodes[n].states[at[n]] != s for n, s in evidence.items()):
            continue
        out[tuple(at[n] for n in names)] += p
    total = math.fsum(out.ravel())
    return out / total if total > 0 else out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=random_networks(), data=st.data())
def test_joint_of_any_pair_matches_enumeration(net: RandomNetwork, data: st.DataObject) -> None:
    assume(sum(brute_force_joint(net).values()) > 0.0)
    q = Query(Scenario.model_validate(net.data))
    names = list(net.nodes)
    pair = list(data.draw(st.sampled_from(list(combinations(names, 2)))))
    got = q.joint(pair)
    assert got.shape == tuple(len(net.nodes[n].states) for n in pair)
    np.testing.assert_allclose(got, oracle_joint(net, pair), rtol=0, atol=TOL)
    # the order of the names is the order of the axes
    np.testing.assert_allclose(q.joint(pair[::-1]), got.T, rtol=0, atol=TOL)
    for name in pair:
        assert tuple(q.states(name)) == net.nodes[name].states


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=random_networks(), data=st.data())
def test_joint_with_evidence_matches_enumeration(net: RandomNetwork, data: st.DataObject) -> None:
    assume(sum(brute_force_joint(net).values()) > 0.0)
    q = Query(Scenario.model_validate(net.data))
    names = list(net.nodes)
    observed = data.draw(st.sampled_from(names))
    state = data.draw(st.sampled_from(net.nodes[observed].states))
    target = data.draw(st.sampled_from([n for n in names if n != observed]))
    expected = oracle_joint(net, [target], {observed: state})
    if not expected.sum() > 0:
        with pytest.raises(ImpossibleEvidenceError, match="the evidence cannot hold"):
            q.joint([target], evidence={observed: state})
        return
    got = q.joint([target], evidence={observed: state})
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOL)


COIN = {
    "title": "coin",
    "facts": {
        "f": {"kind": "binary", "prior": {"p": 0.3}},
        "g": {
            "kind": "categorical",
            "states": ["a", "b", "c"],
            "prior": {
                "given": ["f"],
                "table": [
                    {"when": {"f": True}, "probs": {"a": 0.6, "b": 0.4, "c": 0.0}},
                    {"when": {"f": False}, "probs": {"a": 0.1, "b": 0.2, "c": 0.7}},
                ],
            },
        },
    },
    "outcomes": {
        "o": {
            "kind": "binary",
            "exhaustive": "yes or no",
            "prior": {
                "given": ["g"],
                "default": {"p": 0.5},
                "table": [{"when": {"g": "a"}, "p": 0.9}],
            },
        }
    },
}


def test_joint_by_hand() -> None:
    q = Query(Scenario.model_validate(COIN))
    # P(f, g) with no claims: the prior, f = [false, true]
    expected = np.array([[0.7 * 0.1, 0.7 * 0.2, 0.7 * 0.7], [0.3 * 0.6, 0.3 * 0.4, 0.0]])
    np.testing.assert_allclose(q.joint(["f", "g"]), expected, rtol=0, atol=1e-15)
    # evidence g == c rules out f (a zero in the table)
    np.testing.assert_allclose(q.joint(["f"], evidence={"g": "c"}), [1.0, 0.0], atol=1e-15)
    # booleans name a binary fact's states, as in a file
    p_o = q.joint(["o"], evidence={"f": True})
    assert p_o[1] == pytest.approx(0.6 * 0.9 + 0.4 * 0.5, abs=1e-15)


def test_bad_queries_name_what_is_wrong() -> None:
    q = Query(Scenario.model_validate(COIN))
    with pytest.raises(KeyError, match="no discrete fact 'nope'"):
        q.joint(["o"], evidence={"nope": "a"})
    with pytest.raises(ValueError, match=r"unknown state 'd' of 'g'; states are \['a', 'b', 'c'\]"):
        q.joint(["o"], evidence={"g": "d"})
    with pytest.raises(ImpossibleEvidenceError, match="the evidence cannot hold"):
        q.joint(["o"], evidence={"f": True, "g": "c"})


def test_power_scaling_at_zero_and_one() -> None:
    s = Scenario.model_validate(
        {
            **COIN,
            "sources": {"wire": {"grade": "B"}},
            "claims": [{"id": "c", "text": "g is c", "proposition": "g == c", "source": "wire"}],
        }
    )
    plain = Query(s).joint(["f", "g"])
    # power 1 is the model as written; evidence power 0 drops the claims
    np.testing.assert_allclose(
        Query(s, prior_power=1.0, evidence_power=1.0).joint(["f", "g"]), plain, atol=1e-15
    )
    no_claims = Query(s.replace(claims=())).joint(["f", "g"])
    np.testing.assert_allclose(
        Query(s, evidence_power=0.0).joint(["f", "g"]), no_claims, atol=1e-12
    )
    assert not np.allclose(plain, no_claims, atol=1e-3)  # the claim does move g
    # prior power 0 flattens every table: with no claims, every combination is equal
    flat = Query(s.replace(claims=()), prior_power=0.0).joint(["f", "g"])
    np.testing.assert_allclose(flat, np.full((2, 3), 1 / 6), atol=1e-12)


def test_impossible_claims_are_refused_when_built() -> None:
    s = Scenario.model_validate(
        {
            **COIN,
            "claims": [
                {"id": "yes", "text": "f", "proposition": "f", "status": "confirmed"},
                {"id": "c", "text": "g is c", "proposition": "g == c", "status": "confirmed"},
            ],
        }
    )
    with pytest.raises(ImpossibleEvidenceError, match="coin: the claims cannot all hold"):
        Query(s)

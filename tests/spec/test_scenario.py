"""Scenario values: immutable, edits return new (re-validated) scenarios, pickle round trip."""

from __future__ import annotations

import copy
import pickle

import pytest
from pydantic import ValidationError

from scenarios import Claim, Scenario, ScenarioError, dumps, loads
from scenarios.spec.validation import check_scenario
from tests.conftest import validated_in_full

TEXT = """\
title: Edits
seed: 3
facts:
  f: {kind: binary, prior: {p: 0.5}}
  g:
    kind: categorical
    states: [a, b, c]
    prior:
      given: [f]
      table:
        - {when: {f: true}, probs: {a: 0.2, b: 0.3, c: 0.5}}
      default: {probs: {a: 0.6, b: 0.2, c: 0.2}, concentration: 5}
outcomes:
  o:
    kind: binary
    exhaustive: yes or no
    prior:
      given: [f]
      table:
        - {when: {f: true}, p: 0.9}
        - {when: {f: false}, p: 0.2}
sources:
  wire: {grade: B}
claims:
  - {id: c1, text: F happened, proposition: f, source: wire}
  - {id: c2, text: G is a, proposition: g == a, source: wire, information: 3}
"""


@pytest.fixture
def s() -> Scenario:
    return loads(TEXT)


def _unchanged(s: Scenario) -> None:
    assert s == loads(TEXT)
    assert dumps(s) == dumps(loads(TEXT))


EDITS = {
    "with_prior": lambda s: s.with_prior("f", {"p": 0.2}),
    "with_prior_outcome": lambda s: s.with_prior("o", {"p": 0.7}),
    "with_claim": lambda s: s.with_claim(
        {"id": "c3", "text": "not a", "proposition": "g != a", "source": "wire"}
    ),
    "with_claim_object": lambda s: s.with_claim(
        Claim(id="c3", text="not a", proposition="g != a", source="wire")
    ),
    "without_claim": lambda s: s.without_claim("c1"),
    "with_claim_changed": lambda s: s.with_claim_changed("c1", hedge="allegedly"),
    "with_source_new": lambda s: s.with_source("blog", grade="E"),
    "with_source_changed": lambda s: s.with_source("wire", grade="D"),
    "observe": lambda s: s.observe(f=True, g="b"),
    "replace": lambda s: s.replace(title="Other", seed=4),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_edits_return_a_new_scenario_and_leave_the_old_one(s: Scenario, edit) -> None:
    before_hash = hash(s)
    new = edit(s)
    assert isinstance(new, Scenario)
    assert new is not s
    assert new != s
    _unchanged(s)
    assert hash(s) == before_hash


def test_edits_do_what_they_say(s: Scenario) -> None:
    assert s.with_prior("f", {"p": 0.2}).facts["f"].prior.p == 0.2
    assert [
        c.id
        for c in s.with_claim(
            {"id": "c3", "text": "x", "proposition": "f", "source": "wire"}
        ).claims
    ] == ["c1", "c2", "c3"]
    assert [c.id for c in s.without_claim("c1").claims] == ["c2"]
    changed = s.with_claim_changed("c2", status="denied", denied_by="wire", hedge="allegedly")
    assert changed.claim("c2").status == "denied"
    assert changed.claim("c2").denied_by[0].source == "wire"
    assert changed.claim("c2").hedge == "allegedly"
    assert changed.claim("c2").information == 3  # other fields kept
    assert [c.id for c in changed.claims] == ["c1", "c2"]  # order kept
    assert s.with_source("wire", grade="D").sources["wire"].grade == "D"
    assert s.with_source("blog", grade="E").sources["blog"].grade == "E"
    observed = s.observe(f=True, g="b")
    assert [c.id for c in observed.claims[-2:]] == ["observed_f", "observed_g"]
    assert all(c.status == "confirmed" for c in observed.claims[-2:])
    # observing again replaces the earlier observation instead of adding a second
    again = observed.observe(f=False)
    assert [c.id for c in again.claims].count("observed_f") == 1
    post = again.update(intervals=False)
    assert post.facts.loc[("f", "false"), "probability"] == pytest.approx(1.0, abs=1e-12)
    assert post.facts.loc[("g", "b"), "probability"] == pytest.approx(1.0, abs=1e-12)


def test_unknown_names_in_edits(s: Scenario) -> None:
    with pytest.raises(KeyError, match="nope"):
        s.with_prior("nope", {"p": 0.5})
    with pytest.raises(KeyError, match="nope"):
        s.without_claim("nope")
    with pytest.raises(KeyError, match="nope"):
        s.with_claim_changed("nope", status="denied")
    with pytest.raises(ScenarioError, match=r"observe\.nope: unknown fact"):
        s.observe(nope=True)


# --- immutability -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "attribute", "value"),
    [
        (lambda s: s, "title", "x"),
        (lambda s: s, "facts", {}),
        (lambda s: s, "claims", ()),
        (lambda s: s.facts["f"], "kind", "categorical"),
        (lambda s: s.facts["f"].prior, "p", 0.1),
        (lambda s: s.claims[0], "status", "denied"),
        (lambda s: s.sources["wire"], "grade", "A"),
        (lambda s: s.outcomes["o"].prior.table[0], "p", 0.1),
    ],
)
def test_attributes_cannot_be_assigned(s: Scenario, target, attribute: str, value) -> None:
    obj = target(s)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(obj, attribute, value)
    _unchanged(s)


MUTATIONS = {
    "facts[x] = ...": lambda s: s.facts.__setitem__("x", s.facts["f"]),
    "del facts[f]": lambda s: s.facts.__delitem__("f"),
    "facts.pop": lambda s: s.facts.pop("f"),
    "facts.popitem": lambda s: s.facts.popitem(),
    "facts.clear": lambda s: s.facts.clear(),
    "facts.update": lambda s: s.facts.update({"x": s.facts["f"]}),
    "facts.setdefault": lambda s: s.facts.setdefault("x", s.facts["f"]),
    "outcomes[x] = ...": lambda s: s.outcomes.__setitem__("x", s.outcomes["o"]),
    "sources[x] = ...": lambda s: s.sources.__setitem__("x", s.sources["wire"]),
    "probs[a] = ...": lambda s: s.facts["g"].prior.table[0].probs.__setitem__("a", 0.9),
    "when[f] = ...": lambda s: s.facts["g"].prior.table[0].when.__setitem__("f", "false"),
    "reliability.hedge[x] = ...": lambda s: s.reliability.hedge.__setitem__("x", 0.1),
    "claims.append": lambda s: s.claims.append(s.claims[0]),  # a tuple: no append
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_containers_cannot_be_mutated(s: Scenario, mutate) -> None:
    with pytest.raises((TypeError, AttributeError)):
        mutate(s)
    _unchanged(s)


def test_in_place_union_cannot_mutate(s: Scenario) -> None:
    with pytest.raises((TypeError, ValidationError)):
        s.facts |= {"x": s.facts["f"]}
    assert "x" not in s.facts


def test_nodes_view_cannot_be_mutated(s: Scenario) -> None:
    with pytest.raises(TypeError):
        s.nodes.pop("f")
    assert "f" in s.nodes


# --- copying and pickling -----------------------------------------------------------


def test_pickle_round_trip(s: Scenario) -> None:
    s.order  # noqa: B018 - cached views must not spoil equality or pickling
    back = pickle.loads(pickle.dumps(s))
    assert back == s
    assert hash(back) == hash(s)
    assert dumps(back) == dumps(s)
    with pytest.raises(TypeError):
        back.facts["x"] = back.facts["f"]  # still frozen after unpickling
    assert back.update(intervals=False).scenarios.equals(s.update(intervals=False).scenarios)


def test_copies_are_equal_and_hashable(s: Scenario) -> None:
    assert copy.deepcopy(s) == s
    assert copy.copy(s) == s
    assert len({s, loads(TEXT), copy.deepcopy(s)}) == 1


# --- re-validation ------------------------------------------------------------------


BREAKING = {
    "outcome not exhaustive": (
        lambda s: s.replace(outcomes={"o": {"kind": "binary", "prior": {"p": 0.5}}}),
        r"outcomes\.o: outcome states must be exhaustive",
    ),
    "claim on unknown source": (
        lambda s: s.with_claim({"id": "c3", "text": "x", "proposition": "f", "source": "zz"}),
        r"claims\.2\.source: unknown source 'zz'",
    ),
    "remove a parent": (
        lambda s: s.replace(facts={"g": s.facts["g"]}),
        r"facts\.g\.prior: unknown parent 'f'",
    ),
    "probs on a binary": (
        lambda s: s.with_prior("f", {"probs": {"a": 1.0}}),
        r"facts\.f\.prior\.probs: expected probabilities for exactly the states",
    ),
    "table missing a row": (
        lambda s: s.with_prior("o", {"given": ["f"], "table": [{"when": {"f": True}, "p": 0.9}]}),
        r"outcomes\.o\.prior\.table: 1 parent combination",
    ),
    "observe an unknown state": (
        lambda s: s.observe(g="zz"),
        r"observe\.g: unknown state 'zz'; states are",
    ),
    "duplicate claim id": (
        lambda s: s.with_claim({"id": "c1", "text": "x", "proposition": "f", "source": "wire"}),
        r"claims\.2\.id: duplicate claim id 'c1'",
    ),
}


@pytest.mark.parametrize(("edit", "pattern"), BREAKING.values(), ids=BREAKING.keys())
def test_edits_are_revalidated(s: Scenario, edit, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        edit(s)
    _unchanged(s)


FIELD_ERRORS = {
    "probability above one": (lambda s: s.with_prior("f", {"p": 1.5}), r"p"),
    "title not text": (lambda s: s.replace(title=None), r"title"),
    "no facts": (lambda s: s.replace(facts={}), r"facts"),
    "unknown status": (lambda s: s.with_claim_changed("c1", status="maybe"), r"status"),
    "information digit 9": (lambda s: s.with_claim_changed("c1", information=9), r"information"),
    "grade Z": (lambda s: s.with_source("wire", grade="Z"), r"grade"),
    "bad proposition": (
        lambda s: s.with_claim({"id": "c3", "text": "x", "proposition": "f ==", "source": "wire"}),
        r"proposition",
    ),
}


@pytest.mark.parametrize(("edit", "pattern"), FIELD_ERRORS.values(), ids=FIELD_ERRORS.keys())
def test_invalid_values_in_edits_raise_scenario_error(s: Scenario, edit, pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        edit(s)


@pytest.mark.parametrize(("edit", "pattern"), FIELD_ERRORS.values(), ids=FIELD_ERRORS.keys())
def test_invalid_values_in_edits_are_refused(s: Scenario, edit, pattern: str) -> None:
    # whatever the exception type, an invalid edit never produces a scenario
    with pytest.raises((ValueError, ScenarioError), match=pattern):
        edit(s)
    _unchanged(s)


# --- observe: only the observations are checked ----------------------------------------


@pytest.mark.parametrize(
    "edits",
    [
        [{"f": True}],
        [{"g": "b", "o": False}],
        [{"f": True}, {"g": "c"}, {"f": False}],  # observing again replaces
        [{"o": True}, {"o": True}],
    ],
)
def test_observe_equals_a_fully_revalidated_edit(s: Scenario, edits: list[dict]) -> None:
    fast = full = s
    for states in edits:
        fast, full = fast.observe(**states), validated_in_full(full, **states)
    assert fast == full and hash(fast) == hash(full)
    assert dumps(fast) == dumps(full)
    assert list(check_scenario(fast)) == []
    assert fast.order == full.order and dict(fast.nodes) == dict(full.nodes)
    _unchanged(s)


def test_observe_shares_the_views_of_the_unchanged_nodes(s: Scenario) -> None:
    observed = s.observe(f=True)
    assert observed.nodes is s.nodes and observed.order is s.order
    assert observed.facts is s.facts and observed.outcomes is s.outcomes


@pytest.mark.parametrize(
    ("states", "pattern"),
    [
        ({"g": "zz"}, r"observe\.g: unknown state 'zz'; states are \['a', 'b', 'c'\]"),
        ({"nope": True}, r"observe\.nope: unknown fact; facts and outcomes are"),
        ({"f": "maybe", "g": "a"}, r"observe\.f: unknown state 'maybe'"),
        ({"f": 'true" or g == "a'}, r"observe\.f: unknown state"),
    ],
)
def test_bad_evidence_is_refused_on_an_observed_scenario_too(
    s: Scenario, states: dict, pattern: str
) -> None:
    observed = s.observe(f=True, g="b")
    with pytest.raises(ScenarioError, match=pattern) as caught:
        observed.observe(**states)
    assert not isinstance(caught.value, ValidationError)
    assert [c.id for c in observed.claims] == ["c1", "c2", "observed_f", "observed_g"]


def test_observing_again_under_a_relay_of_the_observation_is_revalidated(s: Scenario) -> None:
    relayed = s.observe(f=True).with_claim(
        {
            "id": "r",
            "text": "F, they say",
            "proposition": 'f == "true"',
            "via": "observed_f",
            "source": "wire",
        }
    )
    assert relayed.observe(f=True).claims[-1].id == "observed_f"  # the same state: still valid
    with pytest.raises(ScenarioError, match=r"claims\.2\.proposition: a relay repeats"):
        relayed.observe(f=False)

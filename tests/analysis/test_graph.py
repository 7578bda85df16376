"""The picture of the model as data: nodes and edges match the scenario; moves are honest.

Every expected edge is read from the scenario itself (propositions parsed, priors'
parents); every expected move is computed here from the posterior's prior and posterior
tables, or from updates of the scenario with one claim, not taken from the module.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

import scenarios
from scenarios import Scenario
from scenarios.analysis import timeline
from scenarios.analysis.graph import (
    model_graph,
    normal_total_variation,
    report_moves,
    total_variation,
)
from scenarios.spec.priors import prior_parents
from scenarios.spec.propositions import parse_proposition


@pytest.fixture(scope="module")
def wagner() -> Scenario:
    return scenarios.load(scenarios.example())


def small() -> Scenario:
    """a -> b -> o, an unlinked fact z; a denial, a relay and a retraction."""
    return Scenario(
        title="Small",
        sources={"wire": {"grade": "B"}, "ministry": {"grade": "C"}, "blog": {"grade": "D"}},
        facts={
            "a": {"kind": "binary", "prior": {"p": 0.3}},
            "b": {
                "kind": "binary",
                "prior": {
                    "given": ["a"],
                    "table": [{"when": {"a": True}, "p": 0.8}, {"when": {"a": False}, "p": 0.2}],
                },
            },
            "z": {"kind": "binary", "prior": {"p": 0.6}},
        },
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["b"],
                    "table": [{"when": {"b": True}, "p": 0.9}, {"when": {"b": False}, "p": 0.1}],
                },
            }
        },
        claims=[
            {"id": "seen", "text": "b happened", "proposition": "b", "source": "wire",
             "denied_by": "ministry"},
            {"id": "again", "text": "b happened", "proposition": "b", "source": "blog",
             "via": "seen"},
            {"id": "cause", "text": "a and b", "proposition": "a and b", "source": "blog",
             "status": "retracted"},
        ],
    )  # fmt: skip


def _kind(s: Scenario, name: str) -> str:
    return f"{'outcome' if name in s.outcomes else 'fact'}:{name}"


@pytest.mark.parametrize("which", ["wagner", "small"])
def test_edges_match_the_scenario(which: str, wagner: Scenario) -> None:
    s = wagner if which == "wagner" else small()
    g = model_graph(s)
    edges = {(e.source, e.target, e.kind) for e in g.edges}
    assert len(edges) == len(g.edges)  # no edge twice
    ids = {n.id for n in g.nodes}
    assert all(e.source in ids and e.target in ids for e in g.edges)
    expected: set[tuple[str, str, str]] = set()
    for claim in s.claims:
        cid = f"claim:{claim.id}"
        if claim.source:
            expected.add((f"source:{claim.source}", cid, "reports"))
        if claim.via:
            expected.add((cid, f"claim:{claim.via}", "relays"))
            continue
        named = (
            parse_proposition(claim.proposition).facts
            if claim.proposition
            else (claim.reported.fact,)  # type: ignore[union-attr]
        )
        assert named
        answers = [f"{claim.id}~denied_by~{d.source}" for d in claim.denied_by]
        answers += [f"{claim.id}~disputed_by~{d.source}" for d in claim.disputed_by]
        answerers = [d.source for d in (*claim.denied_by, *claim.disputed_by)]
        if claim.retraction is not None:
            answers.append(f"{claim.id}~retracted")
            answerers.append(claim.source)
        for rid, who in zip(answers, answerers, strict=True):
            expected.add((f"source:{who}", f"claim:{rid}", "reports"))
            expected.add((f"claim:{rid}", cid, "answers"))
            expected |= {(f"claim:{rid}", _kind(s, n), "about") for n in named}
        expected |= {(cid, _kind(s, n), "about") for n in named}
    for name, node in s.nodes.items():
        expected |= {(_kind(s, p), _kind(s, name), "parent") for p in prior_parents(node.prior)}
    assert edges == expected
    n_answers = sum(
        len(c.denied_by) + len(c.disputed_by) + (c.retraction is not None) for c in s.claims
    )
    assert len(g.nodes) == len(s.sources) + len(s.claims) + n_answers + len(s.nodes)


def test_the_small_scenario_has_each_kind_of_report() -> None:
    g = model_graph(small())
    kinds = {n.id: n.kind for n in g.nodes}
    assert kinds["claim:again"] == "relay"
    assert kinds["claim:seen~denied_by~ministry"] == "answer"
    assert kinds["claim:cause~retracted"] == "answer"
    assert g.node("claim:cause~retracted").name == "cause"  # opens its claim's controls
    # columns: sources, relays, reports, then facts by generation, then outcomes
    col = {n.id: n.column for n in g.nodes}
    assert col["source:wire"] < col["claim:again"] < col["claim:seen"] < col["fact:a"]
    assert col["fact:a"] < col["fact:b"] < col["outcome:o"]
    assert col["fact:z"] == col["fact:a"]
    # without relays, the reports take the second column
    assert model_graph(scenarios.load(scenarios.example())).node("claim:hq_seized").column == 1


def test_moves_of_facts_and_outcomes_are_their_total_variation() -> None:
    s = small()
    post = s.update(intervals=False)
    g = model_graph(s, post)
    for name in s.facts:
        prior = post.prior_facts.loc[name, "probability"]
        after = post.facts.loc[name, "probability"]
        want = 0.5 * float((prior - after).abs().sum())
        assert g.node(f"fact:{name}").moved == pytest.approx(want, abs=1e-12)
    prior = post.prior_scenarios.loc["o", "probability"]
    after = post.scenarios.loc["o", "probability"]
    assert g.node("outcome:o").moved == pytest.approx(0.5 * float((prior - after).abs().sum()))
    assert g.node("fact:z").moved == 0.0  # no evidence reaches it
    assert g.node("fact:b").moved > 0.01 and g.node("outcome:o").moved > 0.01
    # without claims nothing moved; without a posterior nothing is known
    bare = s.replace(claims=())
    nodes = model_graph(bare, bare.update(intervals=False)).nodes
    assert [n.moved for n in nodes if n.kind in ("fact", "outcome")] == [0.0] * len(bare.nodes)
    assert all(n.moved is None for n in model_graph(s).nodes)


def test_moves_of_reports_and_sources_come_from_the_timeline(wagner: Scenario) -> None:
    moves = report_moves(timeline(wagner))
    g = model_graph(wagner, wagner.update(intervals=False), moves)
    # the first report, computed here: the outcomes with it alone against the prior
    first = wagner.claims[0]
    assert first.denied_by  # a denial too: a report of its own
    alone = first.model_copy(update={"denied_by": (), "disputed_by": (), "status": "reported"})
    base = wagner.replace(claims=()).update(intervals=False).scenarios["probability"]
    with_it = wagner.replace(claims=(alone,)).update(intervals=False).scenarios["probability"]
    assert g.node(f"claim:{first.id}").moved == pytest.approx(
        float((with_it - base).abs().max()), abs=1e-12
    )
    assert g.node(f"claim:{first.id}").moved > 0.001
    denial = f"claim:{first.id}~denied_by~{first.denied_by[0].source}"
    assert g.node(denial).moved == moves[denial.removeprefix("claim:")] > 0
    for name in wagner.sources:
        made = [
            n.moved for n in g.nodes if (f"source:{name}", n.id, "reports") in
            {(e.source, e.target, e.kind) for e in g.edges}
        ]  # fmt: skip
        assert made and g.node(f"source:{name}").moved == max(made)


def test_total_variation_distances() -> None:
    assert total_variation({"a": 0.2, "b": 0.8}, {"a": 0.2, "b": 0.8}) == 0.0
    assert total_variation({"a": 1.0}, {"b": 1.0}) == 1.0
    assert total_variation({"x": 0.1, "y": 0.3, "z": 0.6}, {"x": 0.4, "y": 0.3, "z": 0.3}) == (
        pytest.approx(0.3)
    )
    for delta, sd in ((0.5, 1.0), (2.0, 3.0), (10.0, 1.0)):
        want = 2 * norm.cdf(delta / (2 * sd)) - 1  # equal variances: closed form
        assert normal_total_variation(1.0, sd, 1.0 + delta, sd) == pytest.approx(want, abs=1e-6)
    wide = normal_total_variation(0.0, 1.0, 0.0, 3.0)
    assert 0 < wide < 1 and math.isfinite(wide)
    with pytest.raises(ValueError, match="sds > 0"):
        normal_total_variation(0.0, 0.0, 1.0, 1.0)

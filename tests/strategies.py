"""Hypothesis strategies: random small discrete scenarios, as plain data.

A drawn example is a :class:`RandomNetwork`: the scenario as the plain mapping a YAML
file would hold (``data``), plus the same model in a form an independent oracle can
use without going through the library (state lists, parents, conditional tables as
arrays, and each claim's proposition as a Python predicate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np
from hypothesis import strategies as st

GRADES = ("A", "B", "C", "D", "E", "F")
HEDGES = (
    "none",
    "said",
    "reportedly",
    "apparently",
    "allegedly",
    "unverified",
    "rumoured",
    "disputed",
)
STATE_WORDS = ("low", "mid", "high")
#: Concentrations of rates (1.0 included: Beta(a, 1 - a) is a Gauss-Jacobi edge case).
CONCENTRATION = st.floats(1.0, 50.0)


@dataclass
class Node:
    """A discrete fact or outcome as the oracle sees it."""

    states: tuple[str, ...]
    parents: tuple[str, ...]
    #: axes: parents (in ``parents`` order) then the node itself
    table: np.ndarray


@dataclass
class OracleDenial:
    """A denial (``denied_by``) or dispute (``disputed_by``) as the oracle sees it."""

    source: str
    disputed: bool = False
    hedge: str | None = None
    weight: float | None = None


@dataclass
class OracleClaim:
    """A claim as the oracle sees it."""

    id: str
    holds: Callable[[Mapping[str, str]], bool]
    kind: str  # "source", "explicit", "confirmed", "relay" (adds nothing: its original does)
    source: str | None = None
    status: str = "reported"
    hedge: str | None = None
    information: int | None = None  # recorded only: never in the likelihood
    weight: float | None = None
    if_true: float | None = None
    if_false: float | None = None
    denials: list[OracleDenial] = field(default_factory=list)
    retracted: bool = False
    silent: bool = False  # an absence of reports: the complement of the report's likelihood


@dataclass
class RandomNetwork:
    """A random scenario (``data``) and its oracle view."""

    data: dict[str, Any]
    nodes: dict[str, Node]
    claims: list[OracleClaim]
    #: overrides given in the scenario's ``reliability`` section
    reliability: dict[str, Any] = field(default_factory=dict)


def _probability_vector(draw: Any, k: int, positive: bool) -> np.ndarray:
    """k probabilities; exact zeros sometimes (never when ``positive``)."""
    part = st.floats(0.02, 1.0)
    weights = draw(
        st.lists(part if positive else st.one_of(st.just(0.0), part), min_size=k, max_size=k)
    )
    if sum(weights) == 0.0:
        weights[draw(st.integers(0, k - 1))] = 1.0
    v = np.array(weights, dtype=float)
    return v / v.sum()


def _state_value(draw: Any, states: tuple[str, ...], binary: bool, state: str) -> Any:
    # binary states may be written as Python booleans, the way YAML reads true/false
    if binary and draw(st.booleans()):
        return state == "true"
    return state


def _row(draw: Any, name: str, states: tuple[str, ...], binary: bool, positive: bool):
    v = _probability_vector(draw, len(states), positive)
    if binary and draw(st.booleans()):
        # 'p' is the probability of true; the oracle uses exactly [1 - p, p]
        p = float(v[1])
        return {"p": p}, np.array([1.0 - p, p])
    return {"probs": {s: float(x) for s, x in zip(states, v, strict=True)}}, v / v.sum()


@st.composite
def _atom(draw: Any, nodes: Mapping[str, Node], facts: list[str]):
    name = draw(st.sampled_from(facts))
    states = nodes[name].states
    binary = states == ("false", "true")
    if binary:
        form = draw(st.sampled_from(["bare", "not", "eq", "ne"]))
        if form == "bare":
            return name, lambda x: x[name] == "true"
        if form == "not":
            return f"not {name}", lambda x: x[name] == "false"
        value = draw(st.sampled_from(states))
        if form == "eq":
            return f"{name} == {value}", lambda x: x[name] == value
        return f"{name} != {value}", lambda x: x[name] != value
    form = draw(st.sampled_from(["eq", "ne", "in", "not_in"]))
    if form in ("eq", "ne"):
        value = draw(st.sampled_from(states))
        quoted = draw(st.sampled_from([value, f'"{value}"', f"'{value}'"]))
        if form == "eq":
            return f"{name} == {quoted}", lambda x: x[name] == value
        return f"{name} != {quoted}", lambda x: x[name] != value
    chosen = draw(st.lists(st.sampled_from(states), min_size=1, max_size=len(states), unique=True))
    text = f"[{', '.join(chosen)}]"
    if form == "in":
        return f"{name} in {text}", lambda x: x[name] in chosen
    return f"{name} not in {text}", lambda x: x[name] not in chosen


@st.composite
def _proposition(draw: Any, nodes: Mapping[str, Node], facts: list[str]):
    clauses = draw(
        st.lists(st.lists(_atom(nodes, facts), min_size=1, max_size=2), min_size=1, max_size=2)
    )
    text = " or ".join(" and ".join(t for t, _ in clause) for clause in clauses)
    preds = [[p for _, p in clause] for clause in clauses]
    return text, lambda x: any(all(p(x) for p in clause) for clause in preds)


@st.composite
def random_networks(draw: Any, max_facts: int = 5, max_claims: int = 4) -> RandomNetwork:
    """A random discrete scenario with 2-``max_facts`` facts, one outcome, graded claims."""
    n_facts = draw(st.integers(2, max_facts))
    nodes: dict[str, Node] = {}
    facts: dict[str, Any] = {}
    for i in range(n_facts):
        name = f"f{i}"
        k = draw(st.integers(2, 3))
        binary = k == 2 and draw(st.booleans())
        states = ("false", "true") if binary else STATE_WORDS[:k]
        earlier = list(nodes)
        parents = tuple(
            draw(st.lists(st.sampled_from(earlier), max_size=2, unique=True)) if earlier else []
        )
        spec: dict[str, Any] = {"kind": "binary" if binary else "categorical"}
        if not binary:
            spec["states"] = list(states)
        prior, table = _table(draw, name, states, binary, parents, nodes)
        spec["prior"] = prior
        facts[name] = spec
        nodes[name] = Node(states, parents, table)

    # the outcome: a table on one or two facts (or a plain prior)
    k = draw(st.integers(2, 3))
    binary = k == 2 and draw(st.booleans())
    states = ("false", "true") if binary else ("deal", "force", "other")[:k]
    parents = tuple(draw(st.lists(st.sampled_from(list(nodes)), max_size=2, unique=True)))
    prior, table = _table(draw, "o", states, binary, parents, nodes)
    outcome: dict[str, Any] = {"kind": "binary" if binary else "categorical", "prior": prior}
    if not binary:
        outcome["states"] = list(states)
    if not binary and draw(st.booleans()):
        outcome["other"] = states[-1]
    else:
        outcome["exhaustive"] = "the states cover every case"
    outcome_node = Node(states, parents, table)

    # reliability overrides, sometimes
    reliability: dict[str, Any] = {}
    if draw(st.booleans()):
        reliability = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "hedge": st.fixed_dictionaries({"supposedly": st.floats(0.0, 1.0)}),
                    "retraction": st.fixed_dictionaries({"if_true": _rate(), "if_false": _rate()}),
                    "grades": st.fixed_dictionaries(
                        {
                            "C": st.fixed_dictionaries(
                                {
                                    "true_positive": _rate(),
                                    "false_positive": _rate(),
                                }
                            )
                        }
                    ),
                },
            )
        )
    hedges = HEDGES + (("supposedly",) if "supposedly" in reliability.get("hedge", {}) else ())

    # sources
    n_sources = draw(st.integers(1, 3))
    sources: dict[str, Any] = {}
    for j in range(n_sources):
        src: dict[str, Any] = {"grade": draw(st.sampled_from(GRADES))}
        if draw(st.integers(0, 3)) == 0:
            src["true_positive"] = draw(_rate())
        if draw(st.integers(0, 3)) == 0:
            src["false_positive"] = draw(_rate())
        if draw(st.integers(0, 4)) == 0:
            src["retraction"] = {"if_true": draw(_rate()), "if_false": draw(_rate())}
        sources[f"src{j}"] = src

    # claims
    n_claims = draw(st.integers(1, max_claims))
    claims: list[dict[str, Any]] = []
    oracle_claims: list[OracleClaim] = []
    for c in range(n_claims):
        text, holds = draw(_proposition(nodes, list(nodes)))
        cid = f"c{c}"
        kind = draw(st.sampled_from(["source", "source", "source", "explicit", "confirmed"]))
        claim: dict[str, Any] = {"id": cid, "text": f"report {c}", "proposition": text}
        oc = OracleClaim(cid, holds, kind)
        if kind == "confirmed":
            claim["status"] = "confirmed"
            if draw(st.booleans()):
                oc.source = claim["source"] = draw(st.sampled_from(list(sources)))
        elif kind == "explicit":
            lik = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.001, 0.999))
            oc.if_true, oc.if_false = draw(lik), draw(lik)
            claim["likelihood"] = {"if_true": oc.if_true, "if_false": oc.if_false}
            if draw(st.booleans()):
                claim["likelihood"]["concentration"] = draw(CONCENTRATION)
        else:
            oc.source = claim["source"] = draw(st.sampled_from(list(sources)))
        if kind != "confirmed":
            if draw(st.booleans()):
                oc.hedge = claim["hedge"] = draw(st.sampled_from(hedges))
            if draw(st.integers(0, 4)) == 0:
                oc.weight = claim["weight"] = draw(st.floats(0.0, 1.0))
        if draw(st.booleans()):  # recorded, shown, never weighed
            oc.information = claim["information"] = draw(st.integers(1, 6))
        # silence: no report made (no denials, retraction or relays then)
        if kind != "confirmed" and draw(st.integers(0, 4)) == 0:
            oc.silent = claim["silent"] = True
        # denials and disputes: reports of the negation by other sources
        for field_name, disputed in (("denied_by", False), ("disputed_by", True)):
            if not oc.silent and draw(st.integers(0, 2)) == 0:
                names = draw(
                    st.lists(st.sampled_from(list(sources)), min_size=1, max_size=2, unique=True)
                )
                written: list[Any] = []
                for name in names:
                    d = OracleDenial(name, disputed)
                    if draw(st.integers(0, 2)) == 0:
                        d.hedge = draw(st.sampled_from(hedges))
                    if draw(st.integers(0, 4)) == 0:
                        d.weight = draw(st.floats(0.0, 1.0))
                    if d.hedge is None and d.weight is None and draw(st.booleans()):
                        written.append(name)  # the short form: a bare source name
                    else:
                        entry: dict[str, Any] = {"source": name}
                        if d.hedge is not None:
                            entry["hedge"] = d.hedge
                        if d.weight is not None:
                            entry["weight"] = d.weight
                        written.append(entry)
                    oc.denials.append(d)
                claim[field_name] = (
                    written if len(written) > 1 or draw(st.booleans()) else written[0]
                )
                if kind != "confirmed" and draw(st.booleans()):
                    oc.status = claim["status"] = "disputed" if disputed else "denied"
        # retraction by the claim's own source
        if (
            kind != "confirmed"
            and not oc.silent
            and oc.source is not None
            and draw(st.integers(0, 2)) == 0
        ):
            oc.retracted = True
            if oc.status == "reported" and draw(st.booleans()):
                oc.status = claim["status"] = "retracted"
            else:
                claim["retracted"] = {"note": "withdrawn"}
        oracle_claims.append(oc)
        claims.append(claim)
        # sometimes a relay of it (or of a relay of it), by any source: counted once
        if not oc.silent and draw(st.integers(0, 3)) == 0:
            via = cid
            for r in range(draw(st.integers(1, 2))):
                rid = f"{cid}_r{r}"
                relay = {
                    "id": rid,
                    "text": f"relay of {cid}",
                    "proposition": text,
                    "source": draw(st.sampled_from(list(sources))),
                    "via": via,
                }
                if draw(st.booleans()):
                    relay["hedge"] = draw(st.sampled_from(hedges))
                claims.append(relay)
                oracle_claims.append(OracleClaim(rid, holds, "relay"))
                via = draw(st.sampled_from([cid, rid]))

    data: dict[str, Any] = {
        "title": "random network",
        "facts": facts,
        "outcomes": {"o": outcome},
        "sources": sources,
        "claims": claims,
    }
    if reliability:
        data["reliability"] = reliability
    return RandomNetwork(data, {**nodes, "o": outcome_node}, oracle_claims, reliability)


def _rate():
    return st.fixed_dictionaries(
        {"mean": st.floats(0.02, 0.98)},
        optional={"concentration": CONCENTRATION},
    )


def _table(
    draw: Any,
    name: str,
    states: tuple[str, ...],
    binary: bool,
    parents: tuple[str, ...],
    nodes: Mapping[str, Node],
):
    """A prior for ``name``: ``p``/``probs`` without parents, else a conditional table."""
    conc = draw(st.one_of(st.none(), st.floats(0.5, 50.0)))
    positive = conc is not None
    if not parents:
        prior, v = _row(draw, name, states, binary, positive)
        if conc is not None:
            prior["concentration"] = conc
        return prior, v
    parent_states = [nodes[p].states for p in parents]
    table = np.empty((*[len(s) for s in parent_states], len(states)))
    combos = list(product(*[range(len(s)) for s in parent_states]))
    use_default = draw(st.booleans())
    listed = combos
    if use_default:
        listed = [c for c in combos if draw(st.booleans())]
    rows = []
    for combo in listed:
        row, v = _row(draw, name, states, binary, positive)
        when = {
            p: _state_value(
                draw, nodes[p].states, nodes[p].states == ("false", "true"), nodes[p].states[i]
            )
            for p, i in zip(parents, combo, strict=True)
        }
        if conc is not None and draw(st.booleans()):
            row["concentration"] = draw(st.floats(0.5, 50.0))
        rows.append({"when": when, **row})
        table[combo] = v
    prior: dict[str, Any] = {"given": list(parents), "table": rows}
    if use_default:
        default, v = _row(draw, name, states, binary, positive)
        prior["default"] = default
        for combo in combos:
            if combo not in listed:
                table[combo] = v
    if conc is not None:
        prior["concentration"] = conc
    return prior, table

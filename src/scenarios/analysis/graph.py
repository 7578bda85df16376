"""The model as a graph: sources, reports, facts and outcomes, and how far each moved.

:func:`model_graph` lists the nodes of a scenario and the edges between them, as data
(no drawing: :mod:`scenarios.views.html.graph` draws it):

- a **source** reports its **claims** (``reports``);
- a **claim** speaks about each fact its proposition names, or the fact whose number it
  reports (``about``); a relay (``via``) repeats its original claim (``relays``);
- a **denial**, **dispute** or **retraction** is a report of its own (an ``answer``
  node, id :func:`~scenarios.spec.claims.report_id`): the answering source reports it
  and it speaks about the claim's facts (``about``), answering the claim (``answers``);
- a fact or outcome depends on the facts its prior is conditioned on (``parent``).

How far the evidence moved each node, ``moved``, is a probability from 0 to 1:

- a fact or outcome: the total-variation distance between its prior and posterior
  marginals (:func:`total_variation`), the most the probability of any statement about
  it changed; a quantity (a continuous fact): the same between normal distributions
  with its prior and posterior mean and sd (:func:`normal_total_variation`);
- a report (claim, denial ...): the timeline's ``moved`` at its step (the largest change
  of any outcome probability when it came in, :func:`scenarios.analysis.timeline`),
  when given (:func:`report_moves`); ``None`` otherwise;
- a source: the largest ``moved`` of the reports it made (``None`` if not known).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from scenarios.posterior import Posterior
from scenarios.spec.claims import Claim, relay_roots, report_id
from scenarios.spec.propositions import parse_proposition
from scenarios.spec.scenario import Scenario

__all__ = [
    "GraphEdge",
    "GraphNode",
    "ModelGraph",
    "claim_facts",
    "model_graph",
    "normal_total_variation",
    "report_moves",
    "total_variation",
]

NodeKind = Literal["source", "relay", "claim", "answer", "fact", "outcome"]
EdgeKind = Literal["reports", "about", "relays", "answers", "parent"]

#: The column of each kind of node, left to right (facts and outcomes take one column
#: per generation of the graph of their parents).
COLUMNS: dict[str, int] = {"source": 0, "relay": 1, "claim": 2, "answer": 2}


@dataclass(frozen=True)
class GraphNode:
    """One node of the picture.

    Attributes
    ----------
    id : str
        ``<kind>:<name>``: ``source:wire``, ``claim:hq``, ``claim:hq~denied_by~ministry``,
        ``fact:army``, ``outcome:end`` (answers and relays are claims, ``claim:...``).
    kind : {"source", "relay", "claim", "answer", "fact", "outcome"}
    name : str
        The name in the scenario: the source's, the claim's id (for an answer, the id of
        the claim it answers), the fact's or the outcome's.
    label : str
        Short words for it (the name, with spaces).
    text : str
        Its full words: a description, a claim's text, a source's name and note.
    moved : float or None
        How far the evidence moved it (see the module docstring); ``None``: not known.
    column : int
        Its column, left to right (sources 0).
    detail : str
        More about it: a claim's proposition and source, an answer's kind.
    """

    id: str
    kind: NodeKind
    name: str
    label: str
    text: str
    moved: float | None
    column: int
    detail: str = ""


@dataclass(frozen=True)
class GraphEdge:
    """An edge of the picture, from ``source`` to ``target`` (node ids).

    Attributes
    ----------
    source, target : str
    kind : {"reports", "about", "relays", "answers", "parent"}
    """

    source: str
    target: str
    kind: EdgeKind


@dataclass(frozen=True)
class ModelGraph:
    """The nodes and edges of a scenario's picture (:func:`model_graph`).

    Attributes
    ----------
    title : str
    nodes : tuple of GraphNode
        Sources, relays, claims and answers (in file order), facts, outcomes.
    edges : tuple of GraphEdge
    """

    title: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    def node(self, node_id: str) -> GraphNode:
        """The node with this id.

        Parameters
        ----------
        node_id : str

        Returns
        -------
        GraphNode

        Examples
        --------
        >>> import scenarios
        >>> g = model_graph(scenarios.load(scenarios.example()))
        >>> g.node("fact:army_loyalty").label
        'army loyalty'
        """
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(f"no node {node_id!r} in the picture of {self.title!r}")

    def digraph(self) -> nx.DiGraph:
        """The graph as a :class:`networkx.DiGraph` (node attributes: the node's fields).

        Returns
        -------
        networkx.DiGraph

        Examples
        --------
        >>> import scenarios
        >>> g = model_graph(scenarios.load(scenarios.example())).digraph()
        >>> g.nodes["source:news_report"]["kind"]
        'source'
        >>> g.has_edge("fact:army_loyalty", "fact:resistance")
        True
        """
        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, **vars(n))
        for e in self.edges:
            g.add_edge(e.source, e.target, kind=e.kind)
        return g


def total_variation(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Total-variation distance of two distributions over the same states.

    Half the sum of absolute differences: the most the probability of any set of states
    differs between them (0: the same, 1: disjoint).

    Parameters
    ----------
    p, q : mapping of str to float
        Probability by state (a state missing from one has probability 0 there).

    Returns
    -------
    float

    Examples
    --------
    >>> total_variation({"a": 0.5, "b": 0.5}, {"a": 0.8, "b": 0.2})
    0.3
    >>> total_variation({"a": 1.0}, {"a": 1.0})
    0.0
    """
    states = set(p) | set(q)
    tv = 0.5 * sum(abs(float(p.get(s, 0.0)) - float(q.get(s, 0.0))) for s in states)
    return 0.0 if tv < 1e-12 else round(tv, 15)


def normal_total_variation(mean1: float, sd1: float, mean2: float, sd2: float) -> float:
    """Total-variation distance of two normal distributions (numerically).

    Parameters
    ----------
    mean1, sd1, mean2, sd2 : float
        The two distributions' means and standard deviations (sd > 0).

    Returns
    -------
    float
        From 0 (the same) to 1.

    Examples
    --------
    >>> normal_total_variation(0, 1, 0, 1)
    0.0
    >>> round(normal_total_variation(0, 1, 1, 1), 4)  # 2 Phi(1/2) - 1
    0.3829
    """
    values = (mean1, sd1, mean2, sd2)
    if not all(math.isfinite(float(v)) for v in values) or min(sd1, sd2) <= 0:
        raise ValueError(f"normal_total_variation needs finite means and sds > 0, got {values}")
    if mean1 == mean2 and sd1 == sd2:
        return 0.0
    wide = max(sd1, sd2)
    x = np.linspace(min(mean1, mean2) - 10 * wide, max(mean1, mean2) + 10 * wide, 20_001)

    def density(m: float, s: float) -> np.ndarray:
        return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))

    gap = np.abs(density(mean1, sd1) - density(mean2, sd2))
    return float(min(1.0, 0.5 * float(np.sum((gap[1:] + gap[:-1]) * np.diff(x)) / 2)))


def claim_facts(claim: Claim) -> tuple[str, ...]:
    """The facts (or outcomes) a claim speaks about.

    Parameters
    ----------
    claim : Claim

    Returns
    -------
    tuple of str
        The names its proposition names, in order, or the fact whose number it reports.

    Examples
    --------
    >>> c = Claim(id="c", text="t", proposition="a == x and b or not c", source="s")
    >>> claim_facts(c)
    ('a', 'b', 'c')
    """
    if claim.proposition is not None:
        return parse_proposition(claim.proposition).facts
    if claim.reported is not None:
        return (claim.reported.fact,)
    return ()


def report_moves(table: pd.DataFrame) -> dict[str, float]:
    """Each report's move from a timeline: its id -> the timeline's ``moved`` at its step.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`scenarios.analysis.timeline`'s table, or
        :func:`~scenarios.analysis.timeline_moves`'.

    Returns
    -------
    dict of str to float
        By report id (a claim's id, or :func:`~scenarios.spec.claims.report_id`).

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import timeline
    >>> moves = report_moves(timeline(scenarios.load(scenarios.example())))
    >>> moves["government_framing"] > moves["nato_alarm"] > 0
    True
    """
    claim, moved = table["claim"], table["moved"]
    if isinstance(claim, pd.DataFrame):  # the timeline's two-level columns
        claim, moved = claim.iloc[:, 0], moved.iloc[:, 0]
    return {str(c): float(m) for c, m in zip(claim, moved, strict=True) if c}


def _words(name: str) -> str:
    return name.replace("_", " ")


def _movements(post: Posterior | None) -> dict[str, float]:
    """Each fact's and outcome's total-variation distance from prior to posterior."""
    if post is None:
        return {}
    out: dict[str, float] = {}
    pairs = ((post.prior_facts, post.facts), (post.prior_scenarios, post.scenarios))
    for prior, posterior in pairs:
        for name in posterior.index.get_level_values(0).unique():
            before = prior.loc[name, "probability"].to_dict()
            after = posterior.loc[name, "probability"].to_dict()
            out[str(name)] = total_variation(before, after)
    quantities = post.quantities
    for name in quantities.index:
        before, after = post.prior_quantities.loc[name], quantities.loc[name]
        out[str(name)] = normal_total_variation(
            float(before["mean"]), float(before["sd"]), float(after["mean"]), float(after["sd"])
        )
    return out


def _columns(scenario: Scenario, first: int) -> dict[str, int]:
    """Facts by generation of their parents' graph from ``first`` on, then outcomes."""
    dag = nx.DiGraph()
    dag.add_nodes_from(scenario.nodes)
    dag.add_edges_from((p, n) for n, node in scenario.nodes.items() for p in node.parents)
    facts = dag.subgraph(scenario.facts)
    column: dict[str, int] = {}
    for i, generation in enumerate(nx.topological_generations(facts)):
        column.update(dict.fromkeys(generation, first + i))
    after = max(column.values(), default=first - 1) + 1
    outcomes = dag.subgraph(scenario.outcomes)
    for i, generation in enumerate(nx.topological_generations(outcomes)):
        column.update(dict.fromkeys(generation, after + i))
    return column


def model_graph(
    scenario: Scenario,
    posterior: Posterior | None = None,
    influence: Mapping[str, float] | None = None,
) -> ModelGraph:
    """The picture of a scenario as data: its nodes, edges and how far each moved.

    Parameters
    ----------
    scenario : Scenario
    posterior : Posterior, optional
        Its posterior (prior and posterior marginals): how far the claims moved each fact
        and outcome. Without it, their ``moved`` is ``None``.
    influence : mapping of str to float, optional
        How far each report moved the outcomes, by report id (:func:`report_moves` of a
        timeline). Without it, reports' and sources' ``moved`` is ``None``.

    Returns
    -------
    ModelGraph

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> g = model_graph(s, s.update(intervals=False))
    >>> [e.target for e in g.edges if e.source == "claim:coup_attempt"]
    ['fact:prigozhin_aim']
    >>> g.node("fact:hq_seized").moved > 0, g.node("claim:coup_attempt").moved is None
    (True, True)
    """
    moved = _movements(posterior)
    given = influence is not None
    influence = dict(influence or {})
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    relays = relay_roots(scenario.claims)
    has_relays = bool(relays)

    def column(kind: str) -> int:
        return COLUMNS[kind] - (not has_relays and kind != "source")

    made: dict[str, list[float | None]] = {name: [] for name in scenario.sources}

    def report(node_id: str, rid: str, source: str | None) -> float | None:
        value = influence.get(rid)
        if source is not None:
            made.setdefault(source, []).append(value)
            edges.append(GraphEdge(f"source:{source}", node_id, "reports"))
        return value

    for claim in scenario.claims:
        about = [n for n in claim_facts(claim) if n in scenario.nodes]
        cid = f"claim:{claim.id}"
        what = claim.proposition or (
            f"{claim.reported.fact} reported as {claim.reported.value:g}" if claim.reported else ""
        )
        by = f"{claim.source or 'no source'}" + (f", “{claim.hedge}”" if claim.hedge else "")
        kind: NodeKind = "relay" if claim.via is not None else "claim"
        value = report(cid, claim.id, claim.source)
        if claim.via is not None:
            edges.append(GraphEdge(cid, f"claim:{claim.via}", "relays"))
            what = f"relays {claim.via}" + (f": {what}" if what else "")
        else:
            edges.extend(GraphEdge(cid, f"{_kind(scenario, n)}:{n}", "about") for n in about)
        silent = " (silent: not reported)" if claim.silent else ""
        nodes.append(
            GraphNode(
                id=cid,
                kind=kind,
                name=claim.id,
                label=_words(claim.id),
                text=claim.text,
                moved=value,
                column=column(kind),
                detail=f"{what} — {by}{silent}",
            )
        )
        answers: list[tuple[str, str, str | None, str | None]] = []
        for role, answers_of in (
            ("denied_by", claim.denied_by),
            ("disputed_by", claim.disputed_by),
        ):
            for denial in answers_of:
                verb = "denied" if role == "denied_by" else "disputed"
                answers.append(
                    (report_id(claim.id, role, denial.source), verb, denial.source, denial.text)
                )
        if claim.retraction is not None:
            answers.append((report_id(claim.id, "retraction"), "retracted", claim.source, None))
        for rid, verb, source, text in answers:
            aid = f"claim:{rid}"
            value = report(aid, rid, source)
            nodes.append(
                GraphNode(
                    id=aid,
                    kind="answer",
                    name=claim.id,
                    label=f"{_words(claim.id)}: {verb}",
                    text=text or f"{claim.text} — {verb} by {source}",
                    moved=value,
                    column=column("answer"),
                    detail=f"{verb} by {source}: not ({what})",
                )
            )
            edges.append(GraphEdge(aid, cid, "answers"))
            edges.extend(GraphEdge(aid, f"{_kind(scenario, n)}:{n}", "about") for n in about)

    first = column("claim") + 1
    columns = _columns(scenario, first)
    for name, node in scenario.nodes.items():
        kind = _kind(scenario, name)
        words = node.description or getattr(node, "question", None) or ""
        nodes.append(
            GraphNode(
                id=f"{kind}:{name}",
                kind=kind,
                name=name,
                label=_words(name),
                text=words,
                moved=moved.get(name),
                column=columns[name],
                detail=", ".join(node.state_names),
            )
        )
        edges.extend(
            GraphEdge(f"{_kind(scenario, p)}:{p}", f"{kind}:{name}", "parent") for p in node.parents
        )

    sources = []
    for name, source in scenario.sources.items():
        values = made.get(name, [])
        known = [v for v in values if v is not None]
        value = (max(known, default=0.0) if len(known) == len(values) else None) if given else None
        grade = f" ({source.grade})" if source.grade else ""
        sources.append(
            GraphNode(
                id=f"source:{name}",
                kind="source",
                name=name,
                label=_words(name) + grade,
                text=" — ".join(t for t in (source.name, source.note) if t),
                moved=value,
                column=0,
                detail=f"{len(values)} report{'s' if len(values) != 1 else ''}",
            )
        )
    return ModelGraph(scenario.title, (*sources, *nodes), tuple(edges))


def _kind(scenario: Scenario, name: str) -> Literal["fact", "outcome"]:
    return "outcome" if name in scenario.outcomes else "fact"

"""The picture of a model: :func:`scenarios.analysis.graph.model_graph` drawn as inline SVG.

Left to right: sources, the reports they made (claims, and denials, disputes and
retractions as reports of their own), the facts (causes before effects) and the
outcomes. Each node is filled by how far the evidence moved it, from white (not at all)
to dark red, on one scale in points of probability; the legend under the picture says
so in words. Every node is a ``<g class="scn-node" data-node="<id>">`` with a ``<title>``
(its full words: a browser shows them as a tooltip), so that the page, a test or the
explorer's widget can find it. The SVG is self-contained: no script, font or request.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Mapping

from scenarios.analysis.graph import GraphNode, ModelGraph
from scenarios.views.formats import clip, points

__all__ = [
    "MOVE_SCALE",
    "graph_positions",
    "graph_svg",
    "move_colour",
]

#: A move of this much probability (or more) gets the darkest colour.
MOVE_SCALE = 0.2
#: Colour stops from no move (0) to :data:`MOVE_SCALE` (1), on a square-root scale.
_STOPS = ((0.0, (255, 255, 255)), (0.35, (253, 208, 162)), (0.7, (241, 105, 19)),
          (1.0, (127, 39, 4)))  # fmt: skip
_TICKS = (0.0, 0.01, 0.05, 0.1, 0.2)
_UNKNOWN = "#e9e9e9"
NODE_W, NODE_H, COLUMN_STEP, ROW_STEP, MARGIN, TOP = 156, 26, 206, 34, 12, 40
_HEADINGS = {
    "source": "Sources",
    "relay": "Relays",
    "claim": "Reports",
    "answer": "Reports",
    "fact": "Facts",
    "outcome": "Outcomes",
}
_CSS = """
.scn-graph text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#222}
.scn-graph .scn-heading{font-weight:600;fill:#555}
.scn-graph .scn-legend text{fill:#444}
.scn-graph .scn-node{cursor:pointer}
.scn-graph .scn-node .scn-shape{stroke:#555;stroke-width:1}
.scn-graph .scn-node.scn-kind-answer .scn-shape{stroke-dasharray:4 2}
.scn-graph .scn-node.scn-kind-outcome .scn-shape{stroke-width:2.5}
.scn-graph .scn-node:hover .scn-shape{stroke:#1a73e8;stroke-width:2.5}
.scn-graph .scn-node:focus .scn-shape{stroke:#1a73e8;stroke-width:2.5}
.scn-graph .scn-node:focus{outline:none}
.scn-graph .scn-node.scn-picked .scn-shape{stroke:#1a73e8;stroke-width:3.5}
.scn-graph .scn-edge{fill:none;stroke:#9aa5b1;stroke-width:1}
.scn-graph .scn-edge-parent{stroke:#555;stroke-width:1.3}
.scn-graph .scn-edge-answers{stroke:#b3261e;stroke-dasharray:3 3}
.scn-graph .scn-edge-relays{stroke:#6a5acd;stroke-dasharray:1 3}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def move_colour(moved: float | None) -> str:
    """The fill of a node that moved this much (``None``: not known, grey).

    Parameters
    ----------
    moved : float or None
        A probability from 0 to 1 (see :mod:`scenarios.analysis.graph`).

    Returns
    -------
    str
        ``#rrggbb``: white for 0, darkest from :data:`MOVE_SCALE` on (square-root scale,
        so that small moves show).

    Examples
    --------
    >>> move_colour(0.0), move_colour(0.5), move_colour(None)
    ('#ffffff', '#7f2704', '#e9e9e9')
    """
    if moved is None or not math.isfinite(moved):
        return _UNKNOWN
    t = min(1.0, math.sqrt(max(0.0, moved) / MOVE_SCALE))
    for (t0, c0), (t1, c1) in itertools.pairwise(_STOPS):
        if t <= t1:
            w = (t - t0) / (t1 - t0)
            rgb = (round(a + w * (b - a)) for a, b in zip(c0, c1, strict=True))
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#{:02x}{:02x}{:02x}".format(*_STOPS[-1][1])  # pragma: no cover - t <= 1


def _dark(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140


def graph_positions(graph: ModelGraph) -> dict[str, tuple[float, float]]:
    """Where each node goes: its column, and a row that keeps edges short.

    Rows come from a few barycentre sweeps (each node moves towards the mean row of its
    neighbours in the column before, then after), as in a layered (Sugiyama) drawing;
    each column is centred vertically.

    Parameters
    ----------
    graph : ModelGraph

    Returns
    -------
    dict of str to (float, float)
        Node id -> centre ``(x, y)`` in SVG pixels.

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis.graph import model_graph
    >>> pos = graph_positions(model_graph(scenarios.load(scenarios.example())))
    >>> pos["source:news_report"][0] < pos["claim:coup_attempt"][0] < pos["fact:troops"][0]
    True
    """
    g = graph.digraph()
    columns: dict[int, list[str]] = {}
    for n in graph.nodes:
        columns.setdefault(n.column, []).append(n.id)
    order = [columns[c] for c in sorted(columns)]
    row = {n: float(i) for col in order for i, n in enumerate(col)}

    def sweep(cols: list[list[str]], neighbours: str) -> None:
        for col in cols:

            def key(n: str) -> float:
                near = list(g.predecessors(n) if neighbours == "in" else g.successors(n))
                near = [m for m in near if g.nodes[m]["column"] != g.nodes[n]["column"]]
                return sum(row[m] for m in near) / len(near) if near else row[n]

            col.sort(key=key)
            _answers_after_claims(col, answered)
            for i, n in enumerate(col):
                row[n] = float(i) + (tallest - len(col)) / 2

    answered = {e.source: e.target for e in graph.edges if e.kind == "answers"}
    tallest = max((len(c) for c in order), default=0)
    for col in order:
        for i, n in enumerate(col):
            row[n] = float(i) + (tallest - len(col)) / 2
    for _ in range(4):
        sweep(order[1:], "in")
        sweep(order[-2::-1], "out")
    return {
        n: (MARGIN + NODE_W / 2 + c * COLUMN_STEP, TOP + NODE_H / 2 + row[n] * ROW_STEP)
        for c, col in enumerate(order)
        for n in col
    }


def _answers_after_claims(column: list[str], answered: Mapping[str, str]) -> None:
    """Put each denial, dispute or retraction right after the claim it answers."""
    moved = [n for n in column if answered.get(n) in column]
    for n in moved:
        column.remove(n)
    for n in reversed(moved):
        column.insert(column.index(answered[n]) + 1, n)


def _tooltip(node: GraphNode) -> str:
    moved = (
        "not computed yet (reports: compute the timeline, “Report by report”)"
        if node.moved is None
        else f"{points(node.moved, ' points', signed=False)}"
    )
    what = {
        "source": "how far its reports moved the outcomes, at most",
        "relay": "how far it moved the outcomes when it came in",
        "claim": "how far it moved the outcomes when it came in",
        "answer": "how far it moved the outcomes when it came in",
        "fact": "how far the evidence moved it, prior to posterior",
        "outcome": "how far the evidence moved it, prior to posterior",
    }[node.kind]
    lines = [node.label, node.text, node.detail, f"Moved: {moved} ({what})"]
    return "\n".join(line for line in lines if line)


def _shape(node: GraphNode, x: float, y: float, fill: str) -> str:
    w, h = NODE_W, NODE_H
    if node.kind in ("fact", "outcome"):
        return (
            f'<ellipse class="scn-shape" cx="{x:.1f}" cy="{y:.1f}" rx="{w / 2:.1f}" '
            f'ry="{h / 2:.1f}" fill="{fill}"/>'
        )
    radius = 9 if node.kind == "source" else 3
    return (
        f'<rect class="scn-shape" x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w}" '
        f'height="{h}" rx="{radius}" fill="{fill}"/>'
    )


def _legend(y: float, width: float, unknown: bool, uid: str) -> tuple[str, float]:
    bar_w, left = 240.0, MARGIN
    stops = "".join(
        f'<stop offset="{t:.2f}" stop-color="{move_colour(MOVE_SCALE * t * t)}"/>'
        for t in (0.0, 0.25, 0.5, 0.75, 1.0)
    )
    parts = [
        f'<g class="scn-legend" transform="translate(0,{y:.1f})">',
        f'<defs><linearGradient id="scn-scale-{uid}">{stops}</linearGradient></defs>',
        f'<text x="{left}" y="12"><tspan font-weight="600">Colour: how far the evidence '
        "moved it</tspan>, in points of probability (white: not at all; darkest: "
        f"{MOVE_SCALE * 100:.0f} points or more).</text>",
        f'<rect x="{left}" y="20" width="{bar_w}" height="10" fill="url(#scn-scale-{uid})" '
        'stroke="#999" stroke-width="0.5"/>',
    ]
    for tick in _TICKS:
        tx = left + bar_w * math.sqrt(tick / MOVE_SCALE)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="30" y2="34" stroke="#666"/>'
            f'<text x="{tx:.1f}" y="45" text-anchor="middle">{tick * 100:.0f}</text>'
        )
    lines = [
        "Facts and outcomes: from prior to posterior, the most the probability of anything "
        "about them changed (total-variation distance; a quantity's between normal "
        "distributions of its mean and sd).",
        "Reports: the most an outcome's probability changed when the report came in (as in "
        "the timeline, “Report by report”); sources: the most any of their reports did.",
        "Ovals are facts (thick: outcomes); dashed boxes are denials, disputes and "
        "retractions. Dark arrows: what depends on what; grey lines: who reported what, about "
        "what.",
    ]
    if unknown:
        lines.append(
            "Grey: not computed yet (reports: once the timeline, “Report by report”, is computed "
            "for what is shown)."
        )
    for i, line in enumerate(lines):
        parts.append(f'<text x="{left}" y="{62 + 15 * i}">{_e(line)}</text>')
    parts.append("</g>")
    return "".join(parts), 62 + 15 * len(lines)


def graph_svg(graph: ModelGraph, *, uid: str = "graph", selected: str | None = None) -> str:
    """The picture as an inline SVG element: nodes, edges, column headings and legend.

    Parameters
    ----------
    graph : ModelGraph
        :func:`scenarios.analysis.graph.model_graph`.
    uid : str
        Makes the ids inside the SVG (its arrowhead and gradient) unique on a page that
        shows several pictures.
    selected : str, optional
        The id of a node to outline (the one whose controls are open).

    Returns
    -------
    str
        ``<svg class="scn-graph" ...>``: one ``<g class="scn-node" data-node=...>`` per
        node, one ``<path class="scn-edge" data-from=... data-to=...>`` per edge.

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis.graph import model_graph
    >>> svg = graph_svg(model_graph(scenarios.load(scenarios.example())))
    >>> svg.startswith("<svg"), svg.count('class="scn-node ')
    (True, 38)
    """
    pos = graph_positions(graph)
    uid = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in uid)
    n_columns = max((n.column for n in graph.nodes), default=0) + 1
    width = 2 * MARGIN + NODE_W + (n_columns - 1) * COLUMN_STEP
    bottom = max((y for _, y in pos.values()), default=TOP) + NODE_H / 2 + 24
    legend, legend_h = _legend(bottom, width, any(n.moved is None for n in graph.nodes), uid)
    height = bottom + legend_h + 8
    parts = [
        f'<svg class="scn-graph" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'style="max-width:100%;height:auto" aria-labelledby="scn-graph-title-{uid}">',
        f'<title id="scn-graph-title-{uid}">{_e(graph.title)}: sources, reports, facts and '
        "outcomes, coloured by how far the evidence moved each</title>",
        f"<style>{_CSS}</style>",
        f'<defs><marker id="scn-arrow-{uid}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    headed: set[str] = set()
    kinds = _column_kinds(graph)
    for column in sorted(kinds):
        heading = _HEADINGS[kinds[column]]
        if heading in headed:
            continue
        headed.add(heading)
        x = MARGIN + column * COLUMN_STEP
        parts.append(f'<text class="scn-heading" x="{x:.1f}" y="{TOP - 16}">{heading}</text>')
    for e in graph.edges:
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        if x1 == x2:  # within a column (an answer and its claim): an arc on the left
            x1 = x2 = x1 - NODE_W / 2
            bend = -18.0
        else:
            x1, x2 = x1 + NODE_W / 2, x2 - NODE_W / 2
            bend = max(30.0, (x2 - x1) / 2)
        arrow = f' marker-end="url(#scn-arrow-{uid})"' if e.kind == "parent" else ""
        parts.append(
            f'<path class="scn-edge scn-edge-{e.kind}" data-from="{_e(e.source)}" '
            f'data-to="{_e(e.target)}" d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} '
            f'{x2 - bend if x1 != x2 else x2 + bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"{arrow}/>'
        )
    for n in graph.nodes:
        x, y = pos[n.id]
        fill = move_colour(n.moved)
        picked = " scn-picked" if n.id == selected else ""
        moved = "" if n.moved is None else f' data-moved="{n.moved:.6g}"'
        text_fill = ' style="fill:#fff"' if _dark(fill) else ""
        parts.append(
            f'<g class="scn-node scn-kind-{n.kind}{picked}" data-node="{_e(n.id)}" '
            f'data-kind="{n.kind}" data-name="{_e(n.name)}"{moved} tabindex="0" role="button">'
            f"<title>{_e(_tooltip(n))}</title>"
            + _shape(n, x, y, fill)
            + f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle"{text_fill}>'
            f"{_e(clip(n.label, 25))}</text></g>"
        )
    parts.append(legend)
    parts.append("</svg>")
    return "".join(parts)


def _column_kinds(graph: ModelGraph) -> Mapping[int, str]:
    kinds: dict[int, str] = {}
    for n in graph.nodes:
        kinds.setdefault(n.column, n.kind)
    return kinds

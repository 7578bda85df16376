"""The picture of the model: its SVG, and in the explorer, clicking a node opens its controls.

The SVG is parsed as XML (it must be well-formed to be inlined in any page); what it
shows is compared with :func:`scenarios.analysis.graph.model_graph` of the scenario.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

import scenarios
from scenarios import Scenario
from scenarios.analysis.graph import model_graph
from scenarios.views.explorer import Explorer
from scenarios.views.explorer.model import ExplorerModel
from scenarios.views.html.graph import graph_svg, move_colour

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def wagner() -> Scenario:
    return scenarios.load(scenarios.example())


def _nodes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return {
        g.attrib["data-node"]: g
        for g in root.iter(f"{SVG}g")
        if "scn-node" in g.attrib.get("class", "").split()
    }


def test_the_svg_is_well_formed_with_one_element_per_node(wagner: Scenario) -> None:
    post = wagner.update(intervals=False)
    graph = model_graph(wagner, post)
    svg = graph_svg(graph, uid="t", selected="fact:resistance")
    root = ET.fromstring(svg)
    nodes = _nodes(svg)
    assert list(nodes) == [n.id for n in graph.nodes]
    edges = [p for p in root.iter(f"{SVG}path") if "scn-edge" in p.attrib.get("class", "")]
    assert {(p.attrib["data-from"], p.attrib["data-to"]) for p in edges} == {
        (e.source, e.target) for e in graph.edges
    }
    for node in graph.nodes:
        g = nodes[node.id]
        title = g.find(f"{SVG}title")
        assert title is not None and node.label in (title.text or "")
        if node.text:
            assert node.text in (title.text or "")  # the full words, as the tooltip
        shape = g.find(f"{SVG}rect")
        shape = shape if shape is not None else g.find(f"{SVG}ellipse")
        assert shape is not None and shape.attrib["fill"] == move_colour(node.moved)
    assert "scn-picked" in nodes["fact:resistance"].attrib["class"]
    assert "scn-picked" not in nodes["fact:army_loyalty"].attrib["class"]
    # the colours say something: a fact the claims moved is not white, the legend says so
    assert nodes["fact:hq_seized"].find(f"{SVG}ellipse").attrib["fill"] != "#ffffff"  # type: ignore[union-attr]
    legend = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "how far the evidence moved it" in legend and "points of probability" in legend
    assert "Grey: not computed yet" in svg  # no timeline given: the reports are grey
    # self-contained: nothing to fetch
    assert not re.search(r"(href|src)=\"(https?:)?//", svg) and "url(http" not in svg


def test_colours_run_from_white_to_dark() -> None:
    assert move_colour(0.0) == "#ffffff"
    shades = [move_colour(x) for x in (0.0, 0.01, 0.05, 0.1, 0.2)]
    brightness = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in shades]
    assert brightness == sorted(brightness, reverse=True) and len(set(shades)) == 5
    assert move_colour(0.9) == move_colour(0.2)  # darkest from the scale's end on
    assert move_colour(None) == move_colour(float("nan"))


def test_clicking_a_node_opens_its_controls(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    tabs = ex._controls.box.children[0]  # the Priors / Claims / Sources tabs
    assert set(_nodes(ex.picture.svg)) == {n.id for n in model_graph(wagner).nodes}
    cases = {
        "claim:hq_seized": (1, "scn-claim"),
        "claim:coup_attempt~denied_by~russian_government": (1, "scn-claim"),
        "source:russian_government": (2, "scn-source"),
        "fact:army_loyalty": (0, "scn-prior"),
        "outcome:mutiny_end": (0, "scn-prior"),
    }
    for node, (tab, cls) in cases.items():
        ex.picture.selected = node  # what the widget's click sets
        assert ex.focused == node
        assert tabs.selected_index == tab
        focused = [b for b in ex._controls.boxes.values() if "scn-focused" in b._dom_classes]
        assert len(focused) == 1 and cls in focused[0]._dom_classes
        name = node.split(":")[1].split("~")[0]
        assert ex._controls.boxes[(tab, name)] is focused[0]
    assert not ex.focus("fact:no_such_fact")


def test_the_picture_follows_each_edit(wagner: Scenario) -> None:
    ex = Explorer(wagner)
    before = _nodes(ex.picture.svg)["fact:army_strikes"].attrib["data-moved"]
    assert "data-moved" not in _nodes(ex.picture.svg)["claim:army_strikes"].attrib
    ex.controls["prior:army_strikes"].value = 0.8
    edited = wagner.with_prior(
        "army_strikes", {**wagner.facts["army_strikes"].prior.model_dump(), "p": 0.8}
    )
    want = model_graph(edited, ex.posterior).node("fact:army_strikes").moved
    after = _nodes(ex.picture.svg)["fact:army_strikes"].attrib["data-moved"]
    assert after != before and float(after) == pytest.approx(want, rel=1e-5)
    # the reports are coloured once "Report by report" is computed for this scenario
    ex.refresh_analysis("timeline")
    moved = _nodes(ex.picture.svg)["claim:government_framing"].attrib["data-moved"]
    table = ex.analysis["timeline"].data["table"]
    step = table.index[table["claim"] == "government_framing"][0]
    assert float(moved) == pytest.approx(float(table.loc[step, ("moved", "")]), rel=1e-5)
    ex.controls["prior:army_strikes"].value = 0.7  # now stale: grey again, not wrong
    assert "data-moved" not in _nodes(ex.picture.svg)["claim:government_framing"].attrib


def test_warnings_read_as_failing_and_carry_no_source_line(wagner: Scenario) -> None:
    post = wagner.update(intervals=False)
    index = pd.Index(["max_rhat", "min_ess_bulk"], name="diagnostic")
    failed = pd.DataFrame(
        {"value": [1.0102, 399.96], "want": ["<= 1.01", ">= 400"], "ok": [False, False]},
        index=index,
    )
    bad = dataclasses.replace(post, diagnostics=failed)
    assert bad.warnings == [
        "max_rhat: 1.0102 (want <= 1.01)",
        "min_ess_bulk: 399.96 (want >= 400)",
    ]
    # the explorer shows a sampler's warning as its message, never Python's source line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning let through would fail here
        model = ExplorerModel(wagner, draws=50)
    assert model.warnings and all("SamplingWarning" not in w for w in model.warnings)
    assert not any("return run(" in w or ".py:" in w for w in model.warnings)

"""The HTML report in a real (headless) Chromium: its first screen is the answer.

Builds the plain Wagner report and a variant with ``{"army_strikes": {"p": 0.6}}``
(papermill, a real kernel), opens both from disk and checks what a reader sees first:
the bottom line above the fold, then the picture of the model, the detail folded, the
variant beside the plain report (not over it) with the file's concentration kept, and no
request made by either page.
Screenshots go to ``tests/artifacts`` (ignored by git).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scenarios
from scenarios.analysis.graph import model_graph
from scenarios.views.report import build_report

from .lab import ARTIFACTS

pytestmark = pytest.mark.slow

OVERRIDE = {"army_strikes": {"p": 0.6}}


def test_the_reports_first_screen_and_a_variant_beside_it(
    browser: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.delenv("MPLBACKEND", raising=False)
    plain = build_report(out_dir=tmp_path, progress=False)
    first = plain.read_bytes()
    variant = build_report(overrides=json.dumps(OVERRIDE), out_dir=tmp_path, progress=False)
    assert variant != plain and variant.parent == plain.parent
    assert plain.read_bytes() == first  # the variant did not replace the plain report

    wagner = scenarios.load(scenarios.default_priors())
    kept = wagner.facts["army_strikes"].prior.concentration
    post = wagner.update(intervals=False)
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = context.new_page()
    try:
        page.goto(plain.as_uri())
        bottom = page.locator("section.scn-bottom-line")
        expect(bottom).to_be_visible()
        expect(bottom).to_be_in_viewport()  # the first screen
        top = str(post.scenarios.loc["mutiny_end", "probability"].idxmax())
        expect(bottom.locator('p[data-outcome="mutiny_end"]')).to_contain_text(
            f"Most likely: {top}"
        )
        expect(bottom.locator("ol.scn-moved-most li")).to_have_count(3)
        detail = page.locator("details.scn-detail")
        expect(detail).to_have_count(1)
        assert detail.get_attribute("open") is None  # folded
        expect(page.locator("table.scn-diagnostics")).to_be_hidden()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-first-screen.png"))
        # the picture of the model follows the bottom line, unfolded, every node coloured
        picture = page.locator("section.scn-picture-section svg.scn-graph")
        expect(picture).to_be_visible()
        nodes = picture.locator("g.scn-node")
        expect(nodes).to_have_count(len(model_graph(wagner).nodes))
        expect(picture.locator("g.scn-node:not([data-moved])")).to_have_count(0)
        picture.screenshot(path=str(ARTIFACTS / "report-picture.png"))
        detail.locator("summary").click()
        expect(page.locator("table.scn-diagnostics")).to_be_visible()

        page.goto(variant.as_uri())
        header = page.locator(".scn-warnings").filter(has_text="Priors overridden")
        expect(header).to_contain_text(f'army_strikes {{"concentration":{kept},"p":0.6}}')
        page.screenshot(path=str(ARTIFACTS / "report-variant-first-screen.png"))
    finally:
        context.close()
    assert all(u.startswith("file://") for u in requested), requested

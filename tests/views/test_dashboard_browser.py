"""The dashboard in a real (headless) Chromium: what a viewer sees, and what it costs.

Voila serves the shipped explorer on a team folder (priors/ and resolutions/); Chromium
opens it through Playwright (``shared/recipes/notebook-and-browser-tests.md``). Checked:
no request leaves 127.0.0.1 (fonts, scripts), the notebook's instructions are hidden, the
picture of the model shows and clicking a node opens its controls, a
probability of 1.7 is refused at its control with the reason, Save writes the file's
next revision with its comments, the reason typed, and its resolution still found, and
closing the page releases its kernel. Screenshots go to ``tests/artifacts`` (ignored by
git; CI keeps them as artifacts).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

import scenarios
from scenarios.analysis.graph import model_graph
from scenarios.io.data import example, resolution_for
from scenarios.views.dashboard import CULL_IDLE_S, CULL_INTERVAL_S, start

from .lab import ARTIFACTS
from .pages import offsite

pytestmark = pytest.mark.slow

KERNEL_MS = 120_000
UPDATE_MS = 30_000


def _kernels(pid: int) -> int:
    """Kernels running under the server process ``pid``."""
    psutil = pytest.importorskip("psutil")
    count = 0
    for child in psutil.Process(pid).children(recursive=True):
        try:
            count += "ipykernel" in " ".join(child.cmdline())
        except psutil.Error:
            continue  # gone meanwhile
    return count


def test_the_dashboard_in_a_browser(browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    team = tmp_path / "team"
    for folder in ("priors", "resolutions"):
        (team / folder).mkdir(parents=True)
    priors = team / "priors" / example().name
    shutil.copy(example(), priors)
    resolution = resolution_for(example())
    assert resolution is not None
    shutil.copy(resolution, team / "resolutions" / resolution.name)
    original = priors.read_text()
    comments = [ln.strip() for ln in original.splitlines() if ln.lstrip().startswith("#")]
    assert len(comments) > 40

    with start(priors, save_dir=team / "priors") as app:
        base = f"http://127.0.0.1:{app.port}"
        context = browser.new_context(viewport={"width": 1500, "height": 2000})  # type: ignore[attr-defined]
        context.set_default_timeout(UPDATE_MS)
        requested: list[str] = []
        context.on("request", lambda r: requested.append(r.url))
        page = context.new_page()
        try:
            page.goto(app.url)
            explorer = page.locator(".scn-explorer")
            expect(explorer).to_be_visible(timeout=KERNEL_MS)
            expect(explorer.locator(".scn-status-line")).to_contain_text(
                "Updated", timeout=KERNEL_MS
            )
            assert _kernels(app.process.pid) == 1
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "dashboard-first-screen.png"))

            # the notebook's instructions are for notebook users, not for this page
            body = page.locator("body")
            expect(body).not_to_contain_text("Run All Cells")
            expect(body).not_to_contain_text("SCENARIOS_PRIORS_FILE")

            # the picture of the model (anywidget's front end, served by Voila itself):
            # clicking a report, a source, a fact shows that one's controls
            picture = explorer.locator("svg.scn-graph")
            expect(picture).to_be_visible()
            n_nodes = len(model_graph(scenarios.load(priors)).nodes)
            expect(picture.locator("g.scn-node")).to_have_count(n_nodes)
            explorer.locator(".scn-picture-box").screenshot(
                path=str(ARTIFACTS / "dashboard-picture.png")
            )
            for node, kind, text in (
                ("claim:hq_seized", "scn-claim", "hq_seized"),
                ("source:russian_government", "scn-source", "russian_government"),
                ("fact:army_strikes", "scn-prior", "army_strikes"),
            ):
                picture.locator(f'g.scn-node[data-node="{node}"]').click()
                focused = explorer.locator(f".scn-focused.{kind}")
                expect(focused).to_be_visible()  # its tab was selected
                expect(focused).to_contain_text(text)
                expect(explorer.locator(".scn-focused")).to_have_count(1)
                expect(picture.locator(f'g.scn-picked[data-node="{node}"]')).to_have_count(1)

            # 1.7 is refused at the control, with its reason; nothing changes
            control = explorer.locator(".scn-probability-input").filter(
                has=page.locator(".widget-label", has_text=re.compile(r"^army_strikes$"))
            )
            expect(control).to_have_count(1)
            box = control.locator(".scn-p-input input")
            expect(box).to_have_value("30.0%")
            box.fill("1.7")
            box.press("Enter")
            reason = control.locator(".scn-refused")
            expect(reason).to_contain_text("1.7 is more than 1")
            expect(box).to_have_value("30.0%")
            ARTIFACTS.mkdir(exist_ok=True)
            control.screenshot(path=str(ARTIFACTS / "dashboard-refused-input.png"))

            # an accepted value, then Save with a reason: the file's next revision
            box.fill("45%")
            box.press("Enter")
            expect(reason).to_have_text("")
            expect(box).to_have_value("45.0%")
            explorer.locator(".scn-why input").fill("a second video of the strike")
            explorer.get_by_role("button", name="Save priors").click()
            saved = explorer.locator(".scn-saved-path")
            expect(saved).to_contain_text(".r2.yaml")
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            context.close()  # the page closes: its kernel must go

        revision = team / "priors" / f"{priors.stem}.r2.yaml"
        text = revision.read_text()
        assert [c for c in (ln.strip() for ln in text.splitlines()) if c in comments] == comments
        assert "why: a second video of the strike" in text
        reopened = scenarios.load(revision)
        assert reopened.facts["army_strikes"].prior.p == 0.45
        assert (
            reopened.facts["army_strikes"].prior.concentration
            == scenarios.load(priors).facts["army_strikes"].prior.concentration
        )
        assert resolution_for(revision) == team / "resolutions" / resolution.name
        assert priors.read_text() == original

        deadline = time.monotonic() + 3 * (CULL_IDLE_S + CULL_INTERVAL_S) + 30
        while _kernels(app.process.pid) and time.monotonic() < deadline:
            time.sleep(1)
        assert _kernels(app.process.pid) == 0, "the closed page's kernel is still running"

    away = offsite(requested)
    assert away == [], away
    assert any(u.startswith(base) for u in requested)

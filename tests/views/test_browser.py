"""The Wagner explorer in a real JupyterLab, driven by a real (headless) Chromium.

Follows ``shared/recipes/notebook-and-browser-tests.md``: JupyterLab on 127.0.0.1 with a
token in a temporary root, Debian's /usr/bin/chromium through Playwright, Run All, then
move sliders and check that the table shows what the library computes for the new prior.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import scenarios
from scenarios.analysis.graph import model_graph
from scenarios.io.data import notebook
from scenarios.views.explorer import rescale
from scenarios.views.explorer.model import PREDICTIVE_WORLDS, prior_predictive
from scenarios.views.formats import probability
from tests.views.lab import ARTIFACTS, Lab, start_lab, stop_lab

pytestmark = pytest.mark.slow

NOTEBOOK = notebook("wagner-explorer")
#: Bounds on every wait (milliseconds for Playwright).
KERNEL_MS = 90_000
UPDATE_MS = 30_000


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    running = start_lab(tmp_path_factory.mktemp("lab"), NOTEBOOK)
    try:
        yield running
    finally:
        stop_lab(running)


def _keep_failure(page: object, name: str) -> None:
    """Save what the page showed when a step failed (a CI artifact), and print its labels."""
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"), full_page=True)  # type: ignore[attr-defined]
        (ARTIFACTS / f"failed-{name}.html").write_text(page.content())  # type: ignore[attr-defined]
        labels = page.locator(".scn-explorer .widget-label").all_inner_texts()  # type: ignore[attr-defined]
        print(f"failed step: {len(labels)} widget labels in the explorer: {labels[:60]}")
    except Exception as error:  # the page itself may be gone; the test's own error stands
        print(f"failed step: the page could not be saved ({error})")


def _expected_table(scenario: scenarios.Scenario) -> dict[tuple[str, str], str]:
    post = scenario.update(intervals=False)  # the point answer: no draws needed
    return {key: probability(p) for key, p in post.scenarios["probability"].items()}


def test_explorer_slider_updates_the_table_in_jupyterlab(
    lab: Lab, browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1500, "height": 2200})  # type: ignore[attr-defined]
    context.set_default_timeout(UPDATE_MS)
    expect.set_options(timeout=UPDATE_MS)
    page = context.new_page()
    try:
        page.goto(f"{lab.url}/lab/tree/{NOTEBOOK.name}?token={lab.token}")
        expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=KERNEL_MS)
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=KERNEL_MS)

        page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
        page.locator('li[data-command="runmenu:run-all"]').click()
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt")
        expect(prompts.first).to_be_visible()
        for i in range(prompts.count()):
            expect(prompts.nth(i)).to_have_text(re.compile(r"^\[\d+\]:$"), timeout=KERNEL_MS)

        explorer = page.locator(".scn-explorer")
        expect(explorer).to_be_visible(timeout=KERNEL_MS)
        table = explorer.locator(".scn-table-view")

        def cell(outcome: str, state: str) -> object:
            return table.locator(
                f'tr[data-outcome="{outcome}"][data-state="{state}"] td.probability'
            )

        base = scenarios.load(scenarios.example())
        for (outcome, state), text in _expected_table(base).items():
            expect(cell(outcome, state)).to_have_text(text, timeout=KERNEL_MS)

        # 1. the binary fact army_strikes: keyboard on the slider handle
        control = explorer.locator(".scn-probability-input").filter(
            has=page.locator(".widget-label", has_text=re.compile(r"^army_strikes$"))
        )
        # the controls are drawn with the rest of the explorer, but on a loaded machine
        # hundreds of widget views may trail the table: the kernel's bound, not an update's
        expect(control).to_have_count(1, timeout=KERNEL_MS)
        slider = control.locator(".widget-slider")
        box = control.locator(".scn-p-input input")
        expect(box).to_have_value(probability(base.facts["army_strikes"].prior.p))
        handle = slider.locator(".noUi-handle")
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        expect(box).to_have_value("35.0%")  # the box shows what the slider set
        value = 0.35
        prior = {**base.facts["army_strikes"].prior.model_dump(exclude_none=True), "p": value}
        edited = base.with_prior("army_strikes", prior)
        post = edited.update(intervals=False)
        fact_cell = explorer.locator(
            '.scn-compare-view tr[data-fact="army_strikes"][data-state="true"] td.posterior'
        )
        expect(fact_cell).to_have_text(
            probability(post.facts.loc[("army_strikes", "true"), "probability"])
        )
        for (outcome, state), text in _expected_table(edited).items():
            expect(cell(outcome, state)).to_have_text(text)

        # 2. a state of the categorical army_loyalty: type into its box
        loyal = explorer.locator(".scn-probability-editor .scn-probability-input").filter(
            has=page.locator(".widget-label", has_text=re.compile(r"^loyal$"))
        )
        expect(loyal).to_have_count(1)
        typed = loyal.locator(".scn-p-input input")
        typed.fill("0.85")
        typed.press("Enter")
        expect(typed).to_have_value("85.0%")
        old = base.facts["army_loyalty"].prior
        probs = rescale(dict(old.probs), "loyal", 0.85)
        edited = edited.with_prior(
            "army_loyalty", {**old.model_dump(exclude_none=True), "probs": probs}
        )
        expected = _expected_table(edited)
        assert expected != _expected_table(base)  # the move shows in the table
        for (outcome, state), text in expected.items():
            expect(cell(outcome, state)).to_have_text(text)
        wavering = explorer.locator(".scn-probability-editor .scn-probability-input").filter(
            has=page.locator(".widget-label", has_text=re.compile(r"^wavering$"))
        )
        expect(wavering.locator(".scn-p-input input")).to_have_value(probability(probs["wavering"]))
        expect(explorer.locator(".scn-status-line")).to_contain_text("Updated")

        # the picture of the model: one node each, coloured by the edited posterior, and a
        # click opens that node's controls (its tab selected, its box outlined)
        picture = explorer.locator("svg.scn-graph")
        graph = model_graph(edited, edited.update(intervals=False))
        expect(picture.locator("g.scn-node")).to_have_count(len(graph.nodes))
        loyalty = picture.locator('g.scn-node[data-node="fact:army_loyalty"]')
        want = pytest.approx(graph.node("fact:army_loyalty").moved, rel=1e-3)
        # the picture is redrawn once the full exact posterior settles, a moment after
        # the table: wait for it (up to 60 s on a busy machine), then compare
        for _ in range(300):
            moved = float(loyalty.get_attribute("data-moved") or "nan")
            if moved == want:
                break
            page.wait_for_timeout(200)
        assert moved == want
        for node, kind, text in (
            ("claim:coup_attempt~denied_by~russian_government", "scn-claim", "coup_attempt"),
            ("fact:army_strikes", "scn-prior", "army_strikes"),
        ):
            picture.locator(f'g.scn-node[data-node="{node}"]').click()
            focused = explorer.locator(f".scn-focused.{kind}")
            expect(focused).to_be_visible()
            expect(focused).to_contain_text(text)
            expect(explorer.locator(".scn-focused")).to_have_count(1)
        ARTIFACTS.mkdir(exist_ok=True)
        explorer.locator(".scn-picture-box").screenshot(path=str(ARTIFACTS / "picture.png"))

        # 3. the prior predictive check: computed when its tab is clicked, then follows edits
        def expected_reports(scenario: scenarios.Scenario) -> dict[str, str]:
            check = prior_predictive(scenario, PREDICTIVE_WORLDS, scenario.seed)
            return {r: probability(p, "percent") for r, p in check.reports["p_made"].items()}

        predictive = explorer.locator(".scn-analysis-predictive")
        explorer.get_by_role("tab", name="Expected reports").click()
        expect(predictive.locator("table.scn-predictive")).to_be_visible()
        expect(predictive).to_contain_text(f"Simulated {PREDICTIVE_WORLDS} worlds")
        for report, text in expected_reports(edited).items():
            row = predictive.locator(f'tr[data-report="{report}"] td.p-made')
            expect(row).to_have_text(text)
        expect(predictive.locator('tr[data-report="putin_in_moscow"] td.made')).to_contain_text(
            "no report"
        )
        handle.focus()
        handle.press("ArrowRight")  # an edit while the tab is shown: simulated again
        expect(box).to_have_value("36.0%")
        value = 0.36
        prior = {**base.facts["army_strikes"].prior.model_dump(exclude_none=True), "p": value}
        moved = edited.with_prior("army_strikes", prior)
        want = expected_reports(moved)
        assert want["army_strikes"] != expected_reports(edited)["army_strikes"]
        expect(predictive.locator('tr[data-report="army_strikes"] td.p-made')).to_have_text(
            want["army_strikes"]
        )
        predictive.screenshot(path=str(tmp_path / "expected-reports.png"))
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "expected-reports.png", ARTIFACTS / "expected-reports.png")

        shot = tmp_path / "explorer.png"
        explorer.screenshot(path=str(shot))
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "explorer.png")
    except BaseException:
        _keep_failure(page, "explorer")
        raise
    finally:
        expect.set_options(timeout=5_000)
        context.close()

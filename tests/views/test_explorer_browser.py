"""The full engine in the background, in a real JupyterLab and Chromium: its progress line
(the run's real settings, draws done of all), edits answered while it samples, and the
Cancel button. Reuses the JupyterLab and Chromium fixtures of ``test_browser.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import scenarios
from scenarios.views.formats import probability
from tests.views.lab import Lab
from tests.views.test_browser import KERNEL_MS, UPDATE_MS, lab  # noqa: F401

pytestmark = pytest.mark.slow

TINY = """\
import scenarios
from scenarios.views.explorer import Explorer

tiny = scenarios.Scenario(
    title="Tiny",
    seed=5,
    facts={"rain": {"kind": "binary", "prior": {"p": 0.4, "concentration": 8}}},
    outcomes={"wet": {"kind": "binary", "exhaustive": "yes/no", "prior": {
        "given": ["rain"], "table": [{"when": {"rain": True}, "p": 0.9}],
        "default": {"p": 0.2}}}},
    sources={"eye": {"true_positive": {"mean": 0.8, "concentration": 20},
                     "false_positive": {"mean": 0.1, "concentration": 20}}},
    claims=[{"id": "c1", "text": "It rains", "proposition": "rain", "source": "eye"}],
)
# a long run (it is cancelled): 2 chains of 100 warm-up + 200000 draws
explorer = Explorer(tiny, full_options={"chains": 2, "tune": 100, "draws": 200000, "seed": 1})
explorer
"""


def _tiny() -> scenarios.Scenario:
    namespace: dict[str, object] = {}
    exec(TINY.split("# a long run")[0], namespace)  # the notebook's own scenario
    tiny = namespace["tiny"]
    assert isinstance(tiny, scenarios.Scenario)
    return tiny


def test_full_engine_progress_and_cancel_in_jupyterlab(
    lab: Lab,  # noqa: F811
    browser: object,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    name = "tiny-explorer.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(TINY)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, lab.root / name)

    context = browser.new_context(viewport={"width": 1500, "height": 2200})  # type: ignore[attr-defined]
    context.set_default_timeout(UPDATE_MS)
    expect.set_options(timeout=UPDATE_MS)
    page = context.new_page()
    try:
        page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
        expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=KERNEL_MS)
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=KERNEL_MS)
        page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
        page.locator('li[data-command="runmenu:run-all"]').click()
        explorer = page.locator(".scn-explorer")
        expect(explorer).to_be_visible(timeout=KERNEL_MS)

        cancel = explorer.locator("button.scn-cancel-full")
        expect(cancel).to_be_hidden()
        explorer.get_by_role("button", name="Run full engine").click()
        line = explorer.locator(".scn-full-progress-line")
        expect(line).to_contain_text("2 chains of 100 warm-up + 200000 draws")
        expect(line).to_have_attribute("data-total", str(2 * (100 + 200000)))
        expect(cancel).to_be_visible()
        expect(cancel).to_be_enabled()
        expect(explorer.get_by_role("button", name="Run full engine")).to_be_disabled()
        # compiling, then sampling: true progress, draws done of all
        expect(line).to_have_attribute("data-state", "sampling", timeout=KERNEL_MS * 2)
        expect(line).to_have_attribute("data-done", re.compile(r"^[1-9]\d*$"), timeout=KERNEL_MS)
        first = int(line.get_attribute("data-done") or 0)
        expect(line).not_to_have_attribute("data-done", str(first), timeout=KERNEL_MS)

        # an edit while it samples: the exact view follows at once
        control = explorer.locator(".scn-probability-input").filter(
            has=page.locator(".widget-label", has_text=re.compile(r"^rain$"))
        )
        handle = control.locator(".widget-slider .noUi-handle")
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        box = control.locator(".scn-p-input input")
        expect(box).to_have_value("45.0%")
        tiny = _tiny()
        edited = tiny.with_prior("rain", {"p": 0.45, "concentration": 8})
        want = edited.update(intervals=False).scenarios["probability"]
        table = explorer.locator(".scn-table-view")
        for (outcome, state), p in want.items():
            cell = table.locator(
                f'tr[data-outcome="{outcome}"][data-state="{state}"] td.probability'
            )
            expect(cell).to_have_text(probability(p))
        expect(line).to_contain_text("earlier scenario")  # the run is the opened scenario's
        expect(line).to_have_attribute("data-state", "sampling")

        cancel.click()
        expect(line).to_have_attribute("data-state", "cancelled", timeout=KERNEL_MS)
        expect(line).to_contain_text("cancelled after")
        expect(cancel).to_be_hidden()
        expect(explorer.get_by_role("button", name="Run full engine")).to_be_enabled()
        expect(explorer.locator(".scn-full-view")).to_be_empty()  # nothing shown as a result
        explorer.screenshot(path=str(tmp_path / "cancelled.png"))
    finally:
        expect.set_options(timeout=5_000)
        context.close()

"""7. Explorer latency in a real browser: JupyterLab, the Wagner explorer, headless Chromium.

JupyterLab is started on 127.0.0.1 with a token in a temporary root (as
``tests/views/test_browser.py`` does), the shipped ``wagner-explorer`` notebook is run,
and Playwright drives Debian's ``/usr/bin/chromium``:

- **slider steps**: the ``army_strikes`` slider handle gets ``ArrowRight``/``ArrowLeft``
  key presses; the page records ``performance.now()`` at the key press (a capturing
  ``keydown`` listener) and at the first animation frame after the explorer's marker
  (``.scn-rendered[data-edit]``, updated after the table and the chart) shows the new
  edit count. Input-to-display is the difference; ``data-settled`` tells when the full
  exact posterior (intervals, facts) followed, reported beside it.
- **analysis tabs**: each tab is clicked (the scenario edited just before, so nothing
  is cached from an earlier scenario, then left idle for ``IDLE`` seconds as a reader
  would) and timed from the click (its ``pointerdown``: the tab bar cancels it, so no
  ``mousedown`` follows; a probe listening for ``mousedown`` timed the tabs from the
  slider's last key press instead, ``PAUSE + IDLE`` seconds too long) to the first frame
  in which its view is up to date.

Medians and IQR; a Targets row per target of issue 15. Run with
``python -m benchmarks.run --only explorer`` (or this module's ``main``).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from tests.views.lab import CHROMIUM, CHROMIUM_ARGS, start_lab, stop_lab

from benchmarks.common import (
    Context,
    GroupResult,
    at_most,
    fmt_time,
    median,
    not_measured,
    spread,
)

NAME = "explorer"
TITLE = "7. Explorer latency in Chromium (JupyterLab, Wagner file)"

STEP_TARGET = 50e-3
TAB_TARGET = 300e-3
#: Seconds left between two slider steps (a reader's pace; lets the settled view follow).
PAUSE = 0.4
#: Seconds the explorer is left idle after an edit before a tab is opened.
IDLE = 3.0

#: Time the first change of the table instead of waiting for the explorer's marker (set
#: by ``SCENARIOS_BENCH_MARKERLESS=1``: to measure a version without the marker, e.g. main
#: before issue 15, side by side with the same script).
MARKERLESS = os.environ.get("SCENARIOS_BENCH_MARKERLESS") == "1"

#: Installed once in the page: key-press times and the time each edit was first shown.
PAGE_PROBE = """() => {
  if (window.__scn) return;
  const scn = window.__scn = {key: 0, shown: {}, settled: {}, table: 0};
  // the first change of the scenario table after a key press (any version of the explorer)
  // markerless: the status line ("Updated in N ms ...", written after the table) changes
  const status = () => {
    const el = document.querySelector('.scn-explorer .scn-status-line');
    return el ? el.textContent : '';
  };
  document.addEventListener('keydown', () => {
    const before = status();
    const poll = () => {
      if (status() !== before) { scn.table = performance.now(); return; }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  }, true);
  document.addEventListener('keydown', () => { scn.key = performance.now(); }, true);
  // a tab bar (Lumino) cancels pointerdown, so no mousedown follows a click on a tab
  document.addEventListener('pointerdown', () => { scn.key = performance.now(); }, true);
  const look = () => {
    const m = document.querySelector('.scn-explorer .scn-rendered');
    if (!m) return;
    const e = m.dataset.edit, s = m.dataset.settled;
    const book = s === '1' ? scn.settled : scn.shown;
    if (!(e in book)) {
      requestAnimationFrame(() => { if (!(e in book)) book[e] = performance.now(); });
    }
    if (s === '1' && !(e in scn.shown)) { scn.shown[e] = scn.settled[e] || performance.now(); }
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true,
    attributes: true, characterData: true});
  look();
}"""


def _open_explorer(page: Any, url: str, token: str, name: str) -> Any:
    from playwright.sync_api import expect

    page.goto(f"{url}/lab/tree/{name}?token={token}")
    expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=120_000)
    expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=120_000)
    page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
    page.locator('li[data-command="runmenu:run-all"]').click()
    explorer = page.locator(".scn-explorer")
    expect(explorer).to_be_visible(timeout=180_000)
    if MARKERLESS:
        expect(explorer.locator(".scn-table-view td.probability").first).to_be_visible(
            timeout=180_000
        )
    else:
        expect(explorer.locator(".scn-rendered")).to_have_count(1, timeout=180_000)
    page.evaluate(PAGE_PROBE)
    return explorer


def _edit_count(page: Any) -> int:
    return int(page.evaluate("document.querySelector('.scn-explorer .scn-rendered').dataset.edit"))


def _step(page: Any, handle: Any, key: str, timeout: float = 60.0) -> tuple[float, float]:
    """One key press; seconds to the new edit shown, and to its settled view (NaN if none)."""
    if MARKERLESS:
        handle.press(key)
        page.wait_for_function(
            "() => window.__scn.table > window.__scn.key", timeout=timeout * 1000
        )
        time.sleep(PAUSE)
        key_at, shown = page.evaluate("() => [window.__scn.key, window.__scn.table]")
        return (shown - key_at) / 1000, float("nan")
    before = _edit_count(page)
    handle.press(key)
    edit = str(before + 1)
    page.wait_for_function(
        f"() => window.__scn.shown['{edit}'] !== undefined", timeout=timeout * 1000
    )
    time.sleep(PAUSE)
    got = page.evaluate(
        f"() => [window.__scn.key, window.__scn.shown['{edit}'], window.__scn.settled['{edit}']]"
    )
    key_at, shown, settled = got
    return (shown - key_at) / 1000, ((settled - key_at) / 1000 if settled else float("nan"))


def _open_tab(page: Any, explorer: Any, view: str, label: str, timeout: float = 120.0) -> float:
    """Click an analysis tab; seconds from the click to its view shown up to date."""
    explorer.get_by_role("tab", name="Scenarios").click()
    cls = f".scn-analysis-{view.replace('_', '-')}"
    ready = (
        "() => { const b = document.querySelector('.scn-explorer " + cls + "');"
        " if (!b || b.offsetParent === null) return false;"
        + (
            " return true; }"
            if view == "score"
            else " const st = b.parentElement.querySelector('.scn-analysis-status');"
            " return !!st && !!st.querySelector('.scn-fresh, .scn-warn')"
            " && b.textContent.length > 0; }"
        )
    )
    page.evaluate("() => { window.__scn.ready = undefined; }")
    explorer.get_by_role("tab", name=label).click()
    page.wait_for_function(ready, timeout=timeout * 1000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => {"
                  " window.__scn.ready = performance.now(); r(); }))")  # fmt: skip
    key_at, done = page.evaluate("() => [window.__scn.key, window.__scn.ready]")
    return (done - key_at) / 1000


def measure(steps: int, tab_rounds: int, log: Any = print) -> dict[str, Any]:
    """Start JupyterLab and Chromium, move the slider ``steps`` times, open every tab.

    Returns ``{"steps": [...], "settled": [...], "tabs": {view: [...]}}`` in seconds.
    """
    from playwright.sync_api import sync_playwright

    from scenarios.io.data import notebook
    from scenarios.views.explorer.panels import ANALYSIS_TABS

    nb = notebook("wagner-explorer")
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"scn-explorer-bench-{secrets.token_hex(4)}"
    lab = start_lab(base, nb, env={"SCENARIOS_SAVE_DIR": str(base / "saved")})
    url, token = lab.url, lab.token
    out: dict[str, Any] = {"steps": [], "settled": [], "tabs": {v: [] for v in ANALYSIS_TABS}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport={"width": 1500, "height": 2200})
            context.set_default_timeout(120_000)
            page = context.new_page()
            explorer = _open_explorer(page, url, token, nb.name)
            log("explorer shown; slider steps")
            control = explorer.locator(".scn-probability-input").filter(
                has=page.locator(".widget-label", has_text=re.compile(r"^army_strikes$"))
            )
            handle = control.locator(".widget-slider .noUi-handle")
            handle.focus()
            _step(page, handle, "ArrowRight")  # warm-up (first edit compiles the focus)
            for i in range(steps):
                shown, settled = _step(page, handle, "ArrowRight" if i % 2 == 0 else "ArrowLeft")
                out["steps"].append(shown)
                out["settled"].append(settled)
            log(f"slider: median {fmt_time(median(out['steps']))}; tabs")
            for r in range(tab_rounds):
                for view, label in ANALYSIS_TABS.items():
                    explorer.get_by_role("tab", name="Scenarios").click()
                    handle.focus()
                    _step(page, handle, "ArrowRight" if r % 2 == 0 else "ArrowLeft")
                    time.sleep(IDLE)
                    out["tabs"][view].append(_open_tab(page, explorer, view, label))
                    log(f"tab {view}: {fmt_time(out['tabs'][view][-1])}")
            context.close()
            browser.close()
    finally:
        stop_lab(lab)
        shutil.rmtree(base, ignore_errors=True)
    return out


def run(ctx: Context) -> GroupResult:
    """The benchmark group ``explorer`` (see the module docstring)."""
    result = GroupResult(NAME, TITLE)
    if not CHROMIUM.exists():
        why = f"{CHROMIUM} not found (apt-get install chromium)"
        result.targets.append(not_measured(NAME, "slider input-to-display", "<= 50 ms", why))
        return result
    steps, rounds = ctx.pick(6, 30), ctx.pick(1, 3)
    load_before = os.getloadavg()
    data = measure(steps, rounds, log=ctx.log)
    rows = [
        {
            "what": "slider step: input to new numbers shown",
            "median": fmt_time(median(data["steps"])),
            "IQR": spread(data["steps"]),
            "n": len(data["steps"]),
        },
        {
            "what": "slider step: input to intervals and facts shown (settled)",
            "median": fmt_time(median(data["settled"])),
            "IQR": spread(data["settled"]),
            "n": sum(1 for s in data["settled"] if s == s),
        },
    ]
    result.targets.append(
        at_most(NAME, "slider: median input-to-display", median(data["steps"]), STEP_TARGET, "s")
    )
    for view, times in data["tabs"].items():
        rows.append(
            {
                "what": f"tab {view}: click to view up to date",
                "median": fmt_time(median(times)),
                "IQR": spread(times),
                "n": len(times),
            }
        )
        result.targets.append(
            at_most(
                NAME, f"tab {view}: open", median(times), TAB_TARGET, "s", f"after {IDLE} s idle"
            )
        )
    result.tables.append(("Latency in Chromium (JupyterLab)", pd.DataFrame(rows)))
    load_after = os.getloadavg()
    result.notes.append(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min); "
        f"{PAUSE} s between slider steps; tabs opened {IDLE} s after an edit"
    )
    return result


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    quick = "--quick" in sys.argv
    res = run(Context(quick=quick))
    for title, frame in res.tables:
        print(title)
        print(frame.to_string(index=False))
    for t in res.targets:
        print(t.row())
    print(*res.notes, sep="\n")

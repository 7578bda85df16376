"""The explorer's background work in a process of its own, and the tabs drawn ahead.

The worker runs the library's own functions on pickled scenarios: its numbers must be the
kernel's, bit for bit. A tab shows what the background computed and drew for the
current scenario; after an edit that drawing is not shown as current, and a click never
waits for work on an earlier scenario.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pandas as pd
import pytest

import scenarios
from scenarios.views.explorer import Explorer
from scenarios.views.explorer import app as app_module
from scenarios.views.explorer.app import PREFETCH_ORDER
from scenarios.views.explorer.background import Worker
from scenarios.views.explorer.model import ExplorerModel, analysis_data, exact_update
from tests.views.explorer_support import harbour


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    assert w.wait_ready(180), "the worker process did not start"
    yield w
    w.close()


def test_worker_numbers_are_the_kernels_bit_for_bit(worker: Worker) -> None:
    s = scenarios.load(scenarios.example()).with_prior("army_strikes", {"p": 0.45})
    model = ExplorerModel(s)
    model.worker = model.analysis_worker = worker
    assert worker.free
    there, said = model.update(s)
    here, said_here = exact_update(s, model.draws)
    assert there.scenario is s  # the worker's copy is replaced by the scenario asked
    pd.testing.assert_frame_equal(there.scenarios, here.scenarios, check_exact=True)
    pd.testing.assert_frame_equal(there.facts, here.facts, check_exact=True)
    assert said == said_here
    for view, key in (("voi", None), ("what_if", ("regime_stance", "negotiate"))):
        result = model.compute(view, key, background=True)
        data, error, _ = analysis_data(view, s, key)
        assert result.error is error is None
        if view == "voi":
            for outcome, voi in data.items():
                pd.testing.assert_frame_equal(
                    result.data[outcome].table, voi.table, check_exact=True
                )
        else:
            pd.testing.assert_frame_equal(result.data["table"], data["table"], check_exact=True)


def test_worker_reports_a_failure_as_the_kernel_does(worker: Worker) -> None:
    s = scenarios.load(scenarios.example())
    model = ExplorerModel(s)
    model.analysis_worker = worker
    result = model.compute("what_if", ("no_such_fact", "true"), background=True)
    data, error, _ = analysis_data("what_if", s, ("no_such_fact", "true"))
    assert result.data == data == {} and result.error == error and error


def test_tabs_are_drawn_ahead_and_an_edit_makes_the_drawing_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ex = Explorer(harbour(), background=True, worker=False)
    ex.controls["prior:storm"].value = 0.45
    assert ex._settler.wait(60) and ex._prefetcher.wait(120)
    drawn: list[str] = []
    real = app_module.analysis_html

    def counted(result: object, **kwargs: object) -> str:
        drawn.append(result.view)  # type: ignore[attr-defined]
        return real(result, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app_module, "analysis_html", counted)
    for view in PREFETCH_ORDER:
        ex.show_view(view)  # as a click: computed and drawn already
        assert ex._pages[view][0] is ex.analysis[view]
        assert ex._pages[view][2] in ex.analysis_html(view)
        assert "scn-fresh" in ex.analysis_status(view)
    assert drawn == []  # nothing computed or drawn on the click
    # the voi tab's drawing equals one made now from the library's numbers
    assert ex._pages["voi"][2] == real(ex.analysis["voi"], **ex._drawing("voi"))

    ex.show_view(None)
    ex.background = False  # the edit settles at once, nothing is drawn ahead
    ex.controls["prior:storm"].value = 0.5
    kept = ex._pages["voi"]
    assert ex.stale("voi")
    ex.show_view("voi")  # computed again for the edit, and drawn anew
    assert ex.analysis["voi"] is not kept[0] and ex.analysis["voi"].scenario is ex.scenario
    assert drawn.count("voi") == 1 and "scn-fresh" in ex.analysis_status("voi")
    for outcome in ex.scenario.outcomes:
        voi = scenarios.analysis.value_of_information(ex.scenario, outcome)
        pd.testing.assert_frame_equal(ex.analysis["voi"].data[outcome].table, voi.table)


def test_a_click_does_not_wait_for_an_earlier_scenarios_computation() -> None:
    model = ExplorerModel(harbour())
    old = model.scenario
    model.apply(lambda s: s.with_prior("storm", {"p": 0.5}))
    # the background is computing voi for the scenario before the edit (it holds the lock)
    lock = model._computing.setdefault("voi", threading.Lock())
    lock.acquire()
    model._inflight["voi"] = (old, None)
    try:
        result = model.compute("voi", None, reuse=True)  # would block if it waited
        assert lock.locked()
    finally:
        lock.release()
    assert result.scenario is model.scenario and model.analysis["voi"] is result
    assert not model.stale("voi")


def test_a_late_result_for_an_earlier_scenario_does_not_replace_the_current_one() -> None:
    model = ExplorerModel(harbour())
    old = model.scenario
    started, release = threading.Event(), threading.Event()
    real = analysis_data

    def slow(view: str, scenario: object, key: object) -> object:
        if scenario is old:
            started.set()
            release.wait(30)
        return real(view, scenario, key)  # type: ignore[arg-type]

    import scenarios.views.explorer.model as model_module

    model_module.analysis_data, saved = slow, model_module.analysis_data  # type: ignore[assignment]
    try:
        late: list[object] = []
        thread = threading.Thread(target=lambda: late.append(model.compute("voi", None)))
        thread.start()
        assert started.wait(30)
        model.apply(lambda s: s.with_prior("storm", {"p": 0.5}))  # an edit meanwhile
        current = model.compute("voi", None, reuse=True)  # the click: not blocked
        assert current.scenario is model.scenario
        release.set()
        thread.join(30)
    finally:
        model_module.analysis_data = saved  # type: ignore[assignment]
    assert late and late[0].scenario is old  # type: ignore[attr-defined]
    assert model.analysis["voi"] is current and not model.stale("voi")


def test_a_tab_opened_before_the_exact_posterior_settles_shows_without_waiting() -> None:
    ex = Explorer(harbour(), background=True)
    ex._settler.request = lambda scenario: None  # the background has not settled yet
    ex._prefetcher.request = lambda scenario: None
    ex.controls["prior:storm"].value = 0.45
    assert not ex.model.settled
    ex.show_view("timeline")  # the picture waits for the settled posterior, not the tab
    assert not ex.model.settled
    assert "scn-fresh" in ex.analysis_status("timeline")
    fresh = scenarios.analysis.timeline(ex.scenario, intervals=False)
    pd.testing.assert_frame_equal(ex.analysis["timeline"].data["table"], fresh)

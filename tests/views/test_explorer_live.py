"""The explorer that never waits: edits through the incremental engine, the exact posterior
settled in the background, the full engine in a thread with progress and a cancel.

Every expected number is a fresh ``Scenario.update()`` of the scenario edited
independently of the explorer (``with_prior`` etc. on the original).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import scenarios
from scenarios import Scenario
from scenarios.views.explorer import Explorer
from scenarios.views.explorer.app import SETTLE_AFTER
from scenarios.views.explorer.background import FullRun, Settler, progress_html
from scenarios.views.explorer.live import LiveTable, prior_changes
from scenarios.views.explorer.model import ExplorerModel
from tests.views.explorer_support import harbour


def _wagner_edits(s: Scenario) -> list[Scenario]:
    """A sequence of edits of every kind the explorer makes, each on the one before."""
    first, second = s.claims[0].id, s.claims[1].id
    source = next(iter(s.sources))
    loyalty = s.facts["army_loyalty"].prior
    probs = {**loyalty.probs, "loyal": 0.2, "wavering": 0.5, "defecting": 0.3}
    steps = [
        lambda x: x.with_prior("army_strikes", {"p": 0.55}),
        lambda x: x.with_prior("army_strikes", {"p": 0.6}),
        lambda x: x.with_prior(
            "army_loyalty", {**loyalty.model_dump(exclude_none=True), "probs": probs}
        ),
        lambda x: x.without_claim(first),
        lambda x: x.with_prior("army_strikes", {"p": 0.2}),
        lambda x: x.with_claim_changed(second, status="retracted"),
        lambda x: x.with_source(source, grade="E"),
        lambda x: x.with_prior("troops", {"between": [10, 30]}),
        lambda x: x.with_prior("army_strikes", {"p": 0.7}),
    ]
    out = []
    for step in steps:
        s = step(s)
        out.append(s)
    return out


def test_live_table_equals_a_fresh_update_after_every_edit() -> None:
    base = scenarios.load(scenarios.example())
    live = LiveTable(base)
    assert live.engine is not None
    for edited in _wagner_edits(base):
        table = live.update(edited)
        assert table is not None
        fresh = edited.update(intervals=False)
        assert list(table.index) == list(fresh.scenarios.index)
        diff = np.abs(table["probability"] - fresh.scenarios["probability"]).max()
        assert diff <= 1e-12
        # the live prior is the same marginal computed without the claims: by an engine of
        # the claim-free scenario, on troops nodes laid for the prior alone, where a fresh
        # update uses the nodes it laid for the claims. Both meet the tolerance for troops
        # itself; the link, held with its anchors' uncertainty, varies faster over troops
        # than a fixed one (1e-10 then), so the two agree to about 1e-6
        prior = np.abs(table["prior"] - fresh.prior_scenarios["probability"]).max()
        assert prior <= 2e-6
        assert table["lower"].isna().all() and table["upper"].isna().all()
    assert live.structural == 3  # a claim dropped, one retracted, a source regraded


def test_explorer_table_after_edits_equals_a_fresh_update() -> None:
    base = scenarios.load(scenarios.example())
    model = ExplorerModel(base)
    edits = _wagner_edits(base)
    for edited in edits:
        model.apply(lambda _s, e=edited: e)
        assert not model.settled  # answered by the live table alone
    assert model.scenario == edits[-1]
    fresh = edits[-1].update(draws=model.draws)
    diff = np.abs(model.table["probability"] - fresh.scenarios["probability"]).max()
    assert diff <= 1e-12
    settled = model.posterior.scenarios  # the intervals come with the full update
    assert np.abs(settled.to_numpy() - fresh.scenarios.to_numpy()).max() <= 1e-12
    assert model.settled


def test_prior_changes_tells_a_slider_from_a_structural_edit() -> None:
    s = harbour()
    assert prior_changes(s, s) == []
    assert prior_changes(s, s.with_prior("storm", {"p": 0.4, "concentration": 6})) == ["storm"]
    assert prior_changes(s, s.with_source("blog", grade="A")) is None
    assert prior_changes(s, s.without_claim(s.claims[0].id)) is None


def test_an_impossible_edit_is_refused_with_the_library_message_and_the_live_engine_kept() -> None:
    s = Scenario(
        title="Certain",
        facts={"rain": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={
            "wet": {
                "kind": "binary",
                "exhaustive": "yes/no",
                "prior": {
                    "given": ["rain"],
                    "table": [{"when": {"rain": True}, "p": 0.9}],
                    "default": {"p": 0.1},
                },
            }
        },
        sources={"eye": {"true_positive": {"mean": 0.9}, "false_positive": {"mean": 0.0}}},
        claims=[{"id": "c1", "text": "It rains", "proposition": "rain", "source": "eye"}],
    )
    model = ExplorerModel(s)
    with pytest.raises(scenarios.ImpossibleEvidenceError) as caught:
        model.apply(lambda x: x.with_prior("rain", {"p": 0.0}))
    with pytest.raises(scenarios.ImpossibleEvidenceError) as direct:
        s.with_prior("rain", {"p": 0.0}).update()
    assert str(caught.value) == str(direct.value)
    assert model.scenario is s
    model.apply(lambda x: x.with_prior("rain", {"p": 0.3}))  # the live engine still works
    fresh = s.with_prior("rain", {"p": 0.3}).update(intervals=False).scenarios["probability"]
    assert np.abs(model.table["probability"] - fresh).max() <= 1e-12


def test_a_stepped_slider_settles_only_the_last_scenario_once_quiet() -> None:
    # steps closer together than SETTLE_AFTER start no full update (it would compete with
    # the next step for the kernel, and be thrown away); the last one is settled
    ex = Explorer(harbour(), background=True)
    settled: list[Scenario] = []  # the full updates computed
    update = ex.model.update
    ex.model.update = lambda scenario, background=False: (  # type: ignore[method-assign]
        settled.append(scenario) or update(scenario, background)
    )
    for p in (0.41, 0.42, 0.43, 0.44):
        ex.controls["prior:storm"].value = p
        time.sleep(SETTLE_AFTER / 2)  # a reader's pace: 4 steps take longer than it
        assert settled == []
        assert 'data-settled="0"' in ex.status.value
    assert ex._settler.wait(30)
    assert settled == [ex.scenario]
    assert ex.scenario.facts["storm"].prior.p == 0.44
    assert f'data-edit="{ex.edits}" data-settled="1"' in ex.status.value


def test_background_explorer_shows_the_live_table_then_the_settled_posterior() -> None:
    ex = Explorer(harbour(), background=True)
    ex.controls["prior:storm"].value = 0.45
    ex.controls["prior:storm"].value = 0.5
    marker = ex.status.value
    assert 'data-settled="0"' in marker and f'data-edit="{ex.edits}"' in marker
    assert "incremental" in ex.status_text
    assert ex._settler.wait(30)
    assert 'data-settled="1"' in ex.status.value
    edited = harbour().with_prior("storm", {"p": 0.5, "concentration": 6})
    assert ex.scenario == edited
    fresh = edited.update(draws=ex.model.draws)
    shown = ex.model.posterior.scenarios
    assert np.abs(shown.to_numpy() - fresh.scenarios.to_numpy()).max() <= 1e-12
    assert "intervals from" in ex.status_text


def test_settler_works_on_the_latest_request_only() -> None:
    seen: list[tuple[int, int]] = []
    gate = threading.Event()

    def work(x: int) -> int:
        gate.wait(5)
        return x * 10

    settler = Settler(work, lambda x, y: seen.append((x, y)), delay=0.0)
    settler.request(1)
    settler.request(2)
    gate.set()
    assert settler.wait(5)
    assert seen[-1] == (2, 20)
    assert (1, 10) not in seen[1:]


def test_full_run_settings_are_the_real_ones() -> None:
    run = FullRun(harbour(), {"chains": 3, "tune": 70, "draws": 40})
    assert run.total == 3 * (70 + 40)
    page = progress_html(run, current=False)
    assert "3 chains of 70 warm-up + 40 draws" in page
    assert "earlier scenario" in page


def _tiny() -> Scenario:
    return Scenario(
        title="Tiny",
        seed=5,
        facts={"rain": {"kind": "binary", "prior": {"p": 0.4, "concentration": 8}}},
        outcomes={
            "wet": {
                "kind": "binary",
                "exhaustive": "yes/no",
                "prior": {
                    "given": ["rain"],
                    "table": [{"when": {"rain": True}, "p": 0.9}],
                    "default": {"p": 0.2},
                },
            }
        },
        sources={
            "eye": {
                "true_positive": {"mean": 0.8, "concentration": 20},
                "false_positive": {"mean": 0.1, "concentration": 20},
            }
        },
        claims=[{"id": "c1", "text": "It rains", "proposition": "rain", "source": "eye"}],
    )


@pytest.mark.slow
def test_full_engine_in_the_background_progress_edits_and_cancel() -> None:
    s = _tiny()
    options = {"chains": 2, "tune": 100, "draws": 100, "seed": 2}
    ex = Explorer(s, full_options=options, background=True)
    assert ex.run_full() is None  # returns at once
    run = ex.full_run
    assert run is not None and run.total == 2 * (100 + 100)
    ex.controls["prior:rain"].value = 0.6  # an edit while it runs: the exact view follows
    edited = s.with_prior("rain", {"p": 0.6, "concentration": 8})
    fresh = edited.update(intervals=False).scenarios["probability"]
    assert np.abs(ex.model.table["probability"] - fresh).max() <= 1e-12
    assert run.wait(300)
    assert run.state == "done" and run.done == run.total
    assert 'data-state="done"' in ex.full_progress.value
    assert f'data-done="{run.total}"' in ex.full_progress.value
    assert "earlier scenario" in ex.full_progress.value  # started before the edit
    assert ex.full_posterior is run.posterior and ex.full_posterior.scenario == s
    assert ex.model.full_is_stale and "changed since" in ex.full_note.value
    assert ex.controls["run_full"].disabled is False

    # a long run (the model compiled already), cancelled while it samples
    ex.full_options = {"chains": 2, "tune": 100, "draws": 200_000, "seed": 3}
    ex.run_full()
    long = ex.full_run
    assert long is not None and long is not run
    for _ in range(600):
        if long.state == "sampling" and long.done > 0:
            break
        long.wait(0.5)
    assert long.state == "sampling" and 0 < long.done < long.total
    ex.controls["cancel_full"].click()
    assert long.wait(60)
    assert long.state == "cancelled" and long.posterior is None
    assert 'data-state="cancelled"' in ex.full_progress.value
    assert ex.full_posterior is run.posterior  # the earlier result is kept, not replaced


def test_analysis_views_are_computed_in_the_background_and_reused_by_their_tab() -> None:
    from scenarios.views.explorer.app import PREFETCH_ORDER

    ex = Explorer(harbour(), background=True)
    ex.controls["prior:storm"].value = 0.45
    assert ex._settler.wait(60)
    assert ex._prefetcher.wait(120)
    for view in PREFETCH_ORDER:
        assert not ex.stale(view), view
        assert ex.analysis[view].scenario is ex.scenario
    kept = ex.analysis["voi"]
    ex.show_view("voi")  # the tab shows the background's result: not computed again
    assert ex.analysis["voi"] is kept
    assert "<table" in ex.analysis_html("voi")
    expected = {o: v.table.to_dict() for o, v in kept.data.items()}
    from scenarios.analysis import value_of_information

    for outcome, table in expected.items():
        assert value_of_information(ex.scenario, outcome).table.to_dict() == table

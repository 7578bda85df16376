"""The library's warnings held per thread (:func:`scenarios.errors.held_warnings`)."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

from scenarios.errors import PriorDataConflictWarning, SamplingWarning, held_warnings, warn


def test_held_warnings_are_kept_in_order_and_not_emitted() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an emitted warning would raise here
        with held_warnings() as held:
            warn("R-hat 1.03", SamplingWarning)
            warn("a number 9 sds away", PriorDataConflictWarning)
    assert [(type(w), str(w)) for w in held] == [
        (SamplingWarning, "R-hat 1.03"),
        (PriorDataConflictWarning, "a number 9 sds away"),
    ]
    with pytest.warns(SamplingWarning, match="emitted once the block is left"):
        warn("emitted once the block is left", SamplingWarning)


def test_a_thread_holding_warnings_is_not_disturbed_by_filters_swapped_elsewhere() -> None:
    """The race ``catch_warnings`` in a background thread loses: another thread's block
    restores the filters it saw, and the background's warning meets "error"."""
    rounds = 200
    held: list[Warning] = []
    failures: list[BaseException] = []
    started = threading.Event()

    def background() -> None:
        try:
            with held_warnings() as mine:
                started.set()
                for i in range(rounds):
                    warn(f"diagnostic {i}", SamplingWarning)
                    time.sleep(0.0005)
            held.extend(mine)
        except BaseException as exc:  # pragma: no cover - what the test is for
            failures.append(exc)

    thread = threading.Thread(target=background)
    thread.start()
    started.wait(10)
    while thread.is_alive():  # the foreground swaps the process-wide filters meanwhile
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            time.sleep(0.001)  # long enough for the background to warn inside it
    thread.join()
    assert failures == []
    assert [str(w) for w in held] == [f"diagnostic {i}" for i in range(rounds)]


def test_holding_in_one_thread_does_not_hold_another_threads_warnings() -> None:
    seen: list[warnings.WarningMessage] = []

    def other() -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warn("from the other thread", SamplingWarning)
        seen.extend(caught)

    with held_warnings() as held:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert held == []
    assert [str(w.message) for w in seen] == ["from the other thread"]

"""Shared test plumbing: a tally of hostile inputs and injected faults, printed at the end."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

_TALLY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def tally(section: str, tried: int, outcomes: Mapping[str, int]) -> None:
    """Count inputs tried (or faults injected) under ``section``, by outcome."""
    _TALLY[section]["tried"] += tried
    for outcome, n in outcomes.items():
        _TALLY[section][outcome] += n


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Write the counts into the test output."""
    if not _TALLY:
        return
    terminalreporter.section("hostile inputs and injected faults")
    total = 0
    for section, counts in sorted(_TALLY.items()):
        rest = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "tried")
        terminalreporter.write_line(f"{section}: {counts['tried']} tried ({rest})")
        total += counts["tried"]
    terminalreporter.write_line(f"total: {total} inputs tried or faults injected")


def validated_in_full(s: Any, **states: object) -> Any:
    """The scenario observed as a full re-validation makes it (``observe``'s former path).

    ``observe`` checks only the observations; tests compare it with this.
    """
    from scenarios import Claim
    from scenarios.spec.fields import state_name

    replaced = {f"observed_{k}" for k in states}
    kept = [c for c in s.claims if c.id not in replaced]
    added = [
        Claim(
            id=f"observed_{k}",
            text=f"{k} observed as {state_name(v)}",
            proposition=f'{k} == "{state_name(v)}"',
            status="confirmed",
        )
        for k, v in states.items()
    ]
    return s.replace(claims=(*kept, *added))

"""The evidence ledger: scenario probabilities after each report, in time order.

:func:`timeline` replays the claims one by one; :func:`timeline_moves` ranks its steps by
how far they moved a scenario probability (which report moved what).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from scenarios.engines.exact import point_marginals
from scenarios.spec.claims import Claim, Denial, Retraction, relay_roots, report_id
from scenarios.spec.scenario import Scenario

__all__ = ["LEDGER_COLUMNS", "timeline", "timeline_moves"]

#: Columns of a :func:`timeline` table that are not outcome probabilities.
LEDGER_COLUMNS = ("time", "claim", "event", "text", "moved")
_START = datetime.min.replace(tzinfo=UTC)
#: The order of a claim's own events at one time: the report, its answers, its retraction.
_ORDER = {"reported": 0, "relayed": 0, "denied": 1, "disputed": 1, "retracted": 2}


def _when(t: datetime | None) -> datetime:
    if t is None:
        return _START
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _bare(claim: Claim) -> Claim:
    """The claim as first reported: no denial, dispute or retraction yet."""
    status = "reported" if claim.status in ("denied", "disputed", "retracted") else claim.status
    return claim.model_copy(
        update={"denied_by": (), "disputed_by": (), "retracted": None, "status": status}
    )


def _events(scenario: Scenario) -> list[tuple[datetime, int, str, Any]]:
    """(time, claim index, event, what): each report, relay, denial, dispute, retraction."""
    roots = relay_roots(scenario.claims)
    known = {c.id: _when(c.time) for c in scenario.claims}
    for relay, root in roots.items():  # an original is known from its first relay on
        known[root] = min(known[root], known[relay])
    events: list[tuple[datetime, int, str, Any]] = []
    for i, claim in enumerate(scenario.claims):
        if claim.via is not None:
            events.append((max(known[claim.id], known[roots[claim.id]]), i, "relayed", None))
            continue
        made = known[claim.id]
        events.append((made, i, "reported", None))
        # an answer comes after the report it answers, whatever its date says
        for role, denial in claim.answers:
            event = "denied" if role == "denied_by" else "disputed"
            events.append((max(made, _when(denial.time or claim.time)), i, event, denial))
        retraction = claim.retraction
        if retraction is not None:
            at = max(made, _when(retraction.at or claim.time))
            events.append((at, i, "retracted", retraction))
    # at one time, originals before the relays that repeat them
    return sorted(events, key=lambda e: (e[0], e[2] == "relayed", e[1], _ORDER[e[2]]))


def _text(claim: Claim, event: str, what: Any) -> str:
    if event == "reported":
        return claim.text
    if event == "relayed":
        return f"{claim.source} relays {claim.via}: {claim.text}"
    if event == "retracted":
        assert isinstance(what, Retraction)
        return f"{claim.source} retracts: {claim.text}" + (f" ({what.note})" if what.note else "")
    assert isinstance(what, Denial)
    verb = "denies" if event == "denied" else "disputes"
    return what.text or f"{what.source} {verb}: {claim.text}"


def timeline(scenario: Scenario, **options: Any) -> pd.DataFrame:
    """Update report by report in time order; the scenario probabilities after each step.

    Claims without a time come first (known from the start), in file order. Denials,
    disputes and retractions are steps of their own, at their own times (or their
    claim's time when they have none), each right after the report it answers. A relay
    (``via``) is a step that moves nothing; an original first known through a relay
    counts from that relay's time.

    Parameters
    ----------
    scenario : Scenario
    **options
        Passed to the exact engine (default ``intervals=False``).

    Returns
    -------
    pandas.DataFrame
        One row per step (step 0 is the prior, no claims): ``time``, ``claim`` (the
        report's id: the claim's own, or ``<claim>~denied_by~<source>``,
        ``<claim>~disputed_by~<source>``, ``<claim>~retracted``), ``event`` (reported /
        relayed / denied / disputed / retracted), ``text``, then one column per
        ``(outcome, state)`` with its probability after that step (columns are a
        MultiIndex: ``table["claim"]`` and ``table["mutiny_end"]`` both work), and
        ``moved`` (largest absolute change of any outcome probability at that step:
        which report moved what).

    Examples
    --------
    >>> import scenarios
    >>> table = timeline(scenarios.load(scenarios.default_priors()))
    >>> table["event"].iloc[0], table["claim"].iloc[1]
    ('prior', 'coup_attempt')
    """
    options.setdefault("intervals", False)
    base = scenario.replace(claims=())
    roots = relay_roots(scenario.claims)
    current: dict[int, Claim] = {}
    states: list[Scenario] = [base]
    labels: list[tuple[Any, str, str, str]] = [(pd.NaT, "", "prior", "before any report")]
    for when, i, event, what in _events(scenario):
        claim = scenario.claims[i]
        if event == "reported":
            current[i] = _bare(claim)
        elif event == "relayed":  # repeating the original itself: it is there already
            current[i] = claim.model_copy(update={"via": roots[claim.id]})
        elif event == "retracted":
            current[i] = current[i].model_copy(update={"retracted": what})
        else:
            field = "denied_by" if event == "denied" else "disputed_by"
            update = {field: (*getattr(current[i], field), what)}
            current[i] = current[i].model_copy(update=update)
        claims = tuple(current[k] for k in sorted(current))
        states.append(base.replace(claims=claims))
        role = {
            "reported": "claim",
            "relayed": "claim",
            "denied": "denied_by",
            "disputed": "disputed_by",
            "retracted": "retraction",
        }[event]
        ident = report_id(claim.id, role, getattr(what, "source", None))
        labels.append((None if when == _START else when, ident, event, _text(claim, event, what)))
    rows = []
    previous = None
    keys = [(o, st) for o in scenario.outcomes for st in scenario.outcomes[o].state_names]
    index = pd.MultiIndex.from_tuples(keys, names=["variable", "state"])
    for (when, cid, event, text), s in zip(labels, states, strict=True):
        probs = _probabilities(s, options, index)
        moved = 0.0 if previous is None else float((probs - previous).abs().max())
        rows.append(
            {
                ("time", ""): when,
                ("claim", ""): cid,
                ("event", ""): event,
                ("text", ""): text,
                **{key: float(v) for key, v in probs.items()},
                ("moved", ""): moved,
            }
        )
        previous = probs
    table = pd.DataFrame(rows)
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.name = "step"
    return table


def _probabilities(scenario: Scenario, options: dict[str, Any], index: pd.Index) -> pd.Series:
    """The scenario table's ``probability`` column after an update with ``options``.

    ``index`` is that column's: ``(outcome, state)``, outcome by outcome.

    The point answer alone when that is all the options ask for (no intervals, the
    engine's defaults): the exact engine's point marginals, without the tables, priors
    and summaries a whole update builds (:func:`~scenarios.engines.exact.point_marginals`).
    """
    if options == {"intervals": False}:
        marg = point_marginals(scenario)
        if marg is not None:
            values = np.concatenate([marg[o] for o in scenario.outcomes])
            return pd.Series(values, index=index, name="probability")
    return scenario.update(**options).scenarios["probability"]


def timeline_moves(table: pd.DataFrame) -> pd.DataFrame:
    """Which report moved what: every step of a timeline, the largest move first.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`timeline`'s table.

    Returns
    -------
    pandas.DataFrame
        One row per step after the prior (index ``step``): ``time`` (``NaT`` for a claim
        known from the start), ``claim``, ``event``, ``text``, ``moved`` (as in the
        timeline), and the scenario probability that step moved most: ``outcome``,
        ``state``, ``before``, ``after`` and ``change``. Sorted by ``moved``, largest
        first (ties in time order).

    Examples
    --------
    >>> import scenarios
    >>> moves = timeline_moves(timeline(scenarios.load(scenarios.default_priors())))
    >>> moves.iloc[0][["claim", "outcome", "state"]].tolist()
    ['government_framing', 'mutiny_end', 'suppressed']
    """
    probs = table[[c for c in table.columns if c[0] not in LEDGER_COLUMNS]]
    rows = []
    for step in table.index[1:]:
        i = table.index.get_loc(step)
        before, after = probs.iloc[i - 1], probs.iloc[i]
        key = (after - before).abs().idxmax()
        time = table.at[step, ("time", "")]
        rows.append(
            {
                "step": step,
                "time": None if pd.isna(time) else time,
                "claim": table.at[step, ("claim", "")],
                "event": table.at[step, ("event", "")],
                "text": table.at[step, ("text", "")],
                "moved": float(table.at[step, ("moved", "")]),
                "outcome": key[0],
                "state": key[1],
                "before": float(before[key]),
                "after": float(after[key]),
                "change": float(after[key] - before[key]),
            }
        )
    columns = ["step", "time", "claim", "event", "text", "moved", "outcome", "state"]
    frame = pd.DataFrame(rows, columns=[*columns, "before", "after", "change"])
    return frame.set_index("step").sort_values("moved", ascending=False, kind="stable")

"""Observe versus intervene: conditioning on a fact against setting it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scenarios.spec.scenario import Scenario

__all__ = ["what_if"]


def what_if(scenario: Scenario, **states: Any) -> pd.DataFrame:
    """Scenario probabilities now, if we *learnt* the facts, and if we *set* them.

    ``observe`` conditions on the states (hard evidence: it also tells about the facts'
    causes); ``intervene`` (the do-operator) replaces the facts' own priors by the states,
    so that they say nothing about their parents. Claims stay observed in both.

    Parameters
    ----------
    scenario : Scenario
    **states
        Fact name to state, e.g. ``hq_seized=True``.

    Returns
    -------
    pandas.DataFrame
        Index ``(variable, state)`` over outcomes; columns ``now``, ``observe``, ``intervene``
        and the two differences from ``now``.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> what_if(s, elite_cohesion="fractured").columns.tolist()
    ['now', 'observe', 'intervene', 'observe_change', 'intervene_change']
    """
    if not states:
        raise ValueError("name at least one fact and its state, e.g. what_if(s, hq_seized=True)")
    now = scenario.update(intervals=False).scenarios["probability"]
    seen = scenario.observe(**states).update(intervals=False).scenarios["probability"]
    done = scenario.intervene(**states).update(intervals=False).scenarios["probability"]
    table = pd.DataFrame({"now": now, "observe": seen, "intervene": done})
    table["observe_change"] = table["observe"] - table["now"]
    table["intervene_change"] = table["intervene"] - table["now"]
    return table

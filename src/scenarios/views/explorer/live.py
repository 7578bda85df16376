"""The explorer's incremental path: every edit answered by the compiled exact engine.

:class:`LiveTable` keeps an :class:`~scenarios.engines.fast.Interactive` engine for the
explorer's scenario. A change of discrete priors (a slider) swaps those nodes' tables
and costs under a millisecond; any other edit (a claim switched, a source regraded, a
continuous prior) is structural: the engine recompiles the edited scenario, tens of
milliseconds, still without the full update's plan search and intervals. Either way the
scenario probabilities equal :meth:`Scenario.update`'s (the same contractions, in
another order: equal to about 1e-15).

Only the point probabilities come from here. Their credible intervals, the facts'
prior-versus-posterior view and the score need the exact engine's whole
:class:`~scenarios.Posterior` (about a tenth of a second on the Wagner file): the
explorer computes it afterwards (in the background once it is displayed) and shows it
when it is ready, if the scenario has not changed meanwhile.

A scenario the exact engine would not integrate exactly (it samples the source rates
instead, see :func:`~scenarios.engines.exact.exact_plan`) gets no live table:
:meth:`LiveTable.update` returns ``None`` and the explorer updates it in full.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.engines.exact import exact_plan
from scenarios.engines.fast import Interactive
from scenarios.spec.scenario import Scenario

__all__ = ["LiveTable", "prior_changes"]


def prior_changes(old: Scenario, new: Scenario) -> list[str] | None:
    """The facts and outcomes whose prior alone changed, or ``None`` for any other edit.

    Parameters
    ----------
    old, new : Scenario

    Returns
    -------
    list of str or None
        Node names in file order (empty: nothing changed); ``None`` when anything else
        differs (a claim, a source, a node's kind or parents, the settings).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> prior_changes(s, s.with_prior("army_strikes", {"p": 0.6}))
    ['army_strikes']
    >>> prior_changes(s, s.without_claim(s.claims[0].id)) is None
    True
    """
    for field in type(new).model_fields:
        if field not in ("facts", "outcomes") and getattr(old, field) != getattr(new, field):
            return None
    changed = []
    for group in ("facts", "outcomes"):
        before, after = getattr(old, group), getattr(new, group)
        if list(before) != list(after):
            return None
        for name, node in after.items():
            was = before[name]
            if was is node or was == node:
                continue
            if was.model_copy(update={"prior": node.prior}) != node:
                return None
            changed.append(name)
    return changed


class LiveTable:
    """The scenario probabilities of an edited scenario, kept up to date incrementally.

    Parameters
    ----------
    scenario : Scenario
        Its evidence must be possible (it is checked).

    Attributes
    ----------
    scenario : Scenario
        The scenario the engine holds now.
    engine : Interactive or None
        ``None`` when the exact engine samples this scenario's source rates rather than
        integrating them: no live table then.
    prior_engine : Interactive or None
        The same scenario without its claims: the outcomes' prior probabilities.
    structural : int
        Edits that recompiled the engine (anything but discrete priors).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> live = LiveTable(s)
    >>> new = s.with_prior("army_strikes", {"p": 0.6})
    >>> table = live.update(new)
    >>> exact = new.update(intervals=False).scenarios["probability"]
    >>> bool(abs(table["probability"] - exact).max() < 1e-12), live.structural
    (True, 0)
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.structural = 0
        integrated = exact_plan(scenario).mode == "integrated"
        self.engine = Interactive(scenario, draws=0) if integrated else None
        self.prior_engine = _prior_engine(scenario) if integrated else None

    def update(self, new: Scenario) -> pd.DataFrame | None:
        """The scenario table of ``new``, reached from the engine's scenario by an edit.

        Parameters
        ----------
        new : Scenario
            The edited scenario (already validated).

        Returns
        -------
        pandas.DataFrame or None
            Index ``(variable, state)``; ``probability`` exact, ``lower`` and ``upper``
            NaN (the intervals come with the full update); ``prior``, the outcomes'
            probability before the claims. ``None`` without an engine.

        Raises
        ------
        ImpossibleEvidenceError
            The claims cannot all hold under ``new``. The engine is then rebuilt for
            the scenario it held before.
        """
        if self.engine is None or self.prior_engine is None:
            return None
        changed = prior_changes(self.scenario, new)
        prior_engine = self.prior_engine
        try:
            if changed is None:
                self.structural += 1
                table = self.engine.apply(lambda _: new)
                if _beliefs(self.scenario) != _beliefs(new):  # not only claims or sources
                    prior_engine = _prior_engine(new)
                prior = prior_engine.table()
            elif changed:  # each set_prior returns the new table: the last one is kept
                for name in changed:
                    table = self.engine.set_prior(name, new.nodes[name].prior)
                    prior = prior_engine.set_prior(name, new.nodes[name].prior)
            else:
                table, prior = self.engine.table(), prior_engine.table()
        except Exception:
            self.engine = Interactive(self.scenario, draws=0)
            self.prior_engine = _prior_engine(self.scenario)
            raise
        self.scenario, self.prior_engine = new, prior_engine
        nan = np.full(len(table), np.nan)
        return pd.DataFrame(
            {
                "probability": table["probability"].to_numpy(),
                "lower": nan,
                "upper": nan,
                "prior": prior["probability"].to_numpy(),
            },
            index=table.index,
        )


def _prior_engine(scenario: Scenario) -> Interactive:
    """The engine of the scenario without its claims: the prior probabilities."""
    return Interactive(scenario.replace(claims=[]), draws=0)


def _beliefs(scenario: Scenario) -> dict[str, object]:
    """Everything of a scenario but its claims and sources (what its prior depends on)."""
    fields = type(scenario).model_fields
    return {f: getattr(scenario, f) for f in fields if f not in ("claims", "sources")}

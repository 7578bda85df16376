"""The explorer's state without widgets: the edited scenario, its posterior, its analyses.

:class:`ExplorerModel` holds the last valid scenario and what was computed for it. An
edit goes through :meth:`ExplorerModel.apply`: the new scenario is validated and updated
with the exact engine, or the edit is refused with the library's error and nothing
changes. The analysis views (timeline, sensitivity, value of information, what-if,
score) are computed on demand and remember the scenario and question they answered,
so that a view computed before an edit is known to be stale.

Everything here runs without a display; :class:`~scenarios.views.explorer.Explorer`
wires widgets to it.

Examples
--------
>>> import scenarios
>>> m = ExplorerModel(scenarios.load(scenarios.example()))
>>> m.apply(lambda s: s.with_prior("army_strikes", {"p": 0.5}))
>>> m.scenario.facts["army_strikes"].prior.p
0.5
>>> m.stale("voi")
True
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scenarios.errors import SamplingWarning, ScenarioError, held_warnings
from scenarios.posterior import Posterior
from scenarios.spec.claims import Claim, relay_roots, report_id
from scenarios.spec.resolution import Resolution
from scenarios.spec.scenario import Scenario
from scenarios.views.explorer.live import LiveTable

if TYPE_CHECKING:
    from scenarios.views.explorer.background import Worker

__all__ = [
    "ANALYSIS_VIEWS",
    "FOLLOWS_EDITS",
    "NUMBER_FLAG",
    "NUMBER_RANGE",
    "PREDICTIVE_WORLDS",
    "SURPRISE",
    "AnalysisResult",
    "ExplorerModel",
    "PredictiveCheck",
    "analysis_choices",
    "analysis_data",
    "exact_update",
    "prior_predictive",
]

#: The explorer's analysis views, by key, with their titles.
ANALYSIS_VIEWS: dict[str, str] = {
    "timeline": "Report by report",
    "sensitivity": "What matters most",
    "voi": "What to look for next",
    "what_if": "What if",
    "score": "Score",
    "predictive": "What reports would we expect?",
}
#: The analysis views quick enough to be recomputed after every edit while their tab is
#: shown (a simulation of a few thousand worlds takes hundredths of a second).
FOLLOWS_EDITS: tuple[str, ...] = ("predictive",)

#: Worlds a prior predictive check simulates by default: a probability near 5% is then
#: known to about +-0.35 points (its Monte Carlo standard error, shown beside it).
PREDICTIVE_WORLDS = 4000
#: What was observed (a report made, or a silence kept) is flagged as a surprise when its
#: prior predictive probability is below this: a prior-data conflict to look at.
SURPRISE = 0.05
#: The central range of a reported number's prior predictive distribution shown beside it.
NUMBER_RANGE = 0.90
#: A reported number outside this central range of its prior predictive is flagged.
NUMBER_FLAG = 0.98


@dataclass(frozen=True)
class AnalysisResult:
    """One analysis view's numbers, and the scenario they were computed for.

    Attributes
    ----------
    view : str
        A key of :data:`ANALYSIS_VIEWS`.
    scenario : Scenario
        The scenario it was computed for: when the explorer's scenario differs, the
        view is stale.
    key : object
        What was asked besides the scenario (the sensitivity target, the what-if fact
        and state); ``None`` for the other views.
    data : dict
        The library's results: ``timeline`` -> ``{"table", "moves"}`` (DataFrames);
        ``sensitivity`` -> ``{"sensitivity": Sensitivity, "power": PowerScaling}``;
        ``voi`` -> outcome -> ValueOfInformation; ``what_if`` -> ``{"table"}``
        (what was set is ``key``); ``score`` -> ``{"score", "baseline"}``;
        ``predictive`` -> ``{"check": PredictiveCheck}`` (``key`` is ``(n, seed)``).
    seconds : float
        How long it took.
    error : str or None
        Why it could not be computed (``data`` is then empty).

    Examples
    --------
    >>> AnalysisResult("voi", None, None, {}, 0.0, "no scenario").error
    'no scenario'
    """

    view: str
    scenario: Scenario | None
    key: Any
    data: dict[str, Any]
    seconds: float
    error: str | None = None


class ExplorerModel:
    """The edited scenario, its exact-engine posterior, and the analyses computed for it.

    Parameters
    ----------
    scenario : Scenario
        The scenario as opened.
    draws : int
        Draws behind the exact engine's credible intervals.
    resolution : Resolution or path-like, optional
        How the outcomes resolved, for the score. Default: the resolution file beside
        ``priors_path`` if there is one (:func:`scenarios.io.data.resolution_for`).
    priors_path : path, optional
        The file the scenario was read from.

    Attributes
    ----------
    scenario : Scenario
        The current (last valid) scenario.
    table : DataFrame or None
        Its scenario probabilities, from the incremental engine (:class:`LiveTable`)
        right after each edit: ``probability`` exact, ``lower`` and ``upper`` NaN until
        :attr:`posterior` is computed.
    posterior : Posterior or None
        Its exact-engine posterior (``None`` while even the opened scenario fails: then
        :attr:`error` says why), computed on first access after an edit
        (:attr:`settled` says whether it is ready).
    warnings : list of str
        The sampling warnings of the last full update.
    error : Exception or None
        Why the opened scenario could not be updated.
    worker, analysis_worker : Worker or None
        The processes for the exact posterior and for the analyses
        (:class:`~scenarios.views.explorer.background.Worker`; the explorer sets them
        once displayed); ``None``: computed in this process.
    full_posterior : Posterior or None
        The last full-engine posterior.
    analysis : dict of str to AnalysisResult
        The last result of each analysis view computed.
    resolution, resolution_path
        What the score is against, and its file.
    baseline_score : DataFrame or None
        The score of the scenario as opened.

    Examples
    --------
    >>> import scenarios
    >>> m = ExplorerModel(scenarios.load(scenarios.example()), priors_path=scenarios.example())
    >>> m.resolution_path.name, m.compute("score", None).error is None
    ('wagner-2023-06-23.yaml', True)
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        draws: int = 4000,
        resolution: Resolution | str | os.PathLike[str] | None = None,
        priors_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.scenario = scenario
        self.draws = int(draws)
        self.priors_path = Path(priors_path) if priors_path is not None else None
        self.error: Exception | None = None
        self.full_posterior: Posterior | None = None
        self.analysis: dict[str, AnalysisResult] = {}
        self.table: pd.DataFrame | None = None
        self.live: LiveTable | None = None
        # the full exact update of the latest scenario it was computed for
        self._settled: tuple[Scenario, Posterior, list[str]] | None = None
        self._settling = threading.Lock()
        self._computing: dict[str, threading.Lock] = {}
        self._inflight: dict[str, tuple[Scenario, Any]] = {}
        self.worker: Worker | None = None
        self.analysis_worker: Worker | None = None
        self._find_resolution(resolution)
        try:
            post, said = self.update(scenario)
            self._settled, self.table = (scenario, post, said), post.scenarios
            self.live = LiveTable(scenario)
        except (ScenarioError, ValueError) as exc:
            self.error = exc
        self.baseline_score = self.score_of(self.posterior)

    # -- the full exact posterior, behind the live table ----------------------------------

    @property
    def settled(self) -> bool:
        """Whether :attr:`posterior` is computed for the current scenario.

        Returns
        -------
        bool

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> m.apply(lambda s: s.with_prior("army_strikes", {"p": 0.5}))
        >>> m.settled
        False
        >>> m.posterior.scenario is m.scenario, m.settled
        (True, True)
        """
        settled = self._settled
        return settled is not None and settled[0] is self.scenario

    @property
    def posterior(self) -> Posterior | None:
        """The exact engine's whole posterior of the current scenario (computed if need be).

        Returns
        -------
        Posterior or None
            ``None`` while even the opened scenario fails.
        """
        if self.error is not None and self._settled is None:
            return None
        return self.settle(self.scenario)

    @property
    def last_posterior(self) -> Posterior | None:
        """The latest full exact posterior computed, perhaps of an earlier scenario.

        Returns
        -------
        Posterior or None
            Its ``scenario`` says which; ``None`` before any.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> m.apply(lambda s: s.with_prior("army_strikes", {"p": 0.5}))
        >>> m.last_posterior.scenario is m.scenario  # not computed yet for the edit
        False
        """
        settled = self._settled
        return settled[1] if settled is not None else None

    @property
    def warnings(self) -> list[str]:
        """The sampling warnings of the last full exact update (``[]`` before one).

        Returns
        -------
        list of str
        """
        settled = self._settled
        return list(settled[2]) if settled is not None else []

    def settle(self, scenario: Scenario, background: bool = False) -> Posterior:
        """The full exact posterior of ``scenario``, computed once (thread-safe).

        The explorer calls it from a background thread after an edit; a scenario edited
        away meanwhile is still computed but replaced by the next call.

        Parameters
        ----------
        scenario : Scenario
            The current scenario or one it was before.
        background : bool
            Asked by the explorer's background: computed in :attr:`worker` (if ready)
            even while it is busy.

        Returns
        -------
        Posterior

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> m.settle(m.scenario) is m.posterior
        True
        """
        with self._settling:
            settled = self._settled
            if settled is not None and settled[0] is scenario:
                return settled[1]

            post, said = self.update(scenario, background)
            self._settled = (scenario, post, said)
            return post

    # -- edits ----------------------------------------------------------------------

    def update(self, scenario: Scenario, background: bool = False) -> tuple[Posterior, list[str]]:
        """The exact engine's posterior of a scenario, and its sampling warnings.

        Parameters
        ----------
        scenario : Scenario
        background : bool
            Asked by the explorer's background: computed in :attr:`worker` (if ready)
            even while it is busy; else there only when one of its processes is free
            (an edit never waits behind an earlier scenario's work).

        Returns
        -------
        posterior : Posterior
        warnings : list of str
            Said in the status line rather than raised: a slider move should not stop
            on a warning about the intervals.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> post, said = m.update(m.scenario.with_prior("army_strikes", {"p": 0.9}))
        >>> post.scenario.facts["army_strikes"].prior.p, said
        (0.9, [])
        >>> m.scenario.facts["army_strikes"].prior.p  # the model's scenario is unchanged
        0.3
        """
        worker = self.worker
        if worker is not None and worker.ready and (background or worker.free):
            try:
                post, said = worker.call(exact_update, scenario, self.draws)
            except Exception:  # the worker died, or the update failed: say why from here
                return exact_update(scenario, self.draws)
            # one scenario object, not the worker's equal copy: `is` tells which is shown
            object.__setattr__(post, "scenario", scenario)
            return post, said
        return exact_update(scenario, self.draws)

    def apply(self, edit: Callable[[Scenario], Scenario]) -> None:
        """Apply an edit to the current scenario and update it.

        Parameters
        ----------
        edit : callable
            Takes the current scenario and returns the edited one.

        Raises
        ------
        ScenarioError, ValueError, KeyError
            The edit is invalid, or makes the evidence impossible
            (:class:`~scenarios.ImpossibleEvidenceError`): nothing changed.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> m.apply(lambda s: s.with_prior("army_strikes", {"p": 1.5}))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        scenarios.errors.ScenarioError: scenario: 1 problem
          - facts.army_strikes.prior.p: ... less than or equal to 1 (got 1.5)
        >>> m.scenario.facts["army_strikes"].prior.p  # the last valid scenario is kept
        0.3
        """
        new = edit(self.scenario)
        table = None
        if self.live is not None:
            try:
                table = self.live.update(new)
            except (ScenarioError, ValueError, KeyError):
                table = None  # the full update says why, naming the claims in conflict
        if table is None:  # no live engine for this scenario, or the edit was refused
            post, said = self.update(new)
            with self._settling:
                self._settled = (new, post, said)
            table = post.scenarios
            if self.live is None or self.live.scenario is not new:
                self.live = LiveTable(new)
        self.scenario, self.table, self.error = new, table, None

    def run_full(self, **options: Any) -> Posterior:
        """Update the current scenario with the full PyMC engine (NUTS).

        Parameters
        ----------
        **options
            For :meth:`Scenario.update` (``draws``, ``tune``, ``chains``, ``seed`` ...).

        Returns
        -------
        Posterior
            Also kept as :attr:`full_posterior`.

        Examples
        --------
        Sampling takes seconds to minutes, so the call is not run here:

        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> m.full_posterior is None
        True
        >>> post = m.run_full(draws=500, tune=500, chains=2, seed=1)  # doctest: +SKIP
        """
        with held_warnings():  # its diagnostics are in the posterior
            post = self.scenario.update(engine="pymc", **options)
        self.full_posterior = post
        return post

    def expected_reports(self, n: int = PREDICTIVE_WORLDS, seed: int | None = None) -> pd.DataFrame:
        """What reports would we expect? P(each report is made) under the prior.

        A prior predictive check by :meth:`Scenario.simulate` on the current scenario:
        the share of simulated worlds in which each of its reports (claims, denials,
        disputes, retractions, relays) is made, before any claim is taken into account
        (the explorer's tab shows the whole :func:`prior_predictive` check). A report
        the file holds that the model finds rare is a surprise worth a second look: the
        priors, or the source's grade, may be off.

        Parameters
        ----------
        n : int
            Worlds simulated.
        seed : int, optional
            Default: the scenario's ``seed``.

        Returns
        -------
        pandas.DataFrame
            Index ``report`` (report ids in the file's order); columns ``claim``,
            ``source`` (who made the report: the claim's source, the denier), ``prior``
            (P(report), the share of worlds) and ``mcse`` (its Monte Carlo error).

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> table = m.expected_reports(n=500, seed=1)
        >>> list(table.columns), bool(table["prior"].between(0, 1).all())
        (['claim', 'source', 'prior', 'mcse'], True)
        """
        reports = prior_predictive(self.scenario, n, seed).reports
        columns = {"claim": reports["claim"], "source": reports["source"]}
        columns |= {"prior": reports["p_made"], "mcse": reports["mcse"]}
        return pd.DataFrame(columns, index=reports.index)

    @property
    def full_is_stale(self) -> bool:
        """Whether the full engine ran on another scenario than the current one.

        Returns
        -------
        bool
            ``False`` before the full engine ran.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> m.full_is_stale
        False
        >>> m.full_posterior = m.posterior  # stands in for a run of the full engine
        >>> m.apply(lambda s: s.with_prior("army_strikes", {"p": 0.5}))
        >>> m.full_is_stale
        True
        """
        return self.full_posterior is not None and self.full_posterior.scenario != self.scenario

    # -- analysis -------------------------------------------------------------------

    def stale(self, view: str, key: Any = None) -> bool:
        """Whether a view was never computed, or computed for another scenario or question.

        Parameters
        ----------
        view : str
            A key of :data:`ANALYSIS_VIEWS`.
        key : object
            The question asked now (see :attr:`AnalysisResult.key`).

        Returns
        -------
        bool

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> _ = m.compute("voi", None)
        >>> m.stale("voi")
        False
        >>> m.apply(lambda s: s.with_prior("army_strikes", {"p": 0.5}))
        >>> m.stale("voi")
        True
        """
        result = self.analysis.get(view)
        return result is None or result.scenario != self.scenario or result.key != key

    def compute(
        self, view: str, key: Any, reuse: bool = False, background: bool = False
    ) -> AnalysisResult:
        """Compute one analysis view for the current scenario; kept in :attr:`analysis`.

        Parameters
        ----------
        view : str
            A key of :data:`ANALYSIS_VIEWS`.
        key : object
            The sensitivity target ``(outcome, state)`` (``None``: the most likely state
            of the first outcome), the what-if ``(fact, state)``, the prior predictive
            check's ``(n, seed)`` (``None``: :data:`PREDICTIVE_WORLDS` worlds, the
            scenario's seed); ``None`` otherwise.
        reuse : bool
            Keep a result already computed for this scenario and question (by the
            explorer's background, perhaps while this call waited for it) instead of
            computing it again.
        background : bool
            Asked by the explorer's background: computed in :attr:`analysis_worker` (if
            it is ready) even while it is busy, rather than in this process.

        Returns
        -------
        AnalysisResult
            A failure is kept as its ``error``.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))
        >>> result = m.compute("what_if", ("army_strikes", "true"))
        >>> result.error, list(result.data)
        (None, ['table'])
        >>> m.compute("score", None).error.startswith("no resolution for this scenario")
        True
        """
        if view not in ANALYSIS_VIEWS:
            raise KeyError(f"no analysis view {view!r}; views are {list(ANALYSIS_VIEWS)}")
        scenario = self.scenario
        # a view asked for while the background computes it for this scenario and
        # question (see Explorer's prefetch) waits for that result instead of a second;
        # one for an earlier scenario is not waited for
        busy = self._inflight.get(view)
        wait = busy is None or (busy[0] is scenario and busy[1] == key)
        lock = self._computing.setdefault(view, threading.Lock())
        with lock if wait else contextlib.nullcontext():
            done = self.analysis.get(view)
            if reuse and view != "score" and done is not None:
                if done.scenario is scenario and done.key == key:
                    return done
            self._inflight[view] = (scenario, key)
            try:
                if view == "score":
                    data, error, seconds = self._score(scenario)
                else:
                    data, error, seconds = self._analysis_data(view, scenario, key, background)
            finally:
                if self._inflight.get(view, (None,))[0] is scenario:
                    del self._inflight[view]
            result = AnalysisResult(view, scenario, key, data, seconds, error)
            kept = self.analysis.get(view)
            # a result for an earlier scenario never replaces one for the current one
            if kept is None or scenario is self.scenario or kept.scenario is not self.scenario:
                self.analysis[view] = result
        return result

    def _analysis_data(
        self, view: str, scenario: Scenario, key: Any, background: bool
    ) -> tuple[dict[str, Any], str | None, float]:
        worker = self.analysis_worker
        # the worker process when it is free (or for the background): the kernel's
        # thread stays free for the edits; a click waits for no earlier scenario's work
        if worker is not None and worker.ready and (background or worker.free):
            try:
                return worker.call(analysis_data, view, scenario, key)
            except Exception:  # the worker died: compute here
                pass
        return analysis_data(view, scenario, key)

    def _score(self, scenario: Scenario) -> tuple[dict[str, Any], str | None, float]:
        from scenarios import analysis

        started = time.perf_counter()
        try:
            # the posterior shown is already the current scenario's
            if self.resolution is None:
                raise ValueError(self.no_resolution())
            if self.posterior is None or self.posterior.scenario != scenario:
                raise ValueError("no posterior for this scenario (the last edit was refused)")
            baseline = getattr(self, "baseline_score", None)
            score = analysis.score(self.posterior, self.resolution)
            data, error = {"score": score, "baseline": baseline}, None
        except (ScenarioError, ValueError, KeyError) as exc:
            data, error = {}, _message(exc)
        return data, error, time.perf_counter() - started

    # -- the resolution ---------------------------------------------------------------

    def _find_resolution(self, resolution: Resolution | str | os.PathLike[str] | None) -> None:
        from scenarios.io.data import resolution_for
        from scenarios.io.resolutions import load_resolution

        self.resolution: Resolution | None = None
        self.resolution_path: Path | None = None
        self.resolution_problem: str | None = None
        if isinstance(resolution, Resolution):
            self.resolution = resolution
            return
        if resolution is not None:  # given: a bad file is the caller's error
            self.resolution_path = Path(resolution)
            self.resolution = load_resolution(resolution)
            return
        if self.priors_path is None:
            return
        self.resolution_path = resolution_for(self.priors_path)
        if self.resolution_path is not None:
            try:
                self.resolution = load_resolution(self.resolution_path)
            except ScenarioError as exc:
                self.resolution_problem = str(exc)

    def score_of(self, post: Posterior | None) -> Any:
        """The score of a posterior against the resolution (``None`` without either).

        Parameters
        ----------
        post : Posterior or None

        Returns
        -------
        DataFrame or None
            :func:`scenarios.analysis.score`'s table.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()), priors_path=scenarios.example())
        >>> m.score_of(m.posterior)["resolved"].tolist()
        ['negotiated', 'true']
        >>> m.score_of(None) is None
        True
        """
        from scenarios.analysis import score

        if post is None or self.resolution is None:
            return None
        try:
            return score(post, self.resolution)
        except KeyError:
            return None

    def no_resolution(self) -> str:
        """Why there is nothing to score against, and where a resolution was looked for.

        Returns
        -------
        str
            Shown in the Score tab in place of a score.

        Examples
        --------
        >>> import scenarios
        >>> m = ExplorerModel(scenarios.load(scenarios.example()))  # no file: no resolution
        >>> m.no_resolution().split(":")[0]
        'no resolution for this scenario'
        """
        if self.resolution_problem:
            return f"the resolution file cannot be read: {self.resolution_problem}"
        looked = ""
        if self.priors_path is not None:
            where = self.priors_path.resolve().parent.parent / "resolutions"
            looked = f" (looked for {where / (self.priors_path.stem + '.yaml')})"
        return (
            f"no resolution for this scenario{looked}: nothing to score against until the "
            "outcomes resolve. Pass Explorer(..., resolution=path) to score against one."
        )


def _message(exc: BaseException) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)


def exact_update(scenario: Scenario, draws: int) -> tuple[Posterior, list[str]]:
    """The exact engine's posterior of a scenario, and its sampling warnings.

    What :meth:`ExplorerModel.update` computes, here or in its worker process.

    Parameters
    ----------
    scenario : Scenario
    draws : int
        Draws behind the credible intervals.

    Returns
    -------
    posterior : Posterior
    warnings : list of str

    Examples
    --------
    >>> import scenarios
    >>> post, said = exact_update(scenarios.load(scenarios.example()), 4000)
    >>> post.settings["draws"], said
    (4000, [])
    """
    with held_warnings() as held:  # not catch_warnings: this runs in threads
        post = scenario.update(draws=draws)
    said = [str(w) for w in held if isinstance(w, SamplingWarning)]
    return post, said


def analysis_data(
    view: str, scenario: Scenario, key: Any
) -> tuple[dict[str, Any], str | None, float]:
    """One analysis view's numbers for a scenario (any view but the score).

    What :meth:`ExplorerModel.compute` computes, here or in its worker process.

    Parameters
    ----------
    view : str
        A key of :data:`ANALYSIS_VIEWS` other than ``"score"``.
    scenario : Scenario
    key : object
        The question (see :meth:`ExplorerModel.compute`).

    Returns
    -------
    data : dict
        As :attr:`AnalysisResult.data` (empty on a failure).
    error : str or None
        Why it failed.
    seconds : float
        How long it took.

    Examples
    --------
    >>> import scenarios
    >>> data, error, _ = analysis_data("voi", scenarios.load(scenarios.example()), None)
    >>> sorted(data), error
    (['mutiny_end', 'putin_in_power'], None)
    """
    from scenarios import analysis

    started = time.perf_counter()
    try:
        with held_warnings():  # not catch_warnings: this runs in threads
            if view == "timeline":
                # the timeline shows point probabilities only: no draws for intervals
                table = analysis.timeline(scenario, intervals=False)
                data = {"table": table, "moves": analysis.timeline_moves(table)}
            elif view == "sensitivity":
                sens = analysis.sensitivity(scenario, key)
                power = analysis.power_scaling(scenario, sens.target)
                data = {"sensitivity": sens, "power": power}
            elif view == "voi":
                data = {o: analysis.value_of_information(scenario, o) for o in scenario.outcomes}
            elif view == "what_if":
                if key is None:
                    raise ValueError("this scenario has no discrete fact to set")
                fact, state = key
                data = {"table": analysis.what_if(scenario, **{fact: state})}
            elif view == "predictive":
                n, seed = key if key is not None else (PREDICTIVE_WORLDS, None)
                data = {"check": prior_predictive(scenario, n, seed)}
            else:
                raise KeyError(f"no analysis view {view!r} to compute here")
        error = None
    except (ScenarioError, ValueError, KeyError) as exc:
        data, error = {}, _message(exc)
    return data, error, time.perf_counter() - started


def analysis_choices(scenario: Scenario) -> dict[str, list[Any]]:
    """The choices of the analysis views' dropdowns for a scenario.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    dict
        ``timeline.outcome`` and ``voi.outcome``: the outcomes; ``sensitivity.target``:
        ``(label, (outcome, state))`` pairs, the first ``("most likely state of ...",
        ("", ""))``; ``what_if.fact``: the discrete facts.

    Examples
    --------
    >>> import scenarios
    >>> choices = analysis_choices(scenarios.load(scenarios.example()))
    >>> choices["sensitivity.target"][0]
    ('most likely state of mutiny_end', ('', ''))
    """
    first = next(iter(scenario.outcomes))
    targets: list[Any] = [(f"most likely state of {first}", ("", ""))]
    targets += [
        (f"{o} = {st}", (o, st)) for o, node in scenario.outcomes.items() for st in node.state_names
    ]
    facts = [n for n, f in scenario.facts.items() if f.is_discrete]
    return {
        "timeline.outcome": list(scenario.outcomes),
        "sensitivity.target": targets,
        "voi.outcome": list(scenario.outcomes),
        "what_if.fact": facts,
    }


# -- the prior predictive check ---------------------------------------------------------


@dataclass(frozen=True)
class PredictiveCheck:
    """What reports a scenario's prior expects, beside the reports its file holds.

    A prior predictive check (:func:`prior_predictive`): every number is a share of the
    worlds :meth:`Scenario.simulate` drew, with its Monte Carlo standard error.

    Attributes
    ----------
    n : int
        Worlds simulated.
    seed : int
        The seed of the simulation: the same ``n`` and ``seed`` give the same table.
    reports : pandas.DataFrame
        One row per report about a proposition, index ``report`` (the report ids of
        :attr:`Simulation.reports <scenarios.engines.simulate.Simulation.reports>`, in the
        file's order). Columns: ``claim`` (its claim's id); ``role`` (``"claim"``,
        ``"silence"``, ``"denial"``, ``"dispute"``, ``"retraction"`` or ``"relay"``);
        ``source`` (the key of who made it, ``""`` for none) and ``who`` (its name as the
        file gives it); ``text`` (what it says: the claim's text, or the denial's own);
        ``after`` (the report a denial, dispute or retraction answers, or a relay
        repeats; ``""`` for a claim); ``p_made`` and ``mcse`` (the share of worlds in
        which the report is made, and its standard error); ``p_given`` and
        ``mcse_given`` (the share among the worlds that made the report it answers or
        repeats; a claim's own ``p_made``); ``made`` (whether the file holds the report:
        ``False`` for a silence, the absence of a report); ``p_observed`` and
        ``mcse_observed`` (the prior predictive probability of what the file holds:
        ``p_given`` for a report made, ``1 - p_made`` for a silence); ``surprise``
        (``p_observed`` below :data:`SURPRISE`).
    numbers : pandas.DataFrame
        One row per reported number (and relay of one), index ``claim``. Columns
        ``role``, ``source``, ``who``, ``text`` as above; ``fact``, ``label`` (the fact's
        description, else its name) and ``unit``; ``reported`` (the value in the file);
        ``median``, ``low`` and ``high`` (the prior predictive median and central
        :data:`NUMBER_RANGE` range of the number), ``flag_low`` and ``flag_high`` (the
        central :data:`NUMBER_FLAG` range); ``tail`` (the two-sided tail probability of
        the reported value, ``2 min(P(X <= v), P(X >= v))``, at most 1) and its ``mcse``;
        ``surprise`` (the reported value is outside the :data:`NUMBER_FLAG` range). A
        number that is surely noise says nothing and is not simulated: its numbers are
        NaN.

    Examples
    --------
    >>> import scenarios
    >>> check = prior_predictive(scenarios.load(scenarios.example()), 500, seed=1)
    >>> check.n, check.seed, check.reports["role"].tolist()[:2]
    (500, 1, ['claim', 'denial'])
    """

    n: int
    seed: int
    reports: pd.DataFrame
    numbers: pd.DataFrame

    @property
    def surprises(self) -> list[str]:
        """The reports and numbers flagged as surprising under the prior, in file order.

        Returns
        -------
        list of str
            Report ids (:attr:`reports`) then claim ids (:attr:`numbers`).

        Examples
        --------
        >>> import scenarios
        >>> prior_predictive(scenarios.load(scenarios.example()), 2000).surprises
        []
        """
        reports, numbers = self.reports, self.numbers
        return [*reports.index[reports["surprise"]], *numbers.index[numbers["surprise"]]]


_ROLES = {"denied_by": "denial", "disputed_by": "dispute"}


def _share(column: pd.Series, among: pd.Series | None = None) -> tuple[float, float]:
    """The share of ``True`` in ``column`` (where ``among`` holds), and its standard error."""
    if among is not None:
        column = column[among.to_numpy()]
    if len(column) == 0:
        return float("nan"), float("nan")
    p = float(column.mean())
    return p, float(np.sqrt(p * (1.0 - p) / len(column)))


def prior_predictive(
    scenario: Scenario, n: int = PREDICTIVE_WORLDS, seed: int | None = None
) -> PredictiveCheck:
    """What reports would we expect? The prior predictive check of a scenario's reports.

    ``n`` worlds drawn by :meth:`Scenario.simulate` from the generative story the
    engines condition on, before any report is taken into account: for every report the
    file holds (claims, denials and disputes, retractions, relays, and silences: the
    absence of a report), the share of worlds in which it is made, beside whether it
    was; for every reported number, where the simulated numbers fall, beside the value
    reported. What the file holds but the prior finds rare (below :data:`SURPRISE`, or
    a number outside the central :data:`NUMBER_FLAG` range) is flagged: a prior-data
    conflict, where a prior or a source's grade may be off.

    Parameters
    ----------
    scenario : Scenario
    n : int
        Worlds simulated (at least 1).
    seed : int, optional
        Default: the scenario's ``seed``.

    Returns
    -------
    PredictiveCheck

    Examples
    --------
    One claim of a binary fact with prior 0.3 by a source with fixed rates
    ``t = 0.8``, ``f = 0.02``: P(report) = 0.3 * 0.8 + 0.7 * 0.02 = 0.254.

    >>> s = Scenario(
    ...     title="One claim", seed=4,
    ...     facts={"storm": {"kind": "binary", "prior": {"p": 0.3}}},
    ...     outcomes={"late": {"kind": "binary", "exhaustive": "yes/no",
    ...               "prior": {"given": ["storm"], "table": [
    ...                   {"when": {"storm": True}, "p": 0.9},
    ...                   {"when": {"storm": False}, "p": 0.2}]}}},
    ...     sources={"pilot": {"true_positive": {"mean": 0.8},
    ...                        "false_positive": {"mean": 0.02}}},
    ...     claims=[{"id": "c1", "text": "A storm", "proposition": "storm",
    ...              "source": "pilot"}],
    ... )
    >>> row = prior_predictive(s, 20000).reports.loc["c1"]
    >>> bool(abs(row["p_made"] - 0.254) < 4 * row["mcse"]), bool(row["surprise"])
    (True, False)

    Had the prior been 0.01, the report would have been a surprise (0.0278 < 0.05):

    >>> prior_predictive(s.with_prior("storm", {"p": 0.01}), 20000).surprises
    ['c1']
    """
    sim = scenario.simulate(n, seed=seed)
    made, values = sim.reports, sim.values
    roots = relay_roots(scenario.claims)
    rows: list[dict[str, Any]] = []
    numbers: list[dict[str, Any]] = []

    def who(source: str | None) -> tuple[str, str]:
        if not source:
            return "", ""
        known = scenario.sources.get(source)
        return source, (known.name if known is not None and known.name else source)

    def report(
        ident: str, claim: Claim, role: str, source: str | None, text: str, after: str
    ) -> None:
        column = made[ident] if ident in made else made[after]  # a relay: its original's
        p, mcse = _share(column)
        if after:
            given, mcse_given = _share(column, made[after])
        else:
            given, mcse_given = p, mcse
        observed = role != "silence"
        p_obs, mcse_obs = (given, mcse_given) if observed else (1.0 - p, mcse)
        key, name = who(source)
        rows.append(
            {
                "report": ident,
                "claim": claim.id,
                "role": role,
                "source": key,
                "who": name,
                "text": text,
                "after": after,
                "p_made": p,
                "mcse": mcse,
                "p_given": given,
                "mcse_given": mcse_given,
                "made": observed,
                "p_observed": p_obs,
                "mcse_observed": mcse_obs,
                "surprise": bool(p_obs < SURPRISE),
            }
        )

    for claim in scenario.claims:
        root = roots.get(claim.id, "")
        if (claim.reported is not None and not root) or (root and root not in made):
            key, name = who(claim.source)
            row = _number_row(scenario, claim, root, values)
            numbers.append(row | {"source": key, "who": name})
            continue
        if root:
            report(claim.id, claim, "relay", claim.source, claim.text, root)
            continue
        role = "silence" if claim.silent else "claim"
        report(claim.id, claim, role, claim.source, claim.text, "")
        for how, denial in claim.answers:
            ident = report_id(claim.id, how, denial.source)
            report(ident, claim, _ROLES[how], denial.source, denial.text or claim.text, claim.id)
        if claim.retraction is not None:
            ident = report_id(claim.id, "retraction")
            report(ident, claim, "retraction", claim.source, claim.text, claim.id)

    report_columns = [
        "claim", "role", "source", "who", "text", "after", "p_made", "mcse", "p_given",
        "mcse_given", "made", "p_observed", "mcse_observed", "surprise",
    ]  # fmt: skip
    reports = pd.DataFrame(rows, columns=["report", *report_columns]).set_index("report")
    number_columns = [
        "role", "source", "who", "text", "fact", "label", "unit", "reported", "median", "low",
        "high", "flag_low", "flag_high", "tail", "mcse", "surprise",
    ]  # fmt: skip
    table = pd.DataFrame(numbers, columns=["claim", *number_columns]).set_index("claim")
    return PredictiveCheck(n=len(made) or n, seed=sim.seed, reports=reports, numbers=table)


def _number_row(
    scenario: Scenario, claim: Claim, root: str, values: pd.DataFrame
) -> dict[str, Any]:
    """A reported number's row of :attr:`PredictiveCheck.numbers` (``root``: a relay's original)."""
    reported = scenario.claim(root).reported if root else claim.reported
    assert reported is not None
    fact = scenario.facts[reported.fact]
    v = float(reported.value)
    row: dict[str, Any] = {
        "claim": claim.id,
        "role": "relay" if root else "claim",
        "text": claim.text,
        "fact": reported.fact,
        "label": fact.description or reported.fact,
        "unit": fact.unit or "",
        "reported": v,
    }
    column = claim.id if claim.id in values else root
    if not column or column not in values:  # surely noise: not simulated
        nan = float("nan")
        keys = ("median", "low", "high", "flag_low", "flag_high", "tail", "mcse")
        return row | dict.fromkeys(keys, nan) | {"surprise": False}
    x = values[column].to_numpy(dtype=float)
    outer, inner = (1 - NUMBER_FLAG) / 2, (1 - NUMBER_RANGE) / 2
    q = np.quantile(x, [0.5, inner, 1 - inner, outer, 1 - outer])
    tail = min(1.0, 2 * min(float(np.mean(x <= v)), float(np.mean(x >= v))))
    row |= dict(zip(("median", "low", "high", "flag_low", "flag_high"), map(float, q), strict=True))
    row |= {
        "tail": tail,
        "mcse": float(np.sqrt(tail * (1 - tail) / len(x))),
        "surprise": bool(v < q[3] or v > q[4]),
    }
    return row

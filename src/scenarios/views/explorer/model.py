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

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.errors import SamplingWarning, ScenarioError
from scenarios.posterior import Posterior
from scenarios.spec.resolution import Resolution
from scenarios.spec.scenario import Scenario

__all__ = [
    "ANALYSIS_VIEWS",
    "AnalysisResult",
    "ExplorerModel",
    "analysis_choices",
]

#: The explorer's analysis views, by key, with their titles.
ANALYSIS_VIEWS: dict[str, str] = {
    "timeline": "Report by report",
    "sensitivity": "What matters most",
    "voi": "What to look for next",
    "what_if": "What if",
    "score": "Score",
}


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
        (what was set is ``key``); ``score`` -> ``{"score", "baseline"}``.
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
    posterior : Posterior or None
        Its exact-engine posterior (``None`` while even the opened scenario fails: then
        :attr:`error` says why).
    warnings : list of str
        The sampling warnings of the last update.
    error : Exception or None
        Why the opened scenario could not be updated.
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
        self.posterior: Posterior | None = None
        self.warnings: list[str] = []
        self.error: Exception | None = None
        self.full_posterior: Posterior | None = None
        self.analysis: dict[str, AnalysisResult] = {}
        self._find_resolution(resolution)
        try:
            self.posterior, self.warnings = self.update(scenario)
        except (ScenarioError, ValueError) as exc:
            self.error = exc
        self.baseline_score = self.score_of(self.posterior)

    # -- edits ----------------------------------------------------------------------

    def update(self, scenario: Scenario) -> tuple[Posterior, list[str]]:
        """The exact engine's posterior of a scenario, and its sampling warnings.

        Parameters
        ----------
        scenario : Scenario

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
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            post = scenario.update(draws=self.draws)
        said = [str(w.message) for w in caught if issubclass(w.category, SamplingWarning)]
        return post, said

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
        post, said = self.update(new)
        self.scenario, self.posterior, self.warnings, self.error = new, post, said, None

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
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            post = self.scenario.update(engine="pymc", **options)
        self.full_posterior = post
        return post

    def expected_reports(self, n: int = 4000, seed: int | None = None) -> pd.DataFrame:
        """What reports would we expect? P(each report is made) under the prior.

        A prior predictive check by :meth:`Scenario.simulate` on the current scenario:
        the share of simulated worlds in which each of its reports (claims, denials,
        disputes, retractions) is made, before any claim is taken into account. A report
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
        freq = self.scenario.simulate(n, seed=seed).frequencies()
        claims, sources = [], []
        for report in freq.index:
            claim_id, *role = report.split("~")
            claims.append(claim_id)
            who = role[1] if len(role) == 2 else self.scenario.claim(claim_id).source
            sources.append(who or "")
        columns = {"claim": claims, "source": sources}
        columns |= {"prior": freq["probability"], "mcse": freq["mcse"]}
        return pd.DataFrame(columns, index=freq.index)

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

    def compute(self, view: str, key: Any) -> AnalysisResult:
        """Compute one analysis view for the current scenario; kept in :attr:`analysis`.

        Parameters
        ----------
        view : str
            A key of :data:`ANALYSIS_VIEWS`.
        key : object
            The sensitivity target ``(outcome, state)`` (``None``: the most likely state
            of the first outcome), the what-if ``(fact, state)``; ``None`` otherwise.

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
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SamplingWarning)
                data, error = self._compute(view, scenario, key), None
        except (ScenarioError, ValueError, KeyError) as exc:
            data, error = {}, str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)
        result = AnalysisResult(view, scenario, key, data, time.perf_counter() - started, error)
        self.analysis[view] = result
        return result

    def _compute(self, view: str, scenario: Scenario, key: Any) -> dict[str, Any]:
        from scenarios import analysis

        if view == "timeline":
            table = analysis.timeline(scenario)
            return {"table": table, "moves": analysis.timeline_moves(table)}
        if view == "sensitivity":
            sens = analysis.sensitivity(scenario, key)
            power = analysis.power_scaling(scenario, sens.target)
            return {"sensitivity": sens, "power": power}
        if view == "voi":
            return {o: analysis.value_of_information(scenario, o) for o in scenario.outcomes}
        if view == "what_if":
            if key is None:
                raise ValueError("this scenario has no discrete fact to set")
            fact, state = key
            return {"table": analysis.what_if(scenario, **{fact: state})}
        # score: the posterior shown is already the current scenario's
        if self.resolution is None:
            raise ValueError(self.no_resolution())
        if self.posterior is None or self.posterior.scenario != scenario:
            raise ValueError("no posterior for this scenario (the last edit was refused)")
        baseline = getattr(self, "baseline_score", None)
        return {"score": analysis.score(self.posterior, self.resolution), "baseline": baseline}

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

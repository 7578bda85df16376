"""What the report computes: the update and its analysis sections, with the exact engine.

The analysis sections are the timeline, sensitivity, value of information and score:
data from :mod:`scenarios.analysis`, not markup (:mod:`scenarios.views.report.sections`
shows them). :func:`run_analysis` also finds and reads the priors file's resolution.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scenarios.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.analysis import PowerScaling, Sensitivity, ValueOfInformation
    from scenarios.posterior import Posterior
    from scenarios.spec.resolution import Resolution
    from scenarios.views.report.parameters import ReportInputs

__all__ = ["ReportAnalysis", "run_analysis", "run_update"]


def run_update(inputs: ReportInputs) -> tuple[Posterior, list[str]]:
    """Update the scenario as the inputs say, quietly; return the posterior and messages.

    Failed diagnostics are in ``posterior.warnings`` (the report shows them in red). The
    messages are any other warnings raised during the update (deprecations aside). The
    sampler's log lines are silenced so that they do not land in the report.

    Parameters
    ----------
    inputs : ReportInputs
        :func:`scenarios.views.report.report_inputs`.

    Returns
    -------
    posterior : Posterior
    messages : list of str

    Examples
    --------
    >>> from scenarios.views.report import report_inputs
    >>> post, messages = run_update(report_inputs(draws=400))
    >>> post.engine, messages
    ('exact', [])
    """
    import logging
    import warnings

    from scenarios.errors import SamplingWarning

    loggers = [logging.getLogger(n) for n in ("pymc", "pymc.sampling", "pytensor", "nutpie")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.WARNING)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            post = inputs.scenario.update(**inputs.options())
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
    other = sorted({str(w.message) for w in caught if not issubclass(w.category, SamplingWarning)})
    return post, other


@dataclass(frozen=True)
class ReportAnalysis:
    """The analysis sections of a report, computed with the exact engine.

    Attributes
    ----------
    timeline : DataFrame
        :func:`scenarios.analysis.timeline` of the scenario.
    moves : DataFrame
        :func:`scenarios.analysis.timeline_moves` of it.
    sensitivity : Sensitivity
        :func:`scenarios.analysis.sensitivity` for the most likely state of the first
        outcome.
    power : PowerScaling
        :func:`scenarios.analysis.power_scaling` for the same target.
    voi : dict of str to ValueOfInformation
        :func:`scenarios.analysis.value_of_information` for each outcome.
    resolution_path : pathlib.Path or None
        The resolution file found for the priors file
        (:func:`scenarios.io.data.resolution_for`).
    resolution : Resolution or None
        The resolution read from it.
    resolution_sha256 : str or None
    score : DataFrame or None
        :func:`scenarios.analysis.score` of the report's posterior.
    score_problem : str or None
        Why there is a resolution file but no score (it could not be read, or does not
        match the scenario's outcomes).
    """

    timeline: pd.DataFrame
    moves: pd.DataFrame
    sensitivity: Sensitivity
    power: PowerScaling
    voi: dict[str, ValueOfInformation]
    resolution_path: Path | None = None
    resolution: Resolution | None = None
    resolution_sha256: str | None = None
    score: pd.DataFrame | None = None
    score_problem: str | None = None


def run_analysis(
    post: Posterior,
    inputs: ReportInputs | None = None,
    *,
    resolution: str | os.PathLike[str] | None = None,
) -> ReportAnalysis:
    """Compute the report's analysis sections for the posterior's scenario.

    Timeline, sensitivity, power-scaling and value of information use the exact engine
    (probabilities without intervals: deterministic). The score is of ``post`` itself
    (the probabilities the report shows), against ``resolution`` or the priors file's
    resolution (:func:`scenarios.io.data.resolution_for` of ``inputs.path``).

    Parameters
    ----------
    post : Posterior
    inputs : ReportInputs, optional
        Where the priors file is, to find its resolution.
    resolution : str or path-like, optional
        A resolution file to score against instead.

    Returns
    -------
    ReportAnalysis

    Examples
    --------
    >>> from scenarios.views.report import report_inputs
    >>> inputs = report_inputs()
    >>> result = run_analysis(inputs.scenario.update(intervals=False), inputs)
    >>> result.resolution_path.name, list(result.voi)
    ('wagner-2023-06-23.yaml', ['mutiny_end', 'putin_in_power'])
    """
    from scenarios import analysis
    from scenarios.io.data import resolution_for
    from scenarios.io.files import sha256_file
    from scenarios.io.resolutions import load_resolution

    scenario = post.scenario
    table = analysis.timeline(scenario)
    sens = analysis.sensitivity(scenario)
    power = analysis.power_scaling(scenario, sens.target)
    voi = {o: analysis.value_of_information(scenario, o) for o in scenario.outcomes}
    path: Path | None = None
    if resolution is not None:
        path = Path(resolution)
    elif inputs is not None:
        path = resolution_for(inputs.path)
    res = digest = scores = problem = None
    if path is not None:
        try:
            res = load_resolution(path)
            digest = sha256_file(path)
            scores = analysis.score(post, res)
        except (ScenarioError, KeyError, OSError) as exc:
            problem = str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)
    return ReportAnalysis(
        timeline=table,
        moves=analysis.timeline_moves(table),
        sensitivity=sens,
        power=power,
        voi=voi,
        resolution_path=path,
        resolution=res,
        resolution_sha256=digest,
        score=scores,
        score_problem=problem,
    )

"""Scores: how good a forecast was, once its questions resolved.

Scores are proper: Brier (sum over states of (p - 1[resolved])^2, 0 best, 2 worst) and
log score (ln p of the resolved state, 0 best). How questions resolved is a
:class:`~scenarios.spec.resolution.Resolution` (read one with
:func:`scenarios.io.load_resolution`); forecasts archived with
:func:`scenarios.io.archive_forecast` come back with :func:`scenarios.io.load_archive`,
ready for :func:`calibration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scenarios.posterior import Posterior, scenario_hash
from scenarios.spec import reliability as rel
from scenarios.spec.fields import state_name
from scenarios.spec.propositions import evaluate
from scenarios.spec.resolution import Resolution
from scenarios.spec.scenario import Scenario

__all__ = ["calibration", "compare_forecasters", "digit_calibration", "score"]


def _probabilities(forecast: Posterior | pd.DataFrame) -> pd.Series:
    table = forecast.scenarios if isinstance(forecast, Posterior) else forecast
    return table["probability"]


def score(forecast: Posterior | pd.DataFrame, resolution: Resolution) -> pd.DataFrame:
    """Brier and log scores of a forecast on every resolved outcome it covers.

    Parameters
    ----------
    forecast : Posterior or DataFrame
        A posterior, or a scenario table (index ``(outcome, state)``, ``probability``).
    resolution : Resolution

    Returns
    -------
    pandas.DataFrame
        One row per outcome: ``resolved`` state, ``p_resolved``, ``brier``, ``log_score``.

    Raises
    ------
    KeyError
        The resolution names a state the outcome does not have, or the forecast covers
        none of the resolved outcomes.

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> resolution = Resolution(title="t", outcomes={"putin_in_power": True})
    >>> score(post, resolution).columns.tolist()
    ['resolved', 'p_resolved', 'brier', 'log_score']
    """
    probs = _probabilities(forecast)
    rows = []
    for outcome, state in resolution.outcomes.items():
        if outcome not in probs.index.get_level_values(0):
            continue
        p = probs.loc[outcome]
        if state not in p.index:
            raise KeyError(f"resolution says {outcome} = {state!r}, not a state of {list(p.index)}")
        hit = (p.index == state).astype(float)
        brier = float(((p.to_numpy() - hit) ** 2).sum())
        p_hit = float(p.loc[state])
        rows.append((outcome, state, p_hit, brier, float(np.log(p_hit)) if p_hit > 0 else -np.inf))
    if not rows:
        raise KeyError("the forecast covers none of the resolved outcomes")
    cols = ["outcome", "resolved", "p_resolved", "brier", "log_score"]
    return pd.DataFrame(rows, columns=cols).set_index("outcome")


def compare_forecasters(
    forecasts: Mapping[str, Scenario | Posterior], resolution: Resolution, **options: Any
) -> pd.DataFrame:
    """Score several forecasters on the same resolved questions.

    Parameters
    ----------
    forecasts : mapping of str to Scenario or Posterior
        Each forecaster's name (e.g. the path of their priors file) and their scenario
        (updated here with ``options``, default ``intervals=False``) or posterior.
    resolution : Resolution
    **options
        Passed to :meth:`Scenario.update`.

    Returns
    -------
    pandas.DataFrame
        One row per forecaster, best (lowest mean Brier) first: ``forecaster``, mean
        ``brier`` and ``log_score`` over the resolved outcomes, the number of
        ``outcomes`` scored, and the ``scenario_sha256`` of what was scored.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> bold = s.with_prior("army_strikes", {"p": 0.9})
    >>> resolution = Resolution(title="t", outcomes={"mutiny_end": "negotiated"})
    >>> compare_forecasters({"file": s, "bold": bold}, resolution)["outcomes"].tolist()
    [1, 1]
    """
    options.setdefault("intervals", False)
    rows = []
    for name, forecast in forecasts.items():
        post = forecast if isinstance(forecast, Posterior) else forecast.update(**options)
        scores = score(post, resolution)
        rows.append(
            (
                str(name),
                scores["brier"].mean(),
                scores["log_score"].mean(),
                len(scores),
                scenario_hash(post.scenario),
            )
        )
    cols = ["forecaster", "brier", "log_score", "outcomes", "scenario_sha256"]
    return pd.DataFrame(rows, columns=cols).sort_values("brier").reset_index(drop=True)


def calibration(forecasts: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Calibration table over many resolved questions.

    Parameters
    ----------
    forecasts : DataFrame
        One row per (question, state) forecast with columns ``probability`` and
        ``happened`` (bool): e.g. :func:`scenarios.io.load_archive` with resolutions.
    bins : int
        Equal-width probability bins.

    Returns
    -------
    pandas.DataFrame
        Per bin: ``forecasts`` (count), ``mean_forecast``, ``observed`` frequency, and
        ``stderr`` of the observed frequency.

    Examples
    --------
    >>> forecasts = pd.DataFrame({"probability": [0.1, 0.3, 0.9], "happened": [0, 1, 1]})
    >>> table = calibration(forecasts, bins=2)
    >>> table["forecasts"].tolist(), table["observed"].tolist()
    ([2, 1], [0.5, 1.0])
    """
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(forecasts["probability"], edges[1:-1]), 0, bins - 1)
    grouped = forecasts.assign(bin=which, happened=forecasts["happened"].astype(float)).groupby(
        "bin"
    )
    table = pd.DataFrame(
        {
            "low": edges[:-1],
            "high": edges[1:],
        }
    )
    table["forecasts"] = grouped.size().reindex(range(bins), fill_value=0).to_numpy()
    table["mean_forecast"] = grouped["probability"].mean().reindex(range(bins)).to_numpy()
    table["observed"] = grouped["happened"].mean().reindex(range(bins)).to_numpy()
    n = table["forecasts"].replace(0, np.nan)
    table["stderr"] = np.sqrt(table["observed"] * (1 - table["observed"]) / n)
    return table


def _held(scenario: Scenario, resolved: Resolution | Mapping[str, Any]) -> dict[str, bool]:
    """Claim id -> whether its proposition held, from what is resolved."""
    given = dict(resolved.outcomes) if isinstance(resolved, Resolution) else dict(resolved)
    known = {k: state_name(v) for k, v in given.items() if k in scenario.facts}
    held: dict[str, bool] = {}
    for claim in scenario.claims:  # resolutions made by resolve_claim
        lik = claim.likelihood
        if claim.id.startswith("resolved_") and claim.hindsight and lik is not None:
            held[claim.id.removeprefix("resolved_")] = lik.if_true == 1.0
    for claim in scenario.claims:
        if claim.id not in known and isinstance(given.get(claim.id), bool):
            held[claim.id] = given[claim.id]
        elif claim.proposition is not None and claim.id not in held:
            outcome = evaluate(claim.proposition, known)  # type: ignore[arg-type]
            if outcome is not None:
                held[claim.id] = outcome
    return held


def digit_calibration(
    forecast: Scenario | Posterior, resolved: Resolution | Mapping[str, Any]
) -> pd.DataFrame:
    """Were the analyst's information digits calibrated? Per digit, how often claims held.

    The Admiralty digit (1 confirmed ... 5 improbable, 6 cannot be judged) is the
    analyst's judgement of each claim, never a weight of its likelihood; once claims
    resolve, it can be scored: claims graded "2, probably true" should mostly hold,
    claims graded "5, improbable" mostly not.

    Parameters
    ----------
    forecast : Scenario or Posterior
        Whose claims were graded.
    resolved : Resolution or mapping
        What is known now. A mapping takes claim ids to whether the claim's proposition
        held (``True``/``False``) and fact names to their resolved state (or value; a
        name that is both a fact and a claim id is read as the fact); a
        :class:`~scenarios.spec.resolution.Resolution` is read the same way (its entries
        that name facts resolve them; outcomes are not what claims are about). Claims
        resolved in the scenario itself by
        :func:`~scenarios.analysis.records.resolve_claim` count too.

    Returns
    -------
    pandas.DataFrame
        Index ``digit`` (1-6); columns ``meaning``, ``claims`` (graded claims whose
        proposition is resolved), ``held`` (how many held), ``fraction_held`` (NaN
        without claims) and ``stderr`` (binomial standard error).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> table = digit_calibration(s, {"hq_seized": True, "mutiny_charge": True,
    ...                               "western_alarm": True, "officer_appeals": True,
    ...                               "moscow_armour": True, "putin_location": "moscow"})
    >>> table.loc[2, ["claims", "held"]].tolist(), table.loc[4, ["claims", "held"]].tolist()
    ([5, 5], [1, 1])
    """
    scenario = forecast.scenario if isinstance(forecast, Posterior) else forecast
    held = _held(scenario, resolved)
    rows = []
    for digit, meaning in rel.DIGIT_MEANINGS.items():
        outcomes = [held[c.id] for c in scenario.claims if c.information == digit and c.id in held]
        n, k = len(outcomes), sum(outcomes)
        fraction = k / n if n else float("nan")
        stderr = float(np.sqrt(fraction * (1 - fraction) / n)) if n else float("nan")
        rows.append((digit, meaning, n, k, fraction, stderr))
    cols = ["digit", "meaning", "claims", "held", "fraction_held", "stderr"]
    return pd.DataFrame(rows, columns=cols).set_index("digit")

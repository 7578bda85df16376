"""Resolutions and scores: how good the forecast was.

A resolution file records how questions (outcomes) actually resolved::

    format: scenarios-resolution/1
    title: How the Wagner mutiny ended
    resolved_at: 2023-06-24T20:00:00Z
    outcomes:
      mutiny_end: negotiated
    sources: [...]

Scores are proper: Brier (sum over states of (p - 1[resolved])^2, 0 best, 2 worst) and
log score (ln p of the resolved state, 0 best). Each archived forecast links to the
priors file and its sha256.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from scenarios.errors import ScenarioError
from scenarios.io.files import sha256_file, write_atomic
from scenarios.posterior import Posterior, scenario_hash
from scenarios.spec.fields import state_name
from scenarios.spec.validation import validation_problems

__all__ = [
    "Resolution",
    "archive_forecast",
    "calibration",
    "compare_forecasters",
    "load_archive",
    "load_resolution",
    "score",
]


class Resolution(BaseModel):
    """How outcomes resolved.

    Examples
    --------
    >>> Resolution(title="t", outcomes={"mutiny_end": "negotiated"}).outcomes["mutiny_end"]
    'negotiated'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["scenarios-resolution/1"] = "scenarios-resolution/1"
    title: str
    scenario: str | None = None
    resolved_at: datetime | None = None
    outcomes: dict[str, Annotated[str, BeforeValidator(state_name)]]
    notes: str | None = None
    sources: tuple[str, ...] = ()


def load_resolution(path: str | os.PathLike[str]) -> Resolution:
    """Load a resolution file; errors name the file and the field."""
    from scenarios.io.yamlfile import read_yaml

    path = Path(path)
    data = read_yaml(path)
    try:
        return Resolution.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc), str(path)) from None


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

    Examples
    --------
    >>> resolution = load_resolution("resolutions/wagner-2023-06-23.yaml")  # doctest: +SKIP
    >>> score(scenario.update(), resolution)  # doctest: +SKIP
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
    files: Sequence[str | os.PathLike[str]], resolution: Resolution, **options: Any
) -> pd.DataFrame:
    """Score several forecasters' priors files on the same resolved questions.

    Returns
    -------
    pandas.DataFrame
        One row per file: mean ``brier`` and ``log_score`` over the resolved outcomes,
        the number of outcomes scored, and the file's sha256; best (lowest Brier) first.
    """
    from scenarios.io import load

    options.setdefault("intervals", False)
    rows = []
    for f in files:
        scores = score(load(f).update(**options), resolution)
        digest = sha256_file(f)
        rows.append(
            (str(f), scores["brier"].mean(), scores["log_score"].mean(), len(scores), digest)
        )
    cols = ["priors", "brier", "log_score", "outcomes", "sha256"]
    return pd.DataFrame(rows, columns=cols).sort_values("brier").reset_index(drop=True)


def calibration(forecasts: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Calibration table over many resolved questions.

    Parameters
    ----------
    forecasts : DataFrame
        One row per (question, state) forecast with columns ``probability`` and
        ``happened`` (bool): e.g. :func:`load_archive` joined with resolutions.
    bins : int
        Equal-width probability bins.

    Returns
    -------
    pandas.DataFrame
        Per bin: ``forecasts`` (count), ``mean_forecast``, ``observed`` frequency, and
        ``stderr`` of the observed frequency.
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


def archive_forecast(
    posterior: Posterior, priors: str | os.PathLike[str] | None, archive: str | os.PathLike[str]
) -> Path:
    """Archive a forecast as JSON, linked to the priors file and its sha256.

    Written atomically to a new file in ``archive`` (never overwriting).
    """
    folder = Path(archive)
    folder.mkdir(parents=True, exist_ok=True)
    priors_hash = sha256_file(priors) if priors else None
    record = {
        "archived_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "priors": str(priors) if priors else None,
        "priors_sha256": priors_hash,
        "scenario_sha256": scenario_hash(posterior.scenario),
        "title": posterior.scenario.title,
        "as_of": posterior.scenario.as_of.isoformat() if posterior.scenario.as_of else None,
        "engine": posterior.engine,
        "seed": posterior.seed,
        "forecast": [
            {
                "outcome": o,
                "state": s,
                "probability": float(r.probability),
                "lower": float(r.lower),
                "upper": float(r.upper),
            }
            for (o, s), r in posterior.scenarios.iterrows()
        ],
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for n in range(1, 1000):
        path = folder / f"forecast-{stamp}-{n}.json"
        try:
            write_atomic(path, json.dumps(record, indent=2), overwrite=False)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name in {folder}")


def load_archive(
    archive: str | os.PathLike[str], resolutions: Iterable[Resolution] = ()
) -> pd.DataFrame:
    """Every archived forecast as rows; with resolutions, a ``happened`` column."""
    resolved: Mapping[str, str] = {}
    for r in resolutions:
        resolved = {**resolved, **r.outcomes}
    rows = []
    for path in sorted(Path(archive).glob("forecast-*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for f in record["forecast"]:
            row = {
                "file": path.name,
                "priors": record["priors"],
                "priors_sha256": record["priors_sha256"],
                "title": record["title"],
                **f,
            }
            if f["outcome"] in resolved:
                row["happened"] = resolved[f["outcome"]] == f["state"]
            rows.append(row)
    return pd.DataFrame(rows)

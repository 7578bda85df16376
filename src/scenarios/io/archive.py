"""An archive of forecasts: each one a JSON file linked to its priors file and sha256.

Archiving a forecast when it is made, and scoring the archive once the questions
resolve, is how a team learns whether its probabilities are calibrated
(:func:`scenarios.analysis.calibration`). A forecast is never overwritten: each gets a
new file ``forecast-<UTC time>-<n>.json``, written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from scenarios.errors import ScenarioError
from scenarios.io.files import read_text, sha256_file, write_atomic
from scenarios.spec.validation import validation_problems

if TYPE_CHECKING:
    from scenarios.posterior import Posterior
    from scenarios.spec.resolution import Resolution

__all__ = ["FORECAST_FORMAT", "archive_forecast", "load_archive", "read_forecast"]

#: The ``format`` tag of an archived forecast.
FORECAST_FORMAT = "scenarios-forecast/1"


class ForecastRow(BaseModel):
    """One state's probability in an archived forecast."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: str
    state: str
    probability: float
    lower: float
    upper: float


class ArchivedForecast(BaseModel):
    """An archived forecast as written by :func:`archive_forecast`.

    Examples
    --------
    >>> ArchivedForecast(title="t", forecast=[]).format
    'scenarios-forecast/1'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["scenarios-forecast/1"] = FORECAST_FORMAT
    archived_at: str | None = None
    priors: str | None = None
    priors_sha256: str | None = None
    scenario_sha256: str | None = None
    title: str
    as_of: str | None = None
    engine: str | None = None
    seed: int | None = None
    forecast: tuple[ForecastRow, ...]


def archive_forecast(
    posterior: Posterior,
    priors: str | os.PathLike[str] | None,
    archive: str | os.PathLike[str],
) -> Path:
    """Archive a forecast as JSON, linked to the priors file and its sha256.

    Parameters
    ----------
    posterior : Posterior
        The forecast: its scenario table, engine, seed and scenario hash are kept.
    priors : str or path-like, optional
        The priors file it was made from (its path and sha256 are recorded).
    archive : str or path-like
        The archive folder (created if missing).

    Returns
    -------
    pathlib.Path
        The new file. Files already in the archive are never touched.

    Examples
    --------
    >>> import tempfile, scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> path = archive_forecast(post, scenarios.default_priors(), tempfile.mkdtemp())
    >>> read_forecast(path).title == post.scenario.title
    True
    """
    folder = Path(archive)
    folder.mkdir(parents=True, exist_ok=True)
    provenance = posterior.provenance()
    scenario = posterior.scenario
    now = datetime.now(UTC)
    record = {
        "format": FORECAST_FORMAT,
        "archived_at": now.isoformat(timespec="seconds"),
        "priors": str(priors) if priors else None,
        "priors_sha256": sha256_file(priors) if priors else None,
        "scenario_sha256": provenance["scenario_sha256"],
        "title": scenario.title,
        "as_of": scenario.as_of.isoformat() if scenario.as_of else None,
        "engine": provenance["engine"],
        "seed": provenance["seed"],
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
    text = json.dumps(record, indent=2)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    for n in range(1, 1000):
        try:
            return write_atomic(folder / f"forecast-{stamp}-{n}.json", text, overwrite=False)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free name in {folder}")


def read_forecast(path: str | os.PathLike[str]) -> ArchivedForecast:
    """Read one archived forecast (bounded read, validated).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    ArchivedForecast

    Raises
    ------
    ScenarioError
        Naming the file, and the line and column of a JSON error or the field that is
        wrong.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "forecast-x.json"
    >>> _ = bad.write_text('{"title": "t", "forecast": [{"outcome": "o"}]}')
    >>> read_forecast(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: .../forecast-x.json: 4 problems
      - forecast.0.state: Field required
    ...
    """
    name = str(path)
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError.single(
            (f"line {exc.lineno}, column {exc.colno}",), f"not valid JSON: {exc.msg}", name
        ) from None
    except RecursionError:
        raise ScenarioError.single((), "nesting is too deep", name) from None
    if not isinstance(data, dict):
        raise ScenarioError.single(
            (), f"expected a mapping with title and forecast, got {type(data).__name__}", name
        )
    try:
        return ArchivedForecast.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc), name) from None


def load_archive(
    archive: str | os.PathLike[str], resolutions: Iterable[Resolution] = ()
) -> pd.DataFrame:
    """Every archived forecast as rows; with resolutions, a ``happened`` column.

    Parameters
    ----------
    archive : str or path-like
        The folder :func:`archive_forecast` writes to.
    resolutions : iterable of Resolution
        How the questions resolved (a later resolution of the same outcome wins).

    Returns
    -------
    pandas.DataFrame
        One row per archived (outcome, state): ``file``, ``priors``, ``priors_sha256``,
        ``title``, ``outcome``, ``state``, ``probability``, ``lower``, ``upper``, and
        ``happened`` (bool) for resolved outcomes: ready for
        :func:`scenarios.analysis.calibration`.

    Raises
    ------
    ScenarioError
        An archived file that cannot be read, naming it.

    Examples
    --------
    >>> import tempfile
    >>> load_archive(tempfile.mkdtemp()).empty
    True
    """
    resolved: dict[str, str] = {}
    for r in resolutions:
        resolved.update(r.outcomes)
    rows = []
    for path in sorted(Path(archive).glob("forecast-*.json")):
        record = read_forecast(path)
        for f in record.forecast:
            row = {
                "file": path.name,
                "priors": record.priors,
                "priors_sha256": record.priors_sha256,
                "title": record.title,
                **f.model_dump(),
            }
            if f.outcome in resolved:
                row["happened"] = resolved[f.outcome] == f.state
            rows.append(row)
    return pd.DataFrame(rows)

"""What a report records: its numbers and everything that produced them, as JSON data.

The report notebook emits :func:`report_data` under :data:`REPORT_MIME` in a cell tagged
:data:`DATA_TAG` (left out of the HTML); :func:`read_report` reads it back from the
executed notebook beside a report.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.analysis.timeline import LEDGER_COLUMNS
from scenarios.io.files import decode, read_bytes, read_text, sha256_bytes
from scenarios.views.report.errors import ReportError
from scenarios.views.report.sections import TOP_MOVES, TOP_SENSITIVITY, TOP_VOI

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.posterior import Posterior
    from scenarios.views.report.analysis import ReportAnalysis
    from scenarios.views.report.parameters import ReportInputs

__all__ = [
    "DATA_TAG",
    "MAX_NOTEBOOK_BYTES",
    "NOTEBOOK_SHA256_META",
    "REPORT_MIME",
    "analysis_data",
    "provenance",
    "read_report",
    "report_data",
]

#: Mime type of the machine-readable copy of a report's numbers in the executed notebook.
REPORT_MIME = "application/vnd.scenarios.report+json"
#: Tag of the cell that emits it (left out of the HTML).
DATA_TAG = "report-data"
#: Name of the HTML ``<meta>`` holding the sha256 of the executed notebook beside it.
NOTEBOOK_SHA256_META = "scenarios-notebook-sha256"
#: Largest executed notebook :func:`read_report` reads (its charts make it big).
MAX_NOTEBOOK_BYTES = 200_000_000


def _plain(value: Any) -> Any:
    """Numpy and pandas scalars to plain Python, recursively (for JSON)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame, index: bool = True) -> list[dict[str, Any]]:
    frame = frame.reset_index() if index else frame
    return [_plain(r) for r in frame.to_dict(orient="records")]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _iso(value: Any) -> str | None:
    import pandas as pd

    return None if value is None or pd.isna(value) else value.isoformat()


def provenance(
    post: Posterior, inputs: ReportInputs, run_at: datetime | None = None
) -> dict[str, Any]:
    """Everything that produced a report's numbers, as plain JSON-able data.

    Parameters
    ----------
    post : Posterior
    inputs : ReportInputs
    run_at : datetime, optional
        When the report ran; default: now.

    Returns
    -------
    dict
        ``priors_file``, ``priors_given``, ``priors_sha256``, ``overrides``, ``engine``,
        ``seed``, ``seed_given``, ``draws``, ``parameters``, ``run_at_utc``,
        ``python_executable`` and ``posterior`` (:meth:`Posterior.provenance`).

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_update
    >>> inputs = report_inputs()
    >>> post, _ = run_update(inputs)
    >>> provenance(post, inputs)["priors_sha256"] == inputs.sha256
    True
    """
    run_at = run_at or datetime.now(UTC)
    return {
        "priors_file": str(inputs.path),
        "priors_given": inputs.priors,
        "priors_sha256": inputs.sha256,
        "overrides": inputs.overrides,
        "engine": post.engine,
        "seed": post.seed,
        "seed_given": -1 if inputs.seed is None else inputs.seed,
        "draws": inputs.draws,
        "parameters": inputs.parameters(),
        "run_at_utc": run_at.astimezone(UTC).isoformat(timespec="seconds"),
        "python_executable": sys.executable,
        "posterior": _plain(post.provenance()),
    }


def analysis_data(analysis: ReportAnalysis) -> dict[str, Any]:
    """The analysis sections' numbers as JSON-able data (part of :func:`report_data`).

    Parameters
    ----------
    analysis : ReportAnalysis

    Returns
    -------
    dict
        ``timeline``, ``sensitivity``, ``power_scaling``, ``value_of_information`` and
        ``scoring`` (``None`` without a resolution).

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_analysis
    >>> inputs = report_inputs()
    >>> data = analysis_data(run_analysis(inputs.scenario.update(intervals=False), inputs))
    >>> data["scoring"]["resolved"]
    {'mutiny_end': 'negotiated', 'putin_in_power': 'true'}
    """
    table = analysis.timeline
    outcomes = [c for c in table.columns if c[0] not in LEDGER_COLUMNS]
    steps = []
    for step, row in table.iterrows():
        probs: dict[str, dict[str, float]] = {}
        for o, s in outcomes:
            probs.setdefault(o, {})[s] = float(row[(o, s)])
        steps.append(
            {
                "step": int(step),
                "time": _iso(row[("time", "")]),
                "claim": row[("claim", "")],
                "event": row[("event", "")],
                "text": row[("text", "")],
                "moved": float(row[("moved", "")]),
                "probabilities": probs,
            }
        )
    moves = analysis.moves.assign(time=[_iso(t) for t in analysis.moves["time"]])
    sens, power = analysis.sensitivity, analysis.power
    data: dict[str, Any] = {
        "timeline": {"steps": steps, "moved_most": _records(moves.head(TOP_MOVES))},
        "sensitivity": {
            "target": list(sens.target),
            "probability": float(sens.probability),
            "shown": TOP_SENSITIVITY,
            "rows": _records(sens.table, index=False),
        },
        "power_scaling": {
            "target": list(power.target),
            "prior_share": _finite(power.prior_share),
            "prior_slope": _plain(power.prior_slope),
            "evidence_slope": _plain(power.evidence_slope),
            "table": _records(power.table),
        },
        "value_of_information": {
            o: {
                "entropy_bits": float(t.entropy_bits),
                "shown": TOP_VOI,
                "rows": _records(t.table),
            }
            for o, t in analysis.voi.items()
        },
        "scoring": None,
    }
    if analysis.resolution_path is not None:
        res = analysis.resolution
        scoring: dict[str, Any] = {
            "hindsight": True,
            "resolution_file": str(analysis.resolution_path),
            "resolution_sha256": analysis.resolution_sha256,
            "problem": analysis.score_problem,
        }
        if res is not None:
            scoring["title"] = res.title
            scoring["resolved_at"] = _iso(res.resolved_at)
            scoring["resolved"] = dict(res.outcomes)
        if analysis.score is not None:
            scoring["outcomes"] = _records(analysis.score)
            scoring["mean_brier"] = float(analysis.score["brier"].mean())
            scoring["mean_log_score"] = float(analysis.score["log_score"].mean())
        data["scoring"] = scoring
    return data


def report_data(
    post: Posterior,
    inputs: ReportInputs,
    run_at: datetime | None = None,
    analysis: ReportAnalysis | None = None,
) -> dict[str, Any]:
    """The report's numbers and provenance as JSON-able data (see :func:`read_report`).

    Parameters
    ----------
    post : Posterior
    inputs : ReportInputs
    run_at : datetime, optional
        When the report ran; default: now.
    analysis : ReportAnalysis, optional
        With it, also the keys of :func:`analysis_data`.

    Returns
    -------
    dict
        ``title``, ``interval``, ``scenarios``, ``facts``, ``quantities``, ``compare``,
        ``diagnostics`` (lists of records), ``warnings``, and ``provenance``.

    Examples
    --------
    >>> from scenarios.views.report import report_inputs, run_update
    >>> inputs = report_inputs()
    >>> post, _ = run_update(inputs)
    >>> report_data(post, inputs)["scenarios"][0]["state"]
    'negotiated'
    """
    extra = analysis_data(analysis) if analysis is not None else {}
    return {
        "title": post.scenario.title,
        "interval": post.interval,
        "scenarios": _records(post.scenarios),
        "facts": _records(post.facts),
        "quantities": _records(post.quantities),
        "compare": _records(post.compare()),
        "diagnostics": _records(post.diagnostics),
        "warnings": list(post.warnings),
        **extra,
        "provenance": provenance(post, inputs, run_at),
    }


def read_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The numbers and provenance of a built report (from its executed notebook).

    Parameters
    ----------
    path : str or path-like
        The report's ``.html`` or ``.ipynb``; the ``.ipynb`` beside it is read.

    Returns
    -------
    dict
        :func:`report_data` as the report's kernel computed it.

    Raises
    ------
    ReportError
        The notebook has no report data, or it is not the notebook the HTML beside it
        was rendered from (the HTML records its notebook's sha256): the numbers would
        not be the ones the HTML shows.
    scenarios.ScenarioError
        The notebook cannot be read (missing, not a regular file, too large).

    Examples
    --------
    A report's notebook holds its data in one output; here a notebook with only that
    output stands in for one that :func:`~scenarios.views.report.build_report` wrote:

    >>> import nbformat, tempfile
    >>> out = nbformat.v4.new_output("display_data", data={REPORT_MIME: {"seed": 1}})
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[out])])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     nbformat.write(nb, Path(folder) / "wagner.ipynb")
    ...     read_report(Path(folder) / "wagner.html")
    {'seed': 1}
    """
    import nbformat

    nb_path, html_path = Path(path).with_suffix(".ipynb"), Path(path).with_suffix(".html")
    raw = read_bytes(nb_path, MAX_NOTEBOOK_BYTES)
    if html_path.exists():
        found = re.search(
            rf'<meta name="{NOTEBOOK_SHA256_META}" content="([0-9a-f]{{64}})">',
            read_text(html_path, MAX_NOTEBOOK_BYTES),
        )
        if found is not None and found.group(1) != sha256_bytes(raw):
            raise ReportError.single(
                (),
                "the notebook beside it is not the one this report was rendered from "
                "(sha256 differs from the HTML's); build the report again",
                str(html_path),
            )
    nb = nbformat.reads(decode(raw, str(nb_path)), as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if REPORT_MIME in data:
                return dict(data[REPORT_MIME])
    raise ReportError.single(
        (), f"no report data in the notebook (cell tagged {DATA_TAG!r})", str(path)
    )

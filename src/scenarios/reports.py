"""Reproducible reports: the report notebook run by papermill, rendered to HTML.

:func:`build_report` runs ``notebooks/report.ipynb`` on a priors file in a real Jupyter
kernel (papermill), renders the executed notebook to HTML without its code (nbconvert),
and writes ``<out_dir>/<name>.html`` and the executed ``<name>.ipynb``, each atomically:
a run that fails or is interrupted leaves the previous report as it was.

The notebook's parameters are data, never code: papermill writes them as string and
integer literals, and the notebook hands them to :func:`report_inputs`, which reads the
priors file (a path, nothing else), parses ``overrides`` with :func:`json.loads` and
checks every type. The pieces the notebook displays (tables, charts, the provenance
block) are functions here, so that tests reach them without a kernel.

Examples
--------
>>> from scenarios.reports import build_report
>>> html = build_report(out_dir="reports")  # doctest: +SKIP
>>> html  # doctest: +SKIP
PosixPath('reports/wagner-2023-06-23.html')
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import ScenarioError
from scenarios.views.plots import (
    LEDGER_COLUMNS,
    plot_prior_posterior,
    plot_sampling,
    plot_scenarios,
    plot_sensitivity,
    plot_timelines,
)

if TYPE_CHECKING:
    import nbformat
    import pandas as pd

    from scenarios.analysis import PowerScaling, Sensitivity, ValueOfInformation
    from scenarios.posterior import Posterior
    from scenarios.spec.scenario import Scenario

__all__ = [
    "DATA_TAG",
    "LEDGER_COLUMNS",
    "NOTEBOOK_ONLY_TAG",
    "PARAMETERS",
    "REPORT_MIME",
    "SAMPLING_CAPTION",
    "SCORING_HEADING",
    "ParameterError",
    "ReportAnalysis",
    "ReportError",
    "ReportInputs",
    "analysis_data",
    "build_report",
    "claims_table",
    "find_resolution",
    "notebook_path",
    "parse_overrides",
    "plot_prior_posterior",
    "plot_sampling",
    "plot_scenarios",
    "plot_sensitivity",
    "plot_timelines",
    "prior_share_text",
    "provenance",
    "read_report",
    "render_html",
    "report_data",
    "report_inputs",
    "run_analysis",
    "run_update",
    "scoring_html",
    "sensitivity_html",
    "timeline_html",
    "timeline_moves",
    "voi_html",
]

#: The report notebook's parameters and their defaults (its cell tagged ``parameters``).
PARAMETERS: dict[str, str | int] = {
    "priors": "",
    "overrides": "{}",
    "engine": "exact",
    "seed": -1,
    "draws": 4000,
}
#: Mime type of the machine-readable copy of a report's numbers in the executed notebook.
REPORT_MIME = "application/vnd.scenarios.report+json"
#: Tag of the cell that emits it (left out of the HTML).
DATA_TAG = "report-data"
#: Tag of cells for whoever opens the notebook itself (left out of the HTML).
NOTEBOOK_ONLY_TAG = "notebook-only"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_OVERRIDES_EXAMPLE = '\'{"hq_seized": {"p": 0.6}}\''


class ReportError(Exception):
    """A report could not be built (the notebook failed, or the kernel is not ours)."""


class ParameterError(ReportError, ValueError):
    """A report parameter has the wrong type or value; the message says what was expected."""


# --- inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInputs:
    """A report's validated inputs: the scenario to update and how.

    Attributes
    ----------
    priors : str
        The priors value as given (``""``: the built-in default).
    path : pathlib.Path
        The priors file read, absolute.
    sha256 : str
        sha256 of that file's bytes.
    overrides : dict
        Fact or outcome name -> prior, applied with :meth:`Scenario.with_prior`.
    engine : str
    seed : int or None
        ``None``: the file's seed.
    draws : int
    scenario : Scenario
        The file's scenario with the overrides applied.
    """

    priors: str
    path: Path
    sha256: str
    overrides: dict[str, Any]
    engine: str
    seed: int | None
    draws: int
    scenario: Scenario = field(repr=False)

    def options(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`Scenario.update`."""
        return {"engine": self.engine, "seed": self.seed, "draws": self.draws}

    def parameters(self) -> dict[str, str | int]:
        """The notebook parameters that reproduce these inputs (plain strings and ints)."""
        return {
            "priors": str(self.path),
            "overrides": json.dumps(self.overrides, sort_keys=True),
            "engine": self.engine,
            "seed": -1 if self.seed is None else self.seed,
            "draws": self.draws,
        }


def parse_overrides(value: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """Overrides as a mapping of fact or outcome name -> prior.

    Parameters
    ----------
    value : str, mapping or None
        JSON text (``'{"hq_seized": {"p": 0.6}}'``), a mapping, or ``None``/``""`` (none).

    Raises
    ------
    ParameterError
        If the text is not JSON, or not an object whose values are objects.

    Examples
    --------
    >>> parse_overrides('{"hq_seized": {"p": 0.6}}')
    {'hq_seized': {'p': 0.6}}
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ParameterError(
                f"overrides: not valid JSON ({exc.msg} at character {exc.pos}); expected an "
                f"object of fact name -> prior, e.g. {_OVERRIDES_EXAMPLE}"
            ) from None
    if not isinstance(value, Mapping):
        raise ParameterError(
            f"overrides: expected an object of fact name -> prior, e.g. {_OVERRIDES_EXAMPLE}, "
            f"got {type(value).__name__}"
        )
    out: dict[str, Any] = {}
    for name, prior in value.items():
        if not isinstance(name, str) or not isinstance(prior, Mapping):
            raise ParameterError(
                f'overrides[{name!r}]: expected a prior object such as {{"p": 0.6}}, '
                f"got {type(prior).__name__} {prior!r:.80}"
            )
        out[name] = dict(prior)
    return out


def _integer(name: str, value: object, *, low: int, high: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{name}: expected an integer ({meaning}), got {value!r:.80}")
    if not low <= value < high:
        raise ParameterError(f"{name}: expected {meaning}, got {value}")
    return value


def report_inputs(
    priors: str | os.PathLike[str] | None = None,
    *,
    overrides: str | Mapping[str, Any] | None = None,
    engine: str = "exact",
    seed: int | None = None,
    draws: int | None = None,
) -> ReportInputs:
    """Check a report's parameters and read its priors file.

    Accepts the notebook's forms (``priors=""``, ``seed=-1``, ``overrides`` as JSON text)
    and Python's (``None``, a mapping). Nothing is evaluated: ``priors`` is only ever a
    path, ``overrides`` only ever JSON.

    Parameters
    ----------
    priors : str, path-like or None
        A scenario file; ``None`` or ``""``: :func:`scenarios.default_priors`.
    overrides : str, mapping or None
        Fact or outcome name -> prior (see :func:`parse_overrides`).
    engine : {"exact", "pymc"}
    seed : int or None
        Seed of every random draw; ``None`` or ``-1``: the file's seed.
    draws : int or None
        Draws behind the intervals (exact) or per chain (pymc); ``None``: 4000.

    Returns
    -------
    ReportInputs

    Raises
    ------
    ParameterError
        A parameter of the wrong type or value.
    scenarios.ScenarioError
        The file cannot be read or is not a valid scenario, or an override is invalid.

    Examples
    --------
    >>> inputs = report_inputs(overrides='{"hq_seized": {"p": 0.6}}', seed=3)
    >>> inputs.seed, inputs.path.name
    (3, 'wagner-2023-06-23.yaml')
    """
    from pydantic import ValidationError

    from scenarios.engines import ENGINES
    from scenarios.io import default_priors, from_bytes
    from scenarios.spec.validation import validation_problems

    if priors is None or (isinstance(priors, str) and priors == ""):
        given, path = "", default_priors()
    elif isinstance(priors, str | os.PathLike):
        given, path = os.fspath(priors), Path(priors)
    else:
        raise ParameterError(
            f"priors: expected a file path (text), got {type(priors).__name__} {priors!r:.80}"
        )
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ParameterError(f"engine: expected one of {list(ENGINES)}, got {engine!r:.80}")
    if seed is None or (type(seed) is int and seed == -1):
        seed = None
    else:
        seed = _integer("seed", seed, low=0, high=2**32, meaning="0 <= seed < 2**32, or -1")
    draws = 4000 if draws is None else draws
    draws = _integer("draws", draws, low=1, high=10**7, meaning="a positive number of draws")
    wanted = parse_overrides(overrides)

    try:
        path = path.resolve()
        raw = path.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioError.single((), f"cannot read the priors file: {reason}", given) from None
    scenario = from_bytes(raw, str(path))
    for name, prior in wanted.items():
        try:
            scenario = scenario.with_prior(name, prior)
        except KeyError:
            known = ", ".join(scenario.nodes)
            raise ParameterError(
                f"overrides: {name!r} is not a fact or outcome of {path.name}; known: {known}"
            ) from None
        except ScenarioError as exc:
            raise exc.with_file(f"{path} with overrides {{{name!r}: ...}}") from None
        except ValidationError as exc:  # the prior itself, before the scenario re-validates
            group = "facts" if name in scenario.facts else "outcomes"
            problems = validation_problems(exc, (group, name, "prior"))
            raise ScenarioError(problems, f"{path} with overrides {{{name!r}: ...}}") from None
    return ReportInputs(
        priors=given,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        overrides=wanted,
        engine=engine,
        seed=seed,
        draws=draws,
        scenario=scenario,
    )


def run_update(inputs: ReportInputs) -> tuple[Posterior, list[str]]:
    """Update the scenario as the inputs say, quietly; return the posterior and messages.

    Failed diagnostics are in ``posterior.warnings`` (the report shows them in red). The
    messages are any other warnings raised during the update (deprecations aside). The
    sampler's log lines are silenced so that they do not land in the report.
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


# --- tables ---------------------------------------------------------------------------

_STYLE = """
<style>
.sc-report { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24;
  max-width: 1100px; }
.sc-report h1 { font-size: 1.9em; margin: 0.2em 0 0.1em 0; }
.sc-report .sc-meta { color: #57606a; margin: 0.2em 0 0.8em 0; }
.sc-report .sc-desc { font-size: 1.05em; line-height: 1.45; max-width: 60em; }
.sc-report table.sc { border-collapse: collapse; margin: 0.5em 0 1em 0; font-size: 0.95em; }
.sc-report table.sc th, .sc-report table.sc td { padding: 4px 10px;
  border-bottom: 1px solid #d8dee4; text-align: left; vertical-align: top; }
.sc-report table.sc th { background: #f6f8fa; }
.sc-report table.sc td.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.sc-report table.sc tr.sc-group td { background: #eef2f6; font-weight: 600; padding-top: 8px; }
.sc-report .sc-bar { display: inline-block; height: 0.8em; background: #3b6fb6;
  vertical-align: middle; }
.sc-report .sc-bar-box { display: inline-block; width: 120px; background: #e8edf3; }
.sc-report .sc-note { color: #57606a; font-size: 0.9em; max-width: 60em; }
.sc-report .sc-warn { border: 2px solid #cf222e; background: #ffebe9; color: #82071e;
  padding: 8px 12px; margin: 0.6em 0; font-weight: 600; }
.sc-report .sc-hindsight { border-left: 4px solid #bf8700; background: #fff8c5;
  padding: 6px 12px; margin: 0.6em 0; max-width: 60em; }
.sc-report .sc-ok { color: #1a7f37; font-weight: 600; }
.sc-report .sc-bad { color: #cf222e; font-weight: 700; }
.sc-report code { font-size: 0.9em; overflow-wrap: anywhere; }
.sc-report td.sc-wide { min-width: 30em; max-width: 46em; }
.sc-report .sc-cite { color: #404850; font-style: italic; margin: 4px 0 2px 0;
  padding-left: 8px; border-left: 3px solid #d0d7de; }
</style>
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _pct(p: float) -> str:
    return f"{p:.1%}"


def _wrap(body: str) -> str:
    return f'{_STYLE}<div class="sc-report">{body}</div>'


def _describe(node: Any, state: str) -> str:
    states = getattr(node, "states", None)
    if isinstance(states, Mapping):
        return str(states.get(state) or "")
    return ""


def header_html(post: Posterior, inputs: ReportInputs | None = None) -> str:
    """Title, as-of time, source document, description and any failed diagnostics."""
    s = post.scenario
    meta = []
    if s.as_of is not None:
        meta.append(f"as of {s.as_of:%d %B %Y, %H:%M} UTC")
    if s.report is not None and (s.report.title or s.report.url or s.report.file):
        meta.append(f"source: {_e(s.report.title or s.report.url or s.report.file)}")
    sources = {c.source for c in s.claims if c.source}
    meta.append(f"{len(s.claims)} claims from {len(sources)} sources")
    meta.append(f"engine {_e(post.engine)}, seed {post.seed}")
    body = f"<h1>{_e(s.title)}</h1><p class='sc-meta'>{' · '.join(meta)}</p>"
    if s.description:
        body += f"<p class='sc-desc'>{_e(s.description)}</p>"
    if inputs is not None and inputs.overrides:
        names = ", ".join(_e(n) for n in inputs.overrides)
        body += (
            f"<p class='sc-warn'>Priors overridden for this report: {names} "
            "(see Provenance); these are not the file's numbers.</p>"
        )
    body += warnings_html(post)
    return _wrap(body)


def warnings_html(post: Posterior, other: Sequence[str] = ()) -> str:
    """Failed diagnostics, in red; empty when everything passed."""
    out = ""
    if post.warnings:
        items = "".join(f"<li>{_e(w)}</li>" for w in post.warnings)
        out += (
            "<div class='sc-warn'>Diagnostics failed: the intervals (and, for the pymc engine, "
            f"the probabilities) may be unreliable.<ul>{items}</ul></div>"
        )
    if other:
        items = "".join(f"<li>{_e(w)}</li>" for w in other)
        out += f"<div class='sc-note'>Other messages from the update:<ul>{items}</ul></div>"
    return out


def scenario_table_html(post: Posterior) -> str:
    """The scenario probabilities: one group per outcome, with intervals and priors."""
    s = post.scenario
    table, prior = post.scenarios, post.prior_scenarios
    mcse = "mcse" in table.columns
    head = (
        "<tr><th>state</th><th>what it means</th><th>probability</th><th></th>"
        f"<th>{post.interval_mass:.0%} interval</th><th>prior</th><th>change</th>"
        + ("<th>MCSE</th>" if mcse else "")
        + "</tr>"
    )
    rows = []
    ncol = 8 if mcse else 7
    for outcome in dict.fromkeys(table.index.get_level_values(0)):
        node = s.outcomes[outcome]
        question = f" — {_e(node.question)}" if node.question else ""
        rows.append(f"<tr class='sc-group'><td colspan='{ncol}'>{_e(outcome)}{question}</td></tr>")
        for state, row in table.loc[outcome].iterrows():
            p0 = float(prior.loc[(outcome, state), "probability"])
            change = (row.probability - p0) * 100
            bar = (
                "<span class='sc-bar-box'><span class='sc-bar' "
                f"style='width:{max(0.0, min(1.0, row.probability)) * 100:.1f}%'></span></span>"
            )
            rows.append(
                f"<tr><td>{_e(state)}</td><td>{_e(_describe(node, str(state)))}</td>"
                f"<td class='num'><b>{_pct(row.probability)}</b></td><td>{bar}</td>"
                f"<td class='num'>{_pct(row.lower)} – {_pct(row.upper)}</td>"
                f"<td class='num'>{_pct(p0)}</td><td class='num'>{change:+.1f} pts</td>"
                + (f"<td class='num'>{row.mcse:.4f}</td>" if mcse else "")
                + "</tr>"
            )
    note = (
        "<p class='sc-note'><b>probability</b>: posterior mean P(state | claims). "
        f"<b>interval</b>: {_e(post.interval)}, where θ is every uncertain probability of the "
        "model (priors given with a concentration, source reliabilities). <b>prior</b>: the "
        "same probability before the claims; <b>change</b>: posterior minus prior, in "
        "percentage points."
        + (" <b>MCSE</b>: Monte Carlo standard error of the probability." if mcse else "")
        + "</p>"
    )
    return _wrap(f"<table class='sc'>{head}{''.join(rows)}</table>{note}")


def claims_table(scenario: Scenario) -> pd.DataFrame:
    """Every claim with what it asserts, who said it, how graded, how hedged, when, where.

    Examples
    --------
    >>> import scenarios
    >>> claims_table(scenarios.load(scenarios.default_priors())).columns[:3].tolist()
    ['claim', 'text', 'asserts']
    """
    import pandas as pd

    rows = []
    for c in scenario.claims:
        src = scenario.sources.get(c.source) if c.source else None
        if c.likelihood is not None:
            grade = "explicit likelihood"
        elif src is not None and (src.true_positive or src.false_positive):
            grade = "explicit rates" + (f" ({src.grade})" if src.grade else "")
        else:
            grade = (src.grade if src is not None else None) or "—"
        if c.reported is not None:
            r = c.reported
            asserts = f"{r.fact} reported as {r.value:g} (sd {r.sd:g})"
        else:
            asserts = c.proposition
        rows.append(
            {
                "claim": c.id,
                "text": c.text,
                "asserts": asserts,
                "source": c.source or "—",
                "grade": grade,
                "information": c.information if c.information is not None else "—",
                "status": c.status,
                "hedge": c.hedge or "—",
                "time": f"{c.time:%Y-%m-%d %H:%M} UTC" if c.time is not None else "—",
                "citation": c.cites or "—",
            }
        )
    columns = [
        "claim",
        "text",
        "asserts",
        "source",
        "grade",
        "information",
        "status",
        "hedge",
        "time",
        "citation",
    ]
    return pd.DataFrame(rows, columns=columns)


def _frame_html(frame: pd.DataFrame, numeric: Sequence[str] = (), fmt: str = "{:.3f}") -> str:
    cols = list(frame.columns)
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if c in numeric and isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f"<td class='num'>{_e(fmt.format(v))}</td>")
            else:
                cells.append(f"<td>{_e(v)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table class='sc'><tr>{head}</tr>{''.join(body)}</table>"


def claims_html(scenario: Scenario) -> str:
    """The claims as HTML: each with what it asserts and the sentence it cites; then sources."""
    frame = claims_table(scenario)
    rows = []
    for r in frame.itertuples(index=False):
        cite = f"<div class='sc-cite'>“{_e(r.citation)}”</div>" if r.citation != "—" else ""
        rows.append(
            f"<tr><td><b>{_e(r.claim)}</b><div class='sc-note'>{_e(r.time)}</div></td>"
            f"<td class='sc-wide'>{_e(r.text)}{cite}"
            f"<div class='sc-note'>read as: <code>{_e(r.asserts)}</code></div></td>"
            f"<td>{_e(r.source)}</td><td>{_e(r.grade)}</td><td class='num'>{_e(r.information)}</td>"
            f"<td>{_e(r.status)}</td><td>{_e(r.hedge)}</td></tr>"
        )
    head = (
        "<tr><th>claim, time</th><th>what was reported, and the sentence cited</th>"
        "<th>source</th><th>source grade</th><th>information</th><th>status</th>"
        "<th>hedge</th></tr>"
    )
    counts = frame["source"].value_counts()
    src_rows = []
    for key, src in scenario.sources.items():
        label = src.name or key
        src_rows.append(
            f"<tr><td><b>{_e(key)}</b></td><td>{_e(label)}</td><td>{_e(src.grade or '—')}</td>"
            f"<td class='num'>{int(counts.get(key, 0))}</td></tr>"
        )
    sources = (
        "<table class='sc'><tr><th>source</th><th>who</th><th>grade</th><th>claims</th></tr>"
        f"{''.join(src_rows)}</table>"
        if src_rows
        else ""
    )
    note = (
        "<p class='sc-note'>A claim is evidence that a report was made, not a fact: its "
        "source's reliability (Admiralty letter A–F, shared by all the source's claims), the "
        "information digit (1–6), status and hedge set how much it moves the facts. Retracted "
        "claims count for nothing; confirmed ones are hard evidence.</p>"
    )
    return _wrap(f"<table class='sc'>{head}{''.join(rows)}</table>{note}{sources}")


def changes_html(post: Posterior, top: int = 12) -> str:
    """The facts and outcomes the claims moved most, prior against posterior."""
    cmp = post.compare().reset_index()
    cmp = cmp.reindex(cmp["change"].abs().sort_values(ascending=False).index).head(top)
    rows = "".join(
        f"<tr><td>{_e(r.variable)}</td><td>{_e(r.state)}</td>"
        f"<td class='num'>{_pct(r.prior)}</td><td class='num'>{_pct(r.posterior)}</td>"
        f"<td class='num'>{r.change * 100:+.1f} pts</td></tr>"
        for r in cmp.itertuples()
    )
    head = "<tr><th>variable</th><th>state</th><th>prior</th><th>posterior</th><th>change</th></tr>"
    return _wrap(f"<table class='sc'>{head}{rows}</table>")


def quantities_html(post: Posterior) -> str:
    """Continuous facts, prior and posterior (mean, sd, 5%/50%/95% quantiles)."""
    import pandas as pd

    if post.quantities.empty:
        return _wrap("<p class='sc-note'>This scenario has no continuous facts.</p>")
    both = pd.concat(
        {"prior": post.prior_quantities, "posterior": post.quantities}, names=["", "fact"]
    )
    frame = both.reset_index().rename(columns={"": "when"})[
        ["fact", "when", "unit", "mean", "sd", "q05", "median", "q95"]
    ]
    frame = frame.sort_values(["fact", "when"], ascending=[True, False], kind="stable")
    numeric = ["mean", "sd", "q05", "median", "q95"]
    return _wrap(_frame_html(frame, numeric, "{:.4g}"))


def diagnostics_html(post: Posterior, other: Sequence[str] = ()) -> str:
    """Diagnostics with thresholds, failed ones in red, and the warnings again."""
    if post.diagnostics.empty:
        body = (
            "<p class='sc-note'>No diagnostics: nothing in this scenario is sampled (no "
            "uncertain probability), so the numbers are exact.</p>"
        )
    else:
        rows = []
        for name, r in post.diagnostics.iterrows():
            ok = bool(r["ok"])
            verdict = (
                "<span class='sc-ok'>pass</span>" if ok else "<span class='sc-bad'>FAIL</span>"
            )
            rows.append(
                f"<tr><td>{_e(name)}</td><td class='num'>{float(r['value']):.4g}</td>"
                f"<td>{_e(r['want'])}</td><td>{verdict}</td></tr>"
            )
        head = "<tr><th>diagnostic</th><th>value</th><th>wanted</th><th></th></tr>"
        body = f"<table class='sc'>{head}{''.join(rows)}</table>"
    settings = ", ".join(f"{_e(k)} = {_e(v)}" for k, v in post.settings.items())
    body += f"<p class='sc-note'>Engine <b>{_e(post.engine)}</b>; settings: {settings}.</p>"
    return _wrap(body + warnings_html(post, other))


# --- charts ---------------------------------------------------------------------------


SAMPLING_CAPTION = (
    "<p><b>Rank plots</b> (ArviZ) of the sampled scalar quantities, one line per chain: "
    "lines that stay inside the envelope mean the chains agree; a line that leaves it (drawn "
    "black) belongs to a chain that explored the posterior differently.</p>"
)


# --- what forecasters ask of a posterior -------------------------------------------------

#: Heading of the report's scoring section, shown only when there is a resolution.
SCORING_HEADING = (
    "## Scoring\n\nIn hindsight: how this forecast scored against what actually happened."
)
#: Rows of the sensitivity table and the value-of-information tables a report shows.
TOP_SENSITIVITY, TOP_VOI, TOP_MOVES = 10, 5, 5


def find_resolution(priors: str | os.PathLike[str]) -> Path | None:
    """The resolution file of a priors file, if there is one.

    ``priors/<stem>.yaml`` resolves in ``resolutions/<stem>.yaml``: the folder
    ``resolutions`` beside the priors file's folder.

    Examples
    --------
    >>> import scenarios
    >>> find_resolution(scenarios.default_priors()).name
    'wagner-2023-06-23.yaml'
    """
    from scenarios.io.data import resolution_for

    return resolution_for(priors)


def timeline_moves(table: pd.DataFrame) -> pd.DataFrame:
    """Which report moved what: every step of a timeline, the largest move first.

    Parameters
    ----------
    table : DataFrame
        :func:`scenarios.analysis.timeline`'s table.

    Returns
    -------
    pandas.DataFrame
        One row per step after the prior (index ``step``): ``time``, ``claim``, ``event``,
        ``text``, ``moved`` (as in the timeline), and the scenario probability that step
        moved most: ``outcome``, ``state``, ``before``, ``after`` and ``change``. Sorted by
        ``moved``, largest first (ties in time order).
    """
    import pandas as pd

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
    frame = frame.set_index("step").sort_values("moved", ascending=False, kind="stable")
    return frame


def prior_share_text(power: PowerScaling) -> str:
    """:func:`scenarios.analysis.power_scaling` in words: how much the prior drives the answer.

    Examples
    --------
    >>> import pandas as pd
    >>> from scenarios.analysis import PowerScaling
    >>> t = PowerScaling(("o", "s"), pd.DataFrame(), prior_slope=0.2, evidence_slope=-0.05,
    ...                  prior_share=0.8)
    >>> prior_share_text(t)  # doctest: +NORMALIZE_WHITESPACE
    'The prior drives 80% of the answer and the claims 20%: weighting the prior twice as
    much moves P(o = s) by +0.200, weighting the claims twice as much by -0.050.'
    """
    outcome, state = power.target
    share = power.prior_share
    slope_p, slope_e = power.prior_slope, power.evidence_slope
    if not math.isfinite(share):
        return (
            f"Neither the prior nor the claims move P({outcome} = {state}) when weighted "
            "more or less (both power-scaling slopes are zero)."
        )
    return (
        f"The prior drives {share:.0%} of the answer and the claims {1 - share:.0%}: "
        f"weighting the prior twice as much moves P({outcome} = {state}) by {slope_p:+.3f}, "
        f"weighting the claims twice as much by {slope_e:+.3f}."
    )


def _clean(x: float) -> float:
    """Rounding noise (|x| < 1e-12) as zero, so that tables do not show -0.000."""
    return 0.0 if abs(x) < 1e-12 else float(x)


@dataclass(frozen=True)
class ReportAnalysis:
    """The analysis sections of a report, computed with the exact engine.

    Attributes
    ----------
    timeline : DataFrame
        :func:`scenarios.analysis.timeline` of the scenario.
    moves : DataFrame
        :func:`timeline_moves` of it.
    sensitivity : Sensitivity
        :func:`scenarios.analysis.sensitivity` for the most likely state of the first
        outcome.
    power : PowerScaling
        :func:`scenarios.analysis.power_scaling` for the same target.
    voi : dict of str to ValueOfInformation
        :func:`scenarios.analysis.value_of_information` for each outcome.
    resolution_path : pathlib.Path or None
        The resolution file found for the priors file (:func:`find_resolution`).
    resolution : Resolution or None
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
    resolution: Any = None
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
    resolution (:func:`find_resolution` of ``inputs.path``).

    Parameters
    ----------
    post : Posterior
    inputs : ReportInputs, optional
        Where the priors file is, to find its resolution.
    resolution : str or path-like, optional
        A resolution file to score against instead.
    """
    from scenarios import analysis
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
        path = find_resolution(inputs.path)
    res = digest = scores = problem = None
    if path is not None:
        try:
            res = load_resolution(path)
            digest = file_sha256(path)
            scores = analysis.score(post, res)
        except (ScenarioError, KeyError, OSError) as exc:
            problem = str(exc.args[0]) if isinstance(exc, KeyError) else str(exc)
    return ReportAnalysis(
        timeline=table,
        moves=timeline_moves(table),
        sensitivity=sens,
        power=power,
        voi=voi,
        resolution_path=path,
        resolution=res,
        resolution_sha256=digest,
        score=scores,
        score_problem=problem,
    )


def timeline_html(moves: pd.DataFrame, top: int = TOP_MOVES) -> str:
    """The reports that moved the scenario probabilities most, with what they moved."""
    rows = []
    for step, r in moves.head(top).iterrows():
        when = "from the start" if _isna(r.time) else f"{r.time:%d %b %H:%M} UTC"
        event = "" if r.event == "reported" else f" ({_e(r.event)})"
        rows.append(
            f"<tr data-step='{_e(step)}'><td class='num'>{_e(step)}</td><td>{_e(when)}</td>"
            f"<td><b>{_e(r.claim)}</b>{event}<div class='sc-note'>{_e(r.text)}</div></td>"
            f"<td>{_e(r.outcome)} = {_e(r.state)}</td>"
            f"<td class='num'>{_pct(r.before)} → {_pct(r.after)}</td>"
            f"<td class='num'>{r.change * 100:+.1f} pts</td></tr>"
        )
    head = (
        "<tr><th>step</th><th>time</th><th>report</th><th>moved most</th>"
        "<th>before → after</th><th>change</th></tr>"
    )
    note = (
        f"<p class='sc-note'>The {min(top, len(moves))} of {len(moves)} steps that moved a "
        "scenario probability most. Each step adds one report to those before it, in the "
        "order they came in (claims without a time first); a retracted claim appears again "
        "when it stopped counting.</p>"
    )
    return _wrap(f"<table class='sc'>{head}{''.join(rows)}</table>{note}")


def sensitivity_html(sens: Sensitivity, power: PowerScaling, top: int = TOP_SENSITIVITY) -> str:
    """The inputs that move the target probability most, and the prior's share in words."""
    outcome, state = sens.target
    n = len(sens.table)
    rows = []
    for rank, r in enumerate(sens.table.head(top).itertuples(), start=1):
        rows.append(
            f"<tr data-rank='{rank}'><td class='num'>{rank}</td><td>{_e(r.kind)}</td>"
            f"<td><b>{_e(r.name)}</b></td><td>{_e(r.parameter)}</td>"
            f"<td class='num'>{_e(r.low)} → {_pct(r.p_low)}</td>"
            f"<td class='num'>{_e(r.high)} → {_pct(r.p_high)}</td>"
            f"<td class='num'>{r.swing * 100:.1f} pts</td></tr>"
        )
    head = (
        "<tr><th></th><th>kind</th><th>input</th><th>parameter</th><th>low setting → P</th>"
        "<th>high setting → P</th><th>swing</th></tr>"
    )
    lead = (
        f"<p>Target: <b>P({_e(outcome)} = {_e(state)}) = "
        f"{_pct(sens.probability)}</b>, the most likely state of {_e(outcome)}. "
        f"{_e(prior_share_text(power))}</p>"
    )
    note = (
        f"<p class='sc-note'>The {min(top, n)} of {n} inputs that move it most. "
        "Each input is set low and high with everything else as in the file: a probability "
        "across its 90% prior interval (or one unit of log-odds either side when it has no "
        "concentration), a logit coefficient by ±1, a quantity's 90% range scaled by 0.8 and "
        "1.25, a claim left out or taken at full weight, a source graded one letter worse or "
        "better. <b>Swing</b>: the distance between the two probabilities. The prior's share "
        "comes from power-scaling (Kallioinen et al., 2024): the prior, or the claims, weighted "
        "from half to twice as much.</p>"
    )
    return _wrap(f"{lead}<table class='sc'>{head}{''.join(rows)}</table>{note}")


def voi_html(voi: Mapping[str, ValueOfInformation], top: int = TOP_VOI) -> str:
    """What to look for next: per outcome, the facts worth learning most."""
    head = (
        "<tr><th></th><th>fact</th><th>information (bits)</th><th>share of the uncertainty</th>"
        "<th>chance it changes the most likely state</th>"
        "<th>expected rise of the top probability</th></tr>"
    )
    parts = []
    for outcome, result in voi.items():
        h, table = result.entropy_bits, result.table
        rows = []
        for rank, (fact, r) in enumerate(table.head(top).iterrows(), start=1):
            rows.append(
                f"<tr data-outcome='{_e(outcome)}' data-fact='{_e(fact)}'>"
                f"<td class='num'>{rank}</td><td><b>{_e(fact)}</b></td>"
                f"<td class='num'>{_clean(r.mutual_information):.3f}</td>"
                f"<td class='num'>{_pct(_clean(r.share_of_uncertainty))}</td>"
                f"<td class='num'>{_pct(_clean(r.p_mode_changes))}</td>"
                f"<td class='num'>{_clean(r.expected_max_gain) * 100:+.1f} pts</td></tr>"
            )
        body = "".join(rows) or "<tr><td colspan='6'>Every fact is already known.</td></tr>"
        parts.append(
            f"<h3>{_e(outcome)}</h3><p class='sc-note'>Its uncertainty now: {h:.3f} bits.</p>"
            f"<table class='sc'>{head}{body}</table>"
        )
    note = (
        "<p class='sc-note'><b>Information</b>: how much learning the fact is expected to "
        "reduce the uncertainty (entropy) of the outcome, in bits (mutual information, exact); "
        "<b>share</b>: that as a part of the outcome's uncertainty now. <b>Chance it changes "
        "the most likely state</b>: the probability that, once the fact is known, another "
        "state becomes the most likely. Facts already known are left out.</p>"
    )
    return _wrap("".join(parts) + note)


def scoring_html(analysis: ReportAnalysis) -> str:
    """How the forecast scored against what happened (hindsight), or why it cannot be."""
    path = analysis.resolution_path
    if analysis.score is None:
        return _wrap(
            f"<p class='sc-warn'>A resolution file was found ({_e(path)}), but the forecast "
            f"cannot be scored against it: {_e(analysis.score_problem)}</p>"
        )
    res = analysis.resolution
    rows = []
    for outcome, r in analysis.score.iterrows():
        rows.append(
            f"<tr data-score='{_e(outcome)}'><td><b>{_e(outcome)}</b></td>"
            f"<td>{_e(r.resolved)}</td><td class='num'>{_pct(r.p_resolved)}</td>"
            f"<td class='num'>{r.brier:.3f}</td><td class='num'>{r.log_score:.3f}</td></tr>"
        )
    mean_b, mean_l = analysis.score["brier"].mean(), analysis.score["log_score"].mean()
    rows.append(
        f"<tr class='sc-group'><td>mean of {len(analysis.score)}</td><td></td><td></td>"
        f"<td class='num'>{mean_b:.3f}</td><td class='num'>{mean_l:.3f}</td></tr>"
    )
    head = (
        "<tr><th>outcome</th><th>what happened</th><th>forecast probability of it</th>"
        "<th>Brier score</th><th>log score</th></tr>"
    )
    when = f", resolved {res.resolved_at:%d %B %Y}" if res.resolved_at is not None else ""
    lead = (
        "<p class='sc-hindsight'><b>Hindsight.</b> Scored against <i>"
        f"{_e(res.title)}</i>{_e(when)} (<code>{_e(path)}</code>). The resolution was written "
        "after the events: it was not known when the forecast was made, and nothing above "
        "used it.</p>"
    )
    note = (
        "<p class='sc-note'><b>Brier score</b>: the sum over an outcome's states of (forecast "
        "probability − 1 if it happened, else 0)², from 0 (certain and right) to 2 (certain and "
        "wrong). <b>Log score</b>: the natural log of the probability given to what happened, "
        "0 at best. Both are proper: a forecaster scores best by reporting what they "
        "believe.</p>"
    )
    return _wrap(f"{lead}<table class='sc'>{head}{''.join(rows)}</table>{note}")


def analysis_data(analysis: ReportAnalysis) -> dict[str, Any]:
    """The analysis sections' numbers as JSON-able data (part of :func:`report_data`)."""
    table = analysis.timeline
    outcomes = [c for c in table.columns if c[0] not in LEDGER_COLUMNS]
    steps = []
    for step, row in table.iterrows():
        probs: dict[str, dict[str, float]] = {}
        for o, s in outcomes:
            probs.setdefault(o, {})[s] = float(row[(o, s)])
        time = row[("time", "")]
        steps.append(
            {
                "step": int(step),
                "time": None if _isna(time) else time.isoformat(),
                "claim": row[("claim", "")],
                "event": row[("event", "")],
                "text": row[("text", "")],
                "moved": float(row[("moved", "")]),
                "probabilities": probs,
            }
        )
    moves = analysis.moves.assign(
        time=[None if _isna(t) else t.isoformat() for t in analysis.moves["time"]]
    )
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
            scoring["resolved_at"] = (
                res.resolved_at.isoformat() if res.resolved_at is not None else None
            )
            scoring["resolved"] = dict(res.outcomes)
        if analysis.score is not None:
            scoring["outcomes"] = _records(analysis.score)
            scoring["mean_brier"] = float(analysis.score["brier"].mean())
            scoring["mean_log_score"] = float(analysis.score["log_score"].mean())
        data["scoring"] = scoring
    return data


def _isna(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


# --- provenance and data ------------------------------------------------------------------


def file_sha256(path: str | os.PathLike[str]) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def provenance(post: Posterior, inputs: ReportInputs, run_at: datetime | None = None) -> dict:
    """Everything that produced a report's numbers, as plain JSON-able data."""
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


def provenance_html(record: Mapping[str, Any]) -> str:
    """The provenance block: inputs, hashes, engine, seed, versions and time of the run."""
    post = record["posterior"]
    overrides = json.dumps(record["overrides"], sort_keys=True) if record["overrides"] else "none"
    seed_note = " (the file's seed)" if record["seed_given"] == -1 else " (given)"
    rows = [
        ("priors file", f"<code>{_e(record['priors_file'])}</code>"),
        ("priors file sha256", f"<code>{_e(record['priors_sha256'])}</code>"),
        ("overrides", f"<code>{_e(overrides)}</code>"),
        ("scenario (after overrides) sha256", f"<code>{_e(post['scenario_sha256'])}</code>"),
        ("engine", _e(record["engine"])),
        ("seed", f"{_e(record['seed'])}{seed_note}"),
        ("draws", _e(record["draws"])),
        ("engine settings", f"<code>{_e(json.dumps(post['settings'], sort_keys=True))}</code>"),
        ("interval", _e(post["interval"])),
        ("run at (UTC)", _e(record["run_at_utc"])),
        ("kernel python", f"<code>{_e(record['python_executable'])}</code>"),
    ]
    versions = ", ".join(f"{_e(k)} {_e(v)}" for k, v in post["versions"].items())
    rows.append(("versions", versions))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    command = [
        "scenarios",
        "report",
        record["priors_file"],
        "--engine",
        str(record["engine"]),
        "--seed",
        str(record["seed"]),
        "-p",
        "draws",
        str(record["draws"]),
    ]
    if record["overrides"]:
        command += ["-p", "overrides", overrides]
    note = (
        "<p class='sc-note'>To reproduce these numbers (with a priors file of the same sha256): "
        f"<code>{_e(shlex.join(command))}</code></p>"
    )
    return _wrap(f"<table class='sc'>{body}</table>{note}")


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


def report_data(
    post: Posterior,
    inputs: ReportInputs,
    run_at: datetime | None = None,
    analysis: ReportAnalysis | None = None,
) -> dict[str, Any]:
    """The report's numbers and provenance as JSON-able data (see :func:`read_report`).

    With ``analysis`` (:func:`run_analysis`), also ``timeline``, ``sensitivity``,
    ``power_scaling``, ``value_of_information`` and ``scoring`` (``None`` when the priors
    file has no resolution); see :func:`analysis_data`.
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

    Examples
    --------
    >>> data = read_report("reports/wagner-2023-06-23.html")  # doctest: +SKIP
    >>> data["provenance"]["priors_sha256"]  # doctest: +SKIP
    """
    import nbformat

    nb = nbformat.read(Path(path).with_suffix(".ipynb"), as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if REPORT_MIME in data:
                return dict(data[REPORT_MIME])
    raise ReportError(f"{path}: no report data in the notebook (cell tagged {DATA_TAG!r})")


# --- building ------------------------------------------------------------------------------


def notebook_path() -> Path:
    """The report notebook shipped in the package."""
    from scenarios.io.data import notebook

    return notebook("report")


def _check_kernel() -> None:
    """Refuse to run when the ``python3`` kernel is not this environment's interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        raise ReportError(
            "no Jupyter kernel named 'python3': install ipykernel in this environment "
            f"({sys.prefix})"
        ) from None
    exe = spec.argv[0] if spec.argv else ""
    ours = {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"}
    # jupyter_client runs a bare "python" kernel with this interpreter (sys.executable)
    if exe not in ours and Path(exe).resolve() != Path(sys.executable).resolve():
        raise ReportError(
            f"the Jupyter kernel 'python3' ({spec.resource_dir}) runs {exe}, not this "
            f"environment's {sys.executable}; remove that kernelspec or reinstall ipykernel "
            "here, so that reports are computed by the libraries recorded in them"
        )


def _kernel_config() -> Any:
    """Encrypt the kernel's loopback traffic (CurveZMQ) when pyzmq can."""
    import zmq
    from traitlets.config import Config

    if zmq.has("curve"):
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


# The lab template without require.js and MathJax from a CDN (the report has neither widgets
# nor maths): the page is self-contained and opening it makes no request to anyone.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""


def render_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The executed notebook as HTML without code, prompts or the data cell."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {
        DATA_TAG,
        NOTEBOOK_ONLY_TAG,
        "injected-parameters",
        "parameters",
    }
    c.HTMLExporter.template_file = "report.html.j2"
    exporter = HTMLExporter(config=c, extra_loaders=[DictLoader({"report.html.j2": _TEMPLATE})])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _umask() -> int:
    try:  # Linux: read it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` by a temporary file in the same folder and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as open() would have made it, not mkstemp's 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name.endswith((".html", ".ipynb")):
        raise ParameterError(
            f"name: expected a plain file name without extension (letters, digits, '.', '_', "
            f"'-'; e.g. 'wagner-2023-06-23'), got {name!r:.80}"
        )
    return name


def build_report(
    priors: str | os.PathLike[str] | None = None,
    *,
    overrides: str | Mapping[str, Any] | None = None,
    engine: str = "exact",
    seed: int | None = None,
    draws: int | None = None,
    out_dir: str | os.PathLike[str] = "reports",
    name: str | None = None,
    progress: bool = True,
    notebook: str | os.PathLike[str] | None = None,
) -> Path:
    """Run the report notebook on a priors file and write HTML and the executed notebook.

    Parameters
    ----------
    priors : str, path-like or None
        Scenario file; ``None``: the built-in Wagner scenario.
    overrides : str, mapping or None
        Fact or outcome name -> prior, applied with :meth:`Scenario.with_prior`
        (JSON text or a mapping), e.g. ``{"hq_seized": {"p": 0.6}}``.
    engine : {"exact", "pymc"}
    seed : int or None
        Seed of every random draw; ``None``: the file's seed.
    draws : int or None
        Draws behind the intervals (exact) or per chain (pymc); ``None``: 4000.
    out_dir : str or path-like
        Folder of the report (created if missing).
    name : str, optional
        File name without extension; default: the priors file's stem.
    progress : bool
        Show papermill's progress bar (cells executed) on stderr.
    notebook : str or path-like, optional
        Another report notebook taking the same parameters; default
        :func:`notebook_path`.

    Returns
    -------
    pathlib.Path
        The HTML report; the executed notebook is beside it (``.ipynb``).

    Raises
    ------
    ParameterError
        A parameter of the wrong type or value (nothing is run).
    scenarios.ScenarioError
        The priors file (or an override) is invalid (nothing is run).
    scenarios.ImpossibleEvidenceError
        The claims cannot all hold (nothing is run).
    ReportError
        The notebook failed in the kernel; the message has the kernel's error. The
        previous report, if any, is left as it was.

    Examples
    --------
    >>> build_report("priors/wagner-2023-06-23.yaml", seed=1, out_dir="reports")  # doctest: +SKIP
    PosixPath('reports/wagner-2023-06-23.html')
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    inputs = report_inputs(priors, overrides=overrides, engine=engine, seed=seed, draws=draws)
    name = _check_name(inputs.path.stem if name is None else name)
    nb_path = Path(notebook) if notebook is not None else notebook_path()
    if not nb_path.is_file():
        raise ReportError(f"{nb_path}: report notebook not found")
    # fail fast, in milliseconds, on claims that cannot all hold
    inputs.scenario.update(engine="exact", intervals=False)
    _check_kernel()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    try:
        nb = papermill.execute_notebook(
            str(nb_path),
            None,  # nothing is written until the whole notebook has run
            parameters=inputs.parameters(),
            kernel_name="python3",
            language="python",
            progress_bar=progress,
            start_timeout=120,
            config=_kernel_config(),
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"the report notebook failed (cell {exc.exec_count}): {exc.ename}: {exc.evalue}"
        ) from None
    page = render_html(nb, f"{inputs.scenario.title} — scenario report")
    html_path, nb_out = out / f"{name}.html", out / f"{name}.ipynb"
    _write_atomic(nb_out, nbformat.writes(nb))
    _write_atomic(html_path, page)
    return html_path

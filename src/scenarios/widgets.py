"""The explorer: ipywidgets over a scenario, for forecasters in JupyterLab.

Every prior, claim and source of a scenario gets a control; every change goes through
the library (``Scenario.with_prior``, ``with_claim_changed``, ``with_source``), is
re-validated, and is updated at once with the exact engine. The maths lives in the
library and in the small pure functions at the top of this module (tested without a
display); the :class:`Explorer` only wires widgets to them.

Examples
--------
In a notebook cell::

    import scenarios
    from scenarios.widgets import Explorer

    Explorer(scenarios.load(scenarios.default_priors()))
"""

from __future__ import annotations

import copy
import html
import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import traitlets

from scenarios.errors import ImpossibleEvidenceError, SamplingWarning, ScenarioError
from scenarios.posterior import Posterior
from scenarios.spec.scenario import (
    CONTINUOUS_PRIORS,
    Fact,
    LogitPrior,
    Outcome,
    Probabilities,
    RangePrior,
    Scenario,
    TablePrior,
)

__all__ = [
    "ANALYSIS_VIEWS",
    "GRADES",
    "INFORMATION",
    "STATUSES",
    "AnalysisResult",
    "Explorer",
    "ProbabilityEditor",
    "chart_svg",
    "comparison_html",
    "diagnostics_html",
    "figure_svg",
    "interval_of",
    "prior_with",
    "range_prior",
    "rescale",
    "scenario_table_html",
    "score_html",
    "sensitivity_html",
    "timeline_steps_html",
    "timeline_svg",
    "tornado_svg",
    "voi_html",
    "what_if_html",
    "what_if_summary",
]

STATUSES = ("reported", "disputed", "denied", "confirmed", "retracted")
GRADES = ("A", "B", "C", "D", "E", "F")
#: Information digits a claim can take; 0 in the dropdown stands for none.
INFORMATION = (1, 2, 3, 4, 5, 6)
#: Width of slider labels, so that the tracks line up.
LABEL_WIDTH = "170px"
#: Mass of the interval a range slider edits.
RANGE_MASS = 0.9

Path_ = tuple[str | int, ...]

# --- pure functions: what a control means ------------------------------------------


def rescale(probs: Mapping[str, float], state: str, value: float) -> dict[str, float]:
    """Set one state's probability and rescale the others proportionally.

    The result sums to one (up to rounding). If the other states all had probability
    zero, the remainder is shared equally among them.

    Parameters
    ----------
    probs : mapping of str to float
        Current state probabilities (summing to one).
    state : str
        The state being set.
    value : float
        Its new probability, clipped to [0, 1].

    Returns
    -------
    dict of str to float
        New probabilities, in the order of ``probs``.

    Examples
    --------
    >>> rescale({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.8)
    {'a': 0.8, 'b': 0.12, 'c': 0.08}
    """
    if state not in probs:
        raise KeyError(f"unknown state {state!r}; states are {list(probs)}")
    value = min(max(float(value), 0.0), 1.0)
    others = [s for s in probs if s != state]
    if not others:
        return {state: 1.0}
    rest = math.fsum(max(float(probs[s]), 0.0) for s in others)
    remainder = 1.0 - value
    out = {}
    for s in probs:
        if s == state:
            out[s] = value
        elif rest > 0.0:
            out[s] = round(remainder * max(float(probs[s]), 0.0) / rest, 6)
        else:
            out[s] = round(remainder / len(others), 6)
    # the largest other state takes the rounding, so that the sum is 1 (to 1e-9)
    largest = max(others, key=lambda s: out[s])
    out[largest] = max(0.0, round(1.0 - math.fsum(v for s, v in out.items() if s != largest), 9))
    return out


def prior_with(prior: Any, path: Path_, value: Any) -> dict[str, Any]:
    """The prior as a plain dict with the field at ``path`` set to ``value``.

    Parameters
    ----------
    prior : pydantic prior model or dict
        A fact's or outcome's prior (``Probabilities``, ``TablePrior``, ``LogitPrior`` ...).
    path : tuple of str or int
        Field path, e.g. ``("p",)``, ``("table", 2, "probs")``, ``("logit", "intercept")``.
    value : object
        The new value.

    Returns
    -------
    dict
        Ready for :meth:`Scenario.with_prior` (which validates it).

    Examples
    --------
    >>> prior_with({"p": 0.3, "concentration": 5}, ("p",), 0.4)
    {'p': 0.4, 'concentration': 5}
    """
    data = prior.model_dump(exclude_none=True) if hasattr(prior, "model_dump") else prior
    data = _thaw(copy.deepcopy(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _thaw(value: Any) -> Any:
    # model_dump keeps tuples and our FrozenDicts: make everything plain and mutable
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thaw(v) for v in value]
    return value


def _get(prior: Any, path: Path_) -> Any:
    target = prior
    for key in path:
        target = target[key] if isinstance(key, int) else getattr(target, key)
    return target


def interval_of(fact: Fact, mass: float = RANGE_MASS) -> tuple[float, float]:
    """The central interval of a continuous or probability fact's prior.

    A range prior with this ``mass`` gives its own ``between`` back exactly; any other
    prior gives the quantiles of its elicited distribution.

    Examples
    --------
    >>> from scenarios import Fact
    >>> interval_of(Fact(kind="continuous", support=(0, None), prior={"between": [25, 50]}))
    (25.0, 50.0)
    """
    from scenarios.spec import elicit

    prior = fact.prior
    if isinstance(prior, RangePrior) and math.isclose(prior.mass, mass):
        return float(prior.between[0]), float(prior.between[1])
    tail = (1.0 - mass) / 2.0
    lo, hi = elicit.distribution(fact).dist.ppf([tail, 1.0 - tail])
    return float(lo), float(hi)


def range_prior(fact: Fact, lower: float, upper: float) -> dict[str, Any]:
    """The prior a range slider writes: ``{between: [lower, upper], mass: 0.9}``.

    A ``family`` given in the fact's current prior is kept; otherwise the library picks
    it from the fact (Beta for probabilities, LogNormal for positive quantities, Normal).

    Examples
    --------
    >>> from scenarios import Fact
    >>> f = Fact(kind="probability", prior={"quantiles": {0.05: 0.1, 0.95: 0.4}})
    >>> range_prior(f, 0.2, 0.5)
    {'between': [0.2, 0.5], 'mass': 0.9}
    """
    out: dict[str, Any] = {"between": [float(lower), float(upper)], "mass": RANGE_MASS}
    family = getattr(fact.prior, "family", None)
    if family is not None:
        out["family"] = family
    return out


def range_bounds(fact: Fact, lower: float, upper: float) -> tuple[float, float, float]:
    """Slider ``(min, max, step)`` for a range: the interval widened by its width each side.

    Bounded by the fact's support (strictly inside it, so that every position is a
    valid prior) and by [0, 1] for a probability.
    """
    if fact.kind == "probability":
        return 0.001, 0.999, 0.001
    width = upper - lower
    step = _nice_step(3 * width / 300)
    lo, hi = lower - width, upper + width
    s_lo, s_hi = fact.support or (None, None)
    if s_lo is not None:
        lo = max(lo, s_lo + step)
    if s_hi is not None:
        hi = min(hi, s_hi - step)
    return _round_to(lo, step, math.floor), _round_to(hi, step, math.ceil), step


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 0.01
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def _round_to(x: float, step: float, how: Callable[[float], float]) -> float:
    return round(how(x / step) * step, 10)


# --- pure functions: what the views show --------------------------------------------

_STYLE = """
<style>
.scn-table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
.scn-table th, .scn-table td { padding: 2px 8px; border-bottom: 1px solid #ddd; }
.scn-table th { text-align: left; background: #f3f3f3; }
.scn-table td.num { text-align: right; white-space: nowrap; }
.scn-table td.up { color: #1a7f37; } .scn-table td.down { color: #b3261e; }
.scn-table tr.scn-first td { border-top: 2px solid #999; }
.scn-warn { color: #b3261e; font-weight: bold; }
.scn-note { color: #666; font-size: 11px; }
.scn-analysis .jupyter-widget-html-content, .scn-analysis .widget-html-content { min-width: 0; }
</style>
"""


def _f(x: float) -> str:
    return f"{x:.3f}"


def scenario_table_html(
    posterior: Posterior, *, mcse: bool = False, exact: Posterior | None = None
) -> str:
    """The scenario probabilities as an HTML table.

    One row per (outcome, state), ``<tr data-outcome=... data-state=...>``, with the
    probability in ``<td class="probability">`` formatted to three decimals (``0.314``),
    the credible interval, and the prior.

    Parameters
    ----------
    posterior : Posterior
    mcse : bool
        Add the Monte Carlo standard error column (full engine).
    exact : Posterior, optional
        Add the exact engine's probability for comparison.

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> '<td class="probability num">0.314</td>' in scenario_table_html(post)
    True
    """
    frame = posterior.scenarios
    prior = posterior.prior_scenarios["probability"]
    label = f"{posterior.interval_mass:.0%} interval"
    head = ["outcome", "state", "probability", label, "prior", "change"]
    if mcse:
        head.append("MCSE")
    if exact is not None:
        head.append("exact engine")
    rows = []
    previous = None
    for (outcome, state), row in frame.iterrows():
        first = outcome != previous
        previous = outcome
        change = row["probability"] - prior[(outcome, state)]
        cells = [
            f"<td>{_e(outcome) if first else ''}</td>",
            f"<td>{_e(state)}</td>",
            f'<td class="probability num">{_f(row["probability"])}</td>',
            f'<td class="interval num">{_f(row["lower"])} – {_f(row["upper"])}</td>',
            f'<td class="prior num">{_f(prior[(outcome, state)])}</td>',
            f'<td class="change num {_sign(change)}">{change:+.3f}</td>',
        ]
        if mcse:
            cells.append(f'<td class="mcse num">{row.get("mcse", float("nan")):.4f}</td>')
        if exact is not None:
            p = exact.scenarios.loc[(outcome, state), "probability"]
            cells.append(f'<td class="exact num">{_f(p)}</td>')
        rows.append(
            f'<tr class="{"scn-first" if first else ""}" data-outcome="{_e(outcome)}" '
            f'data-state="{_e(state)}">{"".join(cells)}</tr>'
        )
    header = "".join(f"<th>{_e(h)}</th>" for h in head)
    caption = (
        f'<div class="scn-note">{_e(posterior.engine)} engine, seed {posterior.seed}; '
        f"interval: {_e(posterior.interval)}</div>"
    )
    return (
        f'{_STYLE}<table class="scn-table scn-scenarios"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{caption}"
    )


def comparison_html(posterior: Posterior) -> str:
    """Prior versus posterior for every discrete fact, and for the continuous ones.

    Discrete facts come from :meth:`Posterior.compare`; continuous facts show their prior
    and posterior mean and 90% interval.
    """
    compare = posterior.compare()
    facts = [v for v in compare.index.get_level_values(0).unique() if v in posterior.facts.index]
    rows = []
    for name in facts:
        first = True
        for state, row in compare.loc[name].iterrows():
            rows.append(
                f'<tr class="{"scn-first" if first else ""}" data-fact="{_e(name)}" '
                f'data-state="{_e(state)}"><td>{_e(name) if first else ""}</td>'
                f"<td>{_e(state)}</td>"
                f'<td class="prior num">{_f(row["prior"])}</td>'
                f'<td class="posterior num">{_f(row["posterior"])}</td>'
                f'<td class="change num {_sign(row["change"])}">{row["change"]:+.3f}</td></tr>'
            )
            first = False
    table = (
        '<table class="scn-table scn-compare"><thead><tr><th>fact</th><th>state</th>'
        "<th>prior</th><th>posterior</th><th>change</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    quantities = ""
    if not posterior.quantities.empty:
        qrows = []
        for name, post in posterior.quantities.iterrows():
            prior = posterior.prior_quantities.loc[name]
            unit = post.get("unit") or ""
            qrows.append(
                f'<tr data-fact="{_e(name)}"><td>{_e(name)}</td><td>{_e(unit)}</td>'
                f'<td class="num">{_summary(prior)}</td><td class="num">{_summary(post)}</td>'
                "</tr>"
            )
        quantities = (
            '<table class="scn-table scn-quantities"><thead><tr><th>quantity</th>'
            "<th>unit</th><th>prior mean (90%)</th><th>posterior mean (90%)</th></tr></thead>"
            f"<tbody>{''.join(qrows)}</tbody></table>"
        )
    return f"{_STYLE}{table}{quantities}"


def diagnostics_html(posterior: Posterior) -> str:
    """The posterior's diagnostics as a table, failed ones and warnings in red."""
    diag = posterior.diagnostics
    rows = []
    for name, row in diag.iterrows():
        cls = "" if row["ok"] else ' class="scn-warn"'
        rows.append(
            f'<tr data-diagnostic="{_e(name)}"{cls}><td>{_e(name)}</td>'
            f'<td class="num">{_g(row["value"])}</td><td>{_e(row["want"])}</td>'
            f"<td>{'ok' if row['ok'] else 'FAILED'}</td></tr>"
        )
    table = (
        '<table class="scn-table scn-diagnostics"><thead><tr><th>diagnostic</th><th>value</th>'
        f"<th>want</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    warned = "".join(f'<div class="scn-warn">WARNING {_e(w)}</div>' for w in posterior.warnings)
    if not posterior.warnings and not diag.empty:
        warned = '<div class="scn-note">All diagnostics passed.</div>'
    return f"{_STYLE}{table}{warned}"


def chart_svg(posterior: Posterior, *, width: int = 520) -> str:
    """A horizontal bar chart of the scenario probabilities, as inline SVG.

    Each state gets a bar (posterior probability), a whisker (credible interval) and a
    grey tick (prior probability), grouped by outcome.
    """
    frame = posterior.scenarios
    prior = posterior.prior_scenarios["probability"]
    label_w, value_w, row_h, head_h = 150, 56, 18, 20
    bar_w = width - label_w - value_w
    outcomes = list(dict.fromkeys(frame.index.get_level_values(0)))
    height = 24 + len(outcomes) * head_h + len(frame) * row_h + 16
    x0 = label_w

    def x(p: float) -> float:
        return x0 + bar_w * min(max(float(p), 0.0), 1.0)

    parts = [
        f'<svg class="scn-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect x="{x0}" y="4" width="10" height="8" fill="#4c78a8"/>'
        f'<text x="{x0 + 14}" y="12">posterior</text>'
        f'<line x1="{x0 + 80}" y1="8" x2="{x0 + 100}" y2="8" stroke="#222"/>'
        f'<text x="{x0 + 104}" y="12">{posterior.interval_mass:.0%} interval</text>'
        f'<line x1="{x0 + 180}" y1="2" x2="{x0 + 180}" y2="14" stroke="#e45756" '
        f'stroke-width="2"/><text x="{x0 + 186}" y="12">prior</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="20" x2="{x(tick):.1f}" y2="{height - 14}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{x(tick):.1f}" y="{height - 2}" text-anchor="middle" fill="#666">'
            f"{tick:g}</text>"
        )
    y = 24
    for outcome in outcomes:
        question = posterior.scenario.outcomes[outcome].question or ""
        title = f"{outcome}: {question}" if question else outcome
        parts.append(f'<text x="2" y="{y + 13}" font-weight="bold">{_e(_clip(title, 80))}</text>')
        y += head_h
        for state, row in frame.loc[outcome].iterrows():
            p, lo, hi = row["probability"], row["lower"], row["upper"]
            mid = y + row_h / 2
            parts.append(
                f'<g data-outcome="{_e(outcome)}" data-state="{_e(state)}">'
                f"<title>{_e(outcome)} = {_e(state)}: {_f(p)} ({_f(lo)} – {_f(hi)}), "
                f"prior {_f(prior[(outcome, state)])}</title>"
                f'<text x="{x0 - 6}" y="{mid + 4}" text-anchor="end">{_e(_clip(state, 24))}</text>'
                f'<rect x="{x0}" y="{y + 3}" width="{x(p) - x0:.1f}" height="{row_h - 6}" '
                'fill="#4c78a8"/>'
                f'<line x1="{x(lo):.1f}" y1="{mid}" x2="{x(hi):.1f}" y2="{mid}" stroke="#222"/>'
                f'<line x1="{x(lo):.1f}" y1="{mid - 4}" x2="{x(lo):.1f}" y2="{mid + 4}" '
                'stroke="#222"/>'
                f'<line x1="{x(hi):.1f}" y1="{mid - 4}" x2="{x(hi):.1f}" y2="{mid + 4}" '
                'stroke="#222"/>'
                f'<line x1="{x(prior[(outcome, state)]):.1f}" y1="{y + 1}" '
                f'x2="{x(prior[(outcome, state)]):.1f}" y2="{y + row_h - 1}" stroke="#e45756" '
                'stroke-width="2"/>'
                f'<text x="{x0 + bar_w + 6}" y="{mid + 4}">{_f(p)}</text></g>'
            )
            y += row_h
    parts.append("</svg>")
    return "".join(parts)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _g(value: object) -> str:
    try:
        return f"{float(value):.4g}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _e(value)


def _summary(row: Any) -> str:
    return f"{_g(row['mean'])} ({_g(row['q05'])} – {_g(row['q95'])})"


def _sign(x: float) -> str:
    return "up" if x > 5e-4 else "down" if x < -5e-4 else ""


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --- pure functions: what the analysis views show -------------------------------------

#: The explorer's analysis views, by key, with their tab titles.
ANALYSIS_VIEWS: dict[str, str] = {
    "timeline": "Report by report",
    "sensitivity": "What matters most",
    "voi": "What to look for next",
    "what_if": "What if",
    "score": "Score",
}
#: Short tab labels of the analysis views (the full titles head each tab).
ANALYSIS_TABS: dict[str, str] = {
    "timeline": "Timeline",
    "sensitivity": "What matters",
    "voi": "Look next",
    "what_if": "What if",
    "score": "Score",
}
_ANALYSIS_ABOUT: dict[str, str] = {
    "timeline": "the scenario probabilities after each claim, in the order the reports came in.",
    "sensitivity": "which prior, claim or source moves a scenario probability most.",
    "voi": "the unresolved facts that would tell most about an outcome if we learnt them.",
    "what_if": "learning that a fact is in a state (observe) against making it so (intervene).",
    "score": "how this forecast scores against what actually happened, in hindsight.",
}
#: Rows of the sensitivity table (and bars of the tornado) the explorer shows.
TOP_INPUTS = 10


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
        The library's tables: ``timeline`` -> ``{"table", "moves"}``; ``sensitivity`` ->
        ``{"table", "power"}``; ``voi`` -> outcome -> table; ``what_if`` ->
        ``{"table", "summary"}``; ``score`` -> ``{"score", "baseline"}``.
    seconds : float
        How long it took.
    error : str or None
        Why it could not be computed (``data`` is then empty).
    """

    view: str
    scenario: Scenario | None
    key: Any
    data: dict[str, Any]
    seconds: float
    error: str | None = None


def figure_svg(fig: Any) -> str:
    """A matplotlib figure as inline SVG, text kept as text, shrinking to its container."""
    import io

    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "scenarios"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
    return f'<div class="scn-figure">{svg}</div>'


def _outcome_columns(table: Any) -> list[tuple[str, str]]:
    from scenarios.views.plots import LEDGER_COLUMNS

    return [c for c in table.columns if c[0] not in LEDGER_COLUMNS]


def timeline_svg(table: Any, outcome: str) -> str:
    """Step plot of one outcome's probabilities, report by report (inline SVG)."""
    from matplotlib.figure import Figure

    from scenarios.views.plots import plot_timeline

    fig = Figure(figsize=(7.2, 3.9), layout="constrained")
    ax = fig.subplots()
    plot_timeline(table, outcome, ax=ax)
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    return figure_svg(fig)


def timeline_steps_html(moves: Any, table: Any, outcome: str) -> str:
    """Every step of the timeline, the one that moved most first: which report moved what.

    Parameters
    ----------
    moves : DataFrame
        :func:`scenarios.views.report.timeline_moves` of ``table``.
    table : DataFrame
        :func:`scenarios.analysis.timeline`'s table.
    outcome : str
        The outcome whose states get a column each: their change at that step.

    Rows are ``<tr data-step=... data-claim=...>``; ``td.moved`` is the step's largest
    change of any scenario probability, in percentage points.
    """
    states = [s for o, s in _outcome_columns(table) if o == outcome]
    head = "<th>step</th><th>time</th><th>report</th><th>moved</th><th>most</th>" + "".join(
        f"<th>{_e(_clip(s, 14))}</th>" for s in states
    )
    rows = []
    for step, r in moves.iterrows():
        i = table.index.get_loc(step)
        when = "" if _missing(r["time"]) else f"{r['time']:%d %b %H:%M}"
        event = "" if r["event"] == "reported" else f" ({r['event']})"
        cells = []
        for s in states:
            change = float(table.iloc[i][(outcome, s)] - table.iloc[i - 1][(outcome, s)])
            cells.append(f'<td class="change num {_sign(change)}">{_pts(change, "")}</td>')
        rows.append(
            f'<tr data-step="{_e(step)}" data-claim="{_e(r["claim"])}">'
            f'<td class="num">{_e(step)}</td><td style="white-space:nowrap">{_e(when)}</td>'
            f'<td title="{_e(r["text"])}"><b>{_e(r["claim"])}</b>{_e(event)}</td>'
            f'<td class="moved num">{r["moved"] * 100:.1f}</td>'
            f'<td style="white-space:nowrap">{_e(r["state"])} ({_e(r["outcome"])}) '
            f"{_pts(r['change'], '')}</td>{''.join(cells)}</tr>"
        )
    return (
        f'{_STYLE}<table class="scn-table scn-timeline"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<div class="scn-note">One row per report, the one that moved a scenario probability '
        "most first. <b>moved</b>: the largest change of any scenario probability at that step, "
        f"and <b>most</b> which one it was; then the change of each state of {_e(outcome)}. "
        "All in percentage points. Hover over a report for its text.</div>"
    )


def tornado_svg(sens: Any, top: int = TOP_INPUTS) -> str:
    """The tornado chart of a sensitivity table's ``top`` rows (inline SVG)."""
    from matplotlib.figure import Figure

    from scenarios.views.plots import plot_tornado

    n = min(top, len(sens))
    fig = Figure(figsize=(7.2, 1.3 + 0.34 * n), layout="constrained")
    ax = fig.subplots()
    plot_tornado(sens, top=top, ax=ax)
    ax.grid(axis="x", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    return figure_svg(fig)


def sensitivity_html(sens: Any, power: Any, top: int = TOP_INPUTS) -> str:
    """The prior's share in words and the ``top`` rows of a sensitivity table.

    Rows are ``<tr data-rank=... data-name=...>`` with ``td.p-low``, ``td.p-high`` and
    ``td.swing`` to three decimals.
    """
    from scenarios.views.html import prior_share_text

    outcome, state = sens.attrs["target"]
    rows = []
    for rank, r in enumerate(sens.head(top).itertuples(), start=1):
        rows.append(
            f'<tr data-rank="{rank}" data-name="{_e(r.name)}"><td class="num">{rank}</td>'
            f'<td title="{_e(r.kind)}"><b>{_e(r.name)}</b> '
            f'<span class="scn-note">{_e(r.parameter)}</span></td>'
            f'<td class="num">{_e(r.low)}</td><td class="p-low num">{_f(r.p_low)}</td>'
            f'<td class="num">{_e(r.high)}</td><td class="p-high num">{_f(r.p_high)}</td>'
            f'<td class="swing num">{_f(r.swing)}</td></tr>'
        )
    share = power.attrs["prior_share"]
    words = f"the prior drives {share:.0%} of the answer" if math.isfinite(share) else "no answer"
    slopes = (
        f" Weighting the prior twice as much moves it by {power.attrs['prior_slope']:+.3f}, "
        f"the claims twice as much by {power.attrs['evidence_slope']:+.3f} (power-scaling)."
    )
    return (
        f'{_STYLE}<div class="scn-prior-share" title="{_e(prior_share_text(power))}">'
        f"<b>P({_e(outcome)} = {_e(state)}) = {_f(sens.attrs['probability'])}</b>: "
        f'{_e(words)}.<span class="scn-note">{_e(slopes)}</span></div>'
        '<table class="scn-table scn-sensitivity"><thead><tr><th></th>'
        "<th>input (prior, claim or source)</th><th>low</th><th>P</th><th>high</th><th>P</th>"
        f"<th>swing</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<div class="scn-note">The {min(top, len(sens))} of {len(sens)} inputs that move it '
        "most, each set low and high with everything else as it is now: a probability across "
        "its 90% prior interval (or ±1 log-odds without a concentration), a logit coefficient "
        "by ±1, a quantity's range scaled by 0.8 and 1.25, a claim left out or at full weight, "
        "a source one grade worse or better.</div>"
    )


def voi_html(table: Any, outcome: str) -> str:
    """A value-of-information table, best first: what to look for next about ``outcome``.

    Rows are ``<tr data-rank=... data-fact=...>``; ``td.mi`` is the mutual information in
    bits to four decimals.
    """
    h = table.attrs.get("outcome_entropy_bits", float("nan"))
    rows = []
    for rank, (fact, r) in enumerate(table.iterrows(), start=1):
        rows.append(
            f'<tr data-rank="{rank}" data-fact="{_e(fact)}"><td class="num">{rank}</td>'
            f"<td><b>{_e(fact)}</b></td>"
            f'<td class="mi num">{_clean(r["mutual_information"]):.4f}</td>'
            f'<td class="num">{_clean(r["share_of_uncertainty"]):.1%}</td>'
            f'<td class="num">{_clean(r["p_mode_changes"]):.1%}</td>'
            f'<td class="num">{_pts(r["expected_max_gain"])}</td></tr>'
        )
    body = "".join(rows) or '<tr><td colspan="6">Every fact is already known.</td></tr>'
    lead = ""
    if len(table):
        best = table.index[0]
        share = _clean(table["share_of_uncertainty"].iloc[0])
        lead = (
            f'<div class="scn-voi-lead">Look for <b>{_e(best)}</b> next: learning it would '
            f"remove about {share:.0%} of the uncertainty about {_e(outcome)} "
            f"({_clean(table['mutual_information'].iloc[0]):.3f} of {h:.3f} bits).</div>"
        )
    return (
        f'{_STYLE}{lead}<table class="scn-table scn-voi"><thead><tr><th></th><th>fact</th>'
        "<th>bits</th><th>share</th><th>P(top state changes)</th><th>top prob. gain</th>"
        f"</tr></thead><tbody>{body}</tbody></table>"
        '<div class="scn-note"><b>bits</b>: expected reduction of the uncertainty (entropy) '
        f"of {_e(outcome)} on learning the fact (mutual information); <b>share</b>: that over "
        "its uncertainty now; <b>P(top state changes)</b>: the chance that, once the fact is "
        "known, another state is the most likely; <b>top prob. gain</b>: expected rise of the "
        "most likely state's probability. Known facts are left out.</div>"
    )


def what_if_summary(table: Any, scenario: Scenario, fact: str, state: str) -> str:
    """One line on observe versus intervene: where they differ most, and why.

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import what_if
    >>> s = scenarios.load(scenarios.default_priors())
    >>> what_if_summary(what_if(s, elite_cohesion="fractured"), s, "elite_cohesion",
    ...                 "fractured")[:60]
    'elite_cohesion has no causes in the model, so learning that '
    """
    gap = (table["observe"] - table["intervene"]).abs()
    what = f"{fact} = {state}"
    causes = ", ".join(scenario.nodes[fact].parents)
    if float(gap.max()) < 5e-4:
        if not causes:
            return (
                f"{fact} has no causes in the model, so learning that {what} and making it "
                "so give the same probabilities."
            )
        return (
            f"Learning that {what} and making it so give almost the same probabilities: what "
            f"it would say about its causes ({causes}) hardly moves the outcomes."
        )
    outcome, st = gap.idxmax()
    row = table.loc[(outcome, st)]
    return (
        f"Learning that {what} moves P({outcome} = {st}) from {row['now']:.3f} to "
        f"{row['observe']:.3f}; making it so (do) moves it to {row['intervene']:.3f}. The "
        f"difference: learning it also tells about its causes ({causes or 'its parents'}), "
        "making it so does not."
    )


def what_if_html(table: Any, summary: str) -> str:
    """A what-if table side by side (now, observe, intervene) under its one-line summary.

    Rows are ``<tr data-outcome=... data-state=...>`` with ``td.now``, ``td.observe`` and
    ``td.intervene`` to three decimals.
    """
    rows = []
    previous = None
    for (outcome, state), r in table.iterrows():
        first = outcome != previous
        previous = outcome
        rows.append(
            f'<tr class="{"scn-first" if first else ""}" data-outcome="{_e(outcome)}" '
            f'data-state="{_e(state)}"><td>{_e(outcome) if first else ""}</td>'
            f"<td>{_e(state)}</td>"
            f'<td class="now num">{_f(r["now"])}</td>'
            f'<td class="observe num">{_f(r["observe"])}</td>'
            f'<td class="change num {_sign(r["observe_change"])}">{_pts(r["observe_change"])}</td>'
            f'<td class="intervene num">{_f(r["intervene"])}</td>'
            f'<td class="change num {_sign(r["intervene_change"])}">'
            f"{_pts(r['intervene_change'])}</td></tr>"
        )
    what = table.attrs.get("what", "")
    return (
        f'{_STYLE}<div class="scn-what-if-summary">{_e(summary)}</div>'
        '<table class="scn-table scn-what-if"><thead><tr><th>outcome</th><th>state</th>'
        f"<th>now</th><th>if we learnt {_e(what)}</th><th></th><th>if we made {_e(what)} "
        f"(do)</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        '<div class="scn-note"><b>Learnt</b> (observe): conditions on it, so it also tells '
        "about its causes. <b>Made</b> (intervene, the do-operator): sets it from outside, "
        "cutting it from its causes. The claims stay observed in both.</div>"
    )


def score_html(
    score: Any, baseline: Any = None, *, resolution: Any = None, where: str | None = None
) -> str:
    """Brier and log scores of the current forecast, against the scenario as opened.

    Rows are ``<tr data-outcome=...>`` with ``td.p-resolved``, ``td.brier`` and
    ``td.log-score`` to four decimals.
    """
    rows = []
    for outcome, r in score.iterrows():
        base = ""
        if baseline is not None and outcome in baseline.index:
            b = baseline.loc[outcome]
            delta = r["brier"] - b["brier"]
            verdict = "better" if delta < -5e-5 else "worse" if delta > 5e-5 else "same"
            cls = {"better": "up", "worse": "down", "same": ""}[verdict]
            base = (
                f'<td class="num" title="P(it) as opened: {b["p_resolved"]:.4f}">'
                f'{b["brier"]:.4f}</td><td class="num {cls}">{delta:+.4f} {verdict}</td>'
            )
        rows.append(
            f'<tr data-outcome="{_e(outcome)}"><td>{_e(outcome)}</td><td>{_e(r["resolved"])}'
            f'</td><td class="p-resolved num">{r["p_resolved"]:.4f}</td>'
            f'<td class="brier num">{r["brier"]:.4f}</td>'
            f'<td class="log-score num">{r["log_score"]:.4f}</td>{base}</tr>'
        )
    extra = "<th>Brier as opened</th><th>change</th>" if baseline is not None else ""
    title = getattr(resolution, "title", None)
    when = getattr(resolution, "resolved_at", None)
    about = (
        f"Scored against <i>{_e(title)}</i>"
        + (f", resolved {when:%d %B %Y}" if when is not None else "")
        + (f" (<code>{_e(where)}</code>)" if where else "")
        + ". "
        if title
        else ""
    )
    return (
        f'{_STYLE}<div class="scn-hindsight" style="border-left:4px solid #bf8700;'
        'background:#fff8c5;padding:4px 8px;margin:4px 0"><b>Hindsight</b>: how this forecast '
        f"scores against what happened. {about}Moving a prior shows how it would have scored "
        "with that prior; the resolution was not known when the forecast was made.</div>"
        '<table class="scn-table scn-score"><thead><tr><th>outcome</th><th>what happened</th>'
        f"<th>P(it)</th><th>Brier</th><th>log score</th>{extra}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<div class="scn-mean-score">Mean over {len(score)} outcome'
        f"{'s' if len(score) != 1 else ''}: Brier <b>{score['brier'].mean():.4f}</b>, "
        f"log score <b>{score['log_score'].mean():.4f}</b></div>"
        '<div class="scn-note"><b>Brier</b>: sum over the states of (P − 1 if it happened, '
        "else 0)², 0 best, 2 worst. <b>Log score</b>: ln P(what happened), 0 best. Lower Brier "
        "is better.</div>"
    )


def _pts(x: float, unit: str = " pts") -> str:
    """A probability change in percentage points, ``+1.2 pts`` (never ``-0.0``)."""
    v = round(float(x) * 100, 1)
    return f"{v if v != 0 else 0.0:+.1f}{unit}"


def _clean(x: float) -> float:
    """Rounding noise (|x| < 1e-12) as zero, so that tables do not show -0.000."""
    return 0.0 if abs(float(x)) < 1e-12 else float(x)


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


# --- widgets -------------------------------------------------------------------------


class ProbabilityEditor(widgets.VBox):
    """One slider per state; moving one rescales the others, so the sum stays one.

    ``value`` is the dict of state probabilities; observe it for edits.

    Parameters
    ----------
    probs : mapping of str to float
        Initial probabilities.
    description : str
        Shown above the sliders.

    Examples
    --------
    >>> ed = ProbabilityEditor({"a": 0.5, "b": 0.3, "c": 0.2})
    >>> ed.sliders["a"].value = 0.8
    >>> round(sum(ed.value.values()), 12), round(ed.value["b"], 2)
    (1.0, 0.12)
    """

    value = traitlets.Dict()

    def __init__(self, probs: Mapping[str, float], description: str = "", **kwargs: Any) -> None:
        self._syncing = False
        self.sliders: dict[str, widgets.FloatSlider] = {}
        for state, p in probs.items():
            slider = widgets.FloatSlider(
                value=float(p),
                min=0.0,
                max=1.0,
                step=0.01,
                description=str(state),
                readout_format=".3f",
                continuous_update=False,
                style={"description_width": LABEL_WIDTH},
                layout=widgets.Layout(width="95%"),
            )
            slider.observe(self._moved, names="value")
            self.sliders[str(state)] = slider
        children = list(self.sliders.values())
        if description:
            children.insert(0, widgets.HTML(f"<small>{_e(description)}</small>"))
        super().__init__(children=children, **kwargs)
        self.value = {str(k): float(v) for k, v in probs.items()}
        self.add_class("scn-probability-editor")

    def _moved(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        state = change["owner"].description
        self.value = rescale(self.value, state, change["new"])

    @traitlets.observe("value")
    def _show(self, change: dict[str, Any]) -> None:
        self._syncing = True
        try:
            for state, p in change["new"].items():
                if state in self.sliders:
                    self.sliders[state].value = float(p)
        finally:
            self._syncing = False


@dataclass
class _Binding:
    """A control and what it means: its value in a scenario, and the edit it makes."""

    widget: widgets.Widget
    read: Callable[[Scenario], Any]
    write: Callable[[Scenario, Any], Scenario]


class Explorer:
    """Widgets to explore a scenario: every prior, claim and source, and the live result.

    Every control edits the scenario through the library (a new, validated
    :class:`~scenarios.Scenario`) and the exact engine updates it at once; an edit that
    makes the scenario invalid or the evidence impossible is refused, its message shown
    in the status line, and the last good scenario kept. "Run full engine" samples the
    PyMC model and shows its table with MCSE and diagnostics; "Save priors" writes the
    edited scenario to a new file in ``priors_dir``.

    Beside the scenario views, the analysis tabs answer what forecasters ask of a
    posterior, for the current (edited) scenario: *Report by report* (the timeline),
    *What matters most* (sensitivity and power-scaling), *What to look for next* (value of
    information), *What if* (observe versus intervene) and *Score* (against a resolution,
    in hindsight). They are heavier than an update, so each is computed when its tab is
    shown or its "Refresh analysis" button is pressed, never on a slider move; a view
    computed for an earlier scenario says it is stale. The score only re-scores the
    posterior already shown, so it follows every edit.

    Parameters
    ----------
    scenario : Scenario or path
        The scenario to explore (a path is loaded with :func:`scenarios.load`).
    priors_dir : str or path
        Where "Save priors" writes (created if missing; files are never overwritten).
    draws : int
        Draws behind the exact engine's credible intervals.
    full_options : mapping, optional
        Options for the full engine (``draws``, ``tune``, ``chains``, ``seed`` ...).
    resolution : Resolution or path, optional
        How the outcomes resolved, for the Score tab. Default: when ``scenario`` is a
        path ``<folder>/<name>.yaml``, the file ``resolutions/<name>.yaml`` beside
        ``<folder>`` if there is one (:func:`scenarios.io.data.resolution_for`).

    Attributes
    ----------
    scenario : Scenario
        The current (last valid) scenario.
    posterior : Posterior or None
        Its exact-engine posterior (``None`` if even the initial scenario failed).
    full_posterior : Posterior or None
        The last full-engine posterior.
    resolution : Resolution or None
        What the Score tab scores against.
    analysis : dict of str to AnalysisResult
        The last result of each analysis view that has been computed (see
        :meth:`refresh_analysis` and :meth:`stale`).
    views : ipywidgets.Tab
        The right-hand side: "Scenarios" (index 0), then one tab per
        :data:`ANALYSIS_VIEWS` in that order.
    controls : dict of str to Widget
        Every control by name: ``prior:<fact>`` (slider, state editor or range slider),
        ``prior:<fact>.concentration``, ``prior:<fact>.table[<i>]``,
        ``prior:<fact>.default``, ``prior:<fact>.intercept[.<state>]``,
        ``claim:<id>.on``, ``claim:<id>.status``, ``claim:<id>.information`` (0 for none),
        ``source:<name>.grade``, the buttons ``run_full`` and ``save``, and the analysis
        views' controls: ``analysis:timeline.outcome``, ``analysis:sensitivity.target``
        (``("", "")``: the most likely state of the first outcome),
        ``analysis:voi.outcome``, ``analysis:what_if.fact``, ``analysis:what_if.state``
        and ``analysis:<view>.refresh`` (the "Refresh analysis" buttons).
    widget : ipywidgets.VBox
        The whole explorer.

    Examples
    --------
    >>> import scenarios
    >>> ex = Explorer(scenarios.load(scenarios.default_priors()))
    >>> ex.controls["prior:army_strikes"].value = 0.5
    >>> ex.scenario.facts["army_strikes"].prior.p
    0.5
    """

    def __init__(
        self,
        scenario: Scenario | str | os.PathLike[str],
        *,
        priors_dir: str | os.PathLike[str] = "priors",
        draws: int = 1000,
        full_options: Mapping[str, Any] | None = None,
        resolution: Any = None,
    ) -> None:
        self.priors_path: Path | None = None
        if not isinstance(scenario, Scenario):
            from scenarios.io import load

            self.priors_path = Path(scenario)
            scenario = load(scenario)
        self.scenario: Scenario = scenario
        self.priors_dir = Path(priors_dir)
        self.draws = int(draws)
        self.full_options: dict[str, Any] = dict(full_options or {})
        self.posterior: Posterior | None = None
        self.full_posterior: Posterior | None = None
        self.saved: list[Path] = []
        self.controls: dict[str, widgets.Widget] = {}
        self._bindings: list[_Binding] = []
        self._syncing = False
        self._status_before_off: dict[str, str] = {}
        self._warnings: list[str] = []
        self.analysis: dict[str, AnalysisResult] = {}
        self._analysis_parts: dict[str, dict[str, widgets.HTML]] = {}
        self._analysis_syncing = False
        self._resolve(resolution)
        self._build()
        try:
            self.posterior = self._update(scenario)
        except (ScenarioError, ValueError) as exc:
            self._error(exc)
        self._baseline_score = self._score_of(self.posterior)
        self._refresh()

    # -- public actions ------------------------------------------------------------

    def apply(self, edit: Callable[[Scenario], Scenario]) -> bool:
        """Apply an edit to the current scenario, update, and refresh every view.

        Parameters
        ----------
        edit : callable
            Takes the current scenario and returns the edited one (e.g.
            ``lambda s: s.with_prior("x", {"p": 0.4})``).

        Returns
        -------
        bool
            ``True`` if applied; ``False`` if the edit was invalid or made the evidence
            impossible (the message is in the status line, the scenario unchanged).
        """
        started = time.perf_counter()
        try:
            new = edit(self.scenario)
            post = self._update(new)
        except (ScenarioError, ValueError, KeyError) as exc:
            self._error(exc)
            self._sync_controls()
            return False
        self.scenario, self.posterior = new, post
        self._sync_controls()
        self._refresh(elapsed=time.perf_counter() - started)
        return True

    def run_full(self) -> Posterior | None:
        """Update with the full PyMC engine (NUTS) and show its table and diagnostics.

        Returns
        -------
        Posterior or None
            The full-engine posterior, or ``None`` if it failed (the message is shown
            in place of its table).
        """
        button = self.controls["run_full"]
        button.disabled = True
        button.description = "Running…"
        options = {"progressbar": True, **self.full_options}
        self.full_output.clear_output()
        self.full_log.layout.display = None
        self.full_log.selected_index = 0
        self.full_view.value = ""
        chains = options.get("chains", 4)
        draws = options.get("draws", 1000)
        tune = options.get("tune", 1000)
        what = (
            f"Full engine: compiling the PyMC model and sampling {chains} chains of "
            f"{tune} + {draws} draws with NUTS, started {datetime.now():%H:%M:%S}"
        )
        started = time.perf_counter()
        stop = threading.Event()
        ticker = threading.Thread(
            target=self._tick, args=(stop, started, what), name="scenarios-full-ticker", daemon=True
        )
        self.full_progress.value = f'<div class="scn-note">{_e(what)}…</div>'
        ticker.start()
        try:
            with self.full_output, warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                post = self.scenario.update(engine="pymc", **options)
        except (ScenarioError, ValueError, RuntimeError) as exc:
            self.full_view.value = f'<div class="scn-warn">Full engine failed: {_e(exc)}</div>'
            return None
        finally:
            stop.set()
            ticker.join(timeout=5)
            self.full_progress.value = ""
            button.disabled = False
            button.description = "Run full engine"
        self.full_log.selected_index = None
        self.full_posterior = post
        self._show_full(time.perf_counter() - started)
        return post

    def _tick(self, stop: threading.Event, started: float, what: str) -> None:
        """Show the time elapsed while the full engine runs (a widget update per second)."""
        while not stop.wait(1.0):
            self.full_progress.value = (
                f'<div class="scn-note">{_e(what)}: {time.perf_counter() - started:.0f} s…</div>'
            )

    def save(self) -> Path | None:
        """Save the current scenario to a new file in ``priors_dir`` and say where.

        Returns
        -------
        pathlib.Path or None
            The new file, or ``None`` if it could not be written (message shown).
        """
        from scenarios.io import save

        try:
            self.priors_dir.mkdir(parents=True, exist_ok=True)
            path = save(self.scenario, self.priors_dir)
        except OSError as exc:
            self.saved_label.value = f'<span class="scn-warn">Not saved: {_e(exc)}</span>'
            return None
        self.saved.append(path)
        self.saved_label.value = f'Saved to <code class="scn-saved-path">{_e(path)}</code>'
        return path

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()

    # -- analysis -------------------------------------------------------------------

    @property
    def shown_view(self) -> str | None:
        """The analysis view whose tab is shown (``None``: the scenario views)."""
        index = self.views.selected_index or 0
        return list(ANALYSIS_VIEWS)[index - 1] if index > 0 else None

    def show_view(self, view: str | None) -> None:
        """Show an analysis view's tab (``None``: the scenario views); computed if stale."""
        if view is not None and view not in ANALYSIS_VIEWS:
            raise KeyError(f"no analysis view {view!r}; views are {list(ANALYSIS_VIEWS)}")
        self.views.selected_index = 0 if view is None else list(ANALYSIS_VIEWS).index(view) + 1

    def stale(self, view: str) -> bool:
        """Whether a view was never computed, or computed for another scenario or question."""
        result = self.analysis.get(view)
        return (
            result is None
            or result.scenario != self.scenario
            or result.key != self._analysis_key(view)
        )

    def compute_analysis(self, view: str) -> AnalysisResult:
        """Compute one analysis view for the current scenario (nothing is displayed).

        The numbers are the library's (:mod:`scenarios.analysis`) for
        :attr:`scenario` and what the view's controls ask; the result is kept in
        :attr:`analysis`. A failure is kept as the result's ``error``.
        """
        if view not in ANALYSIS_VIEWS:
            raise KeyError(f"no analysis view {view!r}; views are {list(ANALYSIS_VIEWS)}")
        scenario, key = self.scenario, self._analysis_key(view)
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

    def refresh_analysis(self, *views: str) -> dict[str, AnalysisResult]:
        """Compute analysis views for the current scenario and display them.

        Parameters
        ----------
        *views : str
            Keys of :data:`ANALYSIS_VIEWS`; default: the view shown, or every view when the
            scenario views are shown.

        Returns
        -------
        dict of str to AnalysisResult
        """
        if not views:
            views = (self.shown_view,) if self.shown_view else tuple(ANALYSIS_VIEWS)
        out = {}
        for view in views:
            parts = self._analysis_parts[view]
            parts["status"].value = '<span class="scn-note">Computing…</span>'
            out[view] = self.compute_analysis(view)
            self._show_analysis(view)
        return out

    def _resolve(self, resolution: Any) -> None:
        """Find and load the resolution the Score tab scores against."""
        from scenarios.analysis import Resolution, load_resolution

        self.resolution: Resolution | None = None
        self.resolution_path: Path | None = None
        self._resolution_problem: str | None = None
        if isinstance(resolution, Resolution):
            self.resolution = resolution
            return
        if resolution is not None:  # given: a bad file is the caller's error
            self.resolution_path = Path(resolution)
            self.resolution = load_resolution(resolution)
            return
        if self.priors_path is None:
            return
        from scenarios.io.data import resolution_for as find_resolution

        self.resolution_path = find_resolution(self.priors_path)
        if self.resolution_path is not None:
            try:
                self.resolution = load_resolution(self.resolution_path)
            except ScenarioError as exc:
                self._resolution_problem = str(exc)

    def _score_of(self, post: Posterior | None) -> Any:
        """The score of a posterior against the resolution, or ``None``."""
        from scenarios.analysis import score

        if post is None or self.resolution is None:
            return None
        try:
            return score(post, self.resolution)
        except KeyError:
            return None

    def _analysis_key(self, view: str) -> Any:
        c = self.controls
        if view == "sensitivity":
            target = c["analysis:sensitivity.target"].value
            return tuple(target) if target and target[0] else None
        if view == "what_if":
            fact, state = c["analysis:what_if.fact"].value, c["analysis:what_if.state"].value
            return (fact, state) if fact and state else None
        return None

    def _compute(self, view: str, scenario: Scenario, key: Any) -> dict[str, Any]:
        from scenarios import analysis
        from scenarios.views.report import timeline_moves

        if view == "timeline":
            table = analysis.timeline(scenario)
            return {"table": table, "moves": timeline_moves(table)}
        if view == "sensitivity":
            table = analysis.sensitivity(scenario, key)
            power = analysis.power_scaling(scenario, table.attrs["target"])
            return {"table": table, "power": power}
        if view == "voi":
            return {o: analysis.value_of_information(scenario, o) for o in scenario.outcomes}
        if view == "what_if":
            if key is None:
                raise ValueError("this scenario has no discrete fact to set")
            fact, state = key
            table = analysis.what_if(scenario, **{fact: state})
            return {"table": table, "summary": what_if_summary(table, scenario, fact, state)}
        # score: the posterior shown is already the current scenario's
        if self.resolution is None:
            raise ValueError(self._no_resolution())
        if self.posterior is None or self.posterior.scenario != scenario:
            raise ValueError("no posterior for this scenario (the last edit was refused)")
        baseline = getattr(self, "_baseline_score", None)
        return {"score": analysis.score(self.posterior, self.resolution), "baseline": baseline}

    def _no_resolution(self) -> str:
        if self._resolution_problem:
            return f"the resolution file cannot be read: {self._resolution_problem}"
        looked = ""
        if self.priors_path is not None:
            where = self.priors_path.resolve().parent.parent / "resolutions"
            looked = f" (looked for {where / (self.priors_path.stem + '.yaml')})"
        return (
            f"no resolution for this scenario{looked}: nothing to score against until the "
            "outcomes resolve. Pass Explorer(..., resolution=path) to score against one."
        )

    def _analysis_changed(self) -> None:
        """After an edit: the score follows it; the other views say whether they are stale."""
        self._sync_analysis_options()
        self.compute_analysis("score")
        self._show_analysis("score")
        for view in self.analysis:
            if view != "score":
                self._show_status(view)

    def _view_shown(self, change: dict[str, Any]) -> None:
        view = self.shown_view
        if view is None:
            return
        if self.stale(view):
            self.refresh_analysis(view)
        else:
            self._show_analysis(view)

    def _choice_changed(self, view: str, recompute: bool) -> None:
        if self._analysis_syncing:
            return
        if recompute and self.shown_view == view:
            self.refresh_analysis(view)
        elif view in self.analysis:
            self._show_analysis(view)

    def _what_if_fact_changed(self, change: dict[str, Any]) -> None:
        if self._analysis_syncing:
            return
        self._sync_what_if_states()
        self._choice_changed("what_if", recompute=True)

    def _sync_what_if_states(self) -> None:
        fact = self.controls["analysis:what_if.fact"].value
        states = list(self.scenario.nodes[fact].state_names) if fact else []
        dropdown = self.controls["analysis:what_if.state"]
        if list(dropdown.options) == states:
            return
        self._analysis_syncing = True
        try:
            old = dropdown.value
            dropdown.options = states
            if old in states:
                dropdown.value = old
            elif states:
                dropdown.value = "true" if "true" in states else states[0]
        finally:
            self._analysis_syncing = False

    def _analysis_options(self) -> dict[str, list[Any]]:
        s = self.scenario
        first = next(iter(s.outcomes))
        targets: list[Any] = [(f"most likely state of {first}", ("", ""))]
        targets += [
            (f"{o} = {st}", (o, st)) for o, node in s.outcomes.items() for st in node.state_names
        ]
        facts = [n for n, f in s.facts.items() if f.is_discrete]
        return {
            "analysis:timeline.outcome": list(s.outcomes),
            "analysis:sensitivity.target": targets,
            "analysis:voi.outcome": list(s.outcomes),
            "analysis:what_if.fact": facts,
        }

    def _sync_analysis_options(self) -> None:
        """Keep the analysis dropdowns' choices those of the current scenario."""
        self._analysis_syncing = True
        try:
            for key, options in self._analysis_options().items():
                dropdown = self.controls[key]
                if list(dropdown.options) == options:
                    continue
                old = dropdown.value
                dropdown.options = options
                values = [o[1] if isinstance(o, tuple) else o for o in options]
                if old in values:
                    dropdown.value = old
        finally:
            self._analysis_syncing = False
        self._sync_what_if_states()

    def _show_status(self, view: str) -> None:
        result = self.analysis.get(view)
        status = self._analysis_parts[view]["status"]
        if view == "score":
            status.value = (
                '<span class="scn-note">Follows every edit: it only re-scores the scenario '
                "probabilities shown.</span>"
            )
        elif result is None:
            status.value = '<span class="scn-note">Computed when this tab is shown.</span>'
        elif self.stale(view):
            status.value = (
                '<span class="scn-stale" style="color:#b26a00;font-weight:bold">Stale</span>'
                '<span class="scn-note"> — the scenario (or the question) has changed since '
                "this was computed; press Refresh analysis.</span>"
            )
        else:
            status.value = (
                '<span class="scn-fresh scn-note">Up to date: computed for the current '
                f"scenario in {result.seconds:.2f} s (exact engine).</span>"
            )

    def _show_analysis(self, view: str) -> None:
        """Display a view's last result (drawing it as its controls ask), then its status."""
        page = self._draw_analysis(view)
        if page:
            # wide tables scroll inside the tab (the style lets the widget shrink to it)
            page = (
                '<div class="scn-analysis-body" style="line-height:1.35;max-width:100%;'
                f'overflow-x:auto">{page}</div>'
            )
        self._analysis_parts[view]["body"].value = page
        self._show_status(view)

    def _draw_analysis(self, view: str) -> str:
        """The HTML of a view's last result, or ``""`` if it has none."""
        result = self.analysis.get(view)
        if result is None:
            return ""
        if result.error is not None:
            css = "scn-note" if view == "score" and self.resolution is None else "scn-warn"
            return f'{_STYLE}<div class="{css}">{_e(result.error)}</div>'
        data, c = result.data, self.controls
        if view == "timeline":
            outcome = c["analysis:timeline.outcome"].value
            return timeline_svg(data["table"], outcome) + timeline_steps_html(
                data["moves"], data["table"], outcome
            )
        if view == "sensitivity":
            return sensitivity_html(data["table"], data["power"]) + tornado_svg(data["table"])
        if view == "voi":
            outcome = c["analysis:voi.outcome"].value
            if outcome not in data:
                return f'<div class="scn-note">Press Refresh analysis for {_e(outcome)}.</div>'
            return voi_html(data[outcome], outcome)
        if view == "what_if":
            return what_if_html(data["table"], data["summary"])
        return score_html(
            data["score"],
            data.get("baseline"),
            resolution=self.resolution,
            where=str(self.resolution_path) if self.resolution_path else None,
        )

    # -- display --------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"Explorer({self.scenario.title!r}, {len(self.controls)} controls)"

    # -- updating -------------------------------------------------------------------

    def _update(self, scenario: Scenario) -> Posterior:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            post = scenario.update(draws=self.draws)
        self._warnings = [str(w.message) for w in caught if issubclass(w.category, SamplingWarning)]
        return post

    def _error(self, exc: BaseException) -> None:
        kind = "Impossible evidence" if isinstance(exc, ImpossibleEvidenceError) else "Invalid edit"
        message = _e(str(exc)).replace("\n", "<br>")
        kept = (
            "showing the last valid scenario"
            if self.posterior is not None
            else "nothing to show until an edit makes it valid"
        )
        self.status.value = (
            f'<div class="scn-status scn-error" style="color:#b3261e">'
            f"<b>{kind}, not applied</b> ({kept}): {message}</div>"
        )

    def _refresh(self, elapsed: float | None = None) -> None:
        post = self.posterior
        if post is None:
            return
        self.table.value = scenario_table_html(post)
        self.chart.value = chart_svg(post)
        self.comparison.value = comparison_html(post)
        took = f" in {elapsed * 1000:.0f} ms" if elapsed is not None else ""
        n_claims = sum(_counted(c) for c in self.scenario.claims)
        draws = post.settings.get("draws", 0)
        intervals = (
            f"intervals from {draws} draws"
            if draws
            else "no uncertain probabilities (no intervals)"
        )
        warned = "".join(f'<div style="color:#b26a00">{_e(w)}</div>' for w in self._warnings)
        self.status.value = (
            f'<div class="scn-status scn-ok">Updated{took}: exact engine, '
            f"{n_claims} of {len(self.scenario.claims)} claims counted, {intervals}.</div>"
            f"{warned}"
        )
        if self.full_posterior is not None and self.full_posterior.scenario != self.scenario:
            self.full_note.value = (
                '<div class="scn-note">The scenario has changed since the full engine ran: '
                "run it again to compare.</div>"
            )
        else:
            self.full_note.value = ""
        self._analysis_changed()

    def _show_full(self, elapsed: float) -> None:
        post = self.full_posterior
        assert post is not None
        settings = ", ".join(f"{k} {v}" for k, v in post.settings.items())
        self.full_view.value = (
            f"<div><b>Full engine</b> ({_e(settings)}; {elapsed:.1f} s)</div>"
            + scenario_table_html(post, mcse=True, exact=self.posterior)
            + "<div><b>Diagnostics</b></div>"
            + diagnostics_html(post)
        )
        self.full_note.value = ""

    def _sync_controls(self) -> None:
        """Set every control from the current scenario (after an edit, or to revert one)."""
        if _shape(self.scenario) != self._shape:
            self._rebuild_controls()
            return
        self._syncing = True
        try:
            for b in self._bindings:
                value = b.read(self.scenario)
                if isinstance(b.widget, widgets.FloatRangeSlider):
                    b.widget.min = min(b.widget.min, value[0])
                    b.widget.max = max(b.widget.max, value[1])
                if b.widget.value != value:
                    b.widget.value = value
        finally:
            self._syncing = False

    def _bind(
        self,
        key: str,
        widget: widgets.Widget,
        read: Callable[[Scenario], Any],
        write: Callable[[Scenario, Any], Scenario],
    ) -> widgets.Widget:
        binding = _Binding(widget, read, write)
        self._bindings.append(binding)
        self.controls[key] = widget

        def changed(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            new = change["new"]
            self.apply(lambda s: binding.write(s, new))

        widget.observe(changed, names="value")
        return widget

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        s = self.scenario
        self.status = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
        self.status.add_class("scn-status-line")
        self.chart = widgets.HTML()
        self.chart.add_class("scn-chart-view")
        self.table = widgets.HTML()
        self.table.add_class("scn-table-view")
        self.comparison = widgets.HTML(layout=widgets.Layout(max_height="420px", overflow="auto"))
        self.comparison.add_class("scn-compare-view")

        run = widgets.Button(
            description="Run full engine",
            button_style="primary",
            icon="play",
            tooltip="Sample the PyMC model with NUTS (seconds to minutes)",
            layout=widgets.Layout(width="auto"),
        )
        run.on_click(lambda _: self.run_full())
        save = widgets.Button(
            description="Save priors",
            icon="save",
            tooltip=f"Write the edited scenario to a new file in {self.priors_dir}",
            layout=widgets.Layout(width="auto"),
        )
        save.on_click(lambda _: self.save())
        self.controls["run_full"], self.controls["save"] = run, save
        self.saved_label = widgets.HTML()
        self.saved_label.add_class("scn-saved")
        self.full_output = widgets.Output()
        self.full_progress = widgets.HTML()
        self.full_progress.add_class("scn-full-progress")
        self.full_log = widgets.Accordion(
            children=[self.full_output],
            titles=("Sampler progress and log",),
            selected_index=None,
            layout=widgets.Layout(display="none"),  # shown from the first run on
        )
        self.full_view = widgets.HTML()
        self.full_view.add_class("scn-full-view")
        self.full_note = widgets.HTML()

        self._left = widgets.VBox(
            [self._control_tabs()], layout=widgets.Layout(flex="1 1 45%", min_width="360px")
        )
        as_of = f" — as of {s.as_of:%d %b %Y %H:%M %Z}".rstrip() if s.as_of else ""
        header = widgets.HTML(
            f'<h3 style="margin:4px 0">{_e(s.title)}{_e(as_of)}</h3>'
            '<div class="scn-note">Move a prior, switch a claim or a source grade: the '
            "scenario probabilities update at once (exact engine). Bars are posterior "
            "probabilities, whiskers their credible intervals, red ticks the priors.</div>"
        )
        overview = widgets.VBox(
            [
                self.chart,
                self.table,
                widgets.HTML("<b>Prior versus posterior, by fact</b>"),
                self.comparison,
            ]
        )
        self.views = widgets.Tab(
            children=[overview, *(self._analysis_box(v) for v in ANALYSIS_VIEWS)],
            titles=("Scenarios", *ANALYSIS_TABS.values()),
            selected_index=0,
        )
        self.views.add_class("scn-views")
        self.views.observe(self._view_shown, names="selected_index")
        results = widgets.VBox(
            [self.views],
            layout=widgets.Layout(flex="1 1 55%", min_width="420px", padding="0 0 0 12px"),
        )
        full = widgets.VBox(
            [
                widgets.HBox([run, save, self.saved_label]),
                self.full_note,
                self.full_progress,
                self.full_log,
                self.full_view,
            ]
        )
        self.widget = widgets.VBox(
            [
                header,
                self.status,
                widgets.HBox([self._left, results], layout=widgets.Layout(flex_flow="row wrap")),
                full,
            ]
        )
        self.widget.add_class("scn-explorer")

    def _control_tabs(self, selected: int = 0) -> widgets.Tab:
        """The controls of the current scenario's priors, claims and sources."""
        s = self.scenario
        self._shape = _shape(s)
        priors = widgets.VBox([self._node_box(n, node) for n, node in s.nodes.items()])
        claims = widgets.VBox([self._claim_box(c.id) for c in s.claims] or [_note("No claims.")])
        sources = widgets.VBox([self._source_box(n) for n in s.sources] or [_note("No sources.")])
        return widgets.Tab(
            children=[priors, claims, sources],
            titles=("Priors", f"Claims ({len(s.claims)})", f"Sources ({len(s.sources)})"),
            selected_index=selected,
            layout=widgets.Layout(max_height="900px", overflow="auto"),
        )

    def _rebuild_controls(self) -> None:
        """New controls when an edit changed what there is to control (a claim added ...)."""
        old = self._left.children[0]
        selected = old.selected_index or 0
        self._bindings = []
        self.controls = {
            k: w
            for k, w in self.controls.items()
            if not k.startswith(("prior:", "claim:", "source:"))
        }
        self._left.children = [self._control_tabs(selected)]
        _close(old)

    def _analysis_box(self, view: str) -> widgets.Widget:
        """An analysis tab: its choices, a "Refresh analysis" button, a status line, the view."""
        options = self._analysis_options()
        row: list[widgets.Widget] = []

        def dropdown(key: str, description: str, width: str) -> widgets.Dropdown:
            values = options[key]
            w = widgets.Dropdown(
                options=values,
                description=description,
                style={"description_width": "initial"},
                layout=widgets.Layout(width=width),
            )
            w.add_class("scn-" + key.split(":", 1)[1].replace(".", "-").replace("_", "-"))
            self.controls[key] = w
            row.append(w)
            return w

        if view == "timeline":
            d = dropdown("analysis:timeline.outcome", "outcome", "260px")
            d.observe(lambda _: self._choice_changed("timeline", False), names="value")
        elif view == "sensitivity":
            d = dropdown("analysis:sensitivity.target", "probability of", "340px")
            d.observe(lambda _: self._choice_changed("sensitivity", True), names="value")
        elif view == "voi":
            d = dropdown("analysis:voi.outcome", "about", "260px")
            d.observe(lambda _: self._choice_changed("voi", False), names="value")
        elif view == "what_if":
            fact = dropdown("analysis:what_if.fact", "if", "220px")
            # start on a fact with causes: there, learning it and setting it differ
            caused = [n for n in fact.options if self.scenario.facts[n].parents]
            if caused:
                fact.value = caused[0]
            state = widgets.Dropdown(options=[], layout=widgets.Layout(width="160px"))
            state.add_class("scn-what-if-state")
            self.controls["analysis:what_if.state"] = state
            row.append(widgets.HTML("&nbsp;="))
            row.append(state)
            self._sync_what_if_states()
            fact.observe(self._what_if_fact_changed, names="value")
            state.observe(lambda _: self._choice_changed("what_if", True), names="value")
        if view != "score":
            refresh = widgets.Button(
                description="Refresh analysis",
                icon="refresh",
                tooltip="Compute this view for the current scenario",
                layout=widgets.Layout(width="auto"),
            )
            refresh.add_class("scn-refresh-analysis")
            refresh.on_click(lambda _, view=view: self.refresh_analysis(view))
            self.controls[f"analysis:{view}.refresh"] = refresh
            row.append(refresh)
        status = widgets.HTML()
        status.add_class("scn-analysis-status")
        # min_width 0: wide tables scroll inside the tab instead of widening it
        body = widgets.HTML(layout=widgets.Layout(width="100%", min_width="0", overflow="auto"))
        body.add_class(f"scn-analysis-{view.replace('_', '-')}")
        self._analysis_parts[view] = {"status": status, "body": body}
        heading = widgets.HTML(
            f"<b>{_e(ANALYSIS_VIEWS[view])}</b>"
            f"<span class='scn-note' style='color:#666'>: {_e(_ANALYSIS_ABOUT[view])}</span>"
        )
        box = widgets.VBox(
            [heading, widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap")), status, body],
            layout=widgets.Layout(width="100%", min_width="0"),
        )
        box.add_class("scn-analysis")
        return box

    def _node_box(self, name: str, node: Fact | Outcome) -> widgets.Widget:
        prior = node.prior
        what = "outcome" if isinstance(node, Outcome) else node.kind
        text = node.description or getattr(node, "question", None) or ""
        about = f"{what}, {_prior_kind(prior, node.kind)}" + (
            f": {_clip(text, 90)}" if text else ""
        )
        title = widgets.HTML(f"<b>{_e(name)}</b> <span class='scn-note'>{_e(about)}</span>")
        if isinstance(node, Fact) and isinstance(prior, CONTINUOUS_PRIORS):
            body = [self._range_control(name, node)]
        elif isinstance(prior, Probabilities):
            body = [self._probs_control(f"prior:{name}", name, (), label=name)]
        elif isinstance(prior, TablePrior):
            body = [self._table_control(name, node)]
        elif isinstance(prior, LogitPrior):
            body = self._logit_controls(name, node)
        else:  # pragma: no cover - every prior kind is handled above
            body = [_note(f"{type(prior).__name__}: no control")]
        if getattr(prior, "concentration", None) is not None:
            body.append(self._concentration(f"prior:{name}.concentration", name, ()))
        box = widgets.VBox([title, *body], layout=widgets.Layout(margin="0 0 8px 0"))
        box.add_class("scn-prior")
        return box

    def _probs_control(
        self, key: str, name: str, base: Path_, label: str, heading: str = ""
    ) -> widgets.Widget:
        """A slider (binary ``p``) or a state editor (``probs``) for the prior at ``base``.

        ``base`` locates the owner of ``p``/``probs`` in the prior: ``()`` for the prior
        itself, ``("table", i)`` for a row, ``("default",)``. ``label`` names a binary
        slider; ``heading`` goes above the control.
        """
        owner = _get(self.scenario.nodes[name].prior, base)
        if owner.p is not None:
            field_path = (*base, "p")
            widget: widgets.Widget = widgets.FloatSlider(
                value=owner.p,
                min=0.0,
                max=1.0,
                step=0.01,
                description=label,
                readout_format=".2f",
                continuous_update=False,
                style={"description_width": LABEL_WIDTH},
                layout=widgets.Layout(width="95%"),
            )
            widget.add_class("scn-p")

            def read(s: Scenario) -> Any:
                return float(_get(s.nodes[name].prior, field_path))

            def write(s: Scenario, v: Any) -> Scenario:
                return s.with_prior(name, prior_with(s.nodes[name].prior, field_path, float(v)))

        else:
            field_path = (*base, "probs")
            widget = ProbabilityEditor(owner.probs)

            def read(s: Scenario) -> Any:
                return {k: float(v) for k, v in _get(s.nodes[name].prior, field_path).items()}

            def write(s: Scenario, v: Any) -> Scenario:
                return s.with_prior(name, prior_with(s.nodes[name].prior, field_path, dict(v)))

        self._bind(key, widget, read, write)
        return widgets.VBox([_note(heading), widget]) if heading else widget

    def _concentration(self, key: str, name: str, base: Path_) -> widgets.Widget:
        path = (*base, "concentration")
        value = float(_get(self.scenario.nodes[name].prior, path))
        slider = widgets.FloatLogSlider(
            value=value,
            base=10,
            min=-1,
            max=math.ceil(max(3.0, math.log10(value) + 1)),
            step=0.05,
            description="concentration",
            readout_format=".3g",
            continuous_update=False,
            tooltip="How sure the forecaster is of these probabilities (larger = surer)",
            style={"description_width": LABEL_WIDTH},
            layout=widgets.Layout(width="95%"),
        )
        slider.add_class("scn-concentration")

        def read(s: Scenario) -> Any:
            return float(_get(s.nodes[name].prior, path))

        def write(s: Scenario, v: Any) -> Scenario:
            return s.with_prior(name, prior_with(s.nodes[name].prior, path, float(v)))

        return self._bind(key, slider, read, write)

    def _range_control(self, name: str, fact: Fact) -> widgets.Widget:
        lo, hi = interval_of(fact)
        vmin, vmax, step = range_bounds(fact, lo, hi)
        unit = f" {fact.unit}" if fact.unit else ""
        slider = widgets.FloatRangeSlider(
            value=(lo, hi),
            min=min(vmin, lo),
            max=max(vmax, hi),
            step=step,
            description=name,
            readout_format=".3g",
            continuous_update=False,
            style={"description_width": LABEL_WIDTH},
            layout=widgets.Layout(width="95%"),
        )
        slider.add_class("scn-range")

        def read(s: Scenario) -> Any:
            return interval_of(s.facts[name])

        def write(s: Scenario, v: Any) -> Scenario:
            return s.with_prior(name, range_prior(s.facts[name], v[0], v[1]))

        self._bind(f"prior:{name}", slider, read, write)
        hint = _note(f"{RANGE_MASS:.0%} prior interval{_e(unit)}")
        return widgets.VBox([slider, hint])

    def _table_control(self, name: str, node: Fact | Outcome) -> widgets.Widget:
        prior = node.prior
        assert isinstance(prior, TablePrior)
        rows = []
        p_label = "P(true)"
        for i, row in enumerate(prior.table):
            when = "when " + ", ".join(f"{k} = {v}" for k, v in row.when.items())
            key = f"prior:{name}.table[{i}]"
            rows.append(self._probs_control(key, name, ("table", i), p_label, heading=when))
            if row.concentration is not None:
                rows.append(self._concentration(f"{key}.concentration", name, ("table", i)))
        if prior.default is not None:
            rows.append(
                self._probs_control(
                    f"prior:{name}.default",
                    name,
                    ("default",),
                    p_label,
                    heading="every other combination (default)",
                )
            )
        n_rows = len(prior.table) + (prior.default is not None)
        acc = widgets.Accordion(
            children=[widgets.VBox(rows)],
            titles=(f"table given {', '.join(prior.given)} ({n_rows} rows)",),
            selected_index=None,
        )
        acc.add_class("scn-table-prior")
        return acc

    def _logit_controls(self, name: str, node: Fact | Outcome) -> list[widgets.Widget]:
        prior = node.prior
        assert isinstance(prior, LogitPrior)
        states = node.state_names
        out: list[widgets.Widget] = [
            _note(
                f"logit link on {', '.join(node.parents) or 'nothing'}: intercepts "
                + (
                    "(log-odds of true)"
                    if node.kind == "binary"
                    else f"(log-odds against {states[0]!r})"
                )
            )
        ]
        if node.kind == "binary":
            targets: list[str | None] = [None]
        else:
            targets = list(states[1:])
        for state in targets:
            current = _intercept(prior.logit.intercept, state)
            reach = max(6.0, abs(current) + 3.0)
            slider = widgets.FloatSlider(
                value=current,
                min=-reach,
                max=reach,
                step=0.1,
                description="intercept" if state is None else f"intercept: {state}",
                readout_format=".1f",
                continuous_update=False,
                style={"description_width": LABEL_WIDTH},
                layout=widgets.Layout(width="95%"),
            )
            slider.add_class("scn-intercept")

            def read(s: Scenario, state: str | None = state) -> Any:
                return _intercept(s.nodes[name].prior.logit.intercept, state)

            def write(s: Scenario, v: Any, state: str | None = state) -> Scenario:
                old = s.nodes[name].prior.logit.intercept
                if state is None:
                    new: Any = float(v)
                else:
                    new = dict(old) if isinstance(old, Mapping) else {}
                    new[state] = float(v)
                return s.with_prior(
                    name, prior_with(s.nodes[name].prior, ("logit", "intercept"), new)
                )

            key = f"prior:{name}.intercept" + ("" if state is None else f".{state}")
            out.append(self._bind(key, slider, read, write))
        return out

    def _claim_box(self, claim_id: str) -> widgets.Widget:
        claim = self.scenario.claim(claim_id)
        on = widgets.Checkbox(
            value=_counted(claim),
            description=claim_id,
            indent=False,
            tooltip="Off: the claim is retracted (it stays in the ledger but counts for nothing)",
            layout=widgets.Layout(width="210px"),
        )
        on.add_class("scn-claim-on")

        def read_on(s: Scenario) -> Any:
            return _counted(s.claim(claim_id))

        def write_on(s: Scenario, v: Any) -> Scenario:
            c = s.claim(claim_id)
            if not v:
                self._status_before_off[claim_id] = c.status
                return s.with_claim_changed(claim_id, status="retracted")
            changes: dict[str, Any] = {}
            if c.status == "retracted":
                before = self._status_before_off.get(claim_id)
                changes["status"] = before if before not in (None, "retracted") else "reported"
            if getattr(c, "retracted_at", None) is not None:
                changes["retracted_at"] = None
            return s.with_claim_changed(claim_id, **changes)

        status = widgets.Dropdown(
            options=list(STATUSES),
            value=claim.status,
            layout=widgets.Layout(width="110px"),
            tooltip="Status of the claim",
        )
        status.add_class("scn-claim-status")

        def write_status(s: Scenario, v: Any) -> Scenario:
            return s.with_claim_changed(claim_id, status=v)

        info = widgets.Dropdown(
            options=[("info: none", 0)] + [(f"info: {d}", d) for d in INFORMATION],
            value=claim.information or 0,
            layout=widgets.Layout(width="100px"),
            tooltip="Admiralty information digit: 1 confirmed ... 6 cannot be judged",
        )
        info.add_class("scn-claim-information")

        def write_info(s: Scenario, v: Any) -> Scenario:
            return s.with_claim_changed(claim_id, information=v or None)

        self._bind(f"claim:{claim_id}.on", on, read_on, write_on)
        self._bind(
            f"claim:{claim_id}.status", status, lambda s: s.claim(claim_id).status, write_status
        )
        self._bind(
            f"claim:{claim_id}.information",
            info,
            lambda s: s.claim(claim_id).information or 0,
            write_info,
        )
        about = (
            claim.proposition
            if claim.proposition is not None
            else (
                f"{claim.reported.fact} reported as {claim.reported.value:g}"  # type: ignore[union-attr]
            )
        )
        source = claim.source or "no source"
        hedge = f", “{claim.hedge}”" if claim.hedge else ""
        text = widgets.HTML(
            f"<div class='scn-note' title='{_e(claim.text)}'>{_e(_clip(claim.text, 110))}<br>"
            f"<code style='font-size:11px'>{_e(about)}</code> — {_e(source)}{_e(hedge)}</div>"
        )
        box = widgets.VBox(
            [widgets.HBox([on, status, info]), text], layout=widgets.Layout(margin="0 0 6px 0")
        )
        box.add_class("scn-claim")
        return box

    def _source_box(self, name: str) -> widgets.Widget:
        source = self.scenario.sources[name]
        options: list[Any] = list(GRADES) if source.grade else [("explicit rates", None), *GRADES]
        grade = widgets.Dropdown(
            options=options,
            value=source.grade,
            description=name,
            style={"description_width": "initial"},
            tooltip="Admiralty source grade: A reliable ... F cannot be judged",
            layout=widgets.Layout(width="auto"),
        )
        grade.add_class("scn-source-grade")

        def write(s: Scenario, v: Any) -> Scenario:
            return s.with_source(name, grade=v)

        self._bind(f"source:{name}.grade", grade, lambda s: s.sources[name].grade, write)
        n = sum(c.source == name for c in self.scenario.claims)
        overridden = (
            " (explicit rates override the grade)"
            if source.true_positive is not None or source.false_positive is not None
            else ""
        )
        text = _note(f"{source.name or name}; {n} claim{'s' if n != 1 else ''}{overridden}")
        return widgets.VBox([grade, text], layout=widgets.Layout(margin="0 0 6px 0"))


def _shape(s: Scenario) -> tuple[Any, ...]:
    """What there is to control: an edit that changes this needs new controls."""

    def prior_shape(prior: Any) -> tuple[Any, ...]:
        if isinstance(prior, Probabilities):
            return ("probs", prior.p is None, prior.concentration is None)
        if isinstance(prior, TablePrior):
            rows = tuple((r.p is None, r.concentration is None) for r in prior.table)
            default = None if prior.default is None else prior.default.p is None
            return ("table", prior.given, rows, default, prior.concentration is None)
        if isinstance(prior, LogitPrior):
            return ("logit",)
        return ("continuous",)

    return (
        tuple((n, prior_shape(node.prior)) for n, node in s.nodes.items()),
        tuple(c.id for c in s.claims),
        tuple((n, src.grade is None) for n, src in s.sources.items()),
    )


def _close(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close(child)
    widget.close()


def _note(text: str) -> widgets.HTML:
    return widgets.HTML(
        f"<span class='scn-note' style='color:#666;font-size:11px'>{_e(text)}</span>"
    )


def _prior_kind(prior: Any, kind: str) -> str:
    if isinstance(prior, Probabilities) and kind == "binary":
        return "probability of true"
    return {
        "Probabilities": "state probabilities",
        "TablePrior": "conditional table",
        "LogitPrior": "logit link",
        "RangePrior": "range",
        "QuantilePrior": "quantiles",
        "DistributionPrior": "distribution",
    }.get(type(prior).__name__, type(prior).__name__)


def _intercept(intercept: float | Mapping[str, float], state: str | None) -> float:
    if state is None:
        return float(intercept) if not isinstance(intercept, Mapping) else 0.0
    if isinstance(intercept, Mapping):
        return float(intercept.get(state, 0.0))
    return 0.0


def _counted(claim: Any) -> bool:
    counted = getattr(claim, "counted", None)
    return bool(counted) if counted is not None else claim.status != "retracted"

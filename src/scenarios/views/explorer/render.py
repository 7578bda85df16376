"""HTML and SVG of the explorer's views: the scenario table, chart, comparison and analyses.

Pure functions from a posterior or an analysis table to markup (no widgets): the
explorer puts their output into ``ipywidgets.HTML``.
"""

from __future__ import annotations

import html
import math
from typing import Any

from scenarios.posterior import Posterior

__all__ = [
    "STYLE",
    "TOP_INPUTS",
    "chart_svg",
    "comparison_html",
    "diagnostics_html",
    "figure_svg",
    "scenario_table_html",
    "score_html",
    "sensitivity_html",
    "timeline_steps_html",
    "timeline_svg",
    "tornado_svg",
    "voi_html",
    "what_if_html",
]

#: Rows of the sensitivity table (and bars of the tornado) the explorer shows.
TOP_INPUTS = 10

STYLE = """
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
        f'{STYLE}<table class="scn-table scn-scenarios"><thead><tr>{header}</tr></thead>'
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
    return f"{STYLE}{table}{quantities}"


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
    return f"{STYLE}{table}{warned}"


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
    from scenarios.reports import LEDGER_COLUMNS

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
        :func:`scenarios.reports.timeline_moves` of ``table``.
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
        f'{STYLE}<table class="scn-table scn-timeline"><thead><tr>{head}</tr></thead>'
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
    from scenarios.reports import prior_share_text

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
        f'{STYLE}<div class="scn-prior-share" title="{_e(prior_share_text(power))}">'
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
        f'{STYLE}{lead}<table class="scn-table scn-voi"><thead><tr><th></th><th>fact</th>'
        "<th>bits</th><th>share</th><th>P(top state changes)</th><th>top prob. gain</th>"
        f"</tr></thead><tbody>{body}</tbody></table>"
        '<div class="scn-note"><b>bits</b>: expected reduction of the uncertainty (entropy) '
        f"of {_e(outcome)} on learning the fact (mutual information); <b>share</b>: that over "
        "its uncertainty now; <b>P(top state changes)</b>: the chance that, once the fact is "
        "known, another state is the most likely; <b>top prob. gain</b>: expected rise of the "
        "most likely state's probability. Known facts are left out.</div>"
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
        f'{STYLE}<div class="scn-what-if-summary">{_e(summary)}</div>'
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
        f'{STYLE}<div class="scn-hindsight" style="border-left:4px solid #bf8700;'
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

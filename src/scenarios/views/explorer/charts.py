"""The explorer's charts as inline SVG: the scenario chart, and matplotlib figures.

The scenario chart is drawn by hand (it follows every slider move); the analysis
charts are those of :mod:`scenarios.views.plots`, turned into SVG by :func:`figure_svg`.
"""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

from scenarios.views.formats import clip, probability
from scenarios.views.html import TOP_INPUTS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from scenarios.analysis.sensitivity import Sensitivity
    from scenarios.posterior import Posterior

__all__ = ["chart_svg", "figure_svg", "timeline_svg", "tornado_svg"]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _p(p: float) -> str:
    return probability(p, "percent")


def chart_svg(posterior: Posterior, *, width: int = 520) -> str:
    """A horizontal bar chart of the scenario probabilities, as inline SVG.

    Each state gets a bar (posterior probability), a whisker (credible interval) and a
    red tick (prior probability), grouped by outcome; each state is a
    ``<g data-outcome=... data-state=...>`` with its numbers as a tooltip. The chart of
    :func:`scenarios.views.plots.plot_scenarios`, drawn by hand: in a few milliseconds,
    where matplotlib takes half a second, so that it can follow every slider move.

    Parameters
    ----------
    posterior : Posterior
    width : int
        Pixels.

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> svg = chart_svg(scenarios.load(scenarios.example()).update(intervals=False))
    >>> svg.startswith('<svg class="scn-chart"'), 'data-state="negotiated"' in svg
    (True, True)
    """
    frame = posterior.scenarios
    # plain lists, not pandas lookups row by row: drawn on every slider move
    priors = posterior.prior_scenarios["probability"]
    prior = dict(zip(priors.index.tolist(), priors.tolist(), strict=True))
    rows: dict[str, list[tuple[str, float, float, float]]] = {}
    values = (frame[c].tolist() for c in ("probability", "lower", "upper"))
    for (outcome, state), *numbers in zip(frame.index.tolist(), *values, strict=True):
        rows.setdefault(outcome, []).append((state, *numbers))
    label_w, value_w, row_h, head_h = 150, 56, 18, 20
    bar_w = width - label_w - value_w
    outcomes = list(rows)
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
        parts.append(f'<text x="2" y="{y + 13}" font-weight="bold">{_e(clip(title, 80))}</text>')
        y += head_h
        for state, p, lo, hi in rows[outcome]:
            mid = y + row_h / 2
            parts.append(
                f'<g data-outcome="{_e(outcome)}" data-state="{_e(state)}">'
                f"<title>{_e(outcome)} = {_e(state)}: {_p(p)} ({_p(lo)} – {_p(hi)}), "
                f"prior {_p(prior[(outcome, state)])}</title>"
                f'<text x="{x0 - 6}" y="{mid + 4}" text-anchor="end">{_e(clip(state, 24))}</text>'
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
                f'<text x="{x0 + bar_w + 6}" y="{mid + 4}">{_p(p)}</text></g>'
            )
            y += row_h
    parts.append("</svg>")
    return "".join(parts)


def figure_svg(fig: Figure) -> str:
    """A matplotlib figure as inline SVG, text kept as text, shrinking to its container.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        ``<div class="scn-figure"><svg ...>...</svg></div>``; the same figure gives the
        same text (no date, fixed ids).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.subplots().plot([0, 1], [1, 0])
    >>> svg = figure_svg(fig)
    >>> svg.startswith('<div class="scn-figure"><svg'), svg == figure_svg(fig)
    (True, True)
    """
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "scenarios"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
    return f'<div class="scn-figure">{svg}</div>'


def timeline_svg(table: pd.DataFrame, outcome: str) -> str:
    """Step plot of one outcome's probabilities, report by report (inline SVG).

    Parameters
    ----------
    table : DataFrame
        :func:`scenarios.analysis.timeline`'s table.
    outcome : str

    Returns
    -------
    str
        :func:`scenarios.views.plots.plot_timeline` as SVG.

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import timeline
    >>> table = timeline(scenarios.load(scenarios.example()))
    >>> svg = timeline_svg(table, "putin_in_power")
    >>> svg.startswith('<div class="scn-figure"><svg'), "P(putin_in_power)" in svg
    (True, True)
    """
    from matplotlib.figure import Figure

    from scenarios.views.plots import plot_timeline

    fig = Figure(figsize=(7.2, 3.9), layout="constrained")
    ax = fig.subplots()
    plot_timeline(table, outcome, ax=ax)
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    return figure_svg(fig)


def tornado_svg(sens: Sensitivity, top: int = TOP_INPUTS) -> str:
    """The tornado chart of a sensitivity table's ``top`` rows (inline SVG).

    Parameters
    ----------
    sens : Sensitivity
        :func:`scenarios.analysis.sensitivity`'s result.
    top : int
        Bars drawn.

    Returns
    -------
    str
        :func:`scenarios.views.plots.plot_tornado` as SVG.

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import sensitivity
    >>> s = scenarios.loads('''
    ... title: Coin
    ... facts: {biased: {kind: binary, prior: {p: 0.3}}}
    ... outcomes: {heads: {kind: binary, exhaustive: yes or no,
    ...            prior: {given: [biased], table: [{when: {biased: true}, p: 0.9},
    ...                                            {when: {biased: false}, p: 0.5}]}}}
    ... ''')
    >>> svg = tornado_svg(sensitivity(s, ("heads", "true")))
    >>> svg.startswith('<div class="scn-figure"><svg'), "P(heads = true)" in svg
    (True, True)
    """
    from matplotlib.figure import Figure

    from scenarios.views.plots import plot_tornado

    n = min(top, len(sens.table))
    fig = Figure(figsize=(7.2, 1.3 + 0.34 * n), layout="constrained")
    ax = fig.subplots()
    plot_tornado(sens, top=top, ax=ax)
    ax.grid(axis="x", color="#e5e5e5", lw=0.8)
    ax.set_axisbelow(True)
    return figure_svg(fig)

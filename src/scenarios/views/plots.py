"""Charts of posteriors and analysis tables, drawn with matplotlib (and ArviZ).

The analysis layer returns tables; this module draws them. Functions that make a whole
figure return a :class:`matplotlib.figure.Figure` not registered with pyplot (no global
state); functions that take ``ax`` draw into it and return it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scenarios.analysis.timeline import LEDGER_COLUMNS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scenarios.analysis.sensitivity import Sensitivity
    from scenarios.posterior import Posterior

__all__ = [
    "plot_calibration",
    "plot_prior_posterior",
    "plot_sampling",
    "plot_scenarios",
    "plot_sensitivity",
    "plot_timeline",
    "plot_timelines",
    "plot_tornado",
]


def _pct(p: float) -> str:
    return f"{p:.1%}"


def plot_scenarios(post: Posterior) -> Figure:
    """Scenario probabilities per outcome: bars, interval error bars, prior ticks.

    Parameters
    ----------
    post : Posterior

    Returns
    -------
    matplotlib.figure.Figure
        One panel per outcome; not registered with pyplot (no global state), so show it
        by returning it in a notebook or save it with ``fig.savefig``.

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.example()).update(intervals=False)
    >>> fig = plot_scenarios(post)
    >>> [ax.get_title(loc="left").split(":")[0] for ax in fig.axes]
    ['mutiny_end', 'putin_in_power']
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    table, prior = post.scenarios, post.prior_scenarios
    outcomes = list(dict.fromkeys(table.index.get_level_values(0)))
    sizes = [len(table.loc[o]) for o in outcomes]
    fig = Figure(figsize=(9, 0.9 + 0.42 * sum(sizes) + 0.6 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False, height_ratios=sizes)[:, 0]
    for ax, outcome in zip(axes, outcomes, strict=True):
        t = table.loc[outcome]
        y = range(len(t))[::-1]
        p = t["probability"].to_numpy()
        err = [p - t["lower"].to_numpy(), t["upper"].to_numpy() - p]
        ax.barh(list(y), p, color="#3b6fb6", height=0.6, label="posterior")
        ax.errorbar(
            p,
            list(y),
            xerr=err,
            fmt="none",
            ecolor="#1b1f24",
            capsize=4,
            lw=1.2,
            label=f"{post.interval_mass:.0%} interval",
        )
        p0 = prior.loc[outcome]["probability"].reindex(t.index).to_numpy()
        ax.scatter(
            p0, list(y), marker="|", s=260, color="#d1242f", linewidths=2, zorder=3, label="prior"
        )
        for yi, pi, hi in zip(y, p, t["upper"].to_numpy(), strict=True):
            ax.text(hi + 0.01, yi, _pct(pi), va="center", fontsize=9)
        ax.set_yticks(list(y), [str(s) for s in t.index])
        ax.set_xlim(0, 1.06)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(axis="x", color="#e1e4e8", lw=0.8)
        ax.set_axisbelow(True)
        q = post.scenario.outcomes[outcome].question
        ax.set_title(f"{outcome}" + (f": {q}" if q else ""), loc="left", fontsize=10, wrap=True)
    axes[0].legend(
        loc="lower right", fontsize=8, frameon=False, ncols=3, bbox_to_anchor=(1.0, 1.12)
    )
    return fig


def plot_prior_posterior(post: Posterior, columns: int = 3) -> Figure | None:
    """Prior against posterior for every discrete fact (posterior with its interval).

    Parameters
    ----------
    post : Posterior
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure or None
        One panel per fact (a grid of ``columns``); ``None`` when the scenario has no
        discrete fact.

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.example()).update(intervals=False)
    >>> fig = plot_prior_posterior(post, columns=4)
    >>> fig.axes[0].get_title(loc="left")
    'army_loyalty'
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    facts = list(dict.fromkeys(post.facts.index.get_level_values(0)))
    if not facts:
        return None
    rows = math.ceil(len(facts) / columns)
    fig = Figure(figsize=(3.6 * columns, 2.3 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[len(facts) :]:
        ax.set_axis_off()
    for ax, fact in zip(axes, facts, strict=False):
        t = post.facts.loc[fact]
        p0 = post.prior_facts.loc[fact]["probability"].reindex(t.index).to_numpy()
        p = t["probability"].to_numpy()
        y = list(range(len(t)))[::-1]
        ax.barh([v + 0.2 for v in y], p0, height=0.38, color="#c4ccd6", label="prior")
        ax.barh([v - 0.2 for v in y], p, height=0.38, color="#3b6fb6", label="posterior")
        ax.errorbar(
            p,
            [v - 0.2 for v in y],
            xerr=[p - t["lower"], t["upper"] - p],
            fmt="none",
            ecolor="#1b1f24",
            capsize=2,
            lw=0.9,
        )
        ax.set_yticks(y, [str(s) for s in t.index], fontsize=8)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(fact, loc="left", fontsize=9)
    axes[0].legend(fontsize=7, frameon=False, loc="lower right")
    return fig


def plot_sampling(post: Posterior, max_variables: int = 16) -> Figure | None:
    """ArviZ rank plots of the sampled scalar quantities (full engine only).

    Each line is one chain's ECDF of fractional ranks minus the uniform's: chains that mixed
    stay inside the envelope; a chain drifting out (drawn black) has not explored the
    posterior like the others.

    Parameters
    ----------
    post : Posterior
    max_variables : int
        Panels drawn at most (the first sampled quantities).

    Returns
    -------
    matplotlib.figure.Figure or None
        ``None`` for the exact engine (no chains) or when nothing scalar was sampled.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> plot_sampling(s.update(intervals=False)) is None  # the exact engine has no chains
    True
    >>> fig = plot_sampling(s.update(engine="pymc", seed=1))  # doctest: +SKIP
    """
    if post.idata is None or post.engine != "pymc":  # the exact engine's draws are resampled
        return None
    import arviz_plots as azp
    import matplotlib.pyplot as plt

    posterior = post.idata["posterior"]
    names = [n for n in posterior.data_vars if set(posterior[n].dims) <= {"chain", "draw"}]
    if not names:
        return None
    names = names[:max_variables]
    columns = min(4, len(names))
    rows = math.ceil(len(names) / columns)
    pc = azp.plot_rank(
        post.idata,
        var_names=names,
        backend="matplotlib",
        col_wrap=columns,
        figure_kwargs={"figsize": (3.2 * columns, 2.4 * rows), "layout": "constrained"},
    )
    fig = pc.viz["figure"].item()
    plt.close(fig)  # displayed by the caller, not again by pyplot
    return fig


def plot_timeline(table: pd.DataFrame, outcome: str, ax: Any = None) -> Any:
    """Step plot of one outcome's state probabilities over the ledger's steps.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`scenarios.analysis.timeline`'s table.
    outcome : str
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new pyplot figure.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    KeyError
        The timeline has no such outcome.

    Examples
    --------
    >>> import scenarios
    >>> from matplotlib.figure import Figure
    >>> from scenarios.analysis import timeline
    >>> table = timeline(scenarios.load(scenarios.example()))
    >>> ax = plot_timeline(table, "putin_in_power", ax=Figure().subplots())
    >>> ax.get_title()
    'putin_in_power: report by report'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    columns = [c for c in table.columns if c[0] == outcome]
    if not columns:
        raise KeyError(f"no outcome {outcome!r} in the timeline")
    for col in columns:
        ax.step(table.index, table[col], where="post", label=col[1])
    ax.set_xticks(table.index)
    ax.set_xticklabels([c or "prior" for c in table["claim"]], rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"P({outcome})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(f"{outcome}: report by report")
    return ax


def plot_timelines(table: pd.DataFrame) -> Figure:
    """Step plots of every outcome's probabilities, report by report (one panel each).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`scenarios.analysis.timeline`'s table.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import timeline
    >>> fig = plot_timelines(timeline(scenarios.load(scenarios.example())))
    >>> [ax.get_title() for ax in fig.axes]
    ['mutiny_end: report by report', 'putin_in_power: report by report']
    """
    from matplotlib.figure import Figure

    outcomes = list(dict.fromkeys(c[0] for c in table.columns if c[0] not in LEDGER_COLUMNS))
    fig = Figure(figsize=(10, 0.6 + 3.9 * len(outcomes)), layout="constrained")
    axes = fig.subplots(len(outcomes), 1, squeeze=False)[:, 0]
    for ax, outcome in zip(axes, outcomes, strict=True):
        plot_timeline(table, outcome, ax=ax)
        ax.grid(axis="y", color="#e1e4e8", lw=0.8)
        ax.set_axisbelow(True)
    return fig


def plot_tornado(sens: Sensitivity, top: int = 15, ax: Any = None) -> Any:
    """Tornado chart of :func:`~scenarios.analysis.sensitivity`: which inputs move most.

    One bar per input, from the target probability at the input's low setting to that at
    its high setting; the vertical line is the probability as the scenario stands.

    Parameters
    ----------
    sens : Sensitivity
    top : int
        Inputs drawn (the largest swings).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new pyplot figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import scenarios
    >>> from matplotlib.figure import Figure
    >>> from scenarios.analysis import sensitivity
    >>> s = scenarios.loads('''
    ... title: Coin
    ... facts: {biased: {kind: binary, prior: {p: 0.3}}}
    ... outcomes: {heads: {kind: binary, exhaustive: yes or no,
    ...            prior: {given: [biased], table: [{when: {biased: true}, p: 0.9},
    ...                                            {when: {biased: false}, p: 0.5}]}}}
    ... ''')
    >>> ax = plot_tornado(sensitivity(s, ("heads", "true")), ax=Figure().subplots())
    >>> ax.get_xlabel()
    'P(heads = true)'
    """
    import matplotlib.pyplot as plt

    rows = sens.table.head(top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.2))
    base = sens.probability
    labels = [f"{r.name}: {r.parameter}" for r in rows.itertuples()]
    y = np.arange(len(rows))
    ax.barh(y, rows["p_low"] - base, left=base, color="#c0504d", label="low setting")
    ax.barh(y, rows["p_high"] - base, left=base, color="#4f81bd", label="high setting")
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    outcome, state = sens.target
    ax.set_xlabel(f"P({outcome} = {state})")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_sensitivity(sens: Sensitivity, top: int = 10) -> Figure:
    """The tornado chart of the ``top`` inputs (:func:`~scenarios.analysis.sensitivity`).

    Parameters
    ----------
    sens : Sensitivity
    top : int
        Inputs drawn (the largest swings).

    Returns
    -------
    matplotlib.figure.Figure

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
    >>> fig = plot_sensitivity(sensitivity(s, ("heads", "true")), top=5)
    >>> fig.axes[0].get_xlabel()
    'P(heads = true)'
    """
    from matplotlib.figure import Figure

    n = min(top, len(sens.table))
    fig = Figure(figsize=(10, 1.4 + 0.38 * n), layout="constrained")
    ax = fig.subplots()
    plot_tornado(sens, top=top, ax=ax)
    ax.grid(axis="x", color="#e1e4e8", lw=0.8)
    ax.set_axisbelow(True)
    return fig


def plot_calibration(table: pd.DataFrame, ax: Any = None) -> Any:
    """Reliability diagram of :func:`~scenarios.analysis.calibration`'s table.

    Forecasts on the diagonal were calibrated: of the questions given 30%, 30% happened.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`~scenarios.analysis.calibration`'s table (bins without forecasts are not
        drawn).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new pyplot figure.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from scenarios.analysis import calibration
    >>> forecasts = pd.DataFrame({"probability": [0.1, 0.3, 0.9], "happened": [0, 1, 1]})
    >>> ax = plot_calibration(calibration(forecasts, bins=2), ax=Figure().subplots())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('forecast probability', 'observed frequency')
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    ok = table["forecasts"] > 0
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--", label="perfect")
    ax.errorbar(
        table.loc[ok, "mean_forecast"],
        table.loc[ok, "observed"],
        yerr=table.loc[ok, "stderr"],
        fmt="o",
        label="forecasts",
    )
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    return ax

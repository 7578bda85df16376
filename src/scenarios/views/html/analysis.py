"""HTML of the analysis tables: timeline steps, sensitivity, VOI, what-if, score.

The tables are computed by :mod:`scenarios.analysis`; these functions only show them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scenarios.analysis.timeline import LEDGER_COLUMNS
from scenarios.views.formats import Format, clean, clip, fixed, number, percent, probability
from scenarios.views.html.templates import render

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.analysis.sensitivity import PowerScaling, Sensitivity
    from scenarios.analysis.voi import ValueOfInformation
    from scenarios.spec.scenario import Scenario

__all__ = [
    "REPORT_KINDS",
    "TOP_INPUTS",
    "predictive_html",
    "prior_share_text",
    "score_html",
    "sensitivity_html",
    "timeline_steps_html",
    "voi_html",
    "what_if_html",
    "what_if_summary",
]

#: Rows of a sensitivity table shown by default (and bars of its tornado).
TOP_INPUTS = 10
#: How the prior predictive check names each kind of report, before its text.
REPORT_KINDS = {
    "claim": "Claim:",
    "silence": "No report of:",
    "denial": "Denial of:",
    "dispute": "Dispute of:",
    "retraction": "Retraction of:",
    "relay": "Relay of:",
}


def timeline_steps_html(
    moves: pd.DataFrame,
    table: pd.DataFrame | None = None,
    outcome: str | None = None,
    *,
    top: int | None = None,
    fmt: Format = "percent",
    texts: bool = False,
    by_time: bool = False,
    css: bool = True,
) -> str:
    r"""The steps of a timeline, the one that moved most first: which report moved what.

    Rows are ``<tr data-step=... data-claim=...>``; ``td.moved`` is the step's largest
    change of any scenario probability in percentage points (``12.3``), ``td.most``
    which probability that was, from what to what.

    Parameters
    ----------
    moves : DataFrame
        :func:`scenarios.analysis.timeline_moves` of the timeline.
    table : DataFrame, optional
        :func:`scenarios.analysis.timeline`'s table; with ``outcome``, adds a column per
        state of ``outcome``: its change at that step, in points.
    outcome : str, optional
    top : int, optional
        Only the ``top`` steps that moved most; default: every step.
    fmt : {"percent", "decimal"}
        How the probabilities before and after read.
    texts : bool
        Show each report's text under it (it is always its cell's tooltip).
    by_time : bool
        List the steps shown in the order the reports came in (the timeline's order)
        instead of the largest move first.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import timeline, timeline_moves
    >>> moves = timeline_moves(timeline(scenarios.load(scenarios.default_priors())))
    >>> page = timeline_steps_html(moves, top=3)
    >>> page.count("<tr data-step=")
    3
    >>> import re
    >>> page = timeline_steps_html(moves, by_time=True)
    >>> steps = [int(s) for s in re.findall(r'<tr data-step="(\d+)"', page)]
    >>> steps == sorted(steps)
    True
    """
    import pandas as pd

    shown = moves if top is None else moves.head(top)
    if by_time:
        shown = shown.sort_index(kind="stable")
    states = []
    if table is not None and outcome is not None:
        states = [s for o, s in table.columns if o == outcome and o not in LEDGER_COLUMNS]
    rows = []
    for step, r in shown.iterrows():
        changes = []
        if states:
            assert table is not None  # for type checkers: states needs a table
            i = table.index.get_loc(step)
            changes = [
                float(table.iloc[i][(outcome, s)] - table.iloc[i - 1][(outcome, s)]) for s in states
            ]
        time = r["time"]
        when = "from the start" if time is None or pd.isna(time) else f"{time:%d %b %H:%M} UTC"
        rows.append({**r.to_dict(), "step": step, "when": when, "changes": changes})
    return render(
        "timeline_steps.html",
        css=css,
        rows=rows,
        total=len(moves),
        states=states,
        outcome=outcome,
        fmt=fmt,
        texts=texts,
        by_time=by_time,
    )


def prior_share_text(power: PowerScaling) -> str:
    """:func:`scenarios.analysis.power_scaling` in words: how much the prior drives the answer.

    A clause to follow the target probability (it starts in lower case).

    Parameters
    ----------
    power : PowerScaling
        :func:`scenarios.analysis.power_scaling`'s result (its target, slopes and the
        prior's share are read).

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> from scenarios.analysis import PowerScaling
    >>> t = PowerScaling(("o", "s"), pd.DataFrame(), prior_slope=0.2, evidence_slope=-0.05,
    ...                  prior_share=0.8)
    >>> prior_share_text(t)  # doctest: +NORMALIZE_WHITESPACE
    'the prior drives 80% of the answer and the claims 20%: weighting the prior twice as
    much moves P(o = s) by +0.200, weighting the claims twice as much by -0.050.'
    """
    import math

    outcome, state = power.target
    share = power.prior_share
    slope_p, slope_e = power.prior_slope, power.evidence_slope
    if not math.isfinite(share):
        return (
            f"neither the prior nor the claims move P({outcome} = {state}) when weighted "
            "more or less (both power-scaling slopes are zero)."
        )
    return (
        f"the prior drives {percent(share, 0)} of the answer and the claims "
        f"{percent(1 - share, 0)}: weighting the prior twice as much moves "
        f"P({outcome} = {state}) by {fixed(slope_p, 3, signed=True)}, weighting the claims "
        f"twice as much by {fixed(slope_e, 3, signed=True)}."
    )


def sensitivity_html(
    sens: Sensitivity,
    power: PowerScaling,
    top: int = TOP_INPUTS,
    *,
    fmt: Format = "percent",
    css: bool = True,
) -> str:
    """The prior's share in words, and the ``top`` inputs that move the target most.

    Rows are ``<tr data-rank=... data-name=...>`` with ``td.low``, ``td.p-low``,
    ``td.high``, ``td.p-high`` and ``td.swing`` (in points with ``"percent"``).

    Parameters
    ----------
    sens : Sensitivity
        :func:`scenarios.analysis.sensitivity`'s result: its target, the target's
        probability and the table of inputs.
    power : PowerScaling
        :func:`scenarios.analysis.power_scaling` for the same target.
    top : int
        Rows shown.
    fmt : {"percent", "decimal"}
        How probabilities read.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> from scenarios.analysis import PowerScaling, Sensitivity
    >>> table = pd.DataFrame({"kind": ["prior"], "name": ["storm"], "parameter": ["P(true)"],
    ...                       "low": ["0.2"], "high": ["0.6"], "p_low": [0.3], "p_high": [0.5],
    ...                       "swing": [0.2]})
    >>> sens = Sensitivity(("refloated", "true"), probability=0.41, table=table)
    >>> power = PowerScaling(("refloated", "true"), pd.DataFrame(), prior_slope=0.1,
    ...                      evidence_slope=0.05, prior_share=0.6)
    >>> page = sensitivity_html(sens, power, fmt="decimal")
    >>> '<td class="swing num">0.200</td>' in page, "P(refloated = true) = 0.410" in page
    (True, True)
    """
    outcome, state = sens.target
    rows = [
        {"rank": rank, **r._asdict()}
        for rank, r in enumerate(sens.table.head(top).itertuples(index=False), start=1)
    ]
    return render(
        "sensitivity.html",
        css=css,
        rows=rows,
        total=len(sens.table),
        outcome=outcome,
        state=state,
        probability=sens.probability,
        share_text=prior_share_text(power),
        fmt=fmt,
    )


def voi_html(
    voi: ValueOfInformation | Mapping[str, ValueOfInformation],
    outcome: str | None = None,
    *,
    top: int | None = None,
    css: bool = True,
) -> str:
    """What to look for next: the facts worth learning most about an outcome, best first.

    Rows are ``<tr data-outcome=... data-rank=... data-fact=...>`` with ``td.mi`` (the
    mutual information in bits, four decimals), ``td.share``, ``td.p-mode-changes`` and
    ``td.gain``; a line above names the best fact to look for.

    Parameters
    ----------
    voi : ValueOfInformation or mapping of str to ValueOfInformation
        :func:`scenarios.analysis.value_of_information`'s result for one outcome, or a
        result per outcome (each shown under its key; ``outcome`` is then not needed).
    outcome : str, optional
        The name a single result is shown under; default: its ``outcome``.
    top : int, optional
        Facts shown per outcome; default: all.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import value_of_information
    >>> s = scenarios.load(scenarios.default_priors())
    >>> page = voi_html(value_of_information(s, "mutiny_end"), "mutiny_end", top=3)
    >>> "Look for <b>army_loyalty</b> next" in page, page.count("<tr data-outcome=")
    (True, 3)
    """
    if isinstance(voi, Mapping):
        results = list(voi.items())
    else:
        results = [(outcome if outcome is not None else voi.outcome, voi)]
    parts = []
    for name, result in results:
        table = result.table
        shown = table if top is None else table.head(top)
        rows = [
            {"rank": rank, "fact": fact, **{k: clean(v) for k, v in r.items()}}
            for rank, (fact, r) in enumerate(shown.iterrows(), start=1)
        ]
        parts.append(
            {
                "outcome": name,
                "rows": rows,
                "total": len(table),
                "entropy": result.entropy_bits,
                "best": rows[0]["fact"] if rows else None,
                "best_share": rows[0]["share_of_uncertainty"] if rows else None,
                "best_bits": rows[0]["mutual_information"] if rows else None,
            }
        )
    return render("voi.html", css=css, parts=parts)


def what_if_summary(
    table: pd.DataFrame, scenario: Scenario, fact: str, state: str, *, fmt: Format = "percent"
) -> str:
    """One line on observe versus intervene: where they differ most, and why.

    Parameters
    ----------
    table : DataFrame
        :func:`scenarios.analysis.what_if`'s table.
    scenario : Scenario
        The scenario it was computed for (its causes are named).
    fact, state : str
        What was set.
    fmt : {"percent", "decimal"}
        How probabilities read.

    Returns
    -------
    str

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
        f"Learning that {what} moves P({outcome} = {st}) from "
        f"{probability(row['now'], fmt)} to {probability(row['observe'], fmt)}; making it "
        f"so (do) moves it to {probability(row['intervene'], fmt)}. The difference: learning "
        f"it also tells about its causes ({causes or 'its parents'}), making it so does not."
    )


def what_if_html(
    table: pd.DataFrame, summary: str, what: str, *, fmt: Format = "percent", css: bool = True
) -> str:
    """A what-if table side by side (now, observe, intervene) under its one-line summary.

    Rows are ``<tr data-outcome=... data-state=...>`` with ``td.now``, ``td.observe``
    and ``td.intervene``, each followed by a ``td.change``.

    Parameters
    ----------
    table : DataFrame
        :func:`scenarios.analysis.what_if`'s table.
    summary : str
        :func:`what_if_summary` of it.
    what : str
        What was set, as the column heads name it (``"elite_cohesion = fractured"``).
    fmt : {"percent", "decimal"}
        How probabilities read.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> from scenarios.analysis import what_if
    >>> s = scenarios.load(scenarios.default_priors())
    >>> t = what_if(s, elite_cohesion="fractured")
    >>> page = what_if_html(t, what_if_summary(t, s, "elite_cohesion", "fractured"),
    ...                     "elite_cohesion = fractured", fmt="decimal")
    >>> now = s.update(intervals=False).scenarios.loc[("mutiny_end", "negotiated"), "probability"]
    >>> f'<td class="now num">{now:.3f}</td>' in page
    True
    >>> "if we learnt elite_cohesion = fractured" in page
    True
    """
    rows, previous = [], None
    for (outcome, state), r in table.iterrows():
        rows.append(
            {"outcome": outcome, "state": state, "first": outcome != previous, **r.to_dict()}
        )
        previous = outcome
    return render(
        "what_if.html",
        css=css,
        rows=rows,
        summary=summary,
        what=what,
        fmt=fmt,
    )


def score_html(
    score: pd.DataFrame | None,
    baseline: pd.DataFrame | None = None,
    *,
    resolution: Any = None,
    where: str | None = None,
    problem: str | None = None,
    fmt: Format = "percent",
    css: bool = True,
) -> str:
    """Brier and log scores of a forecast against what happened (hindsight).

    Rows are ``<tr data-outcome=...>`` with ``td.p-resolved`` (the probability given to
    what happened), ``td.brier`` and ``td.log-score`` (four decimals); the mean is in
    ``div.scn-mean-score``.

    Parameters
    ----------
    score : DataFrame or None
        :func:`scenarios.analysis.score`'s table; ``None``: the forecast could not be
        scored, and ``problem`` says why.
    baseline : DataFrame, optional
        The score of the scenario as opened: adds its Brier score and the change
        (``+0.0123 worse``).
    resolution : Resolution, optional
        Its title and date are named.
    where : str, optional
        The resolution file.
    problem : str, optional
        Why there is no score.
    fmt : {"percent", "decimal"}
        How probabilities read (``"decimal"``: four decimals, as the scores).
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"resolved": ["true"], "p_resolved": [0.8], "brier": [0.08], "log_score": [-0.2231]},
    ...     index=pd.Index(["refloated"], name="outcome"),
    ... )
    >>> page = score_html(table, fmt="decimal")
    >>> '<td class="p-resolved num">0.8000</td><td class="brier num">0.0800</td>' in page
    True
    >>> "cannot be scored" in score_html(None, problem="no outcome 'x'")
    True
    """
    title = getattr(resolution, "title", None)
    resolved_at = getattr(resolution, "resolved_at", None)
    context: dict[str, Any] = {
        "title": title,
        "resolved_at": f"{resolved_at:%d %B %Y}" if resolved_at is not None else None,
        "where": where,
        "problem": problem,
        "baseline": baseline is not None,
        "fmt": fmt,
        "p_digits": 4 if fmt == "decimal" else None,
        "rows": None,
    }
    if score is not None:
        rows = []
        for outcome, r in score.iterrows():
            row = {"outcome": outcome, **r.to_dict(), "base_brier": None}
            if baseline is not None and outcome in baseline.index:
                b = baseline.loc[outcome]
                delta = float(r["brier"] - b["brier"])
                verdict = "better" if delta < -5e-5 else "worse" if delta > 5e-5 else "same"
                row.update(
                    base_brier=b["brier"],
                    base_p=b["p_resolved"],
                    delta=delta,
                    verdict=verdict,
                    delta_class={"better": "up", "worse": "down", "same": ""}[verdict],
                )
            rows.append(row)
        context.update(
            rows=rows,
            mean_brier=score["brier"].mean(),
            mean_log_score=score["log_score"].mean(),
        )
    return render("score.html", css=css, **context)


def predictive_html(
    reports: pd.DataFrame,
    numbers: pd.DataFrame,
    *,
    n: int,
    seed: int,
    surprise: float,
    inner: float,
    outer: float,
    fmt: Format = "percent",
    css: bool = True,
) -> str:
    """What reports would we expect? A prior predictive check beside what the file holds.

    Rows are ``<tr data-report=... data-role=...>`` (reports about a proposition) with
    ``td.p-made`` (the share of simulated worlds that make the report), ``td.mcse``,
    ``td.made`` (``yes``, or ``no report`` for a silence), ``td.p-observed`` (the
    probability of what the file holds) and ``td.mcse-observed``, and ``<tr
    data-claim=...>`` (reported numbers) with ``td.reported``, ``td.median``,
    ``td.range``, ``td.tail`` (``< 1/n`` when no world reported a number as far out)
    and ``td.mcse``. A surprising row has the class ``scn-surprise`` and says so in
    ``td.flag``, its first cell. Reports are named by their text and
    their source's name; ids are only in the ``data-*`` attributes and tooltips.

    Parameters
    ----------
    reports, numbers : DataFrame
        The tables of a prior predictive check
        (:func:`scenarios.views.explorer.model.prior_predictive`).
    n, seed : int
        Worlds simulated, and their seed (said above the tables).
    surprise : float
        The probability below which what was observed is flagged.
    inner, outer : float
        The central range of a number shown (``0.9``), and the one outside which it is
        flagged (``0.98``).
    fmt : {"percent", "decimal"}
        How probabilities read.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame(
    ...     {"claim": ["c1"], "role": ["claim"], "source": ["pilot"], "who": ["The pilot"],
    ...      "text": ["A storm"], "after": [""], "p_made": [0.031], "mcse": [0.0027],
    ...      "made": [True], "p_observed": [0.031], "mcse_observed": [0.0027],
    ...      "surprise": [True]}, index=pd.Index(["c1"], name="report"))
    >>> page = predictive_html(reports, reports.iloc[:0], n=4000, seed=1, surprise=0.05,
    ...                        inner=0.9, outer=0.98)
    >>> '<td class="p-made num">3.1%</td><td class="mcse num">0.3</td>' in page
    True
    >>> "1 of 1 observations surprising under the prior: Claim: A storm (3.1%)" in page
    True
    """
    given = {"relay": "P given the original"}
    given |= dict.fromkeys(("denial", "dispute", "retraction"), "P given the claim")
    rows, flagged = [], []
    for ident, r in reports.iterrows():
        kind = REPORT_KINDS.get(r["role"], "")
        rows.append(
            {
                "id": ident,
                **r.to_dict(),
                "kind": kind,
                "made": "yes" if r["made"] else "no report",
                "given": given.get(r["role"], ""),
            }
        )
        if r["surprise"]:
            flagged.append(f"{kind} {clip(r['text'], 60)} ({probability(r['p_observed'], fmt)})")
    number_rows = []
    for ident, r in numbers.iterrows():
        simulated = not math.isnan(float(r["median"]))
        number_rows.append(
            {
                "id": ident,
                **r.to_dict(),
                "kind": "relayed: " if r["role"] == "relay" else "",
                "simulated": simulated,
            }
        )
        if r["surprise"]:
            unit = f" {r['unit']}" if r["unit"] else ""
            flagged.append(
                f"{clip(r['label'], 60)} reported as {number(r['reported'])}{unit} "
                f"({percent(inner, 0)} range {number(r['low'], 3)} – {number(r['high'], 3)})"
            )
    return render(
        "predictive.html",
        css=css,
        n=n,
        seed=seed,
        reports=rows,
        numbers=number_rows,
        flagged=flagged,
        total=len(rows) + len(number_rows),
        surprise=surprise,
        inner=inner,
        outer=outer,
        fmt=fmt,
    )

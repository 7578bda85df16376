"""HTML of a posterior: its scenario probabilities, comparison, quantities, diagnostics.

And one-line notes (:func:`note_html`), for messages around them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scenarios.views.formats import DIAGNOSTIC_WORDS, Format, beside, diagnostic_words, fixed
from scenarios.views.html.templates import render

if TYPE_CHECKING:
    from scenarios.posterior import Posterior

__all__ = [
    "comparison_html",
    "diagnostics_html",
    "failed_checks",
    "note_html",
    "quantities_html",
    "scenario_table_html",
    "warnings_html",
]


def _meaning(node: Any, state: str) -> str:
    states = getattr(node, "states", None)
    return str(states.get(state) or "") if isinstance(states, Mapping) else ""


def _by_key(table: Any) -> dict[tuple[str, str], float]:
    """A scenario table's probabilities by ``(outcome, state)``, as plain floats."""
    return dict(zip(table.index.tolist(), table["probability"].tolist(), strict=True))


def scenario_table_html(
    posterior: Posterior,
    *,
    fmt: Format = "percent",
    mcse: bool | None = None,
    exact: Posterior | None = None,
    bars: bool = True,
    notes: bool = True,
    css: bool = True,
) -> str:
    """The scenario probabilities: one group per outcome, with intervals, prior and change.

    Rows are ``<tr data-outcome=... data-state=...>`` with ``td.probability``,
    ``td.interval``, ``td.prior``, ``td.change`` (and ``td.mcse``, ``td.exact``); each
    outcome is headed by ``<tr class="scn-group" data-group=...>`` with its question.

    Parameters
    ----------
    posterior : Posterior
    fmt : {"percent", "decimal"}
        How probabilities read (:func:`~scenarios.views.formats.probability`); changes
        are in percentage points with ``"percent"``.
    mcse : bool, optional
        Add the Monte Carlo standard error column; default: when the posterior has one
        (full engine).
    exact : Posterior, optional
        Add this posterior's probability (the exact engine's) for comparison.
    bars : bool
        A bar per probability.
    notes : bool
        Explain the columns under the table (the caption with engine, seed and
        interval is always there).
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> page = scenario_table_html(post)
    >>> '<tr data-outcome="mutiny_end" data-state="negotiated">' in page
    True
    >>> p = post.scenarios.loc[("mutiny_end", "negotiated"), "probability"]
    >>> f'<td class="probability num">{p:.1%}</td>' in page
    True
    """
    table = posterior.scenarios
    show_mcse = "mcse" in table.columns if mcse is None else mcse
    # plain lists, not pandas lookups row by row: the explorer draws this on every edit
    keys = table.index.tolist()
    prior = _by_key(posterior.prior_scenarios)
    known = _by_key(exact.scenarios) if exact is not None else {}
    mcses = table["mcse"].tolist() if "mcse" in table.columns else [float("nan")] * len(keys)
    numbers = (table[c].tolist() for c in ("probability", "lower", "upper"))
    columns = zip(keys, *numbers, mcses, strict=True)
    groups: dict[str, dict[str, Any]] = {}
    for (outcome, state), p, lower, upper, mc in columns:
        if outcome not in groups:
            node = posterior.scenario.outcomes[outcome]
            groups[outcome] = {"outcome": outcome, "question": node.question, "rows": []}
        p = float(p)
        groups[outcome]["rows"].append(
            {
                "state": state,
                "meaning": _meaning(posterior.scenario.outcomes[outcome], str(state)),
                "probability": p,
                "width": fixed(min(max(p, 0.0), 1.0) * 100, 1),
                "lower": lower,
                "upper": upper,
                "prior": prior[(outcome, state)],
                "change": p - prior[(outcome, state)],
                "mcse": mc,
                "exact": known[(outcome, state)] if exact is not None else None,
            }
        )
    meanings = any(r["meaning"] for g in groups.values() for r in g["rows"])
    ncol = 5 + meanings + bars + show_mcse + (exact is not None)
    return render(
        "scenario_table.html",
        css=css,
        groups=list(groups.values()),
        fmt=fmt,
        mcse=show_mcse,
        exact=exact is not None,
        bars=bars,
        meanings=meanings,
        notes=notes,
        ncol=ncol,
        interval_label=f"{posterior.interval_mass:.0%} interval",
        interval=posterior.interval,
        engine=posterior.engine,
        seed=posterior.seed,
    )


def _quantity_rows(posterior: Posterior) -> list[dict[str, Any]]:
    rows = []
    for fact, post in posterior.quantities.iterrows():
        for when, row in (("prior", posterior.prior_quantities.loc[fact]), ("posterior", post)):
            rows.append({"fact": fact, "when": when, "first": when == "prior", **row.to_dict()})
    return rows


def quantities_html(posterior: Posterior, *, css: bool = True) -> str:
    """Continuous facts, prior and posterior: mean, sd, 5%, median and 95%.

    Rows are ``<tr data-fact=... data-when="prior|posterior">`` with ``td.mean``,
    ``td.sd``, ``td.q05``, ``td.median``, ``td.q95`` (four significant digits).

    Parameters
    ----------
    posterior : Posterior
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> 'data-fact="troops" data-when="posterior"' in quantities_html(post)
    True
    """
    return render("quantities.html", css=css, quantity_rows=_quantity_rows(posterior))


def comparison_html(
    posterior: Posterior,
    *,
    fmt: Format = "percent",
    top: int | None = None,
    outcomes: bool = False,
    quantities: bool = True,
    css: bool = True,
) -> str:
    """Prior against posterior for every state of the discrete facts (and outcomes).

    Rows are ``<tr data-fact=... data-state=...>`` (``data-outcome`` for an outcome)
    with ``td.prior``, ``td.posterior`` and ``td.change``.

    Parameters
    ----------
    posterior : Posterior
    fmt : {"percent", "decimal"}
        How probabilities read.
    top : int, optional
        Only the ``top`` states the claims moved most, largest change first; default:
        every state, in the model's order.
    outcomes : bool
        Include the outcomes' states, not only the facts'.
    quantities : bool
        Add the continuous facts' table (:func:`quantities_html`), when there are any.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
    >>> page = comparison_html(post, fmt="decimal")
    >>> '<tr class="scn-first" data-fact="army_strikes" data-state="false">' in page
    True
    >>> page = comparison_html(post, top=3, outcomes=True, quantities=False)
    >>> page.count("<tr data-") + page.count('<tr class="scn-first" data-')
    3
    """
    compare = posterior.compare().reset_index()
    facts = set(posterior.facts.index.get_level_values(0))
    compare["kind"] = ["fact" if v in facts else "outcome" for v in compare["variable"]]
    if not outcomes:
        compare = compare[compare["kind"] == "fact"]
    total = len(compare)
    if top is not None:
        order = compare["change"].abs().sort_values(ascending=False, kind="stable").index
        compare = compare.reindex(order).head(top)
    rows, previous = [], None
    for r in compare.itertuples(index=False):
        first = top is not None or r.variable != previous
        previous = r.variable
        rows.append({**r._asdict(), "first": first})
    return render(
        "comparison.html",
        css=css,
        rows=rows,
        total=total,
        top=top,
        outcomes=outcomes,
        fmt=fmt,
        quantity_rows=_quantity_rows(posterior) if quantities else [],
        quiet_if_empty=True,
    )


# --- diagnostics and warnings ----------------------------------------------------------------


def failed_checks(posterior: Posterior) -> list[str]:
    """The posterior's failed diagnostics, each a sentence in words.

    Each value has enough digits not to read as its threshold
    (:func:`scenarios.views.formats.diagnostic_words`).

    Parameters
    ----------
    posterior : Posterior

    Returns
    -------
    list of str
        One per failed diagnostic, in the table's order; empty when all passed.

    Examples
    --------
    >>> import scenarios
    >>> failed_checks(scenarios.load(scenarios.default_priors()).update())
    []
    """
    if posterior.diagnostics.empty:
        return []
    return [
        diagnostic_words(str(name), r["value"], r["want"])
        for name, r in posterior.diagnostics.iterrows()
        if not bool(r["ok"])
    ]


def warnings_html(
    posterior: Posterior, other: Sequence[str] = (), *, passed: bool = False, css: bool = True
) -> str:
    """Failed diagnostics in red, one ``<div class="scn-warn">WARNING ...</div>`` each.

    Parameters
    ----------
    posterior : Posterior
    other : sequence of str
        Other messages from the update, listed after the warnings.
    passed : bool
        Say "All diagnostics passed." when none failed (and there are diagnostics);
        otherwise nothing is shown then.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update()
    >>> "WARNING" in warnings_html(post), "passed" in warnings_html(post, passed=True)
    (False, True)
    """
    return render(
        "warnings_block.html",
        css=css,
        warnings=failed_checks(posterior),
        other=list(other),
        passed=passed and not posterior.diagnostics.empty,
    )


def diagnostics_html(
    posterior: Posterior, other: Sequence[str] = (), *, settings: bool = True, css: bool = True
) -> str:
    """The posterior's diagnostics with their thresholds, failed ones and warnings in red.

    Rows are ``<tr data-diagnostic=...>`` (``class="scn-fail"`` when failed) with
    ``td.value`` (four significant digits), ``td.want`` and ``td.verdict`` (``ok`` or
    ``FAILED``); then the warnings as :func:`warnings_html` shows them.

    Parameters
    ----------
    posterior : Posterior
    other : sequence of str
        Other messages from the update.
    settings : bool
        Name the engine and its settings under the table.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> post = scenarios.load(scenarios.default_priors()).update()
    >>> '<tr data-diagnostic="pareto_k">' in diagnostics_html(post)
    True
    """
    rows = [
        {
            "name": name,
            "words": DIAGNOSTIC_WORDS.get(str(name), ""),
            "shown": beside(r["value"], r["want"]),
            "want": r["want"],
            "ok": bool(r["ok"]),
        }
        for name, r in posterior.diagnostics.iterrows()
    ]
    return render(
        "diagnostics.html",
        css=css,
        rows=rows,
        engine=posterior.engine,
        settings=list(posterior.settings.items()) if settings else None,
        warnings=failed_checks(posterior),
        other=list(other),
        passed=bool(rows),
    )


def note_html(text: str, kind: str = "note", *, css: bool = True) -> str:
    """One line of text as a note (grey), a warning (red) or a confirmation (green).

    Parameters
    ----------
    text : str
    kind : {"note", "warn", "ok", "hindsight"}
        Its class: ``scn-<kind>``.
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> print(note_html("claims cannot all hold", "warn", css=False))
    <div class="scn-block">
    <div class="scn-warn">claims cannot all hold</div>
    </div>
    """
    if kind not in ("note", "warn", "ok", "hindsight"):
        raise ValueError(f"kind: expected note, warn, ok or hindsight, got {kind!r}")
    return render("note.html", css=css, kind=kind, text=text)

"""HTML of a scenario's claims and sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scenarios.views.html.templates import render

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.spec.scenario import Scenario

__all__ = ["claims_html", "claims_table"]


def claims_table(scenario: Scenario) -> pd.DataFrame:
    """Every claim with what it asserts, who said it, how graded, how hedged, when, where.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    pandas.DataFrame
        One row per claim, in file order: ``claim``, ``text``, ``asserts``, ``source``,
        ``grade``, ``information``, ``status``, ``hedge``, ``time``, ``citation`` (``—``
        where there is none).

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
            spread = f"sd {r.sd:g}" if r.sd is not None else f"a {r.count} count"
            asserts = f"{r.fact} reported as {r.value:g} ({spread})"
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
    columns = ["claim", "text", "asserts", "source", "grade", "information", "status"]
    return pd.DataFrame(rows, columns=[*columns, "hedge", "time", "citation"])


def claims_html(scenario: Scenario, *, css: bool = True) -> str:
    """The claims, each with what it asserts and the sentence it cites; then the sources.

    Rows are ``<tr data-claim=...>`` and ``<tr data-source=...>``.

    Parameters
    ----------
    scenario : Scenario
    css : bool
        Put the stylesheet in front (see :func:`render`).

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> page = claims_html(scenarios.load(scenarios.default_priors()))
    >>> '<tr data-claim="hq_seized">' in page
    True
    """
    frame = claims_table(scenario)
    counts = frame["source"].value_counts()
    sources = [
        {
            "key": key,
            "name": src.name or key,
            "grade": src.grade or "—",
            "claims": int(counts.get(key, 0)),
        }
        for key, src in scenario.sources.items()
    ]
    return render("claims.html", css=css, claims=frame.to_dict(orient="records"), sources=sources)

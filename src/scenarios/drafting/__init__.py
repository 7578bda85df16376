"""Draft a scenario file from a news report: ``scenarios draft REPORT.txt``.

:func:`draft` reads a report and returns a scenario whose every source, fact, outcome
and claim is marked ``draft`` (:class:`scenarios.spec.drafts.DraftMark`), with the rules
that found it and what a forecaster still has to decide; :func:`draft_yaml` is the same
as a file's text, with a header listing the sentences set aside. The drafter is
rule-based: no model, no network. See ``docs/draft.md``.
"""

from __future__ import annotations

from datetime import datetime

from scenarios.drafting.build import Drafted, draft_data
from scenarios.io.scenario_files import dumps, from_dict
from scenarios.spec.drafts import undecided
from scenarios.spec.scenario import Scenario

__all__ = ["Drafted", "draft", "draft_data", "draft_yaml", "undecided"]


def draft(
    text: str,
    *,
    published: datetime | None = None,
    title: str | None = None,
    file: str | None = None,
) -> Scenario:
    r"""A draft scenario from a report's text; every item is marked ``draft``.

    Parameters
    ----------
    text : str
        The report (plain text; a first line with no full stop is its title).
    published : datetime, optional
        When the report was published (timezone-aware); the file's ``as_of``. Default:
        the end (23:59:59 UTC) of the first full date in its first 400 characters.
    title : str, optional
        The scenario's title (default: the report's title line).
    file : str, optional
        The report's path, recorded as ``report.file``.

    Returns
    -------
    Scenario
        Valid: it loads, and updates, as it is; its priors are placeholders.

    Examples
    --------
    >>> s = draft("Ship stuck\nOn 23 March 2021 more than 150 ships were reportedly waiting.")
    >>> [(c.hedge, c.proposition) for c in s.claims]
    [('reportedly', 'march_ships_waiting'), ('reportedly', 'ships > 150')]
    """
    return from_dict(draft_data(text, published=published, title=title, file=file).data, file)


def draft_yaml(
    text: str,
    *,
    published: datetime | None = None,
    title: str | None = None,
    file: str | None = None,
) -> str:
    r"""The draft of :func:`draft` as a file's text, with a header of what to do next.

    Parameters
    ----------
    text, published, title, file
        As for :func:`draft`.

    Returns
    -------
    str
        YAML that :func:`scenarios.io.loads` reads back to the same scenario.

    Examples
    --------
    >>> print(draft_yaml("Ship stuck\nIs it stuck?\nOn 23 March 2021 it ran aground.")
    ...       .splitlines()[0])
    # DRAFT written by `scenarios draft`: a starting point, not a model.
    """
    drafted = draft_data(text, published=published, title=title, file=file)
    scenario = from_dict(drafted.data, file)
    header = [
        "# DRAFT written by `scenarios draft`: a starting point, not a model.",
        "# Every item marked `draft:` says which rules found it and what you must decide;",
        "# delete an item's `draft:` once you have checked it. `scenarios validate FILE`",
        "# lists what is still to decide. Every claim's text and cites are quotes of the report.",
    ]
    if drafted.skipped:
        header.append("#")
        header.append("# Sentences set aside (not reports):")
        header += [f"#   [{why}] {quote}" for quote, why in drafted.skipped]
    return "\n".join(header) + "\n" + dumps(scenario)

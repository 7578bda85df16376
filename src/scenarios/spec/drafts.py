"""The draft marker: a field written by ``scenarios draft``, not yet decided by a person.

``scenarios draft REPORT.txt`` (:func:`scenarios.drafting.draft`) reads a report and
writes a file whose every source, fact, outcome and claim carries ``draft:``, naming the
rules of the drafter that found it and what the forecaster still has to decide. A person
who has checked an item deletes its ``draft:`` line; ``scenarios validate`` lists the
items still marked. The marker never changes what a file means: the engines ignore it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field

from scenarios.spec.fields import SpecModel

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = ["DraftField", "DraftMark", "as_draft_mark", "undecided"]


class DraftMark(SpecModel):
    """Why an item of a file is a draft: the rules that found it, what is left to decide.

    ``draft: true`` in a file is a mark with neither (written by hand: "not checked yet").

    Examples
    --------
    >>> DraftMark(rules=["hedge: 'allegedly'"], decide="the prior").rules
    ("hedge: 'allegedly'",)
    """

    rules: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    decide: str | None = None


def as_draft_mark(value: Any) -> Any:
    """Read ``draft: true`` as an empty mark and ``draft: false`` as no mark.

    Parameters
    ----------
    value : object
        The value written under ``draft:``.

    Returns
    -------
    object
        A mapping for :class:`DraftMark`, ``None``, or ``value`` unchanged (to be refused
        by the model with the usual message).

    Examples
    --------
    >>> as_draft_mark(True), as_draft_mark(False)
    ({}, None)
    """
    if value is True:
        return {}
    if value is False:
        return None
    return value


#: The type of the ``draft`` field of sources, facts, outcomes and claims.
DraftField = Annotated[DraftMark | None, BeforeValidator(as_draft_mark)]


def undecided(scenario: Scenario) -> list[tuple[str, str]]:
    """Every item of a scenario still marked ``draft``, with what is left to decide.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    list of (str, str)
        ``(place, what to decide)``: ``("sources.wire", "the grade ...")``, in the order
        sources, facts, outcomes, claims. Empty when nothing is marked.

    Examples
    --------
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={"f": {"kind": "binary", "prior": {"p": 0.5},
    ...                                        "draft": True}},
    ...              outcomes={"o": {"kind": "binary", "exhaustive": "yes or no",
    ...                              "prior": {"p": 0.5}}})
    >>> undecided(s)
    [('facts.f', 'checking (marked draft)')]
    """
    found: list[tuple[str, str]] = []

    def add(place: str, mark: DraftMark | None) -> None:
        if mark is not None:
            found.append((place, mark.decide or "checking (marked draft)"))

    for name, source in scenario.sources.items():
        add(f"sources.{name}", source.draft)
    for name, fact in scenario.facts.items():
        add(f"facts.{name}", fact.draft)
    for name, outcome in scenario.outcomes.items():
        add(f"outcomes.{name}", outcome.draft)
    for claim in scenario.claims:
        add(f"claims.{claim.id}", claim.draft)
    return found

"""Source track records: resolve claims, learn sources' reliability, carry it forward.

Resolving a claim adds hard evidence on its proposition; because every claim of a
source shares that source's rates, the source's other claims then weigh more (it was
right) or less (it was wrong) in the same scenario. :func:`track_record` reads off each
source's posterior rates (exact posterior mean and variance, matched to a Beta) so that
the next scenario file can start from them (:func:`with_track_record`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from scenarios.engines.parameters import RateMoments, rate_moments
from scenarios.spec.claims import Claim, Rate, Source
from scenarios.spec.scenario import Scenario

__all__ = ["resolve_claim", "track_record", "with_track_record"]


def resolve_claim(
    scenario: Scenario, claim_id: str, held: bool, at: datetime | None = None
) -> Scenario:
    """Return a scenario where a claim's proposition is known to have held, or not.

    The claim stays in the ledger as reported (so its source learns from it) and a
    resolution ``resolved_<id>`` is added: hard evidence on the proposition, marked
    ``hindsight: true`` (it is known only after the scenario's ``as_of``).

    Parameters
    ----------
    scenario : Scenario
    claim_id : str
        A claim about a proposition (not a reported number).
    held : bool
        Whether the proposition turned out true.
    at : datetime, optional
        When it became known.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> resolve_claim(s, "hq_seized", held=True).claims[-1].id
    'resolved_hq_seized'
    """
    claim = scenario.claim(claim_id)
    if claim.proposition is None:
        raise ValueError(f"claim {claim_id!r} reports a number; resolve its fact with observe()")
    likelihood = {"if_true": 1.0, "if_false": 0.0} if held else {"if_true": 0.0, "if_false": 1.0}
    resolution = Claim(
        id=f"resolved_{claim_id}",
        text=f"resolution of {claim_id!r}: {'held' if held else 'did not hold'}",
        proposition=claim.proposition,
        time=at,
        likelihood=likelihood,
        weight=1.0,
        hindsight=True,
        note=f"resolves {claim_id}",
    )
    claims = [c for c in scenario.claims if c.id != resolution.id]
    return scenario.replace(claims=(*claims, resolution))


def track_record(scenario: Scenario) -> dict[str, Source]:
    """Each named source's reliability after this scenario's claims and resolutions.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    dict of str to Source
        Sources that have claims here, with explicit ``true_positive``/``false_positive``
        rates: the exact posterior mean and a Beta concentration matching the posterior
        variance. Other fields (name, grade, note) are kept.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> record = track_record(resolve_claim(s, "hq_seized", held=True))
    >>> record["unnamed_reports"].note
    "track record after 'Wagner Group mutiny, 23 June 2023'"
    """
    record: dict[str, Source] = {}
    for name, moments in rate_moments(scenario).items():
        tp, fp = (_as_rate(m) for m in moments)
        old = scenario.sources[name]
        note = f"track record after {scenario.title!r}"
        record[name] = old.model_copy(
            update={"true_positive": tp, "false_positive": fp, "note": note}
        )
    return record


def _as_rate(m: RateMoments) -> Rate:
    """The Beta with the rate's mean and variance (a known rate stays a number)."""
    if m.fixed:
        return Rate(mean=m.mean)
    var = m.variance
    concentration = m.mean * (1 - m.mean) / var - 1 if var > 0 else None
    return Rate(mean=m.mean, concentration=concentration)


def with_track_record(scenario: Scenario, record: Mapping[str, Source]) -> Scenario:
    """Return a scenario whose sources start from a track record (matching names only).

    Parameters
    ----------
    scenario : Scenario
    record : mapping of str to Source
        From :func:`track_record`.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> record = track_record(resolve_claim(s, "hq_seized", held=False))
    >>> carried = with_track_record(s, record)
    >>> carried.sources["unnamed_reports"].true_positive == record["unnamed_reports"].true_positive
    True
    """
    sources = dict(scenario.sources)
    for name, source in record.items():
        if name in sources:
            sources[name] = sources[name].model_copy(
                update={
                    "true_positive": source.true_positive,
                    "false_positive": source.false_positive,
                    "note": source.note,
                }
            )
    return scenario.replace(sources=sources)

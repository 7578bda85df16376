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

import numpy as np

from scenarios.engines.assembly import assemble
from scenarios.engines.factors import contract
from scenarios.engines.network import Network, rate_quadrature
from scenarios.spec.claims import Claim, Rate, Source
from scenarios.spec.scenario import Scenario

__all__ = ["resolve_claim", "track_record", "with_track_record"]


def resolve_claim(
    scenario: Scenario, claim_id: str, held: bool, at: datetime | None = None
) -> Scenario:
    """Return a scenario where a claim's proposition is known to have held, or not.

    The claim stays in the ledger as reported (so its source learns from it) and a
    resolution ``resolved_<id>`` is added: hard evidence on the proposition.

    Examples
    --------
    >>> s2 = resolve_claim(scenario, "hq_seized", held=True)  # doctest: +SKIP
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
        note=f"resolves {claim_id}",
    )
    claims = [c for c in scenario.claims if c.id != resolution.id]
    return scenario.replace(claims=(*claims, resolution))


def track_record(scenario: Scenario) -> dict[str, Source]:
    """Each named source's reliability after this scenario's claims and resolutions.

    Returns
    -------
    dict of str to Source
        Sources that have claims here, with explicit ``true_positive``/``false_positive``
        rates: the exact posterior mean and a Beta concentration matching the posterior
        variance. Other fields (name, grade, note) are kept.
    """
    net = Network(scenario)
    asm = assemble(net, extra_rate_degree=2)
    z = float(contract(asm.factors_for(), []))
    record: dict[str, Source] = {}
    for key, pair in net.sources.items():
        kind, name = key.split(":", 1)
        if kind != "source":
            continue
        degree = len(net.claims_of(key)) + 2
        rates = []
        for param, tag in zip(pair, ("tp", "fp"), strict=True):
            if param.fixed:
                rates.append(Rate(mean=param.a))
                continue
            axis = f"{key}@{tag}"
            x, _ = rate_quadrature(param, degree)
            w = np.asarray(contract(asm.factors_for([axis]), [axis])) / z
            mean = float(w @ x)
            var = float(w @ x**2 - mean**2)
            concentration = mean * (1 - mean) / var - 1 if var > 0 else None
            rates.append(Rate(mean=mean, concentration=concentration))
        old = scenario.sources[name]
        note = f"track record after {scenario.title!r}"
        record[name] = old.model_copy(
            update={"true_positive": rates[0], "false_positive": rates[1], "note": note}
        )
    return record


def with_track_record(scenario: Scenario, record: Mapping[str, Source]) -> Scenario:
    """Return a scenario whose sources start from a track record (matching names only)."""
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

"""Value of information: which unresolved fact is worth chasing next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.engines.exact import Query
from scenarios.spec.priors import DerivedPrior
from scenarios.spec.scenario import Scenario

__all__ = ["ValueOfInformation", "value_of_information"]


@dataclass(frozen=True, eq=False)
class ValueOfInformation:
    """What learning each fact would tell about one outcome.

    Attributes
    ----------
    outcome : str
    entropy_bits : float
        The outcome's uncertainty now (entropy, bits).
    table : pandas.DataFrame
        Index ``fact``, best first: ``mutual_information`` (bits: the expected reduction
        of the outcome's entropy), ``share_of_uncertainty`` (that over
        ``entropy_bits``), ``p_mode_changes`` (probability that learning the fact
        changes the most likely state) and ``expected_max_gain`` (expected rise of the
        top probability).
    """

    outcome: str
    entropy_bits: float
    table: pd.DataFrame


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def value_of_information(
    scenario: Scenario, outcome: str | None = None, facts: Sequence[str] | None = None
) -> ValueOfInformation:
    """Rank unresolved facts by what learning them would tell about an outcome.

    Exact: joint distributions P(outcome, fact | claims) from the exact engine (continuous
    facts on their quadrature grid).

    Parameters
    ----------
    scenario : Scenario
    outcome : str, optional
        The outcome to learn about (default: the first).
    facts : sequence of str, optional
        Facts to consider (default: every fact not already known).

    Returns
    -------
    ValueOfInformation
        The outcome, its entropy now, and one row per fact, best first.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> voi = value_of_information(s, "mutiny_end")
    >>> voi.table.columns.tolist()
    ['mutual_information', 'share_of_uncertainty', 'p_mode_changes', 'expected_max_gain']
    >>> bool(voi.table["mutual_information"].is_monotonic_decreasing)
    True
    """
    outcome = outcome or next(iter(scenario.outcomes))
    if outcome not in scenario.outcomes:
        raise KeyError(f"no outcome {outcome!r}; outcomes are {list(scenario.outcomes)}")
    # a derived fact has no grid of its own (its value lives on its inputs'): learning
    # it is learning its inputs, which are ranked themselves
    candidates = (
        list(facts)
        if facts is not None
        else [f for f in scenario.facts if not isinstance(scenario.facts[f].prior, DerivedPrior)]
    )
    query = Query(scenario)
    p_o = query.joint([outcome])
    h = _entropy(p_o)
    rows = []
    for fact in candidates:
        joint = query.joint([outcome, fact])
        p_f = joint.sum(axis=0)
        if facts is None and p_f.max() > 1.0 - 1e-12 and scenario.facts[fact].is_discrete:
            continue  # already known: nothing to learn
        outer = p_o[:, None] * p_f[None, :]
        mask = joint > 0
        mi = float((joint[mask] * np.log2(joint[mask] / outer[mask])).sum())
        cond = np.divide(joint, p_f[None, :], out=np.zeros_like(joint), where=p_f[None, :] > 0)
        changes = float(p_f[np.argmax(cond, axis=0) != np.argmax(p_o)].sum())
        # never negative (Jensen); clip the rounding
        gain = max(float((p_f * cond.max(axis=0)).sum() - p_o.max()), 0.0)
        rows.append((fact, max(mi, 0.0), max(mi, 0.0) / h if h > 0 else 0.0, changes, gain))
    cols = [
        "fact",
        "mutual_information",
        "share_of_uncertainty",
        "p_mode_changes",
        "expected_max_gain",
    ]
    table = pd.DataFrame(rows, columns=cols).set_index("fact")
    table = table.sort_values("mutual_information", ascending=False)
    return ValueOfInformation(outcome=outcome, entropy_bits=h, table=table)

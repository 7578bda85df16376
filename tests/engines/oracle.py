"""The brute-force oracle of the exact engine's tests: enumeration, no factor code.

Every combination of states of a random network (``tests.strategies``) is weighed by its
tables and by the generative story of the reports, written out here from the format
reference and not from the engine:

- a report of proposition A by a source with rates (t, f) and hedge weight w tracks the
  truth with probability w and is otherwise noise at rate f:
  P(report | A) = f + w (t - f), P(report | not A) = f;
- a silence (``silent: true``, no report made) is the complement:
  P(no report | A) = 1 - (f + w (t - f)), P(no report | not A) = 1 - f;
- a denial or dispute by source d is a report of "not A" by d (a dispute takes the hedge
  ``disputed`` unless it names its own);
- a retraction is a report by the claim's own source with P(retraction | A) = r_t and
  P(retraction | not A) = r_f, the source's retraction rates;
- a source's (t, f), and its (r_t, r_f), are independent Betas drawn once and shared by
  all its reports: the expectation of the product of all their likelihoods is taken
  exactly, by expanding it as a polynomial in the two rates and using Beta moments.

The information digit is recorded only: it never enters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import product
from typing import Any

import numpy as np

from scenarios.spec import reliability as rel
from tests.strategies import OracleClaim, RandomNetwork

Rate = tuple[float, float | None]  # (mean, concentration); None: a fixed number


def beta_moments(a: float, b: float, k: int) -> np.ndarray:
    """E[t^j] for j = 0..k under Beta(a, b): prod_{i<j} (a + i) / (a + b + i)."""
    m = np.ones(k + 1)
    for j in range(1, k + 1):
        m[j] = m[j - 1] * (a + j - 1) / (a + b + j - 1)
    return m


def moments(rate: Rate, k: int) -> np.ndarray:
    """E[r^j] for j = 0..k of a rate with (mean, concentration)."""
    mean, conc = rate
    if conc is None or mean in (0.0, 1.0):
        return mean ** np.arange(k + 1, dtype=float)
    return beta_moments(mean * conc, (1.0 - mean) * conc, k)


def expected_product(weights: list[float], rate: Rate) -> float:
    """E[prod_c (w_c r + 1 - w_c)] for a rate r with (mean, concentration)."""
    poly = np.array([1.0])
    for w in weights:
        poly = np.polynomial.polynomial.polymul(poly, [1.0 - w, w])
    return float(np.dot(poly, moments(rate, len(poly) - 1)))


def expected_reports(reports: list[tuple], tp: Rate, fp: Rate) -> float:
    """E over (t, f) of prod over reports of (f + w (t - f)) if it holds, else f.

    Each factor is a t + b f with (a, b) = (w, 1 - w) where the report holds and (0, 1)
    where it does not (a silence, a third item True: 1 - a t - b f); the product is
    expanded into coefficients of t^j f^k.
    """
    poly = np.ones((1, 1))  # poly[j, k]: coefficient of t^j f^k
    for w, holds, *rest in reports:
        silent = bool(rest and rest[0])
        a, b = (w, 1.0 - w) if holds else (0.0, 1.0)
        sign = -1.0 if silent else 1.0
        grown = np.zeros((poly.shape[0] + 1, poly.shape[1] + 1))
        grown[1:, :-1] += sign * a * poly
        grown[:-1, 1:] += sign * b * poly
        if silent:
            grown[:-1, :-1] += poly
        poly = grown
    n = poly.shape[0] - 1
    return float(moments(tp, n) @ poly @ moments(fp, n))


def _rate(spec: Mapping[str, Any]) -> Rate:
    return float(spec["mean"]), spec.get("concentration")


def source_rates(net: RandomNetwork, name: str) -> tuple[Rate, Rate]:
    src = net.data["sources"][name]
    grade = src["grade"]
    override = net.reliability.get("grades", {}).get(grade)
    if override is not None:
        tp, fp = _rate(override["true_positive"]), _rate(override["false_positive"])
    else:
        tp, fp = rel.GRADE_RATES[grade]
    if "true_positive" in src:
        tp = _rate(src["true_positive"])
    if "false_positive" in src:
        fp = _rate(src["false_positive"])
    return tp, fp


def retraction_rates(net: RandomNetwork, name: str) -> tuple[Rate, Rate]:
    spec = net.data["sources"][name].get("retraction") or net.reliability.get("retraction")
    if spec is not None:
        return _rate(spec["if_true"]), _rate(spec["if_false"])
    return rel.RETRACTION_RATES


def hedge_weight(
    net: RandomNetwork, hedge: str | None, weight: float | None, default: str = "none"
) -> float:
    if weight is not None:
        return weight
    hedges = {**rel.HEDGE_WEIGHTS, **net.reliability.get("hedge", {})}
    return hedges[hedge or default]


def report_groups(net: RandomNetwork, x: Mapping[str, str]) -> dict[str, tuple[list, Rate, Rate]]:
    """Every report at the states ``x``, grouped by the rates it shares: (w, holds) pairs."""
    groups: dict[str, tuple[list, Rate, Rate]] = {}

    def add(
        key: str, rates: tuple[Rate, Rate], w: float, holds: bool, silent: bool = False
    ) -> None:
        if key not in groups:
            groups[key] = ([], *rates)
        groups[key][0].append((w, holds, silent))

    for c in net.claims:
        held = c.holds(x)
        if c.kind == "source":
            add(
                f"source:{c.source}",
                source_rates(net, c.source),
                hedge_weight(net, c.hedge, c.weight),
                held,
                c.silent,
            )
        elif c.kind == "explicit":
            lik = next(cl for cl in net.data["claims"] if cl["id"] == c.id)["likelihood"]
            conc = lik.get("concentration")
            add(
                f"claim:{c.id}",
                ((c.if_true, conc), (c.if_false, conc)),
                hedge_weight(net, c.hedge, c.weight),
                held,
                c.silent,
            )
        for d in c.denials:
            w = hedge_weight(net, d.hedge, d.weight, "disputed" if d.disputed else "none")
            add(f"source:{d.source}", source_rates(net, d.source), w, not held)
        if c.retracted:
            add(f"retraction:{c.source}", retraction_rates(net, c.source), 1.0, held)
    return groups


def brute_force_joint(net: RandomNetwork) -> dict[tuple[int, ...], float]:
    """P(states, claims) for every combination of states (indices, in ``net.nodes`` order).

    Combinations of probability zero are left out.
    """
    names = list(net.nodes)
    joint: dict[tuple[int, ...], float] = {}
    for idx in product(*[range(len(net.nodes[n].states)) for n in names]):
        at = dict(zip(names, idx, strict=True))
        x = {n: net.nodes[n].states[i] for n, i in at.items()}
        p = 1.0
        for n in names:
            node = net.nodes[n]
            p *= node.table[(*(at[q] for q in node.parents), at[n])]
        if p == 0.0:
            continue
        # hard evidence
        if not all(c.holds(x) for c in net.claims if c.kind == "confirmed"):
            continue
        for reports, tp, fp in report_groups(net, x).values():
            p *= expected_reports(reports, tp, fp)
        if p > 0.0:
            joint[idx] = p
    return joint


def brute_force(net: RandomNetwork) -> tuple[float, dict[str, np.ndarray]]:
    """Evidence probability and posterior marginals of every node, by enumeration."""
    names = list(net.nodes)
    marg = {n: np.zeros(len(net.nodes[n].states)) for n in names}
    joint = brute_force_joint(net)
    z = math.fsum(joint.values())
    for idx, p in joint.items():
        for n, i in zip(names, idx, strict=True):
            marg[n][i] += p
    if z > 0:
        marg = {n: v / z for n, v in marg.items()}
    return z, marg


def proposition_probability(net: RandomNetwork, claim: OracleClaim) -> float:
    """P(the claim's proposition | all the reports), by enumeration."""
    names = list(net.nodes)
    joint = brute_force_joint(net)
    z = math.fsum(joint.values())
    hit = 0.0
    for idx, p in joint.items():
        x = {n: net.nodes[n].states[i] for n, i in zip(names, idx, strict=True)}
        if claim.holds(x):
            hit += p
    return hit / z

"""The brute-force oracle of the exact engine's tests: enumeration, no factor code.

Every combination of states of a random network (``tests.strategies``) is weighed by its
tables and by the claims' likelihoods, with source reliabilities integrated exactly
through Beta moments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import product
from typing import Any

import numpy as np

from scenarios.spec import reliability as rel
from tests.strategies import OracleClaim, RandomNetwork


def beta_moments(a: float, b: float, k: int) -> np.ndarray:
    """E[t^j] for j = 0..k under Beta(a, b): prod_{i<j} (a + i) / (a + b + i)."""
    m = np.ones(k + 1)
    for j in range(1, k + 1):
        m[j] = m[j - 1] * (a + j - 1) / (a + b + j - 1)
    return m


def expected_product(weights: list[float], rate: tuple[float, float | None]) -> float:
    """E[prod_c (w_c r + 1 - w_c)] for a rate r with (mean, concentration).

    ``concentration=None`` (or a mean of 0 or 1) is a fixed rate; otherwise r is
    Beta(mean k, (1 - mean) k) and the polynomial is expanded and integrated by moments.
    """
    mean, conc = rate
    if conc is None or mean in (0.0, 1.0):
        return math.prod(w * mean + 1.0 - w for w in weights)
    poly = np.array([1.0])
    for w in weights:
        poly = np.polynomial.polynomial.polymul(poly, [1.0 - w, w])
    return float(np.dot(poly, beta_moments(mean * conc, (1.0 - mean) * conc, len(poly) - 1)))


def _rate(spec: Mapping[str, Any]) -> tuple[float, float | None]:
    return float(spec["mean"]), spec.get("concentration")


def source_rates(net: RandomNetwork, name: str) -> tuple[tuple, tuple]:
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


def claim_weight(net: RandomNetwork, c: OracleClaim) -> float:
    if c.weight is not None:
        return c.weight
    status = {**rel.STATUS_WEIGHTS, **net.reliability.get("status", {})}
    hedge = {**rel.HEDGE_WEIGHTS, **net.reliability.get("hedge", {})}
    info = {**rel.INFORMATION_WEIGHTS, **net.reliability.get("information", {})}
    w = status[c.status] * hedge[c.hedge or "none"]
    return w * (info[c.information] if c.information is not None else 1.0)


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
        # soft evidence, grouped by whose reliability it shares
        groups: dict[str, tuple[list[float], list[float], tuple, tuple]] = {}
        for c in net.claims:
            if c.kind == "source":
                if c.source not in groups:
                    groups[c.source] = ([], [], *source_rates(net, c.source))
                key, w = c.source, claim_weight(net, c)
            elif c.kind == "explicit":
                lik = next(cl for cl in net.data["claims"] if cl["id"] == c.id)["likelihood"]
                conc = lik.get("concentration")
                groups[c.id] = ([], [], (c.if_true, conc), (c.if_false, conc))
                key, w = c.id, 1.0
            else:
                continue  # confirmed (above) or retracted (nothing)
            groups[key][0 if c.holds(x) else 1].append(w)
        for true_ws, false_ws, tp, fp in groups.values():
            p *= expected_product(true_ws, tp) * expected_product(false_ws, fp)
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

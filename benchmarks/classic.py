"""4. Classic Bayesian networks: alarm (37 nodes) and munin (1,041 nodes).

The BIF files shipped inside pgmpy are read once; every CPD column is renormalised to
sum to 1 (what our loader does) and the *same* float64 tables go to pgmpy and pyAgrum.

Query kind: **single-target marginal with hard evidence**, P(target | e1, ..., em) with
m = 2-4 evidence nodes, answered with barren-node pruning by all three engines. Queries
are seeded: the evidence states come from one forward sample of the network (so they are
possible: random states can have probability zero in munin), the evidence nodes and the
target are drawn uniformly. Each engine is built once per network and reused:

- ours: ``scenarios.engines.exact.Query(scenario).joint([target], evidence)``;
- pgmpy: ``VariableElimination(model).query([target], evidence)`` (default greedy order);
- pyAgrum: ``LazyPropagation(bn)``; per query: erase evidence and targets, add the
  target, set the evidence, ``makeInference()``, ``posterior(target)``.

The three run alternately query by query. Each pass draws fresh queries (so no engine
answers the same query twice); the reported time is the median over passes of the pass
total, and the per-query median beside it.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import (
    Context,
    GroupResult,
    at_least,
    at_most,
    fmt_time,
    median,
    side_by_side,
)

NAME = "classic"
TITLE = "4. Classic networks: marginal queries with evidence (alarm, munin)"

AGREE_TARGET = 1e-9
PYAGRUM_RATIO_TARGET = 3.0


def our_name(raw: str) -> str:
    """The node name our BIF loader gives (:func:`scenarios.io.bif.node_name`)."""
    from scenarios.io.bif import node_name

    return node_name(raw)


def make_queries(model: Any, n: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """``n`` seeded (target, evidence) pairs with 2-4 evidence nodes from a forward sample."""
    from benchmarks.factor_models import forward_sample

    rng = np.random.default_rng(seed)
    nodes = sorted(model.nodes())
    out = []
    for _ in range(n):
        sample = forward_sample(model, rng)
        m = int(rng.integers(2, 5))
        picked = [nodes[i] for i in rng.choice(len(nodes), size=m + 1, replace=False)]
        target, evidence = picked[0], picked[1:]
        out.append((target, {e: str(sample[e]) for e in evidence}))
    return out


class Engines:
    """The three engines on one network, each answering ``(target, evidence)``."""

    def __init__(self, name: str, notes: list[str]) -> None:
        import pyagrum as gum
        from pgmpy.inference import VariableElimination

        from benchmarks.factor_models import bif_path, pgmpy_bif_model, pyagrum_from_pgmpy
        from scenarios.engines.exact import Query
        from scenarios.io.bif import from_bif

        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scenario = from_bif(bif_path(name))
        t1 = time.perf_counter()
        self.query = Query(scenario)
        t2 = time.perf_counter()
        self.model = pgmpy_bif_model(name)
        t3 = time.perf_counter()
        self.ve = VariableElimination(self.model)
        t4 = time.perf_counter()
        self.bn = pyagrum_from_pgmpy(self.model)
        self.lazy = gum.LazyPropagation(self.bn)
        t5 = time.perf_counter()
        self.states = {
            v: [str(s) for s in self.model.get_cpds(v).state_names[v]] for v in self.model.nodes()
        }
        notes.append(
            f"{name}: {len(self.model.nodes())} nodes, {len(self.model.edges())} arcs. Set-up: "
            f"ours from_bif {fmt_time(t1 - t0)} (pgmpy's BIF parser inside) + Query "
            f"{fmt_time(t2 - t1)}; pgmpy read + renormalise {fmt_time(t3 - t2)} + "
            f"VariableElimination {fmt_time(t4 - t3)}; pyAgrum BayesNet from pgmpy's tables + "
            f"LazyPropagation {fmt_time(t5 - t4)}"
        )

    def ours(self, target: str, evidence: dict[str, str]) -> np.ndarray:
        ev = {our_name(k): v for k, v in evidence.items()}
        return self.query.joint([our_name(target)], evidence=ev)

    def pgmpy(self, target: str, evidence: dict[str, str]) -> np.ndarray:
        factor = self.ve.query([target], evidence=evidence, show_progress=False)
        names = [str(s) for s in factor.state_names[target]]
        values = np.asarray(factor.values, dtype=float)
        return values[[names.index(s) for s in self.states[target]]]

    def pyagrum(self, target: str, evidence: dict[str, str]) -> np.ndarray:
        ie = self.lazy
        ie.eraseAllEvidence()
        ie.eraseAllTargets()
        ie.addTarget(target)
        ie.setEvidence(evidence)
        ie.makeInference()
        return np.asarray(ie.posterior(target).toarray(), dtype=float)


def _network(name: str, n_queries: int, passes: int, ctx: Context, result: GroupResult) -> None:
    from benchmarks.factor_models import quiet_pgmpy

    quiet_pgmpy()
    ctx.log(f"{NAME}: {name}: building the three engines")
    eng = Engines(name, result.notes)
    competitors = {"ours": eng.ours, "pgmpy VE": eng.pgmpy, "pyAgrum LazyPropagation": eng.pyagrum}
    totals: dict[str, list[float]] = {k: [] for k in competitors}
    per_query: dict[str, list[float]] = {k: [] for k in competitors}
    worst = {"ours vs pgmpy": 0.0, "ours vs pyAgrum": 0.0, "pgmpy vs pyAgrum": 0.0}
    warm_query = make_queries(eng.model, 1, ctx.seed - 1)[0]
    for p in range(passes):
        queries = make_queries(eng.model, n_queries, ctx.seed + 1000 * p + len(name))
        answers: dict[str, list[np.ndarray]] = {k: [None] * n_queries for k in competitors}

        def caller(key: str, fn: Any, qs: list = queries, ans: dict = answers) -> Any:
            def call(q: int) -> None:
                target, evidence = qs[q] if q >= 0 else warm_query
                value = fn(target, evidence)
                if q >= 0:
                    ans[key][q] = value

            return call

        ctx.log(f"{NAME}: {name}: pass {p + 1}/{passes}, {n_queries} queries")
        times = side_by_side(
            {k: caller(k, fn) for k, fn in competitors.items()}, n_queries, warmup=1
        )
        for k in competitors:
            totals[k].append(sum(times[k]))
            per_query[k].extend(times[k])
        for i in range(n_queries):
            a, b, c = (np.asarray(answers[k][i]) for k in competitors)
            worst["ours vs pgmpy"] = max(worst["ours vs pgmpy"], float(np.max(np.abs(a - b))))
            worst["ours vs pyAgrum"] = max(worst["ours vs pyAgrum"], float(np.max(np.abs(a - c))))
            worst["pgmpy vs pyAgrum"] = max(worst["pgmpy vs pyAgrum"], float(np.max(np.abs(b - c))))
    rows = []
    for k in competitors:
        rows.append(
            {
                "network": name,
                "engine": k,
                "pass total (median)": fmt_time(median(totals[k])),
                "per query (median)": fmt_time(median(per_query[k])),
                "per query (p90)": fmt_time(float(np.quantile(per_query[k], 0.9))),
                "per query (max)": fmt_time(max(per_query[k])),
                "total / ours": median(totals[k]) / median(totals["ours"]),
                "per-query median / ours": median(per_query[k]) / median(per_query["ours"]),
            }
        )
    result.tables.append(
        (
            f"{name}: {passes} pass(es) of {n_queries} single-target queries, 2-4 evidence nodes",
            pd.DataFrame(rows),
        )
    )
    result.tables.append(
        (
            f"{name}: largest |difference| between answers",
            pd.DataFrame([{"pair": k, "max |diff|": v} for k, v in worst.items()]),
        )
    )
    ours_t = median(totals["ours"])
    result.targets.append(
        at_least(
            NAME,
            f"{name}: pgmpy time / ours",
            median(totals["pgmpy VE"]) / ours_t,
            1.0,
            "x",
            note=f"per-query medians: "
            f"{median(per_query['pgmpy VE']) / median(per_query['ours']):.3g}x",
        )
    )
    result.targets.append(
        at_most(
            NAME,
            f"{name}: ours time / pyAgrum",
            ours_t / median(totals["pyAgrum LazyPropagation"]),
            PYAGRUM_RATIO_TARGET,
            "x",
            note=f"per-query medians: "
            f"{median(per_query['ours']) / median(per_query['pyAgrum LazyPropagation']):.3g}x",
        )
    )
    result.targets.append(
        at_most(
            NAME,
            f"{name}: max |ours - pgmpy|, |ours - pyAgrum|",
            max(worst["ours vs pgmpy"], worst["ours vs pyAgrum"]),
            AGREE_TARGET,
            "",
        )
    )
    # where our per-query time goes
    if name == "munin" or ctx.quick is False:
        from benchmarks.common import profile_top

        qs = make_queries(eng.model, 20, ctx.seed + 7)
        state = {"i": 0}

        def one() -> None:
            target, evidence = qs[state["i"] % len(qs)]
            state["i"] += 1
            eng.ours(target, evidence)

        prof = profile_top(one, len(qs), limit=20)
        result.profile = ((result.profile or "") + f"\n--- ours on {name}\n" + prof).strip()


def run(ctx: Context) -> GroupResult:
    result = GroupResult(NAME, TITLE)
    passes = ctx.pick(1, 3)
    _network("alarm", ctx.pick(60, 200), passes, ctx, result)
    _network("munin", ctx.pick(15, 50), passes, ctx, result)
    return result

"""3. Scaling: k binary facts, one claim each, all driving one outcome through a logit link.

The scenario has facts ``f1..fk`` (prior p = 0.5), one claim ``fi`` each (all from one
shared grade-B source, so the source's rates couple every claim), and a binary outcome
``o`` with ``logit P(o) = -0.3 k / 2 + sum_i c_i [fi]``. Two coefficient sets:

- ``equal``: every c_i = 0.3 (the issue's case);
- ``distinct``: c_i drawn once from U(0.1, 0.5) (seeded): no two partial sums coincide,
  the worst case for an engine that tabulates the logit over its parents.

Every (engine, k) runs in its own process with a time limit and ``RLIMIT_AS`` (see
``common.run_isolated``); what does not finish is reported "not feasible" with the reason,
and larger k of the same engine are then not attempted. Engines timed:

- ``exact point``: ``update(intervals=False)``; first call (includes the contraction-plan
  search) and the median of the calls after it;
- ``exact intervals``: ``update()`` with its default 4000 draws;
- ``full``: ``update(engine="pymc")`` (nutpie, 4 x (1000 + 1000)) in a process with cold
  compile caches, then two warm calls in the same process.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.common import (
    GB,
    Context,
    GroupResult,
    at_most,
    fmt_time,
    fresh_cache_env,
    median,
    not_measured,
    partial,
    run_isolated,
)

NAME = "scaling"
TITLE = "3. Scaling: k binary facts with one claim each and a logit outcome"

KS = (4, 8, 12, 16, 20, 24, 48, 96)
EXACT_K20_TARGET = 1.0
MEM_LIMIT = 8 * GB


#: Thread variables pinned in the exact engine's isolated processes.
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def coefficients(k: int, kind: str, seed: int) -> list[float]:
    if kind == "equal":
        return [0.3] * k
    rng = np.random.default_rng([seed, k])
    return [round(float(c), 6) for c in rng.uniform(0.1, 0.5, size=k)]


def scaling_scenario(k: int, coefs: list[float], shared_source: bool = True) -> Any:
    """The k-fact scenario (see the module docstring)."""
    import scenarios

    facts = {f"f{i}": {"kind": "binary", "prior": {"p": 0.5}} for i in range(1, k + 1)}
    sources = (
        {"wire": {"grade": "B"}}
        if shared_source
        else {f"s{i}": {"grade": "B"} for i in range(1, k + 1)}
    )
    claims = [
        {
            "id": f"c{i}",
            "text": f"f{i} is reported",
            "proposition": f"f{i}",
            "source": "wire" if shared_source else f"s{i}",
        }
        for i in range(1, k + 1)
    ]
    terms = [
        {"fact": f"f{i}", "state": True, "coef": c}
        for i, c in zip(range(1, k + 1), coefs, strict=True)
    ]
    outcome = {
        "kind": "binary",
        "exhaustive": "yes/no",
        "prior": {"logit": {"intercept": -0.15 * k, "terms": terms}},
    }
    return scenarios.Scenario(
        title=f"scaling k={k}", facts=facts, outcomes={"o": outcome}, sources=sources, claims=claims
    )


# --- workers ------------------------------------------------------------------------------


def exact_worker(k: int, coefs: list[float], intervals: bool, budget: float = 20.0) -> dict:
    # the engine's lazy imports happen here, untimed: "first call" is this k's first call
    scaling_scenario(2, [0.3, 0.3]).update(intervals=intervals)
    t0 = time.perf_counter()
    s = scaling_scenario(k, coefs)
    build = time.perf_counter() - t0
    times: list[float] = []
    answer = None
    spent = 0.0
    while len(times) < 6 and (spent < budget or len(times) < 2):
        t = time.perf_counter()
        post = s.update(intervals=intervals) if not intervals else s.update()
        times.append(time.perf_counter() - t)
        spent += times[-1]
        answer = float(post.scenarios.loc[("o", "true"), "probability"])
        partial({"build": build, "times": times, "p": answer})
    return {"build": build, "times": times, "p": answer}


def full_worker(k: int, coefs: list[float], seed: int) -> dict:
    t0 = time.perf_counter()
    import pymc  # noqa: F401

    import scenarios  # noqa: F401

    imports = time.perf_counter() - t0
    s = scaling_scenario(k, coefs)
    out: dict[str, Any] = {"import": imports, "times": []}
    for _ in range(3):  # cold, then two warm calls (their median is reported)
        t = time.perf_counter()
        post = s.update(engine="pymc", seed=seed)
        out["times"].append(time.perf_counter() - t)
        out["p"] = float(post.scenarios.loc[("o", "true"), "probability"])
        out["mcse"] = float(post.scenarios.loc[("o", "true"), "mcse"])
        out["max_rhat"] = float(post.diagnostics.loc["max_rhat", "value"])
        partial(out)
    return out


# --- the group ----------------------------------------------------------------------------


def _slope(ks: list[int], ts: list[float]) -> float:
    """Least-squares slope of log(time) against log(k): 1 is linear growth."""
    if len(ks) < 2:
        return float("nan")
    return float(np.polyfit(np.log(ks), np.log(ts), 1)[0])


def run(ctx: Context) -> GroupResult:
    result = GroupResult(NAME, TITLE)
    ks = ctx.pick((4, 8, 20), KS)
    full_ks = ctx.pick((4,), KS)
    kinds = ("equal", "distinct")
    exact_timeout = ctx.pick(30.0, 60.0)
    full_timeout = ctx.pick(150.0, 240.0)
    result.notes.append(
        f"limits per case: exact {exact_timeout:.0f} s, full {full_timeout:.0f} s (a cold "
        f"compile alone takes tens of seconds on this shared machine); memory "
        f"{MEM_LIMIT / GB:.0f} GB (RLIMIT_AS and resident-set polling of the process tree)"
    )
    rows = []
    failed: dict[tuple[str, str], str] = {}
    for kind in kinds:
        for k in ks:
            coefs = coefficients(k, kind, ctx.seed)
            modes = [("exact point", False), ("exact intervals", True)]
            if kind == "equal" and k in full_ks:
                modes.append(("full", None))
            for mode, intervals in modes:
                key = (kind, mode)
                row: dict[str, Any] = {"coefs": kind, "k": k, "engine": mode}
                if key in failed:
                    row["status"] = f"not attempted ({failed[key]})"
                    rows.append(row)
                    continue
                ctx.log(f"{NAME}: {kind} k={k} {mode}")
                if mode == "full":
                    r = run_isolated(
                        "benchmarks.scaling:full_worker",
                        {"k": k, "coefs": coefs, "seed": ctx.seed},
                        timeout=full_timeout,
                        mem_limit=MEM_LIMIT,
                        env=fresh_cache_env(ctx.tmp),
                    )
                else:
                    r = run_isolated(
                        "benchmarks.scaling:exact_worker",
                        {"k": k, "coefs": coefs, "intervals": intervals},
                        timeout=exact_timeout,
                        mem_limit=MEM_LIMIT,
                        env=ONE_THREAD,  # BLAS pinned: the exact engine runs single-threaded
                    )
                v = r.value or {}
                times = v.get("times", [])
                row["first call"] = times[0] if times else np.nan
                row["later calls (median)"] = median(times[1:]) if len(times) > 1 else np.nan
                row["calls"] = len(times)
                row["P(o)"] = v.get("p", np.nan)
                if mode == "full":
                    row["mcse"] = v.get("mcse", np.nan)
                    row["max_rhat"] = v.get("max_rhat", np.nan)
                row["peak RSS"] = r.peak_rss
                row["status"] = "ok" if r.ok else r.why()
                if not r.ok:
                    failed[key] = f"k={k} {r.status}"
                rows.append(row)
    frame = pd.DataFrame(rows)
    shown = frame.copy()
    for col in ("first call", "later calls (median)"):
        shown[col] = [
            fmt_time(x) if isinstance(x, float) and math.isfinite(x) else "—" for x in shown[col]
        ]
    shown["peak RSS"] = [
        f"{x / GB:.2f} GB" if isinstance(x, float) and math.isfinite(x) else "—"
        for x in shown["peak RSS"]
    ]
    result.tables.append(("Time per case (each in its own process)", shown))

    # agreement: exact point against full where both ran
    agree = []
    for k in full_ks:
        sel = frame[(frame.coefs == "equal") & (frame.k == k)]
        ex = sel[sel.engine == "exact point"]["P(o)"]
        fu = sel[sel.engine == "full"]
        if len(ex) and len(fu) and math.isfinite(fu["P(o)"].iloc[0]):
            d = float(fu["P(o)"].iloc[0] - ex.iloc[0])
            mc = float(fu["mcse"].iloc[0])
            agree.append(
                {
                    "k": k,
                    "exact": float(ex.iloc[0]),
                    "full": float(fu["P(o)"].iloc[0]),
                    "diff": d,
                    "diff / mcse": d / mc if mc > 0 else np.nan,
                }
            )
    if agree:
        result.tables.append(("Exact against full, P(o = true)", pd.DataFrame(agree)))

    # targets
    def ok_times(kind: str, mode: str, col: str) -> tuple[list[int], list[float]]:
        sel = frame[(frame.coefs == kind) & (frame.engine == mode) & (frame.status == "ok")]
        sel = sel[np.isfinite(sel[col].astype(float))]
        return list(sel.k), [float(x) for x in sel[col]]

    for kind in kinds:
        for mode in ("exact point", "exact intervals"):
            sel = frame[(frame.coefs == kind) & (frame.engine == mode) & (frame.k == 20)]
            if len(sel) and sel["status"].iloc[0] == "ok":
                t20 = sel["later calls (median)"].iloc[0]
                t20 = t20 if math.isfinite(t20) else sel["first call"].iloc[0]
                result.targets.append(
                    at_most(
                        NAME,
                        f"{mode}, k = 20, {kind} coefs",
                        float(t20),
                        EXACT_K20_TARGET,
                        "s",
                        note=f"median of later calls; first call "
                        f"{fmt_time(sel['first call'].iloc[0])}; peak RSS "
                        f"{float(sel['peak RSS'].iloc[0]) / GB:.2f} GB",
                    )
                )
            elif len(sel):
                result.targets.append(
                    not_measured(
                        NAME, f"{mode}, k = 20, {kind} coefs", "<= 1 s", str(sel["status"].iloc[0])
                    )
                )
    for col, label in (("first call", "cold"), ("later calls (median)", "warm")):
        fks, fts = ok_times("equal", "full", col)
        slope = _slope(fks, fts)
        missing = [k for k in full_ks if k not in fks]
        note = f"k = {fks}" + (f"; not feasible for k = {missing}" if missing else "")
        t = at_most(
            NAME,
            f"full engine growth exponent ({label}), log t vs log k",
            slope,
            1.0,
            "",
            note=note,
        )
        if missing and t.met:
            t.met = False
            t.margin = f"infeasible from k = {missing[0]}"
        result.targets.append(t)
        if fks:
            result.notes.append(
                f"full engine ({label}): "
                + ", ".join(f"k={k}: {fmt_time(x)}" for k, x in zip(fks, fts, strict=True))
            )
    for kind in kinds:
        for mode in ("exact point", "exact intervals"):
            eks, ets = ok_times(kind, mode, "later calls (median)")
            if len(eks) >= 2:
                result.notes.append(
                    f"{mode}, {kind} coefs: growth exponent {_slope(eks, ets):.2f} over k = {eks}"
                )
    return result

"""6. Accuracy beside speed: every engine's Wagner scenario probabilities against the exact answer.

The exact engine's point answer (variable elimination + quadrature) is the reference.
Beside it, in one table: pgmpy's variable elimination on the same discretised network,
the slider engine (``Interactive``, if present), the full engine with nutpie and with
PyMC's own NUTS (both on the marginalised model, Rao-Blackwellised), and the plain model
sampled by PyMC's compound step (the baseline of group 2). For sampled answers the
difference is also given in units of their Monte Carlo standard error.

The interval columns compare the exact engine's 90% interval of g(theta) (importance
sampling, 4000 draws) with the full engine's (NUTS, 4000 draws).

Results of groups 1 and 2 are reused when they ran in the same invocation; what is
missing is computed here (sampled runs in their own processes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.common import Context, GroupResult, at_most, fresh_cache_env, run_isolated

NAME = "accuracy"
TITLE = "6. Accuracy: each engine's Wagner scenario probabilities against the exact answer"
Z_SANITY = 4.0


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """Index ``(variable, state)`` -> ``"variable=state"``."""
    if isinstance(frame.index, pd.MultiIndex):
        frame = frame.copy()
        frame.index = [f"{v}={s}" for v, s in frame.index]
    return frame


def run(ctx: Context) -> GroupResult:
    import scenarios

    result = GroupResult(NAME, TITLE)
    s = scenarios.load(scenarios.default_priors())
    exact = _keyed(s.update(intervals=False).scenarios)["probability"]
    with_iv = _keyed(s.update().scenarios)
    table = pd.DataFrame({"exact": exact})

    # pgmpy on the same network
    pg = ctx.artifacts.get("wagner_pgmpy")
    if pg is None:
        from benchmarks.interactive import PgmpySlider

        slider = PgmpySlider(s)
        pg = slider.set_prior(float(s.facts["elite_cohesion"].prior.probs["cohesive"]))
        pg = pg["probability"]
    table["pgmpy VE"] = _keyed(pd.DataFrame({"p": pg}))["p"]
    try:
        from scenarios.engines.fast import Interactive

        table["Interactive"] = _keyed(Interactive(s, draws=0).table())["probability"]
    except ImportError:
        result.notes.append("Interactive (scenarios.engines.fast) not present: column omitted")

    # sampled engines
    sampled: dict[str, pd.DataFrame] = {}
    intervals: dict[str, pd.DataFrame] = {}
    jobs = [("full, nutpie", "nutpie"), ("full, PyMC NUTS", "pymc")]
    for label, sampler in jobs:
        if label == "full, nutpie" and "pymc_nutpie" in ctx.artifacts:
            sampled[label] = ctx.artifacts["pymc_nutpie"]
            n = ctx.artifacts.get("pymc_runs", (1, 1))[0]
            result.notes.append(f"{label}: the mean of group 2's {n} cold run(s)")
            if "pymc_nutpie_intervals" in ctx.artifacts:
                intervals[label] = ctx.artifacts["pymc_nutpie_intervals"]
            continue
        if label == "full, PyMC NUTS" and "pymc_pymcnuts" in ctx.artifacts:
            sampled[label] = ctx.artifacts["pymc_pymcnuts"]
            n = ctx.artifacts.get("pymc_pymcnuts_runs", 1)
            result.notes.append(f"{label}: the mean of group 2's {n} cold run(s)")
            intervals[label] = ctx.artifacts["pymc_pymcnuts_intervals"]
            continue
        if ctx.quick and sampler == "pymc":
            result.notes.append(f"{label}: skipped in quick mode")
            continue
        ctx.log(f"{NAME}: {label}")
        r = run_isolated(
            "benchmarks.full:ours_worker",
            {"seed": ctx.seed, "warm": False, "sampler": sampler},
            timeout=1200,
            env=fresh_cache_env(ctx.tmp),
        )
        if not r.ok:
            result.notes.append(f"{label}: {r.why()}")
            continue
        cold = r.value["cold"]
        sampled[label] = pd.DataFrame(
            {"probability": cold["probability"], "mcse": cold["mcse"]}, index=cold["states"]
        )
        intervals[label] = pd.DataFrame(
            {"lower": cold["lower"], "upper": cold["upper"]}, index=cold["states"]
        )
        result.notes.append(
            f"{label}: one run, seed {ctx.seed}, {r.value['cold']['wall']:.1f} s, "
            f"sampler used: {cold['sampler']}"
        )
    if "pymc_baseline" in ctx.artifacts:
        sampled["plain model, compound step"] = ctx.artifacts["pymc_baseline"]
        n = ctx.artifacts.get("pymc_runs", (1, 1))[1]
        result.notes.append(f"plain model: the mean of group 2's {n} run(s)")
    else:
        kw = {"draws": 100, "tune": 100} if ctx.quick else {}
        ctx.log(f"{NAME}: plain model, compound step")
        r = run_isolated(
            "benchmarks.full:baseline_worker",
            {"seed": ctx.seed, **kw},
            timeout=1800,
            env=fresh_cache_env(ctx.tmp),
        )
        if r.ok:
            v = r.value
            sampled["plain model, compound step"] = pd.DataFrame(
                {
                    "probability": [st["mean"] for st in v["stats"]],
                    "mcse": [st["mcse"] for st in v["stats"]],
                },
                index=v["states"],
            )
            result.notes.append(
                f"plain model: one run, {v['chains']} chains x {v['draws']} draws, "
                f"{v['wall']:.1f} s"
            )
        else:
            result.notes.append(f"plain model: {r.why()}")

    for label, frame in sampled.items():
        table[label] = frame["probability"].reindex(table.index)
    diffs = pd.DataFrame(index=table.index)
    for col in table.columns[1:]:
        diffs[f"{col}: diff"] = table[col] - table["exact"]
        if col in sampled:
            mcse = sampled[col]["mcse"].reindex(table.index)
            diffs[f"{col}: diff/mcse"] = (table[col] - table["exact"]) / mcse
    result.tables.append(("Scenario probabilities", table))
    result.tables.append(("Differences from the exact answer", diffs))

    if intervals:
        rows = pd.DataFrame(
            {"exact lower": with_iv["lower"], "exact upper": with_iv["upper"]}, index=table.index
        )
        for label, frame in intervals.items():
            rows[f"{label} lower"] = frame["lower"].reindex(table.index)
            rows[f"{label} upper"] = frame["upper"].reindex(table.index)
        result.tables.append(("90% intervals of g(theta): exact (PSIS) against NUTS", rows))

    for col in table.columns[1:]:
        d = float(np.nanmax(np.abs(table[col] - table["exact"])))
        if col in sampled:
            z = float(np.nanmax(np.abs(diffs[f"{col}: diff/mcse"])))
            result.targets.append(
                at_most(
                    NAME,
                    f"max |diff| / mcse, {col} (sanity check)",
                    z,
                    Z_SANITY,
                    "",
                    note=f"max |diff| {d:.2g}",
                )
            )
        else:
            result.targets.append(at_most(NAME, f"max |diff|, {col} (sanity check)", d, 1e-9, ""))
    return result

"""1. Interactive update: one prior changed, the new scenario table.

A slider moves the prior of one fact of the Wagner scenario (``elite_cohesion``, a root
fact with a Dirichlet concentration, to a new seeded value every repetition) and the
engine returns the new scenario table. Every "ours" variant and pgmpy's variable
elimination on the same network run alternately in one loop; medians and their ratio.

To benchmark a new fast path, add one function decorated with :func:`variant`: it gets
the scenario once (compile here) and returns ``step(name, prior) -> DataFrame``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
    profile_top,
    side_by_side,
    timing_rows,
)

NAME = "interactive"
TITLE = "1. Interactive update (Wagner: one prior changed, new scenario table)"

FACT = "elite_cohesion"
CONCENTRATION = 8.0
DRAWS = 1000  # draws behind the credible intervals in the 'intervals' variants
POINT_TARGET = 1e-3
INTERVAL_TARGET = 50e-3
PGMPY_RATIO_TARGET = 2.0

Step = Callable[[str, dict], pd.DataFrame]
#: name -> (kind, factory); kind is "point" or "intervals"
VARIANTS: dict[str, tuple[str, Callable[[Any], Step]]] = {}


def variant(name: str, kind: str) -> Callable:
    """Register an "ours" variant: ``factory(scenario) -> step(name, prior) -> table``.

    The factory may raise ``ImportError`` (the API is not there yet): it is then skipped.
    """

    def register(factory: Callable[[Any], Step]) -> Callable[[Any], Step]:
        VARIANTS[name] = (kind, factory)
        return factory

    return register


@variant("with_prior + update(intervals=False)", "point")
def _update_point(s: Any) -> Step:
    return lambda name, prior: s.with_prior(name, prior).update(intervals=False).scenarios


@variant(f"with_prior + update(draws={DRAWS})", "intervals")
def _update_intervals(s: Any) -> Step:
    return lambda name, prior: s.with_prior(name, prior).update(draws=DRAWS).scenarios


@variant("Interactive(draws=0).set_prior", "point")
def _interactive_point(s: Any) -> Step:
    from scenarios.engines.fast import Interactive

    fast = Interactive(s, draws=0)
    return fast.set_prior


@variant(f"Interactive(draws={DRAWS}).set_prior", "intervals")
def _interactive_intervals(s: Any) -> Step:
    from scenarios.engines.fast import Interactive

    fast = Interactive(s, draws=DRAWS)
    return fast.set_prior


# --- the slider ---------------------------------------------------------------------------


def slider_values(seed: int, n: int) -> list[float]:
    """P(cohesive) for repetition i (the warm-up rounds use their own values)."""
    rng = np.random.default_rng(seed)
    return [float(v) for v in rng.uniform(0.5, 0.95, size=n)]


def prior_of(p: float) -> dict:
    return {"probs": {"cohesive": p, "fractured": 1.0 - p}, "concentration": CONCENTRATION}


class PgmpySlider:
    """pgmpy on the same network; a slider move rebuilds the changed CPD and the engine."""

    def __init__(self, scenario: Any) -> None:
        from benchmarks.factor_models import pgmpy_from_assembly
        from scenarios.engines.assembly import assemble
        from scenarios.engines.network import Network

        net = Network(scenario)
        asm = assemble(net)
        self.model, self.evidence = pgmpy_from_assembly(asm)
        self.outcomes = list(scenario.outcomes)
        self.states = {n: net.states[n] for n in self.outcomes}
        self.fact_states = list(net.states[FACT])
        self.quadrature_nodes = {n: len(x) for n, (x, _) in net.quadrature.items()}

    def set_prior(self, p: float) -> pd.DataFrame:
        """Rebuild the CPD of the slider's fact and the inference engine, then query."""
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination

        probs = {"cohesive": p, "fractured": 1.0 - p}
        values = np.array([[probs[s]] for s in self.fact_states])
        cpd = TabularCPD(FACT, len(values), values)
        self.model.remove_cpds(self.model.get_cpds(FACT))
        self.model.add_cpds(cpd)
        return self.query(VariableElimination(self.model))

    def query(self, engine: Any) -> pd.DataFrame:
        result = engine.query(
            self.outcomes, evidence=self.evidence, joint=False, show_progress=False
        )
        rows = []
        for name in self.outcomes:
            for state, value in zip(self.states[name], result[name].values, strict=True):
                rows.append((name, state, float(value)))
        frame = pd.DataFrame(rows, columns=["variable", "state", "probability"])
        return frame.set_index(["variable", "state"])


# --- the group ----------------------------------------------------------------------------


def _build_variants(s: Any, kind: str, notes: list[str]) -> dict[str, Step]:
    out = {}
    for name, (k, factory) in VARIANTS.items():
        if k != kind:
            continue
        try:
            t0 = time.perf_counter()
            out[name] = factory(s)
            notes.append(f"`{name}`: set-up (compile) {fmt_time(time.perf_counter() - t0)}")
        except ImportError as exc:
            notes.append(f"`{name}` skipped: {exc}")
    return out


def _parts(s: Any, values: list[float], repeats: int, calls: int) -> tuple[pd.DataFrame, str]:
    """Where the point update's time goes: its steps timed side by side."""
    from scenarios.engines.assembly import assemble
    from scenarios.engines.exact import update_exact
    from scenarios.engines.factors import contract
    from scenarios.engines.network import Network

    changed = [s.with_prior(FACT, prior_of(v)) for v in values]
    nets = [Network(c) for c in changed]
    asms = [assemble(n) for n in nets]
    outcomes = list(s.outcomes)

    def pick(seq: list, i: int) -> Any:
        return seq[i % len(seq)]

    fns = {
        "with_prior (validate the new scenario)": lambda i: s.with_prior(
            FACT, prior_of(pick(values, i))
        ),
        "update_exact(intervals=False) alone": lambda i: update_exact(
            pick(changed, i), intervals=False
        ),
        "  Network(scenario)": lambda i: Network(pick(changed, i)),
        "  assemble(network)": lambda i: assemble(pick(nets, i)),
        "  contract: evidence z": lambda i: contract(pick(asms, i).factors_for(), []),
        "  contract: the outcomes' marginals": lambda i: [
            contract(pick(asms, i).factors_for([o]), [o]) for o in outcomes
        ],
        "  contract: every discrete marginal, with and without claims (what update does)": (
            lambda i: [
                contract(pick(asms, i).factors_for([n], ev), [n])
                for n in pick(nets, i).discrete
                for ev in (True, False)
            ]
        ),
    }
    try:
        from scenarios.posterior import state_table
        from scenarios.spec import elicit

        post = changed[0].update(intervals=False)
        states = nets[0].states

        def arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
            return {v: frame.loc[v, "probability"].to_numpy() for v in frame.index.unique(level=0)}

        outs, facts = arrays(post.scenarios), arrays(post.facts)
        fns["  4 x state_table (the Posterior's pandas tables)"] = lambda i: [
            state_table(d, states) for d in (outs, facts, outs, facts)
        ]
        continuous = [n for n, f in s.facts.items() if not f.is_discrete]
        fns["  elicit.distribution of the continuous fact, once (see profile: calls/update)"] = (
            lambda i: [elicit.distribution(s.facts[n]) for n in continuous]
        )
    except (ImportError, AttributeError, KeyError):
        pass
    times = side_by_side(fns, repeats, warmup=2)
    frame = timing_rows(times, "update_exact(intervals=False) alone")
    prof = profile_top(
        lambda: s.with_prior(FACT, prior_of(0.7)).update(intervals=False), calls, limit=25
    )
    prof_i = profile_top(
        lambda: s.with_prior(FACT, prior_of(0.7)).update(draws=DRAWS),
        max(calls // 5, 4),
        limit=25,
    )
    head = "--- with_prior + update(intervals=False)\n"
    return frame, f"{head}{prof}\n\n--- with_prior + update(draws={DRAWS})\n{prof_i}"


def run(ctx: Context) -> GroupResult:
    import scenarios
    from benchmarks.factor_models import quiet_pgmpy

    quiet_pgmpy()
    result = GroupResult(NAME, TITLE)
    s = scenarios.load(scenarios.default_priors())
    n_point = ctx.pick(60, 400)
    n_interval = ctx.pick(15, 80)
    values = slider_values(ctx.seed, max(n_point, n_interval))
    warm = slider_values(ctx.seed + 1, 4)

    def value(i: int) -> float:
        return values[i] if i >= 0 else warm[-i - 1]

    # -- point answers: ours against pgmpy, alternately ----------------------------------
    ctx.log(f"{NAME}: compiling variants")
    point = _build_variants(s, "point", result.notes)
    t0 = time.perf_counter()
    pg = PgmpySlider(s)
    result.notes.append(
        f"pgmpy network built from our factor graph in {fmt_time(time.perf_counter() - t0)}: "
        f"{len(pg.model.nodes())} nodes ({pg.quadrature_nodes} quadrature states for the "
        "continuous fact; source rates as Gauss-Jacobi nodes; one binary node per claim, "
        "observed). Per slider move pgmpy builds the new TabularCPD, swaps it into the model, "
        "builds VariableElimination and queries both outcomes (default greedy elimination "
        "order, joint=False)."
    )
    fns: dict[str, Callable[[int], Any]] = {
        name: (lambda i, st=step: st(FACT, prior_of(value(i)))) for name, step in point.items()
    }
    fns["pgmpy: rebuild CPD + VariableElimination + query"] = lambda i: pg.set_prior(value(i))
    from pgmpy.inference import VariableElimination

    engine = VariableElimination(pg.model)
    fns["pgmpy: query only (engine reused, no rebuild)"] = lambda i: pg.query(engine)
    ctx.log(f"{NAME}: {n_point} point repetitions, side by side")
    times = side_by_side(fns, n_point, warmup=3)
    ref = "pgmpy: rebuild CPD + VariableElimination + query"
    frame = timing_rows(times, ref)
    frame["pgmpy / this"] = [median(times[ref]) / median(times[n]) for n in times]
    result.tables.append((f"Point answers, {n_point} repetitions each (side by side)", frame))
    for name in point:
        m = median(times[name])
        result.targets.append(at_most(NAME, f"point update: {name}", m, POINT_TARGET, "s"))
        result.targets.append(
            at_least(
                NAME,
                f"pgmpy time / ours ({name})",
                median(times[ref]) / m,
                PGMPY_RATIO_TARGET,
                "x",
            )
        )

    # -- accuracy of the point answers ---------------------------------------------------
    exact = s.update(intervals=False).scenarios["probability"]
    pg_base = pg.set_prior(float(s.facts[FACT].prior.probs["cohesive"]))["probability"]
    ctx.artifacts["wagner_exact"] = exact
    ctx.artifacts["wagner_pgmpy"] = pg_base
    check = []
    p_test = value(0)
    ref_table = s.with_prior(FACT, prior_of(p_test)).update(intervals=False).scenarios
    for name, step in point.items():
        diff = np.abs(step(FACT, prior_of(p_test))["probability"] - ref_table["probability"])
        check.append({"variant": name, "max |diff| vs update()": float(diff.max())})
    diff = np.abs(pg.set_prior(p_test)["probability"] - ref_table["probability"])
    check.append({"variant": "pgmpy VE", "max |diff| vs update()": float(diff.max())})
    result.tables.append(("Agreement after one slider move", pd.DataFrame(check)))

    # -- with credible intervals ---------------------------------------------------------
    intervals = _build_variants(s, "intervals", result.notes)
    fns = {
        name: (lambda i, st=step: st(FACT, prior_of(value(i)))) for name, step in intervals.items()
    }
    ctx.log(f"{NAME}: {n_interval} interval repetitions, side by side")
    times_i = side_by_side(fns, n_interval, warmup=2)
    ref_i = f"with_prior + update(draws={DRAWS})"
    frame_i = timing_rows(times_i, ref_i)
    result.tables.append(
        (f"With {DRAWS}-draw credible intervals, {n_interval} repetitions each", frame_i)
    )
    for name in intervals:
        result.targets.append(
            at_most(
                NAME, f"update with intervals: {name}", median(times_i[name]), INTERVAL_TARGET, "s"
            )
        )

    # -- where the time goes -------------------------------------------------------------
    ctx.log(f"{NAME}: parts and profile")
    try:
        parts, prof = _parts(s, values[:50], ctx.pick(10, 150), ctx.pick(20, 100))
        result.tables.append(("Parts of the point update (side by side)", parts))
        result.profile = prof
    except Exception as exc:  # the engine's internals moved: say so, keep the rest
        result.notes.append(f"parts not measured ({type(exc).__name__}: {exc})")
    return result

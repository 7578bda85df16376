"""Sensitivity: which prior, which report, which source moves a scenario probability most.

Every input is moved across a plausible range and the target probability recomputed with
the exact engine:

- a probability ``p`` (or a state's share, or a table row): its Beta 5%-95% interval when
  it has a ``concentration``, else one unit of log-odds either side (odds x/÷ e);
- a logit intercept or coefficient: one unit either side;
- a continuous fact's 90% range: scaled by 0.8 and 1.25 (positive facts) or shifted by
  half its width;
- a claim: left out (weight 0) versus taken at full weight (weight 1);
- a source: one Admiralty letter better and worse (explicit rates: mean ± 0.1).

:func:`power_scaling` adds the prior's share of the answer against the evidence's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from scenarios.engines.exact import Query
from scenarios.engines.fast import Interactive
from scenarios.spec import elicit
from scenarios.spec.priors import (
    DistributionPrior,
    LogitPrior,
    Probabilities,
    QuantilePrior,
    RangePrior,
    TablePrior,
)
from scenarios.spec.scenario import Scenario

__all__ = ["power_scaling", "sensitivity"]

LETTERS = "ABCDE"
Edit = Callable[[Scenario], Scenario]


def _target(scenario: Scenario, target: tuple[str, str] | str | None) -> tuple[str, str]:
    if isinstance(target, tuple):
        outcome, state = target
    else:
        outcome = target or next(iter(scenario.outcomes))
        if outcome not in scenario.outcomes:
            raise KeyError(f"no outcome {outcome!r}; outcomes are {list(scenario.outcomes)}")
        probs = scenario.update(intervals=False).scenarios.loc[outcome, "probability"]
        state = str(probs.idxmax())
    if outcome not in scenario.outcomes or state not in scenario.outcomes[outcome].state_names:
        raise KeyError(f"no outcome state {(outcome, state)!r}")
    return outcome, state


def _p_range(p: float, concentration: float | None) -> tuple[float, float]:
    if concentration is not None and 0 < p < 1:
        lo, hi = stats.beta(p * concentration, (1 - p) * concentration).ppf([0.05, 0.95])
        return float(lo), float(hi)
    q = float(np.clip(p, 1e-6, 1 - 1e-6))
    return float(expit(logit(q) - 1)), float(expit(logit(q) + 1))


def _shift_state(probs: Mapping[str, float], state: str, to: float) -> dict[str, float]:
    rest = 1.0 - probs[state]
    out = {}
    for s, v in probs.items():
        if s == state:
            out[s] = to
        else:
            out[s] = (1.0 - to) * (v / rest if rest > 0 else 1.0 / (len(probs) - 1))
    return out


def _probability_edits(
    row: Any, states: tuple[str, ...], concentration: float | None, rebuild: Callable[[Any], Any]
) -> Iterator[tuple[str, str, str, Any, Any]]:
    """(parameter, low label, high label, low prior-part, high prior-part) of one row."""
    conc = row.concentration or concentration
    if row.p is not None:
        lo, hi = _p_range(row.p, conc)
        yield "p", f"{lo:.3f}", f"{hi:.3f}", rebuild({"p": lo}), rebuild({"p": hi})
        return
    for state in states:
        p = row.probs[state]
        lo, hi = _p_range(p, conc)
        yield (
            f"P({state})",
            f"{lo:.3f}",
            f"{hi:.3f}",
            rebuild({"probs": _shift_state(row.probs, state, lo)}),
            rebuild({"probs": _shift_state(row.probs, state, hi)}),
        )


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(exclude_none=True)


def _prior_edits(scenario: Scenario) -> Iterator[tuple[str, str, str, str, dict, dict]]:
    for name, node in scenario.nodes.items():
        prior = node.prior
        states = node.state_names
        if isinstance(prior, Probabilities):
            base = _dump(prior)
            for param, lo_l, hi_l, lo, hi in _probability_edits(
                prior,
                states,
                None,
                lambda part, base=base: {
                    **base,
                    **part,
                    **({"probs": None} if "p" in part else {"p": None}),
                },
            ):
                yield (name, param, lo_l, hi_l, lo, hi)
        elif isinstance(prior, TablePrior):
            base = _dump(prior)
            for i, row in enumerate(prior.table):
                when = ", ".join(f"{k}={v}" for k, v in row.when.items())

                def rebuild(part: dict, i: int = i, base: dict = base) -> dict:
                    rows = [dict(r) for r in base["table"]]
                    rows[i] = {k: v for k, v in {**rows[i], **part}.items() if v is not None}
                    rows[i].pop("probs" if "p" in part else "p", None)
                    return {**base, "table": rows}

                for param, lo_l, hi_l, lo, hi in _probability_edits(
                    row, states, prior.concentration, rebuild
                ):
                    yield (name, f"{param} | {when}", lo_l, hi_l, lo, hi)
            if prior.default is not None:

                def rebuild_default(part: dict, base: dict = base) -> dict:
                    default = {k: v for k, v in {**base["default"], **part}.items()}
                    default.pop("probs" if "p" in part else "p", None)
                    return {**base, "default": default}

                for param, lo_l, hi_l, lo, hi in _probability_edits(
                    prior.default, states, prior.concentration, rebuild_default
                ):
                    yield (
                        name,
                        f"{param} | other rows",
                        lo_l,
                        hi_l,
                        lo,
                        hi,
                    )
        elif isinstance(prior, LogitPrior):
            yield from _logit_edits(name, prior)
        elif isinstance(prior, RangePrior | QuantilePrior | DistributionPrior):
            d = elicit.distribution(scenario.facts[name])
            lo, hi = (float(v) for v in d.dist.ppf([0.05, 0.95]))
            if d.support[0] >= 0:
                low, high = (lo * 0.8, hi * 0.8), (lo * 1.25, hi * 1.25)
            else:
                half = (hi - lo) / 2
                low, high = (lo - half, hi - half), (lo + half, hi + half)
            family = d.name if d.name in ("Normal", "LogNormal", "Beta") else None
            if family == "Beta":
                low = tuple(np.clip(low, 1e-4, 1 - 1e-4))
                high = tuple(np.clip(high, 1e-4, 1 - 1e-4))

            def ranged(b: tuple[float, float], family: str | None = family) -> dict:
                out: dict[str, Any] = {"between": list(b), "mass": 0.9}
                if family:
                    out["family"] = family
                return out

            yield (
                name,
                "90% range",
                f"{low[0]:.3g}-{low[1]:.3g}",
                f"{high[0]:.3g}-{high[1]:.3g}",
                ranged(low),
                ranged(high),
            )


def _logit_edits(name: str, prior: LogitPrior) -> Iterator[tuple[str, str, str, str, dict, dict]]:
    base = _dump(prior)

    def moved(path: tuple, key: str | None, delta: float) -> dict:
        data = {
            "logit": {**base["logit"], "terms": [dict(t) for t in base["logit"].get("terms", [])]}
        }
        holder = data["logit"] if path[0] == "intercept" else data["logit"]["terms"][path[1]]
        field = "intercept" if path[0] == "intercept" else "coef"
        value = holder.get(field, 0.0)
        if key is None:
            holder[field] = float(value) + delta
        else:
            holder[field] = {**value, key: float(value.get(key, 0.0)) + delta}
        return data

    places: list[tuple[tuple, Any, str]] = [(("intercept",), prior.logit.intercept, "intercept")]
    for t, term in enumerate(prior.logit.terms):
        label = f"coef {term.fact}" + (f"={term.state}" if term.state else "")
        places.append((("terms", t), term.coef, label))
    for path, value, label in places:
        keys = list(value) if isinstance(value, Mapping) else [None]
        for key in keys:
            param = label if key is None else f"{label} [{key}]"
            yield (
                name,
                param,
                "-1",
                "+1",
                moved(path, key, -1.0),
                moved(path, key, 1.0),
            )


def _evidence_edits(scenario: Scenario) -> Iterator[tuple[str, str, str, str, str, Edit, Edit]]:
    for claim in scenario.claims:
        if not claim.counted or claim.status == "confirmed":
            continue
        cid = claim.id
        yield (
            "claim",
            cid,
            "weight",
            "0 (left out)",
            "1 (full)",
            lambda s, cid=cid: s.without_claim(cid),
            lambda s, cid=cid: s.with_claim_changed(cid, weight=1.0),
        )
    for name, source in scenario.sources.items():
        if source.true_positive is None and source.grade is not None:
            i = LETTERS.find(source.grade)
            if i < 0:  # F: cannot be judged; compare the ends of the scale
                better, worse = "B", "E"
            else:
                better, worse = LETTERS[max(i - 1, 0)], LETTERS[min(i + 1, len(LETTERS) - 1)]
            yield (
                "source",
                name,
                "grade",
                worse,
                better,
                lambda s, n=name, g=worse: s.with_source(n, grade=g),
                lambda s, n=name, g=better: s.with_source(n, grade=g),
            )
        elif source.true_positive is not None:
            tp = source.true_positive

            def rate(delta: float, n: str = name, tp: Any = tp) -> Edit:
                mean = float(np.clip(tp.mean + delta, 0.01, 0.99))
                return lambda s: s.with_source(n, true_positive={**_dump(tp), "mean": mean})

            yield (
                "source",
                name,
                "true-positive rate",
                f"{tp.mean - 0.1:.2f}",
                f"{tp.mean + 0.1:.2f}",
                rate(-0.1),
                rate(0.1),
            )


def sensitivity(scenario: Scenario, target: tuple[str, str] | str | None = None) -> pd.DataFrame:
    """Tornado table: how far each prior, claim and source moves one scenario probability.

    Parameters
    ----------
    scenario : Scenario
    target : (outcome, state) or outcome, optional
        The probability to watch (default: the most likely state of the first outcome).

    Returns
    -------
    pandas.DataFrame
        One row per input, largest ``swing`` first: ``kind`` (prior, claim, source),
        ``name``, ``parameter``, ``low``/``high`` (the input's two settings), ``p_low`` /
        ``p_high`` (the target probability at each) and ``swing`` (their absolute
        difference). ``attrs`` hold the target and its current probability.

    Examples
    --------
    >>> sensitivity(scenario, ("mutiny_end", "suppressed")).head()  # doctest: +SKIP
    """
    outcome, state = _target(scenario, target)

    def prob(s: Scenario) -> float:
        return float(s.update(intervals=False).scenarios.loc[(outcome, state), "probability"])

    # a prior moved on its own is what the slider engine is for: one small product each
    fast = Interactive(scenario)

    def prob_with(name: str, prior: dict) -> float:
        return float(fast.set_prior(name, prior).loc[(outcome, state), "probability"])

    rows = []
    for name, param, lo_l, hi_l, lo, hi in _prior_edits(scenario):
        p_lo, p_hi = prob_with(name, lo), prob_with(name, hi)
        fast.set_prior(name, scenario.nodes[name].prior)
        rows.append(("prior", name, param, lo_l, hi_l, p_lo, p_hi))
    for kind, name, param, lo_l, hi_l, lo, hi in _evidence_edits(scenario):
        rows.append((kind, name, param, lo_l, hi_l, prob(lo(scenario)), prob(hi(scenario))))
    cols = ["kind", "name", "parameter", "low", "high", "p_low", "p_high"]
    table = pd.DataFrame(rows, columns=cols)
    table["swing"] = (table["p_high"] - table["p_low"]).abs()
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs.update(target=(outcome, state), probability=prob(scenario))
    return table


def power_scaling(
    scenario: Scenario,
    target: tuple[str, str] | str | None = None,
    alphas: tuple[float, ...] = (0.5, 0.8, 1.0, 1.25, 2.0),
) -> pd.DataFrame:
    """Prior versus evidence: the target probability with the prior or the claims powered.

    The prior (every table and quadrature weight) or the claims' likelihoods are raised to
    the power ``alpha``; the slope of the target against ``log2(alpha)`` says how much
    each drives the answer (Kallioinen et al., 2024, "Detecting and diagnosing prior and
    likelihood sensitivity with power-scaling").

    Returns
    -------
    pandas.DataFrame
        Index ``alpha``; columns ``prior_scaled`` and ``evidence_scaled``. ``attrs`` hold
        ``prior_slope``, ``evidence_slope`` (change per doubling) and ``prior_share``
        (``|prior_slope| / (|prior_slope| + |evidence_slope|)``).
    """
    outcome, state = _target(scenario, target)
    index = scenario.outcomes[outcome].state_names.index(state)
    rows = []
    for a in alphas:
        prior = Query(scenario, prior_power=a).joint([outcome])[index]
        evidence = Query(scenario, evidence_power=a).joint([outcome])[index]
        rows.append((a, float(prior), float(evidence)))
    table = pd.DataFrame(rows, columns=["alpha", "prior_scaled", "evidence_scaled"]).set_index(
        "alpha"
    )
    x = np.log2(table.index.to_numpy(dtype=float))
    slope_p = float(np.polyfit(x, table["prior_scaled"], 1)[0])
    slope_e = float(np.polyfit(x, table["evidence_scaled"], 1)[0])
    total = abs(slope_p) + abs(slope_e)
    table.attrs.update(
        target=(outcome, state),
        prior_slope=slope_p,
        evidence_slope=slope_e,
        prior_share=abs(slope_p) / total if total > 0 else float("nan"),
    )
    return table

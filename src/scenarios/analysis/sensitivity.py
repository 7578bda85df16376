"""Sensitivity: which prior, which report, which source moves a scenario probability most.

Every input is moved across a plausible range and the target probability recomputed with
the exact engine:

- a probability ``p`` (or a state's share, a table row, an anchor case of a link): its
  Beta 5%-95% interval when it has a ``concentration``, else odds multiplied and divided
  by e;
- a link written as a logit: as the anchor cases it implies
  (:func:`scenarios.spec.links.anchors_from_logit`), never its coefficients;
- an uncertain link (anchor cases with a concentration, or coefficients with an ``sd``):
  one row, the link as one judgement (:func:`link_swing`);
- a continuous fact's 90% range: scaled by 0.8 and 1.25 (positive facts) or shifted by
  half its width; the same for each row of a continuous fact with discrete parents (its
  range in that case of the parents);
- a derived fact and a threshold node: nothing by default (their formula and their lines
  define the question); with ``definitions=True`` each line moved by a tenth of its
  quantity's 90% prior range and each number of a formula scaled by 0.8 and 1.25;
- a claim: left out (with the denials, disputes and retraction it carries) versus taken
  at full weight (``w = 1``: unhedged, the source's full likelihood ratio ``t/f``; for an
  unhedged claim this is the claim as given);
- a source: one Admiralty letter better and worse (explicit rates: mean ± 0.1).

:func:`power_scaling` adds the prior's share of the answer against the evidence's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from scenarios.engines.exact import Query, point_marginals
from scenarios.engines.fast import Interactive
from scenarios.errors import ScenarioError
from scenarios.spec import dependent, elicit, links
from scenarios.spec.expressions import with_constant
from scenarios.spec.overrides import rescaled, set_field
from scenarios.spec.priors import (
    AnchorPrior,
    ContinuousTablePrior,
    DerivedPrior,
    DistributionPrior,
    LogitPrior,
    Probabilities,
    QuantilePrior,
    RangePrior,
    TablePrior,
    ThresholdPrior,
)
from scenarios.spec.propositions import format_number, with_threshold
from scenarios.spec.scenario import Scenario

__all__ = [
    "PowerScaling",
    "Sensitivity",
    "link_swing",
    "power_scaling",
    "range_label",
    "sensitivity",
]

LETTERS = "ABCDE"
Edit = Callable[[Scenario], Scenario]


def _target(scenario: Scenario, target: tuple[str, str] | str | None) -> tuple[str, str]:
    if isinstance(target, tuple):
        outcome, state = target
    else:
        outcome = target or next(iter(scenario.outcomes))
        if outcome not in scenario.outcomes:
            raise KeyError(f"no outcome {outcome!r}; outcomes are {list(scenario.outcomes)}")
        states = scenario.outcomes[outcome].state_names
        point = point_marginals(scenario, [outcome])
        if point is None:  # sampled, or impossible claims: the update says which
            probs = scenario.update(intervals=False).scenarios.loc[outcome, "probability"]
            state = str(probs.idxmax())
        else:
            state = states[int(np.argmax(point[outcome]))]
    if outcome not in scenario.outcomes or state not in scenario.outcomes[outcome].state_names:
        raise KeyError(f"no outcome state {(outcome, state)!r}")
    return outcome, state


def _p_range(p: float, concentration: float | None) -> tuple[float, float]:
    if concentration is not None and 0 < p < 1:
        # the class's ppf, not a frozen distribution's (the same numbers; freezing builds
        # its docstring, ~1 ms a call)
        lo, hi = stats.beta.ppf([0.05, 0.95], p * concentration, (1 - p) * concentration)
        return float(lo), float(hi)
    q = float(np.clip(p, 1e-6, 1 - 1e-6))
    return float(expit(logit(q) - 1)), float(expit(logit(q) + 1))


class PriorEdit(NamedTuple):
    """One prior input of the tornado: its two settings, as whole priors."""

    node: str
    parameter: str
    low_label: str
    high_label: str
    low: dict[str, Any]
    high: dict[str, Any]


def _row_edits(
    prior: Any,
    at: tuple[str | int, ...],
    row: Any,
    states: tuple[str, ...],
    concentration: float | None,
) -> Iterator[tuple[str, str, str, dict, dict]]:
    """(parameter, low label, high label, low prior, high prior) of the row at ``at``."""
    conc = row.concentration or concentration
    if row.p is not None:
        lo, hi = _p_range(row.p, conc)
        low, high = (set_field(prior, (*at, "p"), v) for v in (lo, hi))
        yield "p", f"{lo:.3f}", f"{hi:.3f}", low, high
        return
    for state in states:
        lo, hi = _p_range(row.probs[state], conc)
        low, high = (
            set_field(prior, (*at, "probs"), rescaled(row.probs, state, v)) for v in (lo, hi)
        )
        yield f"P({state})", f"{lo:.3f}", f"{hi:.3f}", low, high


def _prior_edits(scenario: Scenario, definitions: bool = False) -> Iterator[PriorEdit]:
    for name, node in scenario.nodes.items():
        prior = node.prior
        states = node.state_names
        if isinstance(prior, Probabilities):
            for edit in _row_edits(prior, (), prior, states, None):
                yield PriorEdit(name, *edit)
        elif isinstance(prior, TablePrior):
            for i, row in enumerate(prior.table):
                when = ", ".join(f"{k}={v}" for k, v in row.when.items())
                for param, *rest in _row_edits(
                    prior, ("table", i), row, states, prior.concentration
                ):
                    yield PriorEdit(name, f"{param} | {when}", *rest)
            if prior.default is not None:
                for param, *rest in _row_edits(
                    prior, ("default",), prior.default, states, prior.concentration
                ):
                    yield PriorEdit(name, f"{param} | other rows", *rest)
        elif isinstance(prior, AnchorPrior | LogitPrior):
            ctx = links.link_context(scenario.nodes, name)
            if links.link_distribution(prior, ctx)[1] is None:  # uncertain: link_swing
                yield from _anchor_edits(scenario, name, prior)
        elif isinstance(prior, RangePrior | QuantilePrior | DistributionPrior):
            yield _range_edit(scenario, name)
        elif isinstance(prior, ContinuousTablePrior):
            for i, crow in enumerate(prior.table):
                when = ", ".join(f"{k}={v}" for k, v in crow.when.items())
                yield _range_edit(scenario, name, ("table", i), f"90% range | {when}")
            if prior.default is not None:
                yield _range_edit(scenario, name, ("default",), "90% range | other rows")
        if definitions and isinstance(prior, ThresholdPrior):
            yield from _threshold_edits(scenario, name, prior)
        if definitions and isinstance(prior, DerivedPrior):
            yield from _constant_edits(name, prior)


def range_label(lower: float, upper: float) -> str:
    """A range as a tornado row writes it: to two digits of its width, ``-4.9 to 0``.

    Parameters
    ----------
    lower, upper : float

    Returns
    -------
    str

    Examples
    --------
    >>> range_label(41.04, 49.97), range_label(-4.934, -4.4e-16), range_label(0.0012, 0.0031)
    ('41 to 50', '-4.9 to 0', '0.0012 to 0.0031')
    """
    width = abs(upper - lower)
    digits = 1 - int(np.floor(np.log10(width))) if width > 0 else 3
    shown = [round(v, max(digits, 0)) + 0.0 for v in (lower, upper)]  # + 0.0: no "-0"
    return " to ".join(f"{v:.{max(digits, 0)}f}".rstrip("0").rstrip(".") if digits > 0
                       else f"{v:.0f}" for v in shown)  # fmt: skip


#: How far a threshold moves when definitions are weighed: this share of the 90% prior
#: range of the quantity it is drawn on, each way.
THRESHOLD_SHIFT = 0.1


def _threshold_edits(scenario: Scenario, name: str, prior: ThresholdPrior) -> Iterator[PriorEdit]:
    """Each line a threshold node draws, moved a tenth of its quantity's 90% range each way."""
    for place in dependent.threshold_places(prior):
        text = prior.when if place.path == ("when",) else prior.cases[place.state]  # type: ignore[index]
        q05, q95 = dependent.prior_quantiles(place.fact, scenario.nodes, [0.05, 0.95])
        shift = float(f"{THRESHOLD_SHIFT * float(q95 - q05):.2g}")
        low, high = place.value - shift, place.value + shift
        yield PriorEdit(
            name,
            f"line {place.fact} {place.op} {format_number(place.value)}",
            f"{low:.4g}",
            f"{high:.4g}",
            *(
                set_field(prior, place.path, with_threshold(text, place.index, v))
                for v in (low, high)
            ),
        )


def _constant_edits(name: str, prior: DerivedPrior) -> Iterator[PriorEdit]:
    """Each number of a derived fact's formula scaled by 0.8 and 1.25 (0 is left alone)."""
    for i, (value, _, _) in enumerate(prior.expression.constants()):
        if value == 0:
            continue
        low, high = sorted((value * 0.8, value * 1.25))
        yield PriorEdit(
            name,
            f"number {format_number(value)} in {prior.expression.text}",
            f"{low:.4g}",
            f"{high:.4g}",
            *({"derived": with_constant(prior.derived, i, v)} for v in (low, high)),
        )


def _range_edit(
    scenario: Scenario, name: str, at: tuple[str | int, ...] = (), parameter: str = "90% range"
) -> PriorEdit:
    """A continuous fact's 90% range scaled by 0.8 and 1.25, or shifted by half its width.

    ``at`` locates a row of a continuous table (``("table", i)``, ``("default",)``): that
    row's range is moved, its ``when`` kept; ``()`` is the fact's own prior.
    """
    fact = scenario.facts[name]
    row: Any = None
    if at:
        prior = fact.prior
        row = prior.table[int(at[1])] if at[0] == "table" else prior.default
        fact = fact.model_copy(update={"prior": row.prior})
    d = elicit.distribution(fact)
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

    def ranged(b: tuple[float, float]) -> dict[str, Any]:
        whole: dict[str, Any] = {"between": list(b), "mass": 0.9}
        if family:
            whole["family"] = family
        if at and getattr(row, "when", None) is not None:
            whole = {"when": dict(row.when), **whole}
        return set_field(scenario.facts[name].prior, at, whole)

    return PriorEdit(
        name,
        parameter,
        range_label(*low),
        range_label(*high),
        ranged(low),
        ranged(high),
    )


def _anchor_edits(
    scenario: Scenario, name: str, prior: AnchorPrior | LogitPrior
) -> Iterator[PriorEdit]:
    """Each anchor case's probabilities, as a table row's (a logit link as its anchor cases)."""
    if isinstance(prior, LogitPrior):
        try:
            prior = links.anchors_from_logit(prior, links.link_context(scenario.nodes, name))
        except (ScenarioError, ValueError):
            return  # no anchor cases to move (below)
        cases = [a.probs.values() if a.probs is not None else [a.p] for a in prior.anchors]
        if not all(0.0 < p < 1.0 for probs in cases for p in probs):
            # a link whose cases reach 0 or 1 in floating point (Ever Given's banding of
            # refloat days, 1e-23) has no anchor cases to move: left out of the tornado
            return
    states = scenario.nodes[name].state_names
    for i, anchor in enumerate(prior.anchors):
        when = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in anchor.when.items()) or "baseline"  # fmt: skip
        for param, *rest in _row_edits(prior, ("anchors", i), anchor, states, prior.concentration):
            yield PriorEdit(name, f"{param} | {when}", *rest)


#: How far a link's coefficients swing: to the 5% and 95% points of the target (z).
LINK_SWING_Z = 1.6448536269514722


def link_swing(
    scenario: Scenario, name: str, prob_with: Callable[[str, Any], float]
) -> tuple[str, str, str, float, float] | None:
    """An uncertain link as one input: its coefficients swung together, along their spread.

    A link's coefficients are one judgement (how the node depends on its parents), so
    they move together, not one at a time. Linearise the target in the coefficients
    ``beta`` at their means (gradient ``g``, by finite differences); over the
    coefficients' Normal prior (covariance ``S``) the target then has sd
    ``s = sqrt(g' S g)``, and its 5% and 95% points are reached, most probably, at
    ``beta = mean -/+ 1.645 S g / s`` (the conditional mean of ``beta`` given the
    linearised target there). The row gives the target with the link fixed at those two
    settings: how much the answer rests on how sure the forecaster is of this link.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A discrete fact or outcome.
    prob_with : callable
        ``prob_with(name, prior)``: the target with ``name``'s prior replaced.

    Returns
    -------
    tuple or None
        ``(parameter, low label, high label, p_low, p_high)``, or ``None`` when the
        node's link is not uncertain.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.loads('''
    ... title: Coin
    ... facts: {biased: {kind: binary, prior: {p: 0.3}}}
    ... outcomes: {heads: {kind: binary, exhaustive: yes or no, prior: {logit: {
    ...   intercept: 0, intercept_sd: 0.5,
    ...   terms: [{fact: biased, state: true, coef: 2, sd: 1}]}}}}
    ... ''')
    >>> row = sensitivity(s, ("heads", "true")).table.query("name == 'heads'")
    >>> len(row), row["parameter"].iloc[0], row["low"].iloc[0]
    (1, 'how sure of its link to biased', '5%')
    """
    node = scenario.nodes[name]
    prior = node.prior
    if not isinstance(prior, AnchorPrior | LogitPrior):
        return None
    states = node.state_names
    link, cov = links.link_distribution(prior, links.link_context(scenario.nodes, name))
    if cov is None:
        return None
    link_at = links.link_at
    mean = links.link_vector(link, states)
    base = prob_with(name, link_at(link, mean, states))
    h = 1e-5
    grad = np.zeros(mean.size)
    for i in np.flatnonzero(np.diag(cov) > 0):
        step = mean.copy()
        step[i] += h
        grad[i] = (prob_with(name, link_at(link, step, states)) - base) / h
    spread = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    direction = cov @ grad / spread if spread > 0 else np.zeros(mean.size)
    low, high = (
        prob_with(name, link_at(link, mean + sign * LINK_SWING_Z * direction, states))
        for sign in (-1.0, 1.0)
    )
    parents = ", ".join(dict.fromkeys(t.fact for t in link.terms)) or "nothing"
    return f"how sure of its link to {parents}", "5%", "95%", low, high


class EvidenceEdit(NamedTuple):
    """One claim or source input of the tornado: its two settings, as scenario edits."""

    kind: str
    name: str
    parameter: str
    low_label: str
    high_label: str
    low: Edit
    high: Edit


def _evidence_edits(scenario: Scenario) -> Iterator[EvidenceEdit]:
    for claim in scenario.claims:
        if claim.status == "confirmed" or claim.via is not None:
            continue  # hard evidence; a relay (it adds nothing of its own)
        cid = claim.id
        yield EvidenceEdit(
            "claim",
            cid,
            "weight",
            "0 (left out)",
            "1 (full)",
            lambda s, cid=cid: s.without_claim(cid),
            lambda s, cid=cid: s.with_claim_changed(cid, weight=1.0),
        )
        rep = claim.reported
        if rep is not None and rep.ascertainment is not None:
            # the ascertainment rate is one judgement: fixed at its 5% and 95% values
            low, high = _p_range(rep.ascertainment.mean, rep.ascertainment.concentration)

            def fixed(v: float, cid: str = cid, rep: Any = rep) -> Edit:
                moved = set_field(rep, ("ascertainment",), {"mean": v})
                return lambda s: s.with_claim_changed(cid, reported=moved)

            yield EvidenceEdit(
                "claim",
                cid,
                "ascertainment",
                f"{low:.2f}",
                f"{high:.2f}",
                fixed(low),
                fixed(high),
            )
    for name, source in scenario.sources.items():
        if source.true_positive is None and source.grade is not None:
            i = LETTERS.find(source.grade)
            if i < 0:  # F: cannot be judged; compare the ends of the scale
                better, worse = "B", "E"
            else:
                better, worse = LETTERS[max(i - 1, 0)], LETTERS[min(i + 1, len(LETTERS) - 1)]
            yield EvidenceEdit(
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
                moved = set_field(tp, ("mean",), float(np.clip(tp.mean + delta, 0.01, 0.99)))
                return lambda s: s.with_source(n, true_positive=moved)

            yield EvidenceEdit(
                "source",
                name,
                "true-positive rate",
                f"{tp.mean - 0.1:.2f}",
                f"{tp.mean + 0.1:.2f}",
                rate(-0.1),
                rate(0.1),
            )


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """A tornado table and the probability it watched.

    Attributes
    ----------
    target : (str, str)
        The (outcome, state) watched.
    probability : float
        Its probability with every input as in the scenario.
    table : pandas.DataFrame
        One row per input, largest ``swing`` first: ``kind`` (prior, claim, source),
        ``name``, ``parameter``, ``low``/``high`` (the input's two settings), ``p_low`` /
        ``p_high`` (the target probability at each) and ``swing`` (their absolute
        difference).
    """

    target: tuple[str, str]
    probability: float
    table: pd.DataFrame


def sensitivity(
    scenario: Scenario,
    target: tuple[str, str] | str | None = None,
    definitions: bool = False,
) -> Sensitivity:
    """Tornado table: how far each prior, claim and source moves one scenario probability.

    Parameters
    ----------
    scenario : Scenario
    target : (outcome, state) or outcome, optional
        The probability to watch (default: the most likely state of the first outcome).
    definitions : bool
        Also move the numbers that define a quantity or an outcome rather than judge it:
        each line a threshold node draws (``trump_share > 50``), by a tenth of its
        quantity's 90% prior range each way, and each number in a derived fact's
        formula, scaled by 0.8 and 1.25. Off by default: they say what is asked (who
        wins is who has more than half), not what the forecaster believes, and the
        swing of a line mostly measures how much probability lies near it.

    Returns
    -------
    Sensitivity
        The target, its probability now, and one row per input, largest swing first.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.loads('''
    ... title: Coin
    ... facts: {biased: {kind: binary, prior: {p: 0.3}}}
    ... outcomes: {heads: {kind: binary, exhaustive: yes or no,
    ...            prior: {given: [biased], table: [{when: {biased: true}, p: 0.9},
    ...                                            {when: {biased: false}, p: 0.5}]}}}
    ... ''')
    >>> sens = sensitivity(s, ("heads", "true"))
    >>> sens.target, round(sens.probability, 3)
    (('heads', 'true'), 0.62)
    >>> sens.table[["name", "parameter", "low", "high"]].iloc[0].tolist()
    ['heads', 'p | biased=false', '0.269', '0.731']
    """
    outcome, state = _target(scenario, target)

    index = scenario.outcomes[outcome].state_names.index(state)

    def prob(s: Scenario) -> float:
        # the point answer alone (no tables, priors or summaries); a whole update where
        # the exact engine samples, or to name the claims in conflict
        point = point_marginals(s, [outcome])
        if point is not None:
            return float(point[outcome][index])
        return float(s.update(intervals=False).scenarios.loc[(outcome, state), "probability"])

    # a prior moved on its own is what the slider engine is for: one small product each
    fast = Interactive(scenario)

    row = list(fast.table().index).index((outcome, state))

    def prob_with(name: str, prior: dict) -> float:
        # the engine keeps the scenario's own prior: no edit back after each setting
        return float(fast.try_prior(name, prior)[row])

    rows = []
    for e in _prior_edits(scenario, definitions):
        try:
            p_lo, p_hi = prob_with(e.node, e.low), prob_with(e.node, e.high)
        except ScenarioError:
            # a setting that is no probability in floating point (a case of 1e-23 moved
            # by odds x e leaves its other states at 1.0): nothing to show for it
            continue
        rows.append(("prior", e.node, e.parameter, e.low_label, e.high_label, p_lo, p_hi))
    for name in scenario.nodes:  # an uncertain link is one judgement, one row
        swing = link_swing(scenario, name, prob_with)
        if swing is not None:
            rows.append(("prior", name, *swing))
    for e in _evidence_edits(scenario):
        p_lo, p_hi = prob(e.low(scenario)), prob(e.high(scenario))
        rows.append((e.kind, e.name, e.parameter, e.low_label, e.high_label, p_lo, p_hi))
    cols = ["kind", "name", "parameter", "low", "high", "p_low", "p_high"]
    table = pd.DataFrame(rows, columns=cols)
    table["swing"] = (table["p_high"] - table["p_low"]).abs()
    table = table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return Sensitivity(target=(outcome, state), probability=prob(scenario), table=table)


@dataclass(frozen=True, eq=False)
class PowerScaling:
    """How much the prior and the claims each drive one scenario probability.

    Attributes
    ----------
    target : (str, str)
        The (outcome, state) watched.
    table : pandas.DataFrame
        Index ``alpha``; columns ``prior_scaled`` and ``evidence_scaled``: the target
        with the prior, or the claims, raised to the power ``alpha``.
    prior_slope, evidence_slope : float
        Change of the target per doubling of ``alpha`` (least squares over
        ``log2(alpha)``).
    prior_share : float
        ``|prior_slope| / (|prior_slope| + |evidence_slope|)``; NaN when both are 0.
    """

    target: tuple[str, str]
    table: pd.DataFrame
    prior_slope: float
    evidence_slope: float
    prior_share: float


def power_scaling(
    scenario: Scenario,
    target: tuple[str, str] | str | None = None,
    alphas: tuple[float, ...] = (0.5, 0.8, 1.0, 1.25, 2.0),
) -> PowerScaling:
    """Prior versus evidence: the target probability with the prior or the claims powered.

    The prior (every table and quadrature weight) or the claims' likelihoods are raised to
    the power ``alpha``; the slope of the target against ``log2(alpha)`` says how much
    each drives the answer (Kallioinen et al., 2024, "Detecting and diagnosing prior and
    likelihood sensitivity with power-scaling").

    Parameters
    ----------
    scenario : Scenario
    target : (outcome, state) or outcome, optional
        The probability to watch (default: the most likely state of the first outcome).
    alphas : tuple of float
        Powers to try (1 is the model as written).

    Returns
    -------
    PowerScaling
        The table over ``alphas``, both slopes and the prior's share.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> power = power_scaling(s, ("mutiny_end", "suppressed"))
    >>> power.table.index.tolist()
    [0.5, 0.8, 1.0, 1.25, 2.0]
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
    return PowerScaling(
        target=(outcome, state),
        table=table,
        prior_slope=slope_p,
        evidence_slope=slope_e,
        prior_share=abs(slope_p) / total if total > 0 else float("nan"),
    )

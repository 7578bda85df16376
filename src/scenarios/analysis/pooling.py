"""Pooling several forecasters' priors files into one scenario.

Linear pooling averages probabilities (``sum_i w_i p_i``); logarithmic pooling takes
the normalised weighted geometric mean (``prod_i p_i^w_i``). Discrete priors are pooled
row by row over their conditional tables; logit links pool exactly under the
logarithmic rule (their log-odds average); continuous priors are pooled numerically and
refitted through their 5%, 50% and 95% quantiles. Priors that all forecasters share are
kept as written, so pooling identical files returns that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from scipy import integrate

from scenarios.engines.parameters import mean_table
from scenarios.errors import ScenarioError
from scenarios.posterior import scenario_hash
from scenarios.spec import elicit, links
from scenarios.spec.claims import Source
from scenarios.spec.priors import AnchorPrior, LogitPrior, Probabilities, TablePrior
from scenarios.spec.scenario import Scenario

__all__ = ["pool"]

Method = Literal["linear", "log"]


def _weights(n: int, weights: Sequence[float] | None) -> np.ndarray:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(f"expected {n} non-negative weights, got {weights!r}")
    return w / w.sum()


def _combine(p: np.ndarray, w: np.ndarray, method: Method) -> np.ndarray:
    # p: (forecasters, ..., states)
    if method == "linear":
        out = np.tensordot(w, p, axes=1)
    else:
        with np.errstate(divide="ignore"):
            out = np.exp(np.tensordot(w, np.log(p), axes=1))
    total = out.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise ValueError("logarithmic pooling of rows that share no possible state")
    return out / total


def _pool_table(name: str, members: list[Scenario], w: np.ndarray, method: Method) -> dict:
    given: list[str] = []
    for s in members:
        given.extend(g for g in s.nodes[name].parents if g not in given)
    states = {n: members[0].nodes[n].state_names for n in (*given, name)}
    shape = [len(states[g]) for g in given]
    tables = [mean_table(s, name, given) for s in members]
    pooled = _combine(np.stack(tables), w, method)
    concentrations = [_concentration(s.nodes[name].prior) for s in members]
    conc = float(np.dot(w, concentrations)) if all(c is not None for c in concentrations) else None
    kind = members[0].nodes[name].kind

    def row(v: np.ndarray) -> dict[str, Any]:
        if kind == "binary":
            return {"p": float(v[1])}
        return {"probs": {st: float(x) for st, x in zip(states[name], v, strict=True)}}

    extra = {"concentration": conc} if conc is not None else {}
    if not given:
        return {**row(pooled), **extra}
    rows = []
    for combo in np.ndindex(*shape):
        when = {g: states[g][i] for g, i in zip(given, combo, strict=True)}
        rows.append({"when": when, **row(pooled[combo])})
    return {"given": given, "table": rows, **extra}


def _concentration(prior: Any) -> float | None:
    return getattr(prior, "concentration", None)


def _pool_logit(name: str, priors: list[LogitPrior], w: np.ndarray, method: Method) -> dict:
    if method != "log":
        raise ScenarioError.single(
            ("facts", name, "prior"),
            "forecasters give different links (anchor cases or logit): pool them with "
            "method='log' (exact: the geometric mean of their probabilities, renormalised), or "
            "write the links as tables",
        )

    def as_map(value: Any) -> dict[str, float]:
        return dict(value) if isinstance(value, dict) else {"__binary__": float(value)}

    def back(m: dict[str, float]) -> Any:
        return m["__binary__"] if set(m) == {"__binary__"} else m

    def weighted(values: list[Any]) -> Any:
        keys: list[str] = []
        for v in values:
            keys.extend(k for k in as_map(v) if k not in keys)
        return back(
            {
                k: float(sum(wi * as_map(v).get(k, 0.0) for wi, v in zip(w, values, strict=True)))
                for k in keys
            }
        )

    intercept = weighted([p.logit.intercept for p in priors])
    terms: dict[tuple, list[Any]] = {}
    for i, p in enumerate(priors):
        for t in p.logit.terms:
            key = (t.fact, t.state, t.center, t.scale)
            terms.setdefault(key, [0.0] * len(priors))[i] = t.coef
    out_terms = []
    for (fact, state, center, scale), coefs in terms.items():
        term: dict[str, Any] = {"fact": fact, "coef": weighted(coefs)}
        for k, v in (("state", state), ("center", center), ("scale", scale)):
            if v is not None:
                term[k] = v
        out_terms.append(term)
    return {"logit": {"intercept": intercept, "terms": out_terms}}


def _pool_continuous(name: str, members: list[Scenario], w: np.ndarray, method: Method) -> dict:
    dists = [elicit.distribution(s.facts[name]).dist for s in members]
    lo = min(float(d.ppf(1e-4)) for d in dists)
    hi = max(float(d.ppf(1 - 1e-4)) for d in dists)
    x = np.linspace(lo, hi, 4001)
    if method == "linear":
        cdf = sum(wi * d.cdf(x) for wi, d in zip(w, dists, strict=True))
    else:
        with np.errstate(divide="ignore"):
            logpdf = sum(wi * d.logpdf(x) for wi, d in zip(w, dists, strict=True))
        dens = np.exp(logpdf - logpdf.max())
        cdf = integrate.cumulative_trapezoid(dens, x, initial=0.0)
        cdf = cdf / cdf[-1]
    qs = (0.05, 0.5, 0.95)
    values = np.interp(qs, cdf, x)
    family = elicit.default_family(members[0].facts[name])
    return {"quantiles": {q: float(v) for q, v in zip(qs, values, strict=True)}, "family": family}


def _same(items: list[Any]) -> bool:
    return all(item == items[0] for item in items[1:])


def pool(
    scenarios: Sequence[Scenario],
    weights: Sequence[float] | None = None,
    method: Method = "linear",
    title: str | None = None,
) -> Scenario:
    """Pool forecasters' scenarios (same facts, states and outcomes) into one.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The forecasters' files, loaded.
    weights : sequence of float, optional
        One non-negative weight per forecaster (default: equal).
    method : {"linear", "log"}
    title : str, optional

    Returns
    -------
    Scenario
        Pooled priors; claims and sources are the union (a claim id shared by several files
        must be the same claim; a source graded differently gets the weighted mean of its
        rates).

    Raises
    ------
    ScenarioError
        If the files do not describe the same facts and outcomes.

    Examples
    --------
    >>> import scenarios
    >>> alice = scenarios.load(scenarios.default_priors())
    >>> bob = alice.with_prior("army_strikes", {"p": 0.6})
    >>> round(pool([alice, bob], weights=[2, 1]).facts["army_strikes"].prior.p, 12)
    0.4
    """
    members = list(scenarios)
    if not members:
        raise ValueError("pool needs at least one scenario")
    if method not in ("linear", "log"):
        raise ValueError(f"method must be 'linear' or 'log', got {method!r}")
    w = _weights(len(members), weights)
    first = members[0]
    problems = []
    for i, s in enumerate(members[1:], start=1):
        for group in ("facts", "outcomes"):
            a, b = getattr(first, group), getattr(s, group)
            if set(a) != set(b):
                problems.append(f"scenario {i} has {group} {sorted(b)}, scenario 0 has {sorted(a)}")
                continue
            for name in a:
                if (a[name].kind, a[name].state_names) != (b[name].kind, b[name].state_names):
                    problems.append(f"{group}.{name}: kind or states differ in scenario {i}")
        if s.reliability != first.reliability:
            problems.append(f"scenario {i} overrides the reliability tables differently")
    if problems:
        raise ValueError("cannot pool: " + "; ".join(problems))

    def pooled_nodes(group: str) -> dict[str, Any]:
        out = {}
        for name, node in getattr(first, group).items():
            priors = [getattr(s, group)[name].prior for s in members]
            if _same(priors):
                out[name] = node
                continue
            if any(isinstance(p, AnchorPrior) for p in priors):
                # anchor cases pool as the links fitted to them (the log rule is exact)
                priors = [
                    links.point_prior(p, links.link_context(s.nodes, name))
                    for p, s in zip(priors, members, strict=True)
                ]
            if not node.is_discrete:
                prior = _pool_continuous(name, members, w, method)
            elif all(isinstance(p, Probabilities | TablePrior) for p in priors):
                prior = _pool_table(name, members, w, method)
            elif all(isinstance(p, LogitPrior) for p in priors):
                prior = _pool_logit(name, priors, w, method)  # type: ignore[arg-type]
            else:
                raise ValueError(
                    f"cannot pool {group}.{name}: forecasters mix links and "
                    "tables; write them the same way"
                )
            reasoning = f"pooled ({method}) from {len(members)} forecasters"
            # plain data: validated with the whole pooled scenario by ``replace`` below
            out[name] = {
                **node.model_dump(exclude_none=True),
                "prior": prior,
                "reasoning": reasoning,
            }
        return out

    sources: dict[str, Any] = {}
    for name in dict.fromkeys(n for s in members for n in s.sources):
        have = [
            (wi, s.sources[name]) for wi, s in zip(w, members, strict=True) if name in s.sources
        ]
        if _same([src for _, src in have]):
            sources[name] = have[0][1]
        else:
            sources[name] = _pool_source(name, have, first)
    claims: dict[str, Any] = {}
    for s in members:
        for c in s.claims:
            if c.id in claims and claims[c.id] != c:
                raise ValueError(
                    f"claim {c.id!r} differs between the files: give the claims "
                    "distinct ids or make them the same"
                )
            claims.setdefault(c.id, c)
    hashes = ", ".join(scenario_hash(s)[:12] for s in members)
    description = (
        f"{method} pool of {len(members)} scenarios ({hashes}) with weights "
        f"{[round(float(x), 4) for x in w]}"
    )
    return first.replace(
        title=title or f"Pool of {len(members)}: {first.title}",
        description=description,
        facts=pooled_nodes("facts"),
        outcomes=pooled_nodes("outcomes"),
        sources=sources,
        claims=tuple(claims.values()),
    )


def _pool_source(name: str, have: list, first: Scenario) -> Any:
    total = sum(wi for wi, _ in have)
    rates = {}
    for field in ("true_positive", "false_positive"):
        means, concs = [], []
        for _, src in have:
            rate = getattr(src, field) or getattr(first.reliability.grade_rates(src.grade), field)
            means.append(rate.mean)
            concs.append(rate.concentration or 0.0)
        ws = [wi / total for wi, _ in have]
        rates[field] = {
            "mean": float(np.dot(ws, means)),
            "concentration": float(np.dot(ws, concs)) or None,
        }
    return Source(
        name=have[0][1].name,
        true_positive=rates["true_positive"],
        false_positive=rates["false_positive"],
        note=f"pooled from {len(have)} forecasters' grades",
    )

"""Facts that depend on other facts: distributions per parent state, expressions, thresholds.

What the spec can say about them without a network: each row's distribution
(:func:`row_distributions`), a reference distribution laying quadrature nodes and
scaling reported numbers (:func:`reference`: the equal-weight :class:`Mixture` of a
table's rows), the range of values an expression can take (:func:`value_range`), and
the problems of a file that uses them (:func:`check_dependent`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import product
from typing import Any, NamedTuple

import numpy as np
from scipy import special

from scenarios.errors import Problem
from scenarios.spec import elicit
from scenarios.spec.nodes import Fact, Node
from scenarios.spec.priors import (
    CONTINUOUS_PRIORS,
    OTHERWISE,
    ContinuousTablePrior,
    DerivedPrior,
    ThresholdPrior,
)
from scenarios.spec.propositions import parse_proposition, state_matches, thresholds

__all__ = [
    "DERIVED_GRID",
    "Mixture",
    "ThresholdPlace",
    "check_dependent",
    "derived_sample",
    "is_positive_fact",
    "number_noise_of",
    "prior_quantiles",
    "reference",
    "row_distributions",
    "standardiser_of",
    "threshold_places",
    "value_range",
]

#: Probability levels per input used to describe a derived fact's prior without a
#: network (its noise scale for reported numbers, its default logit scale).
DERIVED_GRID = 64


class Mixture:
    """A finite mixture of scipy distributions with the methods quadrature needs.

    ``cdf``, ``sf``, ``pdf``, ``logpdf``, ``ppf``, ``isf`` (by bisection between the
    components' quantiles, from the nearer tail), ``support``, ``mean``, ``std``, ``rvs``.

    Parameters
    ----------
    components : sequence of scipy frozen distributions
    weights : sequence of float
        Summing to one.

    Examples
    --------
    >>> from scipy import stats
    >>> m = Mixture([stats.norm(0, 1), stats.norm(4, 1)], [0.5, 0.5])
    >>> round(float(m.ppf(0.5)), 12), round(float(m.mean()), 12)
    (2.0, 2.0)
    """

    def __init__(self, components: Iterable[Any], weights: Iterable[float]) -> None:
        self.components = tuple(components)
        self.weights = np.asarray(list(weights), dtype=float)

    def _sum(self, method: str, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return sum(
            (w * np.asarray(getattr(c, method)(x), dtype=float))
            for c, w in zip(self.components, self.weights, strict=True)
        )

    def cdf(self, x: Any) -> np.ndarray:
        """Cumulative distribution function."""
        return self._sum("cdf", x)

    def sf(self, x: Any) -> np.ndarray:
        """Survival function."""
        return self._sum("sf", x)

    def pdf(self, x: Any) -> np.ndarray:
        """Density."""
        return self._sum("pdf", x)

    def logpdf(self, x: Any) -> np.ndarray:
        """Log density (log-sum-exp of the components')."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            parts = [
                np.log(w) + c.logpdf(x) for c, w in zip(self.components, self.weights, strict=True)
            ]
        return special.logsumexp(np.array(parts), axis=0)

    def support(self) -> tuple[float, float]:
        """Lowest lower and highest upper bound of the components."""
        bounds = [c.support() for c in self.components]
        return min(float(b[0]) for b in bounds), max(float(b[1]) for b in bounds)

    def _invert(self, u: Any, upper: bool) -> np.ndarray:
        """Safeguarded Newton on the log of the CDF (or of ``sf``, from the upper tail)."""
        u = np.atleast_1d(np.asarray(u, dtype=float))
        fn = "isf" if upper else "ppf"
        qs = np.array([np.asarray(getattr(c, fn)(u), dtype=float) for c in self.components])
        lo, hi = qs.min(axis=0), qs.max(axis=0)
        x = np.where(np.isfinite(self.weights @ qs), self.weights @ qs, 0.5 * (lo + hi))
        x = np.clip(x, lo, hi)
        log_u = np.log(u)
        active = np.flatnonzero(lo < hi)
        with np.errstate(all="ignore"):
            for _ in range(100):
                if not active.size:
                    break
                xa, ua, la, ha = x[active], u[active], lo[active], hi[active]
                tail = self.sf(xa) if upper else self.cdf(xa)
                below = tail > ua if upper else tail < ua  # x lies below the quantile
                la, ha = np.where(below, xa, la), np.where(below, ha, xa)
                step = (np.log(tail) - log_u[active]) * tail / self.pdf(xa)
                new = xa + step if upper else xa - step
                bad = ~np.isfinite(new) | (new <= la) | (new >= ha)
                new = np.where(bad, 0.5 * (la + ha), new)
                close = np.abs(tail / ua - 1.0) <= 1e-12
                tight = (ha - la) <= 4e-16 * np.maximum(np.abs(xa), 1e-300)
                x[active] = np.where(close, xa, new)
                lo[active], hi[active] = la, ha
                active = active[~(close | tight)]
        return x

    def ppf(self, u: Any) -> np.ndarray:
        """Quantile function."""
        out = self._invert(u, upper=False)
        return out if np.ndim(u) else out[0]

    def isf(self, u: Any) -> np.ndarray:
        """Inverse survival function."""
        out = self._invert(u, upper=True)
        return out if np.ndim(u) else out[0]

    def mean(self) -> float:
        """Mean."""
        return float(sum(w * c.mean() for c, w in zip(self.components, self.weights, strict=True)))

    def std(self) -> float:
        """Standard deviation."""
        m2 = sum(
            w * (c.var() + c.mean() ** 2)
            for c, w in zip(self.components, self.weights, strict=True)
        )
        return float(np.sqrt(max(m2 - self.mean() ** 2, 0.0)))

    def rvs(self, size: int, random_state: np.random.Generator) -> np.ndarray:
        """Draws."""
        which = random_state.choice(len(self.components), size=size, p=self.weights)
        out = np.empty(size)
        for k, c in enumerate(self.components):
            hit = which == k
            out[hit] = c.rvs(size=int(hit.sum()), random_state=random_state)
        return out


def row_distributions(
    fact: Fact, parent_states: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[tuple[str, ...], ...], list[elicit.Elicited]]:
    """The distribution of a continuous fact in each combination of its parents' states.

    Parameters
    ----------
    fact : Fact
        With a :class:`~scenarios.spec.priors.ContinuousTablePrior`.
    parent_states : mapping of str to tuple of str
        The states of each parent in ``given``.

    Returns
    -------
    combos : tuple of tuple of str
        Every combination of the parents' states, in row-major order.
    dists : list of Elicited
        The distribution of each (its row, or the default).

    Raises
    ------
    ValueError
        A combination without row or default, or a row that is not a proper distribution.

    Examples
    --------
    >>> f = Fact(kind="continuous", prior={"given": ["w"],
    ...     "table": [{"when": {"w": "storm"}, "between": [1, 2]}], "default": {"between": [2, 3]}})
    >>> combos, dists = row_distributions(f, {"w": ("fair", "storm")})
    >>> combos, [round(float(d.dist.median()), 9) for d in dists]
    ((('fair',), ('storm',)), [2.5, 1.5])
    """
    prior = fact.prior
    assert isinstance(prior, ContinuousTablePrior)
    rows = {tuple(r.when[g] for g in prior.given): r for r in prior.table}
    combos = tuple(product(*(parent_states[g] for g in prior.given)))
    dists = []
    for combo in combos:
        row = rows.get(combo, prior.default)
        if row is None:
            raise ValueError(f"no row for {dict(zip(prior.given, combo, strict=True))}")
        dists.append(elicit.distribution(fact.model_copy(update={"prior": row.prior})))
    return combos, dists


def _rows(fact: Fact) -> list[elicit.Elicited]:
    prior = fact.prior
    assert isinstance(prior, ContinuousTablePrior)
    choices = [*prior.table, *([prior.default] if prior.default is not None else [])]
    return [elicit.distribution(fact.model_copy(update={"prior": c.prior})) for c in choices]


def reference(fact: Fact) -> Any:
    """A distribution standing for a table fact's prior: its rows' equal-weight mixture.

    Used where no network is at hand (the noise of a reported number, a logit's scale)
    and to lay quadrature nodes covering every row's mass.

    Parameters
    ----------
    fact : Fact
        A continuous fact with a root prior (its distribution) or a table prior.

    Returns
    -------
    scipy frozen distribution or Mixture

    Examples
    --------
    >>> f = Fact(kind="continuous", prior={"given": ["w"],
    ...     "table": [{"when": {"w": "a"}, "between": [1, 2]}], "default": {"between": [3, 4]}})
    >>> round(float(reference(f).mean()), 9)
    2.5
    """
    if isinstance(fact.prior, CONTINUOUS_PRIORS):
        return elicit.distribution(fact).dist
    dists = [d.dist for d in _rows(fact)]
    return Mixture(dists, np.full(len(dists), 1.0 / len(dists)))


def value_range(name: str, nodes: Mapping[str, Node]) -> tuple[float, float]:
    """The smallest and largest value a continuous or derived fact can take.

    Interval arithmetic over an expression's inputs (their supports).

    Parameters
    ----------
    name : str
    nodes : mapping of str to Fact or Outcome

    Returns
    -------
    lower, upper : float

    Examples
    --------
    >>> a = Fact(kind="probability", prior={"between": [0.2, 0.4]})
    >>> b = Fact(kind="continuous", support=[0, None], prior={"between": [10, 20]})
    >>> value_range("d", {"a": a, "b": b, "d": Fact(kind="continuous",
    ...                   prior={"derived": "b * a - 1"})})
    (-1.0, inf)
    """
    node = nodes[name]
    prior = node.prior
    if isinstance(prior, DerivedPrior):
        return _interval(prior.expression.tree, nodes)
    if isinstance(prior, ContinuousTablePrior):
        return tuple(float(v) for v in reference(node).support())  # type: ignore[arg-type, return-value]
    return elicit.distribution(node).support  # type: ignore[arg-type]


def _interval(tree: Any, nodes: Mapping[str, Node]) -> tuple[float, float]:
    import ast

    if isinstance(tree, ast.Constant):
        return float(tree.value), float(tree.value)
    if isinstance(tree, ast.Name):
        return value_range(tree.id, nodes)
    if isinstance(tree, ast.UnaryOp):
        lo, hi = _interval(tree.operand, nodes)
        return (-hi, -lo) if isinstance(tree.op, ast.USub) else (lo, hi)
    if isinstance(tree, ast.Call):
        parts = [_interval(a, nodes) for a in tree.args]
        pick = min if tree.func.id == "min" else max
        return pick(p[0] for p in parts), pick(p[1] for p in parts)
    (a, b), (c, d) = _interval(tree.left, nodes), _interval(tree.right, nodes)
    if isinstance(tree.op, ast.Add):
        return a + c, b + d
    if isinstance(tree.op, ast.Sub):
        return a - d, b - c
    if isinstance(tree.op, ast.Div):
        if c < 0 < d or c == d == 0:
            return -np.inf, np.inf
        # a divisor bounded by 0 on one side (a positive quantity): its reciprocal unbounded
        c, d = (1 / d if d != 0 else -np.inf), (1 / c if c != 0 else np.inf)
    with np.errstate(invalid="ignore"):
        ends = [x * y for x in (a, b) for y in (c, d)]
    ends = [0.0 if np.isnan(e) else e for e in ends]  # 0 * inf: a zero end
    return min(ends), max(ends)


def derived_sample(name: str, nodes: Mapping[str, Node]) -> tuple[np.ndarray, np.ndarray]:
    """Values of a derived fact on a product grid of its inputs' quantiles, and weights.

    Each input is taken at :data:`DERIVED_GRID` mid-point probability levels of its
    (reference) distribution: a deterministic stand-in for the derived fact's prior,
    good for its median and spread, not for its tails.

    Parameters
    ----------
    name : str
    nodes : mapping of str to Fact or Outcome

    Returns
    -------
    values, weights : numpy.ndarray

    Examples
    --------
    >>> a = Fact(kind="continuous", prior={"between": [-1, 1]})
    >>> x, w = derived_sample("d", {"a": a, "d": Fact(kind="continuous",
    ...                              prior={"derived": "a + 10"})})
    >>> round(float(w @ x), 9)
    10.0
    """
    prior = nodes[name].prior
    assert isinstance(prior, DerivedPrior)
    levels = (np.arange(DERIVED_GRID) + 0.5) / DERIVED_GRID
    grids = {}
    for f in prior.expression.facts:
        inner = nodes[f].prior
        if isinstance(inner, DerivedPrior):
            x, w = derived_sample(f, nodes)
            grids[f] = np.asarray(_weighted_levels(x, w, levels))
        else:
            grids[f] = np.asarray(reference(nodes[f]).ppf(levels), dtype=float)  # type: ignore[arg-type]
    mesh = np.meshgrid(*grids.values(), indexing="ij")
    values = prior.expression.evaluate(dict(zip(grids, mesh, strict=True)))
    values = np.broadcast_to(values, mesh[0].shape if mesh else ()).ravel()
    return values, np.full(values.size, 1.0 / values.size)


def _weighted_levels(x: np.ndarray, w: np.ndarray, levels: np.ndarray) -> np.ndarray:
    order = np.argsort(x)
    cdf = np.cumsum(w[order]) - 0.5 * w[order]
    return np.interp(levels, cdf, x[order])


def check_dependent(
    name: str, node: Node, path: tuple, nodes: Mapping[str, Node]
) -> Iterable[Problem]:
    """The problems of a continuous table, a derived fact or a threshold node.

    Parameters
    ----------
    name : str
    node : Fact or Outcome
    path : tuple
        Where the node sits in the file (``("facts", name)``).
    nodes : mapping of str to Fact or Outcome

    Yields
    ------
    Problem

    Examples
    --------
    >>> x = Fact(kind="binary", prior={"when": "y > 1"})
    >>> [str(p) for p in check_dependent("x", x, ("facts", "x"), {"x": x})]
    ["facts.x.prior.when: unknown fact 'y'; known: ['x']"]
    """
    prior = node.prior
    at = (*path, "prior")
    if isinstance(prior, ContinuousTablePrior):
        yield from _check_table(node, prior, at, nodes)
    elif isinstance(prior, DerivedPrior):
        yield from _check_derived(name, node, prior, at, nodes)
    elif isinstance(prior, ThresholdPrior):
        yield from _check_threshold(name, node, prior, at, nodes)


def _continuous(node: Node) -> bool:
    return getattr(node, "kind", None) in ("continuous", "probability")


def _check_table(
    node: Node, prior: ContinuousTablePrior, at: tuple, nodes: Mapping[str, Node]
) -> Iterable[Problem]:
    if len(set(prior.given)) != len(prior.given):
        yield Problem((*at, "given"), "duplicate parents")
        return
    bad = False
    for i, g in enumerate(prior.given):
        if g not in nodes:
            yield Problem((*at, "given", i), f"unknown parent {g!r}; known: {sorted(nodes)}")
            bad = True
        elif not nodes[g].is_discrete:
            yield Problem(
                (*at, "given", i),
                f"{g!r} is continuous: a table's parents are discrete facts (for a value "
                "computed from continuous facts, use 'derived')",
            )
            bad = True
        elif not isinstance(nodes[g], Fact):
            yield Problem((*at, "given", i), f"a fact cannot depend on outcome {g!r}")
            bad = True
    if bad:
        return
    seen: set[tuple[str, ...]] = set()
    for r, row in enumerate(prior.table):
        where = (*at, "table", r)
        if set(row.when) != set(prior.given):
            yield Problem(
                (*where, "when"),
                f"expected states for exactly {list(prior.given)}, got {list(row.when)}",
            )
            continue
        wrong = [(g, s) for g, s in row.when.items() if s not in nodes[g].state_names]
        for g, s in wrong:
            yield Problem(
                (*where, "when", g),
                f"unknown state {s!r} of {g!r}; states are {list(nodes[g].state_names)}",
            )
        if wrong:
            continue
        key = tuple(row.when[g] for g in prior.given)
        if key in seen:
            yield Problem((*where, "when"), f"row {dict(row.when)} is given twice")
        seen.add(key)
        yield from _check_row(node, row, where)
    if prior.default is not None:
        yield from _check_row(node, prior.default, (*at, "default"))
    else:
        combos = product(*(nodes[g].state_names for g in prior.given))
        missing = [c for c in combos if c not in seen]
        if missing:
            example = dict(zip(prior.given, missing[0], strict=True))
            yield Problem(
                (*at, "table"),
                f"{len(missing)} parent combination(s) have no row, e.g. {example}; "
                "add rows or a 'default'",
            )


def _check_row(node: Node, row: Any, where: tuple) -> Iterable[Problem]:
    try:
        elicit.distribution(node.model_copy(update={"prior": row.prior}))  # type: ignore[arg-type]
    except ValueError as exc:
        yield Problem(where, str(exc))


def _check_derived(
    name: str, node: Node, prior: DerivedPrior, at: tuple, nodes: Mapping[str, Node]
) -> Iterable[Problem]:
    where = (*at, "derived")
    if node.support is not None:  # type: ignore[attr-defined]
        yield Problem(
            (*at[:-1], "support"),
            "a derived fact's support follows from its inputs: omit 'support'",
        )
    bad = False
    for f in prior.expression.facts:
        if f == name:
            yield Problem(where, "a fact cannot depend on itself")
            bad = True
        elif f not in nodes:
            yield Problem(where, f"unknown fact {f!r}; known: {sorted(nodes)}")
            bad = True
        elif not isinstance(nodes[f], Fact):
            yield Problem(where, f"a fact cannot depend on outcome {f!r}")
            bad = True
        elif not _continuous(nodes[f]):
            yield Problem(
                where,
                f"{f!r} is {nodes[f].kind}: an expression takes continuous or probability facts",  # type: ignore[attr-defined]
            )
            bad = True
    if bad:
        return
    try:
        for divisor in prior.expression.divisors():
            lo, hi = _interval(divisor.tree, nodes)
            if lo < 0.0 < hi or lo == hi == 0.0:
                yield Problem(
                    where,
                    f"divides by {divisor.text!r}, which can be 0 (it ranges over "
                    f"[{lo:g}, {hi:g}]): divide only by a quantity whose support excludes 0",
                )
        lo, hi = _interval(prior.expression.tree, nodes)
    except (ValueError, RecursionError, KeyError):
        return  # an input's own problem, or a cycle: reported there
    if getattr(node, "kind", None) == "probability" and (lo < 0.0 or hi > 1.0):
        yield Problem(
            where,
            f"a probability fact must lie in [0, 1]; {prior.derived!r} ranges over "
            f"[{lo:g}, {hi:g}]",
        )


def _check_threshold(
    name: str, node: Node, prior: ThresholdPrior, at: tuple, nodes: Mapping[str, Node]
) -> Iterable[Problem]:
    kind = getattr(node, "kind", None)
    if kind == "binary" and prior.when is None:
        yield Problem(at, "a binary node takes 'when' (a proposition); 'cases' is for categoricals")
        return
    if kind == "categorical" and prior.cases is None:
        yield Problem(at, "a categorical node takes 'cases' ({state: proposition, ...})")
        return
    if kind == "categorical" and node.states is not None and tuple(node.states) != prior.states:
        yield Problem(
            (*at, "cases"),
            f"the cases {list(prior.states)} must be the states {list(node.states)}, in order "
            "(or omit 'states')",
        )
    field = "when" if prior.when is not None else "cases"
    items = [("when", prior.when)] if prior.when is not None else list(prior.cases.items())  # type: ignore[union-attr]
    for state, text in items:
        if text == OTHERWISE or text is None:
            continue
        where = (*at, field) if field == "when" else (*at, field, state)
        for clause in parse_proposition(text).clauses:
            for atom in clause:
                f = atom.fact
                if f == name:
                    yield Problem(where, "a node cannot depend on itself")
                elif f not in nodes:
                    yield Problem(where, f"unknown fact {f!r}; known: {sorted(nodes)}")
                elif isinstance(node, Fact) and not isinstance(nodes[f], Fact):
                    yield Problem(where, f"a fact cannot depend on outcome {f!r}")
                elif nodes[f].is_discrete and atom.op not in ("==", "!=", "in"):
                    yield Problem(
                        where,
                        f"{f!r} is discrete: a threshold ({atom.op}) needs a continuous or "
                        "derived fact; name its states with == or in",
                    )
                elif nodes[f].is_discrete:
                    values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
                    for v in values:
                        if not any(state_matches(v, s) for s in nodes[f].state_names):
                            yield Problem(
                                where,
                                f"unknown state {v!r} of {f!r}; "
                                f"states are {list(nodes[f].state_names)}",
                            )
                elif atom.op in ("==", "!=", "in"):
                    yield Problem(
                        where,
                        f"{f!r} is continuous: compare it with > >= < <= (it equals any one "
                        "value with probability 0)",
                    )


def prior_quantiles(name: str, nodes: Mapping[str, Node], levels: Any) -> np.ndarray:
    """Quantiles of any continuous fact's prior, without a network.

    A root fact's own; a table fact's from its :func:`reference` mixture; a derived
    fact's from :func:`derived_sample`.

    Parameters
    ----------
    name : str
    nodes : mapping of str to Fact or Outcome
    levels : array of float

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> a = Fact(kind="continuous", prior={"between": [10, 20]})
    >>> d = Fact(kind="continuous", prior={"derived": "2 * a"})
    >>> [round(float(q), 1) for q in prior_quantiles("d", {"a": a, "d": d}, [0.5])]
    [30.0]
    """
    node = nodes[name]
    if isinstance(node.prior, DerivedPrior):
        x, w = derived_sample(name, nodes)
        return _weighted_levels(x, w, np.asarray(levels, dtype=float))
    return np.asarray(reference(node).ppf(np.asarray(levels, dtype=float)), dtype=float)  # type: ignore[arg-type]


def is_positive_fact(name: str, nodes: Mapping[str, Node]) -> bool:
    """Whether a continuous, table or derived fact can only be positive (>= 0).

    Parameters
    ----------
    name : str
    nodes : mapping of str to Fact or Outcome

    Returns
    -------
    bool

    Examples
    --------
    >>> a = Fact(kind="continuous", support=[0, None], prior={"between": [10, 20]})
    >>> is_positive_fact("d", {"a": a, "d": Fact(kind="continuous", prior={"derived": "a / 2"})})
    True
    """
    try:
        return value_range(name, nodes)[0] >= 0.0
    except (ValueError, KeyError, RecursionError):
        return False


def number_noise_of(name: str, nodes: Mapping[str, Node], spread: float) -> tuple[float, float]:
    """:func:`scenarios.spec.elicit.number_noise` for any continuous fact (tables, derived).

    Parameters
    ----------
    name : str
    nodes : mapping of str to Fact or Outcome
    spread : float

    Returns
    -------
    center, sd : float

    Examples
    --------
    >>> a = Fact(kind="continuous", prior={"between": [10, 20]})
    >>> [round(x, 6) for x in number_noise_of("a", {"a": a}, 3.0)]
    [15.0, 9.119352]
    """
    node = nodes[name]
    if isinstance(node.prior, CONTINUOUS_PRIORS):
        return elicit.number_noise(node, spread)  # type: ignore[arg-type]
    q = prior_quantiles(name, nodes, [0.05, 0.5, 0.95])
    if is_positive_fact(name, nodes):
        q = np.log(np.maximum(q, np.finfo(float).tiny))
    return float(q[1]), float(spread * (q[2] - q[0]) / (2 * special.ndtri(0.95)))


def standardiser_of(name: str, nodes: Mapping[str, Node]) -> tuple[float, float]:
    """:func:`scenarios.spec.elicit.standardiser` for any continuous fact (tables, derived).

    Parameters
    ----------
    name : str
    nodes : mapping of str to Fact or Outcome

    Returns
    -------
    center, scale : float

    Examples
    --------
    >>> a = Fact(kind="continuous", prior={"between": [10, 20]})
    >>> [round(x, 6) for x in standardiser_of("a", {"a": a})]
    [15.0, 3.039784]
    """
    node = nodes[name]
    if isinstance(node.prior, CONTINUOUS_PRIORS):
        return elicit.standardiser(node)  # type: ignore[arg-type]
    q05, q50, q95 = prior_quantiles(name, nodes, [0.05, 0.5, 0.95])
    return float(q50), float((q95 - q05) / (2 * special.ndtri(0.95)))


class ThresholdPlace(NamedTuple):
    """One number of a threshold node: the state it decides, where, and what it compares.

    Attributes
    ----------
    state : str
        The state the condition gives (binary: ``"true"``).
    path : tuple
        The condition's field path in the prior: ``("when",)`` or ``("cases", state)``.
    index : int
        Which threshold of the condition (:func:`scenarios.spec.propositions.thresholds`).
    fact : str
    op : str
    value : float
    """

    state: str
    path: tuple[str, ...]
    index: int
    fact: str
    op: str
    value: float


def threshold_places(prior: ThresholdPrior) -> list[ThresholdPlace]:
    """Every number a threshold node's conditions compare a fact with, in order.

    Parameters
    ----------
    prior : ThresholdPrior

    Returns
    -------
    list of ThresholdPlace

    Examples
    --------
    >>> t = ThresholdPrior(cases={"low": "x < 2", "mid": "x <= 5", "high": "otherwise"})
    >>> [(p.state, p.op, p.value) for p in threshold_places(t)]
    [('low', '<', 2.0), ('mid', '<=', 5.0)]
    """
    if prior.when is not None:
        conditions = [("true", ("when",), prior.when)]
    else:
        assert prior.cases is not None
        conditions = [
            (state, ("cases", state), text)
            for state, text in prior.cases.items()
            if text != OTHERWISE
        ]
    return [
        ThresholdPlace(state, path, i, t.fact, t.op, t.value)
        for state, path, text in conditions
        for i, t in enumerate(thresholds(text))
    ]

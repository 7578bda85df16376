"""Thresholds on derived facts, integrated to the quadrature's tolerance.

A case such as ``trump_share > 50``, with ``trump_share = polled_share + polling_error``,
is an indicator over its inputs' quadrature axes that jumps between nodes: summed on the
nodes it is accurate only to their spacing. Here one input, the *inner* one, is
integrated exactly. For each combination of the other axes' nodes (and of the discrete
facts the conditions name), the inner values where a condition's expression crosses its
threshold are bracketed between the inner rule's nodes and found by bisection; in a
segment where one falls, the integrand (the inner fact's prior times every smooth
factor on it: claims' likelihoods, a table fact's rows) is the polynomial through the
segment's Gauss-Legendre nodes, as accurate as the rule itself, and that polynomial is
integrated exactly over the parts of the segment where the case holds. The result is,
per node, the fraction of its weight on which the case holds (:func:`case_fractions`):
a factor like the indicator, whose weighted sum is the integral to the rule's accuracy.

The other axes stay sums over nodes, so the integral left over them must be smooth:
``min``/``max`` arguments that are one fact (``max(a, b) - 2``) give that fact a
quadrature edge at the threshold (:func:`threshold_cuts`), and the inner fact is one of
the single argument naming several facts; a ``min``/``max`` under ``+ - * /`` with
another fact, or conditions naming two different combinations of several facts, would
leave a kink along a diagonal of the other axes: the exact engine refuses those
(:class:`~scenarios.errors.TooCostlyError`, naming the field) rather than answer to the
grid's accuracy.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from scenarios.engines.factors import Factor, align
from scenarios.engines.quadrature import score_of, value_at_score
from scenarios.errors import Problem, TooCostlyError
from scenarios.spec.expressions import FUNCTIONS, Expression
from scenarios.spec.priors import DerivedPrior
from scenarios.spec.propositions import parse_proposition, state_matches

__all__ = [
    "BISECTIONS",
    "case_fractions",
    "derived_quantiles",
    "evaluate",
    "expanded",
    "partial_weights",
    "threshold_cuts",
]

#: Bisection steps locating a crossing between two samples (2**-60 of their distance).
BISECTIONS = 60

_COMPARE = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
}


def expanded(net: Any, fact: str) -> ast.expr:
    """A derived fact's expression with every derived fact it names replaced by its own.

    Parameters
    ----------
    net : Network
    fact : str
        A derived fact.

    Returns
    -------
    ast.expr
        Over facts with quadrature axes only.

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "a": {"kind": "continuous", "prior": {"between": [1, 2]}},
    ...     "d": {"kind": "continuous", "prior": {"derived": "a + 1"}},
    ...     "e": {"kind": "continuous", "prior": {"derived": "2 * d"}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}})
    >>> ast.unparse(expanded(Network(s), "e"))
    '2 * (a + 1)'
    """
    prior = net.priors[fact]
    assert isinstance(prior, DerivedPrior)

    class Substitute(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if isinstance(net.priors.get(node.id), DerivedPrior):
                return expanded(net, node.id)
            return node

    return Substitute().visit(copy.deepcopy(prior.expression.tree))


def evaluate(net: Any, fact: str, env: Mapping[str, Any]) -> Any:
    """A fact's value given its inputs' values (a derived fact's, recursively).

    Parameters
    ----------
    net : Network
    fact : str
    env : mapping of str to array
        Values of facts with quadrature axes (broadcasting arrays).

    Returns
    -------
    numpy.ndarray or float

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "a": {"kind": "continuous", "prior": {"between": [1, 2]}},
    ...     "d": {"kind": "continuous", "prior": {"derived": "max(a, 1.5) * 2"}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}})
    >>> evaluate(Network(s), "d", {"a": np.array([1.0, 2.0])})
    array([3., 4.])
    """
    if fact in env:
        return env[fact]
    prior = net.priors[fact]
    assert isinstance(prior, DerivedPrior)
    return prior.expression.evaluate({f: evaluate(net, f, env) for f in prior.expression.facts})


# --- which input to integrate exactly, and the edges the others need ------------------


def _names(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}


def _constant(tree: ast.AST) -> float | None:
    """The value of an expression without names, else None."""
    if _names(tree):
        return None
    expr = Expression(ast.unparse(tree), tree, ())  # type: ignore[arg-type]
    with np.errstate(all="ignore"):
        return float(expr.evaluate({}))


def _peel(tree: ast.expr, c: float) -> tuple[ast.expr, float]:
    """Undo unary signs and operations with a constant: ``e op k = c`` as ``e = c'``."""
    while True:
        if isinstance(tree, ast.UnaryOp):
            tree, c = tree.operand, (-c if isinstance(tree.op, ast.USub) else c)
            continue
        if isinstance(tree, ast.BinOp):
            right, left = _constant(tree.right), _constant(tree.left)
            op = type(tree.op)
            if right is not None and (op in (ast.Add, ast.Sub) or right != 0):
                inverse = {ast.Add: c - right, ast.Sub: c + right, ast.Mult: c / (right or 1)}
                tree, c = tree.left, inverse.get(op, c * right)
                continue
            peelable = op in (ast.Add, ast.Sub) or (op is ast.Mult and left != 0) or c != 0
            if left is not None and peelable:
                if op is ast.Add:
                    tree, c = tree.right, c - left
                elif op is ast.Sub:
                    tree, c = tree.right, left - c
                elif op is ast.Mult:
                    tree, c = tree.right, c / left
                else:  # k / e = c: e = k / c
                    tree, c = tree.right, left / c
                continue
        return tree, c


def _is_minmax(tree: ast.AST) -> bool:
    return isinstance(tree, ast.Call)


def _leaves(tree: ast.expr, c: float) -> list[tuple[ast.expr, float]]:
    """The arguments of (nested) min/max at the top of ``tree = c``, with their levels.

    ``min(a, b) > c`` holds where ``a > c`` and ``b > c`` (``max``: or), so each leaf
    is compared with the same level, once the operations with constants above it are
    undone. An expression with no min/max on top is its own single leaf.
    """
    tree, c = _peel(tree, c)
    if not _is_minmax(tree):
        return [(tree, c)]
    out = []
    for arg in tree.args:  # type: ignore[attr-defined]
        out.extend(_leaves(arg, c))
    return out


def _analyse(tree: ast.expr, c: float) -> tuple[dict[str, list[float]], list[ast.expr], bool]:
    """Cuts on single-fact leaves, leaves naming several facts, and a buried min/max.

    A min/max under an operation with another fact is intractable (the third item).
    """
    cuts: dict[str, list[float]] = {}
    several: list[ast.expr] = []
    buried = False
    for leaf, level in _leaves(tree, c):
        names = _names(leaf)
        if not names:
            continue
        inner, value = _peel(leaf, level)
        if isinstance(inner, ast.Name):
            cuts.setdefault(inner.id, []).append(float(value))
            continue
        several.append(leaf)
        buried = buried or any(_is_minmax(n) for n in ast.walk(leaf))
    return cuts, several, buried


def _atoms(net: Any, text: str) -> list[tuple[str, float]]:
    """The (derived fact, threshold) of each comparison of a derived fact in ``text``."""
    return [
        (a.fact, float(a.value))  # type: ignore[arg-type]
        for clause in parse_proposition(text).clauses
        for a in clause
        if a.fact in net.derived and a.op in _COMPARE
    ]


def threshold_cuts(net: Any, texts: Sequence[str], fact: str) -> list[float]:
    """Values of ``fact`` where conditions on derived facts need an edge of its quadrature.

    A min/max argument that is one fact, undone of operations with constants, holds
    exactly above (or below) one value of it: that value becomes an edge. And where the
    inner input (:func:`case_fractions`) has a step of its own (a claim's threshold on
    it) and ``fact`` is the only other input, the integral over the inner one has a kink
    where its crossing meets the step: that value of ``fact`` becomes an edge too.

    Parameters
    ----------
    net : Network
    texts : sequence of str
        The propositions of one threshold node (or one claim).
    fact : str
        A fact with a quadrature axis.

    Returns
    -------
    list of float

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "a": {"kind": "continuous", "prior": {"between": [1, 5]}},
    ...     "b": {"kind": "continuous", "prior": {"between": [1, 5]}},
    ...     "d": {"kind": "continuous", "prior": {"derived": "max(2 * a, b) - 1"}}},
    ...     outcomes={"o": {"kind": "binary", "prior": {"when": "d > 5"}}})
    >>> net = Network(s)
    >>> threshold_cuts(net, ["d > 5"], "a"), threshold_cuts(net, ["d > 5"], "b")
    ([3.0], [6.0])
    """
    out: list[float] = []
    atoms = [a for text in texts for a in _atoms(net, text)]
    for derived, c in atoms:
        cuts, _, _ = _analyse(expanded(net, derived), c)
        out.extend(cuts.get(fact, []))
    if not atoms:
        return out
    try:
        inner, outer = _plan(net, texts, ())
    except TooCostlyError:
        return out  # refused when the cases are built, naming the field
    steps = _steps(net, texts, inner)
    if steps and outer == [fact]:
        grid = value_at_score(net.dists[fact].dist, np.linspace(-12, 12, 2401))
        grid = np.unique(grid[np.isfinite(grid)])
        for derived, c in atoms:
            for leaf, level in _leaves(expanded(net, derived), c):
                if inner not in _names(leaf) or fact not in _names(leaf):
                    continue
                expr = Expression(ast.unparse(leaf), leaf, tuple(_names(leaf)))
                for step in steps:

                    def gap(
                        x: np.ndarray, e: Expression = expr, s: float = step, t: float = level
                    ) -> np.ndarray:
                        env = {fact: x, inner: np.full(np.shape(x), s)}
                        return np.asarray(e.evaluate(env), dtype=float) - t

                    out.extend(_roots(gap, grid))
    return out


def _roots(fn: Any, grid: np.ndarray) -> list[float]:
    """Every sign change of ``fn`` between points of ``grid``, by bisection."""
    with np.errstate(all="ignore"):
        g = np.asarray(fn(grid), dtype=float)
    sign = np.sign(g)
    i = np.flatnonzero((sign[:-1] * sign[1:] < 0) | ((sign[:-1] == 0) & (sign[1:] != 0)))
    lo, hi, s_lo = grid[i], grid[i + 1], sign[i]
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        with np.errstate(all="ignore"):
            same = np.sign(np.asarray(fn(mid), dtype=float)) == s_lo
        lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
    return [float(v) for v in 0.5 * (lo + hi)]


def _steps(net: Any, texts: Sequence[str], fact: str) -> list[float]:
    """Values where a claim's or these conditions' own threshold on ``fact`` steps."""
    props = [c.proposition for c in net.scenario.claims if c.proposition is not None]
    return sorted(
        {
            float(a.value)  # type: ignore[arg-type]
            for text in [*props, *texts]
            for clause in parse_proposition(text).clauses
            for a in clause
            if a.fact == fact and a.op in _COMPARE
        }
    )


def _inner(net: Any, texts: Sequence[str], where: tuple) -> str | None:
    """The input to integrate exactly for these propositions (None: no derived atom)."""
    if not any(_atoms(net, text) for text in texts):
        return None
    inner, outer = _plan(net, texts, where)
    if _steps(net, texts, inner) and len(outer) > 1:
        _refuse(
            where,
            f"every input of the derived facts compared has a threshold of its own (a "
            f"claim's or a condition's), {inner!r} among them: its step would leave a kink "
            "along a diagonal of the other inputs",
        )
    return inner


def _plan(net: Any, texts: Sequence[str], where: tuple) -> tuple[str, list[str]]:
    """The inner input, and the others its crossing moves with (where a step kinks)."""
    atoms = [a for text in texts for a in _atoms(net, text)]
    several: dict[str, ast.expr] = {}
    cut_facts: set[str] = set()
    inputs: set[str] = set()
    for derived, c in atoms:
        tree = expanded(net, derived)
        inputs |= _names(tree)
        cuts, leaves, buried = _analyse(tree, c)
        cut_facts |= set(cuts)
        if buried:
            _refuse(
                where,
                f"{derived!r} is {ast.unparse(tree)!r}: a min/max combined with another "
                "fact by + - * / leaves a kink no quadrature axis follows, so a threshold "
                "on it cannot be integrated to the tolerance",
            )
        for leaf in leaves:
            several.setdefault(ast.dump(leaf), leaf)
    if len(several) > 1:
        shown = " and ".join(repr(ast.unparse(t)) for t in several.values())
        _refuse(
            where,
            f"the conditions compare {shown}: two different combinations of several "
            "facts meet along a line no quadrature axis follows, so their cases cannot "
            "be integrated to the tolerance",
        )
    candidates = (
        sorted(_names(next(iter(several.values()))) - cut_facts) if several else sorted(inputs)
    )
    if not candidates:
        _refuse(
            where,
            f"every fact of {ast.unparse(next(iter(several.values())))!r} is also compared "
            "on its own in a min/max: no input can be integrated exactly",
        )
    order = {n: i for i, n in enumerate(net.scenario.order)}
    leaf = next(iter(several.values())) if several else expanded(net, atoms[0][0])
    expr = Expression(ast.unparse(leaf), leaf, tuple(_names(leaf)))
    spread = {n: net.dists[n].dist.ppf([0.16, 0.5, 0.84]) for n in _names(leaf)}
    middle = {n: float(q[1]) for n, q in spread.items()}

    def sway(name: str) -> float:
        """How far the input moves the expression over its middle 68% (others central)."""
        lo, hi = ({**middle, name: float(spread[name][i])} for i in (0, 2))
        with np.errstate(all="ignore"):
            out = abs(float(expr.evaluate(hi)) - float(expr.evaluate(lo)))
        return out if np.isfinite(out) else 0.0

    def preference(name: str) -> tuple:
        # without a step of its own (else the others' integral kinks where they meet);
        # then the input that moves the expression most: the integral left over the
        # others then varies on their own scale, which their nodes resolve
        steps = bool(_steps(net, texts, name))
        return (steps, -sway(name) if name in spread else 0.0, -order.get(name, 0))

    inner = min(candidates, key=preference)
    crossing = _names(next(iter(several.values()))) if several else set()
    return inner, sorted(crossing - {inner})


def _refuse(where: tuple, message: str) -> None:
    raise TooCostlyError([Problem(where, f"{message}: use engine='pymc' (it samples the inputs)")])


# --- the exact integral over a segment's parts --------------------------------------


@lru_cache(maxsize=8)
def _basis(n: int) -> np.ndarray:
    """``M[j, k] = (2k + 1) / 2 P_k(x_j)`` at the n Gauss-Legendre nodes ``x_j``.

    The Lagrange polynomial of node j is ``w_j sum_k M[j, k] P_k`` (discrete
    orthogonality of the Gauss rule), so its integral over ``[-1, s]``, over ``w_j``,
    is ``M[j] @ I(s)`` with ``I_k(s) = (P_{k+1}(s) - P_{k-1}(s)) / (2k + 1)``.
    """
    x, _ = np.polynomial.legendre.leggauss(n)
    p = _legendre(x, n - 1)[:, :n]  # (n, k)
    return p * (2 * np.arange(n) + 1) / 2


def _legendre(s: np.ndarray, degree: int) -> np.ndarray:
    s = np.asarray(s, dtype=float)
    out = np.empty((*s.shape, degree + 2))
    out[..., 0] = 1.0
    out[..., 1] = s
    for k in range(1, degree + 1):
        out[..., k + 1] = ((2 * k + 1) * s * out[..., k] - k * out[..., k - 1]) / (k + 1)
    return out


def _integrals(s: np.ndarray, n: int) -> np.ndarray:
    """``I_k(s) = int_{-1}^{s} P_k`` for k < n, over the last axis."""
    p = _legendre(s, n)
    out = np.empty((*np.shape(s), n))
    out[..., 0] = s + 1.0
    k = np.arange(1, n)
    out[..., 1:] = (p[..., 2 : n + 1] - p[..., 0 : n - 1]) / (2 * k + 1)
    return out


def partial_weights(n: int, lo: Any, hi: Any) -> np.ndarray:
    """Fractions of each Gauss-Legendre node's weight on ``[lo, hi]`` of ``[-1, 1]``.

    ``sum_j w_j f(x_j) partial_weights(n, lo, hi)[j]`` is the integral over ``[lo, hi]``
    of the polynomial through ``f`` at the nodes: exact for polynomials of degree < n.

    Parameters
    ----------
    n : int
        Nodes of the rule.
    lo, hi : float or array
        Ends, in ``[-1, 1]`` (arrays broadcast).

    Returns
    -------
    numpy.ndarray
        Shape ``(*broadcast(lo, hi).shape, n)``.

    Examples
    --------
    >>> x, w = np.polynomial.legendre.leggauss(8)
    >>> f = partial_weights(8, -0.3, 0.5)
    >>> bool(abs(w * f @ x**5 - (0.5**6 - 0.3**6) / 6) < 1e-15), bool(np.allclose(
    ...     partial_weights(8, -1.0, 1.0), 1.0))
    (True, True)
    """
    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    return (_integrals(hi, n) - _integrals(lo, n)) @ _basis(n).T


# --- the cases ----------------------------------------------------------------------


def _on_nodes(net: Any, values: Mapping[str, Factor], names: Sequence[str]) -> bool:
    for name in names:
        v = values.get(name)
        rule = net.rules.get(name)
        if v is None or rule is None or v.axes != (name,):
            return False
        x = v.values
        if not isinstance(x, np.ndarray) or x.shape != rule.x.shape:
            return False
        if not np.array_equal(x, rule.x):
            return False
    return True


def case_fractions(
    net: Any,
    conditions: Sequence[str],
    values: Mapping[str, Factor],
    chained: bool,
    where: tuple = (),
) -> list[Factor] | None:
    """Each case's share of every quadrature node, integrated exactly in one input.

    Parameters
    ----------
    net : Network
    conditions : sequence of str
        Propositions: the cases of a threshold node in order (``chained``: each holds
        where it is the first that does; the last state is "none of them"), or one
        proposition (not chained: its false and true).
    values : mapping of str to Factor
        Each continuous fact's value; only quadrature nodes qualify.
    chained : bool
    where : tuple
        The field the conditions come from, for a refusal.

    Returns
    -------
    list of Factor or None
        One per state, over the discrete facts the conditions name and the inputs'
        axes; ``None`` when no condition compares a derived fact, or the values are not
        the quadrature nodes (draws: there the indicator is exact).

    Raises
    ------
    TooCostlyError
        Conditions whose cases leave a kink along a diagonal of the other axes.

    Examples
    --------
    >>> from scipy import stats
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "a": {"kind": "continuous", "prior": {"between": [-1, 1]}},
    ...     "b": {"kind": "continuous", "prior": {"between": [-1, 1]}},
    ...     "d": {"kind": "continuous", "prior": {"derived": "a + b"}}},
    ...     outcomes={"o": {"kind": "binary", "prior": {"when": "d > 0.3"}}})
    >>> net = Network(s)
    >>> false, true = case_fractions(net, ["d > 0.3"], net.values(), chained=False)
    >>> wa, wb = net.quadrature["a"][1], net.quadrature["b"][1]
    >>> sd = np.hypot(net.dists["a"].dist.std(), net.dists["b"].dist.std())
    >>> bool(abs(wa @ true.values @ wb - stats.norm.sf(0.3, 0, sd)) < 1e-12)
    True
    """
    key = (tuple(conditions), chained)
    cached = net.fractions.get(key)
    if cached is not None:
        names = [a for a in cached[0].axes if a in net.rules]
        return cached if _on_nodes(net, values, names) else None
    out = _case_fractions(net, conditions, values, chained, where)
    if out is not None:
        net.fractions[key] = out
    return out


def _case_fractions(
    net: Any,
    conditions: Sequence[str],
    values: Mapping[str, Factor],
    chained: bool,
    where: tuple,
) -> list[Factor] | None:
    inner = _inner(net, conditions, where)
    if inner is None:
        return None
    clauses = [parse_proposition(t).clauses for t in conditions]
    atoms = [a for cl in clauses for clause in cl for a in clause]
    discrete = list(dict.fromkeys(a.fact for a in atoms if a.fact in net.states))
    continuous: list[str] = []
    for a in atoms:
        if a.fact in net.states:
            continue
        names = sorted(_names(expanded(net, a.fact))) if a.fact in net.derived else [a.fact]
        continuous.extend(n for n in names if n not in continuous)
    if not _on_nodes(net, values, continuous):
        return None
    outer = [n for n in continuous if n != inner]
    axes = [*discrete, *outer]
    grids = [np.arange(len(net.states[n])) for n in discrete]
    grids += [net.rules[n].x for n in outer]
    mesh = [g.ravel() for g in np.meshgrid(*grids, indexing="ij")] if axes else []
    size = mesh[0].size if mesh else 1
    rule = net.rules[inner]
    hits = {}
    for a in atoms:
        if a.fact in net.states:
            wanted = a.value if isinstance(a.value, tuple) else (a.value,)
            hits[a.fact, a.value] = np.array(
                [any(state_matches(v, st) for v in wanted) for st in net.states[a.fact]]
            )

    def env_at(index: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        env = {n: mesh[i][index] for i, n in enumerate(axes)}
        env[inner] = y
        return env

    memo: dict[tuple[int, str], np.ndarray] = {}  # a derived fact's value on a grid, once

    def value_of(fact: str, env: Mapping[str, np.ndarray]) -> np.ndarray:
        key = (id(env), fact)
        if key not in memo:
            with np.errstate(all="ignore"):
                memo[key] = np.asarray(evaluate(net, fact, env), dtype=float)
        return memo[key]

    def truth(atom: Any, env: Mapping[str, np.ndarray]) -> np.ndarray:
        if atom.fact in net.states:
            hit = hits[atom.fact, atom.value][env[atom.fact]]
            hit = ~hit if atom.op == "!=" else hit
        else:
            value = value_of(atom.fact, env)
            with np.errstate(invalid="ignore"):
                hit = _COMPARE[atom.op](value, float(atom.value))
        return ~hit if atom.negated else hit

    def states(env: Mapping[str, np.ndarray]) -> np.ndarray:
        """The state index (0..len(conditions)) at each point of ``env``."""
        shape = np.broadcast_shapes(*(np.shape(v) for v in env.values()))
        holds = []
        for cl in clauses:
            any_clause = np.zeros(shape, dtype=bool)
            for clause in cl:
                both = np.ones(shape, dtype=bool)
                for atom in clause:
                    both &= np.broadcast_to(truth(atom, env), shape)
                any_clause |= both
            holds.append(any_clause)
        if not chained:
            return holds[0].astype(int)  # false 0, true 1
        out = np.full(shape, len(clauses))
        for k in reversed(range(len(clauses))):
            out = np.where(holds[k], k, out)
        return out

    n_states = len(conditions) + 1 if chained else 2
    # on the nodes: each node's own state (kept where no crossing falls in its segment)
    node_env = env_at(np.arange(size)[:, None], rule.x[None, :])
    node_state = states(node_env)  # (size, len(rule.x))
    table = np.zeros((n_states, size, len(rule.x)))
    for s in range(n_states):
        table[s] = node_state == s
    # a plain fact's threshold is an edge of its segments: only derived facts cross inside
    crossing_atoms = [a for a in atoms if a.fact in net.derived]
    n = rule.nodes
    # the segments with all their nodes (else nodes were laid on a number's scale
    # instead: no interpolant; the nodes keep their own state)
    if not crossing_atoms:
        return _factors(table, grids, axes, inner)
    key = ("segments", inner)
    if key not in net.fractions:
        net.fractions[key] = _segments(rule)  # type: ignore[assignment]
    seg, pos, a_seg, b_seg, ends = net.fractions[key]  # type: ignore[misc]
    if not seg.size:
        return _factors(table, grids, axes, inner)
    y = np.concatenate([ends[0::2, None], rule.x[pos], ends[1::2, None]], axis=1)  # (K, n+2)
    finite = np.isfinite(y)
    ok = finite[:, :-1] & finite[:, 1:]
    env = env_at(np.arange(size)[:, None, None], np.where(finite, y, np.nan)[None])
    found_o, found_k, found_y = [], [], []
    for atom in crossing_atoms:
        level = float(atom.value)
        with np.errstate(all="ignore"):
            g = value_of(atom.fact, env) - level
        sign = np.sign(np.broadcast_to(g, (size, *y.shape)))
        left, right = sign[:, :, :-1], sign[:, :, 1:]
        change = ((left * right < 0) | ((left == 0) ^ (right == 0))) & ok[None]
        o, i, q = np.nonzero(change)
        if not o.size:
            continue
        lo, hi, s_lo = y[i, q], y[i, q + 1], left[o, i, q]
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            with np.errstate(all="ignore"):
                g_mid = np.asarray(evaluate(net, atom.fact, env_at(o, mid)), dtype=float)
            same = np.sign(np.broadcast_to(g_mid - level, mid.shape)) == s_lo
            lo, hi = np.where(same, mid, lo), np.where(same, hi, mid)
        found_o.append(o)
        found_k.append(i)
        found_y.append(0.5 * (lo + hi))
    if not found_o:
        return _factors(table, grids, axes, inner)
    o_all, i_all = np.concatenate(found_o), np.concatenate(found_k)
    u_all = _values(rule, seg[i_all], np.concatenate(found_y), inverse=True)
    a_all, b_all = a_seg[i_all], b_seg[i_all]
    s_all = np.clip(2 * (u_all - a_all) / (b_all - a_all) - 1, -1.0, 1.0)
    # per (outer point, segment) with a crossing: its breakpoints, padded with the end
    pair = o_all * seg.size + i_all
    pairs, inverse = np.unique(pair, return_inverse=True)
    count = np.bincount(inverse)
    width = int(count.max())
    p_o, p_i = pairs // seg.size, pairs % seg.size
    cuts = np.full((pairs.size, width), 1.0)
    cuts_y = np.repeat(ends[1::2][p_i][:, None], width, axis=1)  # the segment's far end
    order = np.lexsort((s_all, inverse))
    slot = np.arange(o_all.size) - np.repeat(np.cumsum(count) - count, count)
    cuts[inverse[order], slot] = s_all[order]
    cuts_y[inverse[order], slot] = np.concatenate(found_y)[order]
    ones = np.ones((pairs.size, 1))
    ends_s = np.concatenate([-ones, cuts, ones], axis=1)
    ends_y = np.concatenate([ends[0::2][p_i][:, None], cuts_y, ends[1::2][p_i][:, None]], axis=1)
    lo_s, hi_s = ends_s[:, :-1], ends_s[:, 1:]  # (pairs, width + 1) parts
    # a value inside each part: the mid-point of its ends' values where both are finite
    # (the value increases with the coordinate), else the value at its mid coordinate
    with np.errstate(all="ignore"):
        mid_y = 0.5 * (ends_y[:, :-1] + ends_y[:, 1:])
    far = ~np.isfinite(mid_y)
    if far.any():
        a_p, b_p = a_seg[p_i][:, None], b_seg[p_i][:, None]
        mid_u = np.broadcast_to(a_p + (b_p - a_p) * (0.5 * (lo_s + hi_s) + 1) / 2, far.shape)
        kk = np.broadcast_to(seg[p_i][:, None], far.shape)
        mid_y[far] = _values(rule, kk[far], mid_u[far])
    mid_y = mid_y.ravel()
    part_state = states(env_at(np.repeat(p_o, width + 1), mid_y)).reshape(lo_s.shape)
    frac = partial_weights(n, lo_s, hi_s)  # (pairs, parts, n)
    for st in range(n_states):
        share = np.einsum("rp,rpj->rj", (part_state == st).astype(float), frac)
        table[st][p_o[:, None], pos[p_i]] = share
    return _factors(table, grids, axes, inner)


def _segments(rule: Any) -> tuple[np.ndarray, ...]:
    """The segments with all their nodes, the nodes' positions, ends and end values."""
    n = rule.nodes
    counts = np.bincount(rule.segment, minlength=len(rule.segments))
    seg = np.flatnonzero(counts == n)
    order = np.lexsort((rule.index, rule.segment))  # by segment, then Gauss-Legendre order
    start = np.concatenate([[0], np.cumsum(counts)])
    pos = np.array([order[start[k] : start[k] + n] for k in seg], dtype=int).reshape(-1, n)
    a_seg = np.array([rule.segments[k][0] for k in seg], dtype=float)
    b_seg = np.array([rule.segments[k][1] for k in seg], dtype=float)
    ends = _values(rule, np.repeat(seg, 2), np.stack([a_seg, b_seg], axis=1).ravel())
    return seg, pos, a_seg, b_seg, ends


def _factors(table: np.ndarray, grids: list, axes: list[str], inner: str) -> list[Factor]:
    shape = [len(g) for g in grids] + [table.shape[-1]]
    return [Factor(t.reshape(shape), (*axes, inner)) for t in table]


def _values(rule: Any, segments: np.ndarray, u: np.ndarray, inverse: bool = False) -> np.ndarray:
    """Values at coordinates ``u`` of the given segments (vectorised :meth:`Rule.value`).

    ``inverse``: the coordinates of values ``u`` instead (:meth:`Rule.coordinate`).
    """
    out = np.empty(u.shape)
    scales = np.array([rule.segments[k][2] for k in segments])
    for scale in set(scales.tolist()):
        hit = scales == scale
        if scale == "score":
            out[hit] = (score_of if inverse else value_at_score)(rule.dist, u[hit])
        elif scale == "log":
            out[hit] = np.log(u[hit]) if inverse else np.exp(u[hit])
        else:
            out[hit] = u[hit]
    return out


def derived_quantiles(
    net: Any,
    name: str,
    mass: np.ndarray,
    axes: Sequence[str],
    levels: Sequence[float],
    start: Sequence[float],
    scale: float,
) -> np.ndarray | None:
    """Quantiles of a derived fact from its exact CDF, by the secant method.

    ``P(name <= t)`` is the posterior mass of the cases ``name <= t``, integrated exactly
    in one input (:func:`case_fractions`, all levels at once); the secant iteration
    starts from the quantiles read off the grid and stops when the CDF is within
    1e-11 of each level.

    Parameters
    ----------
    net : Network
    name : str
        A derived fact.
    mass : numpy.ndarray
        The joint posterior mass of its inputs' nodes, over ``axes``.
    axes : sequence of str
    levels : sequence of float
    start : sequence of float
        First guesses (the grid's quantiles), ascending with ``levels``.
    scale : float
        The fact's spread (its sd): the first secant step is 1e-3 of it.

    Returns
    -------
    numpy.ndarray or None
        ``None`` where the CDF cannot be integrated exactly: a min/max argument that
        is one fact, whose edge would move with the level (the grid's quantiles stand).

    Examples
    --------
    >>> from scipy import stats
    >>> from scenarios.engines.network import Network
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(title="t", facts={
    ...     "a": {"kind": "continuous", "prior": {"between": [-1, 1]}},
    ...     "b": {"kind": "continuous", "prior": {"between": [-1, 1]}},
    ...     "d": {"kind": "continuous", "prior": {"derived": "a + b"}}},
    ...     outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}})
    >>> net = Network(s)
    >>> mass = np.outer(net.quadrature["a"][1], net.quadrature["b"][1])
    >>> sd = np.hypot(net.dists["a"].dist.std(), net.dists["b"].dist.std())
    >>> q = derived_quantiles(net, "d", mass, ["a", "b"], [0.05, 0.95], [-1.0, 1.0], sd)
    >>> bool(np.allclose(q, stats.norm.ppf([0.05, 0.95], 0, sd), rtol=0, atol=1e-10))
    True
    """
    tree = expanded(net, name)
    if any(_is_minmax(n) for n in ast.walk(tree)):
        return None  # its edges would move with the level
    values = net.values()
    mass = np.asarray(mass, dtype=float)
    # fsum: order-free sums keep the roots the same bit for bit in every process
    total = math.fsum(mass.ravel())
    levels = np.asarray(levels, dtype=float)

    def cdf(ts: np.ndarray) -> np.ndarray | None:
        order = np.argsort(ts, kind="stable")
        texts = [f"{name} <= {float(ts[i])!r}" for i in order]
        try:
            parts = _case_fractions(net, texts, values, chained=True, where=())
        except TooCostlyError:
            return None
        if parts is None:
            return None
        out, cum = np.empty(len(ts)), 0.0
        for k, i in enumerate(order):
            cum += math.fsum((mass * align(parts[k].values, parts[k].axes, list(axes))).ravel())
            out[i] = cum / total
        return out

    t0 = np.asarray(start, dtype=float)
    f0 = cdf(t0)
    if f0 is None or not np.all(np.isfinite(t0)):
        return None
    step = 1e-3 * (scale if np.isfinite(scale) and scale > 0 else 1.0)
    t1 = t0 + np.where(f0 < levels, step, -step)
    f1 = cdf(t1)
    for _ in range(30):
        if f1 is None:
            return None
        if np.all(np.abs(f1 - levels) <= 1e-11):
            break
        with np.errstate(all="ignore"):  # a flat step (slope 0) takes the fixed step
            slope = (f1 - f0) / (t1 - t0)
            move = np.where(
                np.isfinite(slope) & (slope > 0),
                -(f1 - levels) / slope,
                np.sign(levels - f1) * step,
            )
        move = np.where(np.abs(f1 - levels) <= 1e-11, 0.0, move)
        if np.all(np.abs(move) <= 1e-13 * np.maximum(np.abs(t1), step)):
            break
        t0, f0 = t1, f1
        t1, f1 = t1 + move, cdf(t1 + move)
    return t1

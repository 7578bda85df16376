"""Factors: arrays with named axes, multiplied and summed out by one contraction call.

Every engine works on factors (conditional tables, claim likelihoods, quadrature
weights). :func:`contract` multiplies any set of them and sums out every axis not kept,
with numpy through a cached opt_einsum plan (variable elimination when draws or shared
rate nodes are present, :func:`elimination_path`) or symbolically with PyTensor for the
PyMC model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import opt_einsum

__all__ = [
    "DRAW",
    "ContractionCost",
    "Factor",
    "align",
    "contract",
    "contraction_cost",
    "elimination_path",
    "product_of",
]

#: The name of the axis along which draws of the uncertain probabilities run.
DRAW = "draw"


@dataclass(frozen=True, eq=False)
class Factor:
    """Values over named axes: ``values.shape[i]`` runs over ``axes[i]``.

    Attributes
    ----------
    values : numpy.ndarray or pytensor tensor
    axes : tuple of str

    Examples
    --------
    >>> Factor(np.array([0.3, 0.7]), ("rain",)).axes
    ('rain',)
    """

    values: Any
    axes: tuple[str, ...]


def align(values: Any, axes: Sequence[str], target: Sequence[str]) -> Any:
    """Transpose ``values`` to ``target`` order, with length-1 axes where it has none.

    Parameters
    ----------
    values : array
        Over ``axes``.
    axes : sequence of str
    target : sequence of str
        Every name in ``axes``, and others.

    Returns
    -------
    array
        Broadcastable against any array over ``target``.

    Examples
    --------
    >>> align(np.ones((2, 3)), ("a", "b"), ("b", "c", "a")).shape
    (3, 1, 2)
    """
    axes = tuple(axes)
    if not axes:
        return values
    present = [a for a in target if a in axes]
    perm = [axes.index(a) for a in present]
    if perm != list(range(len(perm))):
        values = values.transpose(perm)
    index = tuple(slice(None) if a in axes else None for a in target)
    if all(i == slice(None) for i in index):
        return values
    return values[index]


def product_of(factors: Sequence[Factor]) -> Factor:
    """Elementwise product of factors over the union of their axes.

    Parameters
    ----------
    factors : sequence of Factor

    Returns
    -------
    Factor
        Its axes in order of first appearance.

    Examples
    --------
    >>> f = product_of([Factor(np.array([1.0, 2.0]), ("a",)), Factor(np.array([3.0, 4.0]), ("b",))])
    >>> f.axes, f.values.tolist()
    (('a', 'b'), [[3.0, 4.0], [6.0, 8.0]])
    """
    target: list[str] = []
    for f in factors:
        target.extend(a for a in f.axes if a not in target)
    out = None
    for f in factors:
        v = align(f.values, f.axes, target)
        out = v if out is None else out * v
    return Factor(out, tuple(target))


def contract(factors: Sequence[Factor], output: Sequence[str], backend: str = "numpy") -> Any:
    """Sum the product of ``factors`` over every axis not in ``output``.

    Uses a cached opt_einsum contraction plan (variable elimination when draws or rate
    nodes are present) with any number of axes.

    Parameters
    ----------
    factors : sequence of Factor
    output : sequence of str
        The axes kept, in this order.
    backend : {"numpy", "pytensor"}
        ``"pytensor"`` builds a symbolic graph (the PyMC model).

    Returns
    -------
    array
        Over ``output``; a scalar when ``output`` is empty.

    Raises
    ------
    ValueError
        An axis of ``output`` is in no factor.

    Examples
    --------
    >>> rain = Factor(np.array([0.3, 0.7]), ("rain",))
    >>> wet = Factor(np.array([[0.9, 0.1], [0.2, 0.8]]), ("rain", "wet"))
    >>> contract([rain, wet], ["wet"]).round(2).tolist()
    [0.41, 0.59]
    >>> float(contract([rain, wet], []))
    1.0
    """
    if not factors:
        if output:
            raise ValueError(f"axes {list(output)} are in no factor")
        return np.float64(1.0)  # an empty product
    operands = [f.values for f in factors]
    if backend == "numpy":
        eq, batch, shapes = _equation(factors, output)
        return _expression(eq, shapes, batch)(*operands)
    axes: dict[str, str] = {}
    for f in factors:
        for a in f.axes:
            axes.setdefault(a, opt_einsum.get_symbol(len(axes)))
    for a in output:
        if a not in axes:
            raise ValueError(f"axis {a!r} is in no factor")
    eq = ",".join("".join(axes[a] for a in f.axes) for f in factors)
    eq += f"->{''.join(axes[a] for a in output)}"
    return _contract_symbolic(eq, operands, [f.axes for f in factors], output, axes)


@dataclass(frozen=True)
class ContractionCost:
    """What one contraction would take: its largest table and its multiply-adds.

    Examples
    --------
    >>> c = ContractionCost(largest=10**9, flops=10**12)
    >>> round(c.gigabytes, 1)
    8.0
    """

    largest: int
    flops: int

    @property
    def gigabytes(self) -> float:
        """Memory of the largest table, in GB of float64."""
        return self.largest * 8 / 1e9


def contraction_cost(factors: Sequence[Factor], output: Sequence[str]) -> ContractionCost:
    """The cost of :func:`contract` on these factors, from its plan alone (nothing runs).

    Parameters
    ----------
    factors : sequence of Factor
    output : sequence of str

    Returns
    -------
    ContractionCost

    Examples
    --------
    >>> a = Factor(np.ones((2, 3)), ("x", "y"))
    >>> b = Factor(np.ones((3, 4)), ("y", "z"))
    >>> contraction_cost([a, b], ["z"]).largest
    4
    """
    if not factors:
        return ContractionCost(1, 0)
    eq, batch, shapes = _equation(factors, output)
    if len(shapes) < 2:
        return ContractionCost(int(np.prod(shapes[0])) if shapes else 1, 0)
    return _cost(eq, shapes, batch)


@lru_cache(maxsize=4096)
def _cost(eq: str, shapes: tuple[tuple[int, ...], ...], batch: str) -> ContractionCost:
    # like the plan, its cost depends on the equation and shapes alone: an engine call
    # after an edit that keeps them (a prior, a claim's weight) reads it from here
    path = _plan(eq, shapes, batch)
    _, info = opt_einsum.contract_path(eq, *shapes, shapes=True, optimize=path)
    return ContractionCost(int(info.largest_intermediate), int(info.opt_cost))


def _equation(
    factors: Sequence[Factor], output: Sequence[str]
) -> tuple[str, str, tuple[tuple[int, ...], ...]]:
    axes: dict[str, str] = {}
    for f in factors:
        for a in f.axes:
            axes.setdefault(a, opt_einsum.get_symbol(len(axes)))
    for a in output:
        if a not in axes:
            raise ValueError(f"axis {a!r} is in no factor")
    terms = ",".join("".join(axes[a] for a in f.axes) for f in factors)
    eq = f"{terms}->{''.join(axes[a] for a in output)}"
    # draws and sources' rate nodes touch many factors (see _plan)
    batch = "".join(sym for a, sym in axes.items() if a == DRAW)
    shared = "".join(sym for a, sym in axes.items() if "@" in a)
    return eq, batch + "|" + shared, tuple(np.shape(f.values) for f in factors)


#: Entries of the largest intermediate table of an elimination plan with draws above
#: which opt_einsum's ``branch-1`` search is tried too (a tenth of a second for 60
#: operands: less than such a contraction takes) and the cheaper plan kept.
BRANCH_FROM = 2**22
#: Entries of an intermediate table above which a plan loses to any with smaller tables,
#: whatever their multiply-adds (2**27 float64: 1 GiB).
PLAN_MAX_TABLE = 2**27


@lru_cache(maxsize=4096)
def _plan(eq: str, shapes: tuple[tuple[int, ...], ...], batch: str = "|") -> Any:
    # the path search costs more than the contraction: a slider move reuses the plan
    draws, rates = batch.split("|")
    if len(shapes) < 9:
        return opt_einsum.contract_path(eq, *shapes, shapes=True, optimize="auto-hq")[0]
    if not (draws or rates):
        # plain networks (no draws, no shared rates): opt_einsum's greedy is quick and good
        return opt_einsum.contract_path(eq, *shapes, shapes=True, optimize="greedy")[0]
    # draws are never summed early. Sources' rate nodes are either ordered as if free
    # (good when each source speaks of a few facts) or eliminated like any variable (good
    # when many claims spread over many sources): plan both, keep the cheaper
    plans = [elimination_path(eq, shapes, draws + rates)]
    if rates:
        plans.append(elimination_path(eq, shapes, draws))
    costs = [opt_einsum.contract_path(eq, *shapes, shapes=True, optimize=p)[1] for p in plans]
    if min(c.largest_intermediate for c in costs) > BRANCH_FROM:
        # elimination ignores the draw axis' size: a big table without draws (a logit over
        # 20 parents) then meets the draws one parent at a time, each step a table of
        # draws x 2**19. opt_einsum's branch search multiplies the parents' draws into two
        # halves first and meets the table once, a matrix product: 31 GiB -> 130 MB
        branch = opt_einsum.contract_path(eq, *shapes, shapes=True, optimize="branch-1")
        plans.append(branch[0])
        costs.append(branch[1])
    return min(zip(costs, plans, strict=True), key=lambda cp: _plan_cost(cp[0]))[1]


def _plan_cost(info: Any) -> tuple[bool, float]:
    # a plan whose tables fit in memory wins; then multiply-adds plus the entries written,
    # weighted as numpy's einsum pays for them: big intermediates cost more than flops
    written = 10.0 * sum(info.size_list)
    return info.largest_intermediate > PLAN_MAX_TABLE, float(info.opt_cost) + written


@lru_cache(maxsize=4096)
def _expression(eq: str, shapes: tuple[tuple[int, ...], ...], batch: str = "|") -> Any:
    return opt_einsum.contract_expression(eq, *shapes, optimize=_plan(eq, shapes, batch))


def elimination_path(
    eq: str, shapes: Sequence[tuple[int, ...]], batch: str = ""
) -> list[tuple[int, int]]:
    """A pairwise contraction path that eliminates one variable at a time.

    Variable elimination with the min-weight heuristic: next, sum out the variable whose
    factors multiply into the smallest table. Axes kept in the output (outcomes, the
    ``draw`` batch axis) are never summed, so a batch axis cannot drag many variables
    into one huge intermediate, as a generic pairwise-greedy search can. ``batch`` axes
    (draws, and the quadrature nodes of sources' rates, shared by all of a source's
    claims) scale every step alike, so the order is chosen as if each had one entry.

    Parameters
    ----------
    eq : str
        An einsum equation, e.g. ``"ab,bc->c"``.
    shapes : sequence of tuple of int
        The operands' shapes.
    batch : str
        Symbols of the batch axes.

    Returns
    -------
    list of tuple of int
        Pairs of operand positions, in opt_einsum's path format.

    Examples
    --------
    >>> elimination_path("ab,bc,cd->d", [(2, 3), (3, 4), (4, 5)])
    [(0, 1), (0, 1)]
    """
    inputs, output = eq.split("->")
    terms = [set(t) for t in inputs.split(",")]
    size: dict[str, int] = {}
    for term, shape in zip(inputs.split(","), shapes, strict=True):
        size.update(zip(term, shape, strict=True))
    log_size = {a: 0.0 if a in batch else math.log(max(n, 1)) for a, n in size.items()}
    keep = set(output)
    ops: list[set[str]] = [set(t) for t in terms]
    path: list[tuple[int, int]] = []

    def merge(group: list[int]) -> None:
        # pairwise, smallest first; the merged operand goes to the end, as opt_einsum does
        group = sorted(group, key=lambda i: sum(log_size[a] for a in ops[i]))
        while len(group) > 1:
            i, j = sorted(group[:2])
            merged = ops[i] | ops[j]
            path.append((i, j))
            del ops[j]
            del ops[i]
            ops.append(merged)
            group = [len(ops) - 1, *(g - (g > i) - (g > j) for g in group[2:])]

    remaining = set().union(*ops) - keep if ops else set()
    while remaining:

        def cost(v: str) -> float:
            union = set().union(*(op for op in ops if v in op))
            return sum(log_size[a] for a in union if a != v)

        v = min(sorted(remaining), key=cost)
        group = [i for i, op in enumerate(ops) if v in op]
        if len(group) > 1:
            merge(group)
        touched = ops[-1] if len(group) > 1 else ops[group[0]]
        others = [op for op in ops if op is not touched]
        done = {a for a in touched if a not in keep and not any(a in op for op in others)}
        for op in ops:
            if op is touched:
                op -= done
        remaining -= done | {v}
    if len(ops) > 1:
        merge(list(range(len(ops))))
    return path


def _contract_symbolic(
    eq: str,
    operands: list[Any],
    factor_axes: list[tuple[str, ...]],
    output: Sequence[str],
    symbols: Mapping[str, str],
) -> Any:
    # PyTensor's einsum takes only letters: follow opt_einsum's path pairwise, renaming axes.
    import pytensor.tensor as pt

    shapes = [tuple(int(s) for s in _static_shape(v)) for v in operands]
    path, _ = opt_einsum.contract_path(eq, *shapes, shapes=True, optimize="greedy")
    live = list(zip(operands, factor_axes, strict=True))
    keep_final = set(output)
    for step in path:
        picked = [live[i] for i in sorted(step, reverse=True)]
        for i in sorted(step, reverse=True):
            live.pop(i)
        later = set(a for _, ax in live for a in ax) | keep_final
        union: list[str] = []
        for _, ax in picked:
            union.extend(a for a in ax if a not in union)
        out_axes = tuple(a for a in union if a in later)
        letters = {
            a: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]
            for i, a in enumerate(union)
        }
        sub = ",".join("".join(letters[a] for a in ax) for _, ax in picked)
        sub += "->" + "".join(letters[a] for a in out_axes)
        live.append((pt.einsum(sub, *[v for v, _ in picked]), out_axes))
    ((value, axes),) = live
    return align(value, axes, tuple(output)) if axes != tuple(output) else value


def _static_shape(v: Any) -> tuple[int, ...]:
    shape = getattr(v, "type", None)
    if shape is not None and hasattr(shape, "shape"):
        out = tuple(1 if s is None else s for s in shape.shape)
        return out
    return np.shape(v)

"""Every marginal of a factor product from one calibration (bucket-tree message passing).

:func:`~scenarios.engines.factors.contract` answers one question per call: asking for
the marginal of each of n variables runs n variable eliminations. :func:`marginals`
answers them all at once, as a junction tree does: variables are eliminated in one
greedy order (the *collect* pass of bucket elimination, which leaves a tree of buckets,
one per variable), then messages flow back from the roots (the *distribute* pass, only
towards the buckets of the targets), and each target's marginal is read off its bucket.
The cost is about twice one elimination, whatever the number of targets.

Batch axes (the draws of the uncertain probabilities) are never summed: every message
carries them, so the order is chosen as if they had one entry each.

Examples
--------
>>> import numpy as np
>>> from scenarios.engines.factors import Factor
>>> rain = Factor(np.array([0.3, 0.7]), ("rain",))
>>> wet = Factor(np.array([[0.9, 0.1], [0.2, 0.8]]), ("rain", "wet"))
>>> {k: v.round(2).tolist() for k, v in marginals([rain, wet], ["rain", "wet"]).items()}
{'rain': [0.3, 0.7], 'wet': [0.41, 0.59]}
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import opt_einsum

from scenarios.engines.factors import ContractionCost, Factor

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

__all__ = [
    "BucketTree",
    "bucket_tree",
    "calibration_cost",
    "marginals",
    "observe",
    "sum_product",
    "total",
]


@dataclass(frozen=True)
class BucketTree:
    """The symbolic plan of one calibration: an elimination order and its buckets.

    Attributes
    ----------
    order : tuple of str
        The variables, in the order they are summed out.
    home : tuple of int
        For each factor, the bucket (position in ``order``) it joins; ``-1`` for a
        factor with batch axes only (a constant).
    scope : tuple of tuple of str
        Each bucket's axes (its variable, the others it meets, batch axes last).
    parent : tuple of int
        The bucket each bucket's message goes to; ``-1`` for a root (the message is
        then the constant of its connected part).
    batch : tuple of str
        Axes never summed.
    sizes : dict of str to int
        Length of every axis.

    Examples
    --------
    >>> from scenarios.engines.factors import Factor
    >>> a = Factor(np.ones((2, 3)), ("x", "y"))
    >>> b = Factor(np.ones((3, 4)), ("y", "z"))
    >>> tree = bucket_tree([a, b])
    >>> tree.order, tree.parent
    (('x', 'y', 'z'), (1, 2, -1))
    """

    order: tuple[str, ...]
    home: tuple[int, ...]
    scope: tuple[tuple[str, ...], ...]
    parent: tuple[int, ...]
    batch: tuple[str, ...]
    sizes: dict[str, int]

    def message_axes(self, b: int) -> tuple[str, ...]:
        """The axes of the message bucket ``b`` sends up: its scope without its variable.

        Parameters
        ----------
        b : int

        Returns
        -------
        tuple of str
        """
        v = self.order[b]
        return tuple(a for a in self.scope[b] if a != v)


def _sizes(factors: Sequence[Factor]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for f in factors:
        sizes.update(zip(f.axes, np.shape(f.values), strict=True))
    return sizes


def bucket_tree(
    factors: Sequence[Factor], batch: Sequence[str] = (), heuristic: str = "weight"
) -> BucketTree:
    """Plan a calibration: a greedy min-weight elimination order and its bucket tree.

    Next eliminated is the variable whose neighbours (in the graph where factors join
    their axes) make the smallest table with it; batch axes count as length one.

    Parameters
    ----------
    factors : sequence of Factor
    batch : sequence of str
        Axes kept in every message.

    Returns
    -------
    BucketTree

    Examples
    --------
    >>> from scenarios.engines.factors import Factor
    >>> f = Factor(np.ones((5, 2, 2)), ("draw", "a", "b"))
    >>> bucket_tree([f], batch=["draw"]).scope
    (('a', 'b', 'draw'), ('b', 'draw'))
    """
    batch = tuple(batch)
    sizes = _sizes(factors)
    # the plan depends on the factors' axes and the axes' lengths alone: an engine call
    # after an edit that keeps them (a prior, a claim's weight, the same evidence) and
    # the several passes of one call (cost, total, posterior, prior) plan once
    key = (tuple(f.axes for f in factors), tuple(sorted(sizes.items())), batch, heuristic)
    return _planned(key, sizes)


@lru_cache(maxsize=512)
def _planned_tree(key: tuple) -> BucketTree:
    axes_of, size_items, batch, heuristic = key
    return _bucket_tree(axes_of, dict(size_items), batch, heuristic)


def _planned(key: tuple, sizes: dict[str, int]) -> BucketTree:
    tree = _planned_tree(key)
    # each caller gets its own sizes dict (a BucketTree is frozen, its dict is not)
    return BucketTree(tree.order, tree.home, tree.scope, tree.parent, tree.batch, sizes)


def _bucket_tree(
    axes_of: tuple[tuple[str, ...], ...],
    sizes: dict[str, int],
    batch: tuple[str, ...],
    heuristic: str,
) -> BucketTree:
    bset = set(batch)
    logs = {a: math.log(max(n, 1)) for a, n in sizes.items() if a not in bset}
    adj: dict[str, set[str]] = {a: set() for a in logs}
    for f_axes in axes_of:
        axes = [a for a in f_axes if a not in bset]
        for a in axes:
            adj[a].update(axes)
    for a, nb in adj.items():
        nb.discard(a)

    def size(v: str) -> float:
        return logs[v] + sum(logs[u] for u in adj[v])

    def fill(v: str) -> float:
        # weighted min-fill: the size of the edges eliminating v would add
        nb = sorted(adj[v])
        added = 0.0
        for i, a in enumerate(nb):
            na = adj[a]
            for b in nb[i + 1 :]:
                if b not in na:
                    added += math.exp(logs[a] + logs[b])
        return added + 1e-9 * size(v)

    weight = fill if heuristic == "fill" else size

    heap = [(weight(v), v) for v in sorted(adj)]
    heapq.heapify(heap)
    current = {v: w for w, v in heap}
    order: list[str] = []
    done: set[str] = set()
    while heap:
        w, v = heapq.heappop(heap)
        if v in done or current[v] != w:
            continue
        done.add(v)
        order.append(v)
        nb = adj.pop(v)
        for u in nb:
            adj[u].discard(v)
            adj[u].update(x for x in nb if x != u)
        for u in nb:
            current[u] = weight(u)
            heapq.heappush(heap, (current[u], u))
    pos = {v: i for i, v in enumerate(order)}
    n = len(order)
    scopes: list[set[str]] = [set() for _ in range(n)]
    home = []
    for f_axes in axes_of:
        axes = [a for a in f_axes if a not in bset]
        b = min((pos[a] for a in axes), default=-1)
        home.append(b)
        if b >= 0:
            scopes[b].update(axes)
    parent = [-1] * n
    has_batch = [False] * n
    for f_axes, b in zip(axes_of, home, strict=True):
        if b >= 0 and any(a in bset for a in f_axes):
            has_batch[b] = True
    for b in range(n):
        up = scopes[b] - {order[b]}
        if up:
            p = min(pos[a] for a in up)
            parent[b] = p
            scopes[p].update(up)
            has_batch[p] = has_batch[p] or has_batch[b]
    scope = tuple(
        (
            order[b],
            *sorted(scopes[b] - {order[b]}, key=pos.__getitem__),
            *(batch if has_batch[b] else ()),
        )
        for b in range(n)
    )
    return BucketTree(tuple(order), tuple(home), scope, tuple(parent), batch, sizes)


def sum_product(operands: list[tuple[Any, tuple[str, ...]]], out: tuple[str, ...]) -> Any:
    """Sum the product of ``(values, axes)`` operands over every axis not in ``out``.

    Parameters
    ----------
    operands : list of (array, tuple of str)
        Each array with the name of each of its axes.
    out : tuple of str
        The axes kept, in this order.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> a = np.array([0.2, 0.8])
    >>> b = np.array([[0.9, 0.1], [0.3, 0.7]])
    >>> sum_product([(a, ("x",)), (b, ("x", "y"))], ("y",))
    array([0.42, 0.58])
    """
    if not operands:
        return np.float64(1.0)  # an empty product
    letters: dict[str, str] = {}
    for _, axes in operands:
        for a in axes:
            letters.setdefault(a, _LETTERS[len(letters)] if len(letters) < 52 else "")
    if "" in letters.values():
        letters = {a: opt_einsum.get_symbol(i) for i, a in enumerate(letters)}
    eq = ",".join("".join(letters[a] for a in axes) for _, axes in operands)
    eq += "->" + "".join(letters[a] for a in out)
    values = [v for v, _ in operands]
    if len(letters) <= 52:
        # every operand of a bucket has its variable: no path can sum anything earlier,
        # so one pass over the bucket's table (no intermediates, no path search) is best
        return np.einsum(eq, *values)
    return opt_einsum.contract(eq, *values, optimize="greedy")


def calibration_cost(tree: BucketTree, targets: Sequence[str] = ()) -> ContractionCost:
    """What :func:`marginals` would take on a plan: its largest table and multiply-adds.

    Parameters
    ----------
    tree : BucketTree
    targets : sequence of str
        The variables whose marginals are wanted (the distribute pass goes to them).

    Returns
    -------
    ContractionCost
        Each bucket's table counted once for the collect pass and once more on the
        paths to the targets.

    Examples
    --------
    >>> from scenarios.engines.factors import Factor
    >>> a = Factor(np.ones((2, 3)), ("x", "y"))
    >>> calibration_cost(bucket_tree([a]), ["x"]).largest
    6
    """
    sizes = tree.sizes
    down = _down_set(tree, targets)
    largest, flops = 1, 0
    for b, scope in enumerate(tree.scope):
        size = math.prod(sizes[a] for a in scope)
        largest = max(largest, size)
        flops += size * (2 if b in down else 1)
    return ContractionCost(largest, flops)


#: Entries of the largest bucket table built at once (2**24 float64: 128 MiB): draws
#: beyond it are calibrated in chunks.
CHUNK_ENTRIES = 2**24


def _chunks(
    factors: Sequence[Factor], batch: tuple[str, ...], tree: BucketTree
) -> list[list[Factor]] | None:
    """The factors split along the first batch axis, or ``None`` when no split is needed.

    A split is needed when the axis's full length would make a bucket's table larger
    than :data:`CHUNK_ENTRIES`.
    """
    if not batch or batch[0] not in tree.sizes:
        return None
    axis = batch[0]
    n = tree.sizes[axis]
    per_draw = max(
        (math.prod(tree.sizes[a] for a in scope if a != axis) for scope in tree.scope), default=1
    )
    step = max(1, CHUNK_ENTRIES // per_draw)
    if n <= step:
        return None
    out = []
    for start in range(0, n, step):
        part = []
        for f in factors:
            if axis in f.axes:
                index = tuple(
                    slice(start, start + step) if a == axis else slice(None) for a in f.axes
                )
                part.append(Factor(np.asarray(f.values)[index], f.axes))
            else:
                part.append(f)
        out.append(part)
    return out


def _down_set(tree: BucketTree, targets: Sequence[str]) -> set[int]:
    """Buckets on the paths from the roots to the targets' buckets."""
    pos = {v: i for i, v in enumerate(tree.order)}
    down: set[int] = set()
    for t in targets:
        b = pos[t]
        while b >= 0 and b not in down:
            down.add(b)
            b = tree.parent[b]
    return down


def marginals(
    factors: Sequence[Factor],
    targets: Sequence[str],
    batch: Sequence[str] = (),
    *,
    tree: BucketTree | None = None,
) -> dict[str, np.ndarray]:
    """The unnormalised marginal of each target, from one calibration of the product.

    Equal to ``contract(factors, [*batch, t])`` for each target ``t`` (the product of
    every factor summed over all other axes), at the cost of about two eliminations.

    Parameters
    ----------
    factors : sequence of Factor
        numpy values.
    targets : sequence of str
        Axes of the factors, none of them a batch axis.
    batch : sequence of str
        Axes never summed (each result has them first, in this order).
    tree : BucketTree, optional
        A plan of these factors' axes (:func:`bucket_tree`), reused.

    Returns
    -------
    dict of str to numpy.ndarray
        Over ``(*batch, t)`` for each target ``t``.

    Raises
    ------
    ValueError
        A target is in no factor.

    Examples
    --------
    >>> from scenarios.engines.factors import Factor, contract
    >>> rng = np.random.default_rng(0)
    >>> fs = [Factor(rng.random((2, 3)), ("a", "b")), Factor(rng.random((3, 2)), ("b", "c"))]
    >>> m = marginals(fs, ["a", "c"])
    >>> bool(np.allclose(m["c"], contract(fs, ["c"])))
    True
    """
    batch = tuple(batch)
    if tree is None:
        tree = bucket_tree(factors, batch)
    parts = _chunks(factors, batch, tree)
    if parts is not None:  # the draws in chunks, so that no bucket's table outgrows memory
        pieces = [marginals(part, targets, batch) for part in parts]
        return {t: np.concatenate([p[t] for p in pieces], axis=0) for t in targets}
    pos = {v: i for i, v in enumerate(tree.order)}
    for t in targets:
        if t not in pos:
            raise ValueError(f"axis {t!r} is in no factor")
    n = len(tree.order)
    own: list[list[tuple[Any, tuple[str, ...]]]] = [[] for _ in range(n)]
    constants: list[tuple[Any, tuple[str, ...]]] = []
    for f, b in zip(factors, tree.home, strict=True):
        (own[b] if b >= 0 else constants).append((f.values, f.axes))
    children: list[list[int]] = [[] for _ in range(n)]
    for b, p in enumerate(tree.parent):
        if p >= 0:
            children[p].append(b)
    # collect: each bucket sums out its variable and sends the rest up
    up: list[Any] = [None] * n
    roots: list[int] = []
    for b in range(n):
        incoming = [(up[c], tree.message_axes(c)) for c in children[b]]
        up[b] = sum_product([*own[b], *incoming], tree.message_axes(b))
        if tree.parent[b] < 0:
            roots.append(b)
    batch_of = tuple(a for a in batch if a in tree.sizes)
    root_of = list(range(n))
    for b in reversed(range(n)):  # parents come later than children
        if tree.parent[b] >= 0:
            root_of[b] = root_of[tree.parent[b]]
    # distribute: messages down, only towards the targets' buckets
    down: dict[int, tuple[Any, tuple[str, ...]]] = {}
    need = _down_set(tree, targets)
    for b in sorted(need, reverse=True):
        p = tree.parent[b]
        if p < 0:
            continue
        ops = [*own[p], *((up[c], tree.message_axes(c)) for c in children[p] if c != b)]
        if p in down:
            ops.append(down[p])
        # the separator's axes that the rest of the tree has (it is flat along the others)
        axes = tuple(a for a in tree.message_axes(b) if a not in batch and _present(ops, a))
        axes += tuple(a for a in batch_of if _present(ops, a))
        down[b] = (sum_product(ops, axes), axes)
    out: dict[str, np.ndarray] = {}
    for t in targets:
        b = pos[t]
        ops = [*own[b], *((up[c], tree.message_axes(c)) for c in children[b])]
        if b in down:
            ops.append(down[b])
        # the other connected parts and the constants scale every marginal alike
        ops += [(up[r], tree.message_axes(r)) for r in roots if r != root_of[b]]
        ops += constants
        value = sum_product(ops, (*tuple(a for a in batch_of if _present(ops, a)), t))
        out[t] = _batched(value, batch_of, tree.sizes, ops)
    return out


def _present(ops: list[tuple[Any, tuple[str, ...]]], axis: str) -> bool:
    return any(axis in axes for _, axes in ops)


def _batched(
    value: Any, batch: tuple[str, ...], sizes: dict[str, int], ops: list[tuple[Any, tuple]]
) -> np.ndarray:
    """``value`` over ``(*batch, t)``, broadcast along batch axes none of ``ops`` has."""
    missing = [a for a in batch if not _present(ops, a)]
    value = np.asarray(value)
    if not missing:
        return value
    index = (*tuple(None if a in missing else slice(None) for a in batch), slice(None))
    shape = (*tuple(sizes[a] for a in batch), value.shape[-1])
    return np.broadcast_to(value[index], shape)


def total(factors: Sequence[Factor], batch: Sequence[str] = ()) -> Any:
    """The sum of the product of ``factors`` over every axis but ``batch``: one collect pass.

    Equal to ``contract(factors, batch)``, without a contraction path search (which on a
    network of a thousand nodes costs more than the sums).

    Parameters
    ----------
    factors : sequence of Factor
        numpy values.
    batch : sequence of str
        Axes kept.

    Returns
    -------
    numpy.ndarray or float
        Over the batch axes any factor has (in the order of ``batch``).

    Examples
    --------
    >>> from scenarios.engines.factors import Factor
    >>> wet = Factor(np.array([[0.9, 0.1], [0.2, 0.8]]), ("rain", "wet"))
    >>> float(total([Factor(np.array([0.3, 0.7]), ("rain",)), wet]))
    1.0
    """
    tree = bucket_tree(factors, batch)
    parts = _chunks(factors, tuple(batch), tree)
    if parts is not None:  # the draws in chunks, so that no bucket's table outgrows memory
        return np.concatenate([np.atleast_1d(total(part, batch)) for part in parts], axis=0)
    n = len(tree.order)
    own: list[list[tuple[Any, tuple[str, ...]]]] = [[] for _ in range(n)]
    ops: list[tuple[Any, tuple[str, ...]]] = []
    for f, b in zip(factors, tree.home, strict=True):
        (own[b] if b >= 0 else ops).append((f.values, f.axes))
    for b in range(n):
        message = (sum_product(own[b], tree.message_axes(b)), tree.message_axes(b))
        (own[tree.parent[b]] if tree.parent[b] >= 0 else ops).append(message)
    batch_of = tuple(a for a in batch if _present(ops, a))
    return sum_product(ops, batch_of)


def observe(factors: Sequence[Factor], states: dict[str, int]) -> list[Factor]:
    """Factors with hard evidence entered by slicing: each observed axis fixed at a state.

    Parameters
    ----------
    factors : sequence of Factor
    states : dict of str to int
        Observed axis to the index of its state.

    Returns
    -------
    list of Factor
        Without the observed axes (a factor left with no axis is a scalar factor).

    Examples
    --------
    >>> from scenarios.engines.factors import Factor
    >>> wet = Factor(np.array([[0.9, 0.1], [0.2, 0.8]]), ("rain", "wet"))
    >>> f, = observe([wet], {"wet": 1})
    >>> f.axes, f.values.tolist()
    (('rain',), [0.1, 0.8])
    """
    out = []
    for f in factors:
        if not any(a in states for a in f.axes):
            out.append(f)
            continue
        index = tuple(states.get(a, slice(None)) for a in f.axes)
        out.append(Factor(np.asarray(f.values)[index], tuple(a for a in f.axes if a not in states)))
    return out

"""log Z of a factor product and its gradient from one calibration, as a PyTensor Op.

The full engine marginalises the discrete facts into ``log Z(phi)``, the log of the sum
over their states of the product of the factor tables ``phi``. Written as a PyTensor
contraction, its gradient is a second graph as large as the first, which the numba
backend compiles for tens of seconds. :class:`LogZ` instead computes both with numpy,
by the exact engine's bucket-tree calibration (:mod:`scenarios.engines.calibrate`):
the derivative of ``Z`` with respect to a table entry ``phi_f(x)`` is the sum over the
other axes of the product of all the other factors, which the collect and distribute
passes give for every factor at the cost of about three eliminations.

Examples
--------
>>> import numpy as np
>>> from scenarios.engines.factors import Factor
>>> rain = Factor(np.array([0.3, 0.7]), ("rain",))
>>> seen = Factor(np.array([[0.9, 0.1], [0.2, 0.8]])[:, 1], ("rain",))
>>> logz, (d_rain, d_seen) = logz_and_gradient([rain, seen])
>>> round(float(np.exp(logz)), 2), d_rain.round(3).tolist()
(0.59, [0.169, 1.356])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op

from scenarios.engines.calibrate import bucket_tree, sum_product
from scenarios.engines.factors import Factor

__all__ = ["LogZ", "logz_and_gradient"]


def _present(ops: list[tuple[Any, tuple[str, ...]]], axis: str) -> bool:
    return any(axis in axes for _, axes in ops)


def logz_and_gradient(factors: Sequence[Factor]) -> tuple[float, list[np.ndarray]]:
    """``log Z`` of the product of ``factors`` summed over every axis, and its gradient.

    Parameters
    ----------
    factors : sequence of Factor
        numpy values, non-negative; no batch axes.

    Returns
    -------
    logz : float
        ``-inf`` when every joint state is impossible.
    gradient : list of numpy.ndarray
        ``d log Z / d phi_f``, one array of each factor's shape. Exact also where a
        table entry is zero (never divided by): the sum of the product of the others.

    Examples
    --------
    >>> from scenarios.engines.factors import Factor, contract
    >>> rng = np.random.default_rng(0)
    >>> fs = [Factor(rng.random((2, 3)), ("a", "b")), Factor(rng.random((3, 2)), ("b", "c"))]
    >>> logz, grads = logz_and_gradient(fs)
    >>> bool(np.isclose(logz, np.log(contract(fs, []))))
    True
    >>> bool(np.allclose(grads[1], contract(fs[:1], ["b"])[:, None] / contract(fs, [])))
    True
    """
    values = [np.asarray(f.values, dtype=float) for f in factors]
    tree = bucket_tree([Factor(v, f.axes) for v, f in zip(values, factors, strict=True)])
    n = len(tree.order)
    own: list[list[int]] = [[] for _ in range(n)]  # indices of the factors in each bucket
    constants: list[int] = []
    for i, b in enumerate(tree.home):
        (own[b] if b >= 0 else constants).append(i)
    children: list[list[int]] = [[] for _ in range(n)]
    for b, p in enumerate(tree.parent):
        if p >= 0:
            children[p].append(b)

    def op(i: int) -> tuple[np.ndarray, tuple[str, ...]]:
        return values[i], factors[i].axes

    # collect: each bucket sums out its variable and sends the rest up
    up: list[Any] = [None] * n
    for b in range(n):
        ops = [*(op(i) for i in own[b]), *((up[c], tree.message_axes(c)) for c in children[b])]
        up[b] = sum_product(ops, tree.message_axes(b))
    roots = [b for b in range(n) if tree.parent[b] < 0]
    z = float(np.prod([float(up[r]) for r in roots])) * float(
        np.prod([float(values[i]) for i in constants])
    )
    # distribute: every bucket gets the product of the rest of its tree, summed to its
    # separator (parents come after their children: walk down from the roots)
    down: dict[int, tuple[Any, tuple[str, ...]]] = {}
    for b in reversed(range(n)):
        p = tree.parent[b]
        if p < 0:
            continue
        ops = [
            *(op(i) for i in own[p]),
            *((up[c], tree.message_axes(c)) for c in children[p] if c != b),
        ]
        if p in down:
            ops.append(down[p])
        axes = tuple(a for a in tree.message_axes(b) if _present(ops, a))
        down[b] = (sum_product(ops, axes), axes)
    root_of = list(range(n))
    for b in reversed(range(n)):
        if tree.parent[b] >= 0:
            root_of[b] = root_of[tree.parent[b]]
    gradient: list[np.ndarray] = [np.zeros_like(v) for v in values]
    for b in range(n):
        rest = [(up[c], tree.message_axes(c)) for c in children[b]]
        if b in down:
            rest.append(down[b])
        # the other connected parts and the constants scale the derivative alike
        scale = float(np.prod([float(up[r]) for r in roots if r != root_of[b]])) * float(
            np.prod([float(values[i]) for i in constants])
        )
        for i in own[b]:
            ops = [*(op(j) for j in own[b] if j != i), *rest]
            axes = factors[i].axes
            kept = tuple(a for a in axes if _present(ops, a))
            d = np.asarray(sum_product(ops, kept)) * scale
            # flat along the axes no other factor of the bucket's tree has
            index = tuple(slice(None) if a in kept else None for a in axes)
            gradient[i] = np.broadcast_to(d[index] if kept else d, values[i].shape).copy()
    for i in constants:  # a scalar factor: the product of everything else
        others = np.prod([float(values[j]) for j in constants if j != i])
        gradient[i] = np.asarray(float(np.prod([float(up[r]) for r in roots])) * others)
    if z <= 0.0:
        return -np.inf, [np.full_like(v, np.nan) for v in values]
    return float(np.log(z)), [g / z for g in gradient]


class LogZ(Op):
    """``log Z`` of a product of factor tables, with its gradient, as one PyTensor Op.

    The Op's inputs are the tables (tensors of any shape, their axes named in
    ``axes``); its outputs are ``log Z`` and ``d log Z / d phi_f`` for every table, so
    that a graph asking for the value and the gradient (NUTS) computes both from one
    calibration. Its gradient is read off those outputs; second derivatives are not
    implemented.

    Parameters
    ----------
    axes : sequence of tuple of str
        The axis names of each input, in order (the plan of the calibration depends on
        them and on the inputs' shapes, fixed by the first call).

    Examples
    --------
    >>> import pytensor
    >>> import pytensor.tensor as pt
    >>> rain = pt.vector("rain", shape=(2,))
    >>> seen = pt.vector("seen", shape=(2,))
    >>> logz = LogZ([("rain",), ("rain",)])(rain, seen)
    >>> f = pytensor.function([rain, seen], [logz, pytensor.grad(logz, rain)], mode="CVM")
    >>> [np.round(v, 3).tolist() for v in f([0.3, 0.7], [0.1, 0.8])]
    [-0.528, [0.169, 1.356]]
    """

    __props__ = ("axes",)
    default_output = 0

    def __init__(self, axes: Sequence[Sequence[str]]) -> None:
        self.axes = tuple(tuple(a) for a in axes)

    def make_node(self, *tables: Any) -> Apply:
        """The node: ``log Z`` and one gradient per table, each of the table's type."""
        if len(tables) != len(self.axes):
            raise ValueError(f"LogZ: {len(tables)} tables for {len(self.axes)} axis tuples")
        inputs = [pt.as_tensor_variable(t).astype("float64") for t in tables]
        for t, axes in zip(inputs, self.axes, strict=True):
            if t.ndim != len(axes):
                raise ValueError(f"LogZ: a table of {t.ndim} dimensions for axes {axes}")
        outputs = [pt.dscalar(), *(t.type() for t in inputs)]
        return Apply(self, inputs, outputs)

    def perform(self, node: Apply, inputs: list[np.ndarray], outputs: list[list[Any]]) -> None:
        """One calibration (:func:`logz_and_gradient`) fills every output."""
        factors = [Factor(v, a) for v, a in zip(inputs, self.axes, strict=True)]
        logz, gradient = logz_and_gradient(factors)
        outputs[0][0] = np.asarray(logz)
        for out, g in zip(outputs[1:], gradient, strict=True):
            out[0] = g

    def infer_shape(self, node: Apply, shapes: list) -> list:
        """A scalar, then the tables' shapes."""
        return [(), *shapes]

    def L_op(self, inputs: list, outputs: list, output_grads: list) -> list:
        """The gradient outputs, scaled by the gradient of ``log Z`` from above."""
        if not all(isinstance(g.type, DisconnectedType) for g in output_grads[1:]):
            raise NotImplementedError("LogZ: second derivatives are not implemented")
        g = output_grads[0]
        return [g * d for d in outputs[1:]]

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        """Every output depends on every table."""
        return [[True] * len(node.outputs) for _ in node.inputs]

"""Expressions of derived facts: ``true_cases * ascertainment``, ``min(a, b) - 2``.

A derived fact's value is a deterministic function of other continuous (or
probability) facts, written with ``+ - * /``, unary minus, parentheses, numbers,
fact names and ``min(...)``/``max(...)``. The text is read with Python's :mod:`ast`
and only those node types are accepted: nothing is evaluated as Python code.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["FUNCTIONS", "Expression", "parse_expression", "with_constant"]

#: The functions an expression may call (each takes two or more arguments).
FUNCTIONS = ("min", "max")

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_SHOWN = {ast.Pow: "'**'", ast.FloorDiv: "'//'", ast.Mod: "'%'", ast.Compare: "a comparison"}


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, the facts it names, and how to evaluate it.

    Examples
    --------
    >>> e = parse_expression("true_cases * ascertainment")
    >>> e.facts
    ('true_cases', 'ascertainment')
    >>> e.evaluate({"true_cases": 200.0, "ascertainment": 0.25})
    50.0
    """

    text: str
    tree: ast.expr
    facts: tuple[str, ...]

    def evaluate(
        self,
        values: Mapping[str, Any],
        minimum: Callable[[Any, Any], Any] | None = None,
        maximum: Callable[[Any, Any], Any] | None = None,
    ) -> Any:
        """The expression's value given the facts' values (arrays broadcast).

        Parameters
        ----------
        values : mapping of str to number or array
            Each named fact's value (numpy arrays, PyTensor variables...).
        minimum, maximum : callable, optional
            Elementwise min and max of two values (default: :func:`numpy.minimum`,
            :func:`numpy.maximum`; give ``pytensor.tensor.minimum`` for PyTensor).

        Returns
        -------
        number or array

        Examples
        --------
        >>> import numpy as np
        >>> parse_expression("max(a, 1) / 2").evaluate({"a": np.array([0.0, 4.0])})
        array([0.5, 2. ])
        """
        import numpy as np

        fns = {"min": minimum or np.minimum, "max": maximum or np.maximum}

        def run(node: ast.expr) -> Any:
            if isinstance(node, ast.Constant):
                return float(node.value)
            if isinstance(node, ast.Name):
                return values[node.id]
            if isinstance(node, ast.UnaryOp):
                inner = run(node.operand)
                return -inner if isinstance(node.op, ast.USub) else inner
            if isinstance(node, ast.BinOp):
                return _BINARY[type(node.op)](run(node.left), run(node.right))
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            args = [run(a) for a in node.args]
            out = args[0]
            for a in args[1:]:
                out = fns[node.func.id](out, a)
            return out

        return run(self.tree)

    def divisors(self) -> tuple[Expression, ...]:
        """The expressions this one divides by (each must keep away from zero).

        Returns
        -------
        tuple of Expression

        Examples
        --------
        >>> [d.text for d in parse_expression("a / (b - 1)").divisors()]
        ['b - 1']
        """
        out = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                text = ast.unparse(node.right)
                out.append(Expression(text, node.right, _names(node.right)))
        return tuple(out)

    def constants(self) -> tuple[tuple[float, int, int], ...]:
        """The numbers written in the expression, in order, and where they are.

        Returns
        -------
        tuple of (float, int, int)
            Each number's value and its characters in :attr:`text`
            (``text[start:end]``); a minus sign before a number is an operator, not part
            of it.

        Examples
        --------
        >>> parse_expression("0.25 * true_cases + 3").constants()
        ((0.25, 0, 4), (3.0, 20, 21))
        """
        starts = [0]  # where each line of the text begins (ast counts per line)
        for line in self.text.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        found = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Constant):
                start = starts[node.lineno - 1] + node.col_offset
                end = starts[(node.end_lineno or node.lineno) - 1] + (node.end_col_offset or 0)
                found.append((float(node.value), start, end))
        return tuple(sorted(found, key=lambda c: c[1]))


def with_constant(text: str, index: int, value: float) -> str:
    """An expression with its ``index``-th number (:meth:`Expression.constants`) replaced.

    Parameters
    ----------
    text : str
        A valid expression.
    index : int
    value : float
        Finite; a negative number is written in parentheses.

    Returns
    -------
    str
        The expression's text (stripped) with that number changed, the rest as written.

    Raises
    ------
    IndexError
        No such number.
    ValueError
        ``value`` is not finite, or ``text`` is not an expression.

    Examples
    --------
    >>> with_constant("true_cases * 0.25", 0, 0.3)
    'true_cases * 0.3'
    >>> with_constant("a - 2", 0, -1)
    'a - (-1)'
    """
    from scenarios.spec.propositions import format_number

    expr = parse_expression(text)
    _, start, end = expr.constants()[index]
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"a number in an expression is finite, not {value}")
    number = format_number(value)
    number = f"({number})" if value < 0 else number
    return f"{expr.text[:start]}{number}{expr.text[end:]}"


def _names(tree: ast.expr) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            seen.setdefault(node.id)
    return tuple(seen)


@lru_cache(maxsize=1024)
def parse_expression(text: str) -> Expression:
    """Parse a derived fact's expression.

    Parameters
    ----------
    text : str
        E.g. ``"true_cases * ascertainment"`` or ``"max(a - b, 0)"``.

    Returns
    -------
    Expression

    Raises
    ------
    ValueError
        If the text is not such an expression; the message names what was found.

    Examples
    --------
    >>> parse_expression("(a + b) / 2").facts
    ('a', 'b')
    >>> parse_expression("a ** 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot use '**' in 'a ** 2': an expression takes numbers, fact names, + - * /...
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("expected an expression such as 'a * b', got an empty text")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"cannot read {text!r}: {exc.msg} (at character {exc.offset})") from None
    allowed = "numbers, fact names, + - * /, parentheses, min(...) and max(...)"
    names: dict[str, None] = {}

    def check(node: ast.expr) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValueError(f"cannot use {node.value!r} in {text!r}: expected a number")
            if not math.isfinite(float(node.value)):
                raise ValueError(f"{node.value!r} in {text!r} is not a finite number")
            return
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ValueError(f"{node.id!r} in {text!r} is a function: write {node.id}(a, b)")
            names.setdefault(node.id)
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand)
            return
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            check(node.left)
            check(node.right)
            return
        if isinstance(node, ast.Call):
            fn = node.func.id if isinstance(node.func, ast.Name) else None
            if fn not in FUNCTIONS or node.keywords or len(node.args) < 2:
                raise ValueError(
                    f"cannot call {ast.unparse(node.func)!r} in {text!r}: expected "
                    "min(a, b, ...) or max(a, b, ...) with two or more arguments"
                )
            for a in node.args:
                check(a)
            return
        what = _SHOWN.get(type(getattr(node, "op", node)), None) or _SHOWN.get(type(node))
        what = what or repr(ast.unparse(node))
        raise ValueError(f"cannot use {what} in {text!r}: an expression takes {allowed}")

    check(tree)
    return Expression(text.strip(), tree, tuple(names))

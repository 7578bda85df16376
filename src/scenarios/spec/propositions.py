"""Propositions on facts: the little language of claims.

A proposition is what a claim asserts about the world, written the way an analyst
would::

    hq_seized                      # a binary fact is true
    not helicopter_downed          # ... or false
    resistance == none             # a categorical fact is in one state
    putin_location != moscow
    resistance in [none, token]
    troops > 30                    # a threshold on a continuous fact
    hq_seized and troops >= 25     # 'and' binds tighter than 'or'

Names are fact names; a state that is not a plain word may be quoted
(``cause == "foreign agents"``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Atom",
    "Proposition",
    "Threshold",
    "evaluate",
    "format_number",
    "parse_proposition",
    "state_matches",
    "thresholds",
    "with_threshold",
]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op>==|!=|>=|<=|>|<)
      | (?P<lbr>\[) | (?P<rbr>\]) | (?P<comma>,)
      | (?P<str>"[^"]*"|'[^']*')
      | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in"}


@dataclass(frozen=True)
class Atom:
    """One comparison: ``fact op value``.

    ``op`` is one of ``== != > >= < <= in``; for ``in`` the value is a tuple of states.
    ``negated`` flips the result (``not``, ``not in``).

    Examples
    --------
    >>> parse_proposition("troops not in [1, 2]").clauses[0][0]
    Atom(fact='troops', op='in', value=(1.0, 2.0), negated=True)
    """

    fact: str
    op: str
    value: str | float | bool | tuple[str | float, ...]
    negated: bool = False


@dataclass(frozen=True)
class Proposition:
    """A disjunction of conjunctions of atoms (``or`` of ``and``).

    Examples
    --------
    >>> [len(clause) for clause in parse_proposition("a and b or c").clauses]
    [2, 1]
    """

    clauses: tuple[tuple[Atom, ...], ...]

    @property
    def facts(self) -> tuple[str, ...]:
        """Facts named, in order of first mention."""
        seen: dict[str, None] = {}
        for clause in self.clauses:
            for atom in clause:
                seen.setdefault(atom.fact)
        return tuple(seen)


_SHOWN = {
    "lbr": "'['",
    "rbr": "']'",
    "comma": "','",
    "op": "a comparison (== != > >= < <=)",
    "in": "'in'",
    "word": "a name",
}


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """Tokens as (kind, text, 1-based position in ``text`` as given)."""
    tokens, pos = [], 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:end]
            at = pos + len(rest) - len(rest.lstrip()) + 1  # the character, not the blank
            raise ValueError(f"cannot read {rest.lstrip()!r} (at character {at} of {text!r})")
        kind = m.lastgroup or ""
        value = m.group(kind).strip()
        start = m.start(kind) + 1
        if kind == "word" and value in _KEYWORDS:
            kind = value
        tokens.append((kind, value, start))
        pos = m.end()
    return tokens


def _value(kind: str, raw: str, where: str) -> str | float:
    if kind == "num":
        return float(raw)
    if kind == "str":
        return raw[1:-1]
    if kind == "word":
        return raw
    raise ValueError(f"expected a state or a number {where}")


@lru_cache(maxsize=4096)
def parse_proposition(text: str) -> Proposition:
    """Parse a proposition.

    Parameters
    ----------
    text : str
        The proposition, e.g. ``"putin_location != moscow and troops > 30"``.

    Returns
    -------
    Proposition

    Raises
    ------
    ValueError
        If the text is not a proposition; the message says where reading stopped.

    Examples
    --------
    >>> parse_proposition("resistance in [none, token]").clauses[0][0].value
    ('none', 'token')
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("expected a proposition such as 'fact == state', got an empty text")
    tokens = _tokenize(text)
    end = len(text.rstrip()) + 1
    pos = 0

    def peek() -> tuple[str, str, int]:
        return tokens[pos] if pos < len(tokens) else ("end", "", end)

    def where(tok: tuple[str, str, int]) -> str:
        found = f"found {tok[1]!r}" if tok[0] != "end" else "found the end"
        return f"at character {tok[2]} of {text!r} ({found})"

    def take(kind: str | None = None) -> tuple[str, str, int]:
        nonlocal pos
        tok = peek()
        if kind is not None and tok[0] != kind:
            raise ValueError(f"expected {_SHOWN.get(kind, repr(kind))} {where(tok)}")
        pos += 1
        return tok

    def atom() -> Atom:
        negated = False
        if peek()[0] == "not":
            take()
            negated = True
        tok = take()
        kind, name = tok[0], tok[1]
        if kind != "word":
            raise ValueError(f"expected a fact name {where(tok)}")
        nxt = peek()[0]
        if nxt == "op":
            op = take()[1]
            tok = take()
            return Atom(name, op, _value(tok[0], tok[1], where(tok)), negated)
        if nxt in ("in", "not"):
            if nxt == "not":
                take()
                negated = not negated
            take("in")
            take("lbr")
            states: list[str | float] = []
            while True:
                tok = take()
                states.append(_value(tok[0], tok[1], where(tok)))
                if peek()[0] == "comma":
                    take()
                    continue
                take("rbr")
                break
            return Atom(name, "in", tuple(states), negated)
        return Atom(name, "==", True, negated)

    clauses: list[tuple[Atom, ...]] = []
    current = [atom()]
    while peek()[0] != "end":
        tok = take()
        if tok[0] == "and":
            current.append(atom())
        elif tok[0] == "or":
            clauses.append(tuple(current))
            current = [atom()]
        else:
            raise ValueError(f"expected 'and', 'or' or the end {where(tok)}")
    clauses.append(tuple(current))
    return Proposition(tuple(clauses))


@dataclass(frozen=True)
class Threshold:
    """A number a proposition compares a fact with (``trump_share > 50``), and where it is.

    Attributes
    ----------
    fact : str
    op : str
        ``>``, ``>=``, ``<`` or ``<=``.
    value : float
    start, end : int
        The number's characters in the proposition's text (``text[start:end]``).

    Examples
    --------
    >>> thresholds("days < 7")[0]
    Threshold(fact='days', op='<', value=7.0, start=7, end=8)
    """

    fact: str
    op: str
    value: float
    start: int
    end: int


def thresholds(text: str) -> tuple[Threshold, ...]:
    """The thresholds of a proposition: each ``fact > number`` (``>= < <=``), in order.

    Parameters
    ----------
    text : str
        A valid proposition.

    Returns
    -------
    tuple of Threshold
        Empty when it compares no fact with a number (states, ``in`` lists).

    Raises
    ------
    ValueError
        If the text is not a proposition.

    Examples
    --------
    >>> [(t.fact, t.op, t.value) for t in thresholds("x >= 1.5 and not y or z < -2")]
    [('x', '>=', 1.5), ('z', '<', -2.0)]
    """
    parse_proposition(text)
    tokens = _tokenize(text)
    found = []
    for (k1, fact, _), (k2, op, _), (k3, number, at) in zip(
        tokens, tokens[1:], tokens[2:], strict=False
    ):
        if k1 == "word" and k2 == "op" and op in (">", ">=", "<", "<=") and k3 == "num":
            found.append(Threshold(fact, op, float(number), at - 1, at - 1 + len(number)))
    return tuple(found)


def with_threshold(text: str, index: int, value: float) -> str:
    """The proposition with its ``index``-th threshold (:func:`thresholds`) set to ``value``.

    The rest of the text is kept as written.

    Parameters
    ----------
    text : str
    index : int
    value : float
        Finite.

    Returns
    -------
    str

    Raises
    ------
    IndexError
        No such threshold.
    ValueError
        ``value`` is not a finite number.

    Examples
    --------
    >>> with_threshold("trump_share < 49.75 or x > 2", 0, 49.5)
    'trump_share < 49.5 or x > 2'
    """
    t = thresholds(text)[index]
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"a threshold is a finite number, not {value}")
    return f"{text[: t.start]}{format_number(value)}{text[t.end :]}"


def format_number(value: float) -> str:
    """A number as a person writes it in a file: ``50``, ``49.75``, ``1e-06``.

    The shortest text that reads back as the same float.

    Parameters
    ----------
    value : float

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(50.0), format_number(49.75), format_number(-0.1)
    ('50', '49.75', '-0.1')
    """
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def state_matches(value: str | float | bool, state: str) -> bool:
    """Whether a value written in a proposition names ``state``.

    Unquoted numbers match numeric state names (``x == 1`` names state ``"1"`` or
    ``"1.0"``); a bare binary fact name means ``"true"``.

    Parameters
    ----------
    value : str, float or bool
        As parsed (an :class:`Atom`'s value, or one item of an ``in`` list).
    state : str
        A state's name.

    Returns
    -------
    bool

    Examples
    --------
    >>> state_matches(3.0, "3"), state_matches("3", "3.0"), state_matches(True, "true")
    (True, False, True)
    """
    if isinstance(value, bool):
        return state == ("true" if value else "false")
    if isinstance(value, float):
        try:
            return float(state) == value
        except ValueError:
            return False
    return state == value


def _atom_holds(atom: Atom, value: str | float) -> bool:
    if atom.op in ("==", "!=", "in"):
        wanted = atom.value if isinstance(atom.value, tuple) else (atom.value,)
        hit = any(state_matches(v, str(value)) for v in wanted)
        if atom.op == "!=":
            hit = not hit
    else:
        x, t = float(value), float(atom.value)  # type: ignore[arg-type]
        hit = {">": x > t, ">=": x >= t, "<": x < t, "<=": x <= t}[atom.op]
    return hit != atom.negated


def evaluate(proposition: str, known: Mapping[str, str | float]) -> bool | None:
    """Whether a proposition held, given the facts known: ``None`` if they do not settle it.

    Parameters
    ----------
    proposition : str
    known : mapping of str to str or float
        Fact name to its state's name (discrete facts) or its value (continuous ones).

    Returns
    -------
    bool or None
        ``True`` or ``False`` when the known facts settle it (a clause whose atoms are all
        known and true; every clause with a known false atom), else ``None``.

    Examples
    --------
    >>> evaluate("hq_seized and troops > 30", {"hq_seized": "true", "troops": 25})
    False
    >>> evaluate("hq_seized or troops > 30", {"hq_seized": "true"})
    True
    >>> evaluate("hq_seized and troops > 30", {"hq_seized": "true"}) is None
    True
    """
    clauses = []
    for clause in parse_proposition(proposition).clauses:
        values = [None if a.fact not in known else _atom_holds(a, known[a.fact]) for a in clause]
        if all(v is True for v in values):
            return True
        clauses.append(False if any(v is False for v in values) else None)
    return False if all(c is False for c in clauses) else None

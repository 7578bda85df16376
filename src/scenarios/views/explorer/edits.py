"""What a control means: a control's value read from a scenario, and the edit it makes.

Pure functions over :class:`~scenarios.Scenario` (no widgets): the explorer's sliders
and dropdowns only call them. A prior is read and edited by field path through
:mod:`scenarios.spec.overrides`, the one way to change one number of a prior, so a
control's path (``("table", 1, "p")``) is the path a sweep or a report override writes
as ``hq_seized.table.1.p``.

Examples
--------
>>> import scenarios
>>> s = scenarios.load(scenarios.example())
>>> field(s.facts["hq_seized"].prior, ("table", 1, "p"))
0.65
>>> with_field(s, "hq_seized", ("table", 1, "p"), 0.5).facts["hq_seized"].prior.table[1].p
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scenarios.spec.claims import Claim
from scenarios.spec.dependent import ThresholdPlace, prior_quantiles, threshold_places, value_range
from scenarios.spec.expressions import with_constant
from scenarios.spec.links import anchors_from_logit, link_context
from scenarios.spec.nodes import Fact, Node
from scenarios.spec.overrides import prior_data, set_field
from scenarios.spec.priors import (
    AnchorPrior,
    ContinuousTablePrior,
    DerivedPrior,
    LogitPrior,
    Probabilities,
    RangePrior,
    TablePrior,
    ThresholdPrior,
)
from scenarios.spec.propositions import with_threshold
from scenarios.spec.scenario import Scenario
from scenarios.spec.validation import comparable_time

__all__ = [
    "GRADES",
    "INFORMATION",
    "RANGE_MASS",
    "STATUSES",
    "claim_time_notes",
    "constant_bounds",
    "control_shape",
    "counted",
    "derived_words",
    "field",
    "interval_of",
    "link_anchors",
    "number_bounds",
    "parse_number",
    "parse_probability",
    "prior_kind",
    "range_bounds",
    "range_prior",
    "rescale",
    "row_fact",
    "state_text",
    "switch_claim",
    "with_anchor_field",
    "with_derived_constant",
    "with_field",
    "with_row_range",
    "with_threshold_value",
]

#: A claim's statuses, in the order of the status dropdown ("denied" and "disputed" are
#: labels that need a denier, ``denied_by`` / ``disputed_by``: offered only on such claims).
STATUSES = ("reported", "confirmed", "retracted")
#: Admiralty source grades.
GRADES = ("A", "B", "C", "D", "E", "F")
#: Information digits a claim can take; 0 in the dropdown stands for none.
INFORMATION = (1, 2, 3, 4, 5, 6)
#: Mass of the interval a range slider edits.
RANGE_MASS = 0.9

FieldPath = Sequence[str | int]


# --- priors ----------------------------------------------------------------------------


def field(prior: Any, path: FieldPath) -> Any:
    """The value at ``path`` of a prior, as the file writes it (plain data).

    Parameters
    ----------
    prior : pydantic prior model or mapping
    path : sequence of str or int
        e.g. ``("p",)``, ``("table", 2, "probs")``; ``()`` for the whole prior.

    Returns
    -------
    object
        A number, a list or a dict (``probs`` as ``{state: probability}``).

    Examples
    --------
    >>> field({"p": 0.3, "concentration": 5}, ("p",))
    0.3
    """
    value: Any = prior_data(prior)
    for step in path:
        value = value[int(step)] if isinstance(value, list) else value[step]
    return value


def with_field(scenario: Scenario, name: str, path: FieldPath, value: Any) -> Scenario:
    """The scenario with the field at ``path`` of ``name``'s prior set to ``value``.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact or outcome.
    path : sequence of str or int
        A field path into its prior (see :func:`scenarios.spec.overrides.set_field`).
    value : object

    Returns
    -------
    Scenario
        Validated (:meth:`Scenario.with_prior` raises on an invalid value).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> with_field(s, "army_strikes", ("p",), 0.4).facts["army_strikes"].prior
    Probabilities(p=0.4, probs=None, concentration=5.0)
    """
    return scenario.with_prior(name, set_field(scenario.nodes[name].prior, path, value))


def parse_probability(text: str) -> float:
    """A probability typed by a person: ``0.35``, ``35%`` or ``35 %``; else why not.

    A bare number is a probability from 0 to 1; a number with ``%`` a percentage from 0
    to 100. Nothing is clamped: ``1.7`` is refused, not read as 1.

    Parameters
    ----------
    text : str

    Returns
    -------
    float
        From 0 to 1.

    Raises
    ------
    ValueError
        Its message is the reason, in words, to show at the control.

    Examples
    --------
    >>> parse_probability("35%"), parse_probability(" 0.35 "), parse_probability("1")
    (0.35, 0.35, 1.0)
    >>> parse_probability("1.7")
    Traceback (most recent call last):
    ...
    ValueError: 1.7 is more than 1: a probability is from 0 to 1 (e.g. 0.35) or a percentage (35%)
    """
    raw = str(text).strip()
    percent = raw.endswith("%")
    number = raw[:-1].strip() if percent else raw
    try:
        value = float(number)
    except ValueError:
        raise ValueError(
            f"{raw!r} is not a number: type a probability from 0 to 1 (e.g. 0.35) or a "
            "percentage (35%)"
        ) from None
    if not math.isfinite(value):
        raise ValueError(f"{raw} is not a probability: type a number from 0 to 1 or 0% to 100%")
    if percent:
        if not 0 <= value <= 100:
            raise ValueError(f"{raw} is outside 0% to 100%")
        return round(value / 100, 12)
    if value < 0:
        raise ValueError(f"{raw} is below 0: a probability is from 0 to 1 (e.g. 0.35)")
    if value > 1:
        raise ValueError(
            f"{raw} is more than 1: a probability is from 0 to 1 (e.g. 0.35) or a percentage (35%)"
        )
    return value


def rescale(probs: Mapping[str, float], state: str, value: float) -> dict[str, float]:
    """Set one state's probability and rescale the others proportionally.

    The result sums to one (up to rounding). If the other states all had probability
    zero, the remainder is shared equally among them.

    Parameters
    ----------
    probs : mapping of str to float
        Current state probabilities (summing to one).
    state : str
        The state being set.
    value : float
        Its new probability, clipped to [0, 1].

    Returns
    -------
    dict of str to float
        New probabilities, in the order of ``probs``.

    Examples
    --------
    >>> rescale({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.8)
    {'a': 0.8, 'b': 0.12, 'c': 0.08}
    """
    if state not in probs:
        raise KeyError(f"unknown state {state!r}; states are {list(probs)}")
    value = min(max(float(value), 0.0), 1.0)
    others = [s for s in probs if s != state]
    if not others:
        return {state: 1.0}
    rest = math.fsum(max(float(probs[s]), 0.0) for s in others)
    remainder = 1.0 - value
    out = {}
    for s in probs:
        if s == state:
            out[s] = value
        elif rest > 0.0:
            out[s] = round(remainder * max(float(probs[s]), 0.0) / rest, 6)
        else:
            out[s] = round(remainder / len(others), 6)
    # the largest other state takes the rounding, so that the sum is 1 (to 1e-9)
    largest = max(others, key=lambda s: out[s])
    out[largest] = max(0.0, round(1.0 - math.fsum(v for s, v in out.items() if s != largest), 9))
    return out


def link_anchors(scenario: Scenario, name: str) -> AnchorPrior:
    """A link as the anchor cases a person edits: as written, or those a logit link implies.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact or outcome with an :class:`~scenarios.spec.priors.AnchorPrior` or a
        :class:`~scenarios.spec.priors.LogitPrior`.

    Returns
    -------
    AnchorPrior
        A logit link's through :func:`scenarios.spec.links.anchors_from_logit`.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("ever-given-2021-03-25"))
    >>> [round(a.p, 3) for a in link_anchors(s, "lightering_needed").anchors]
    [0.5, 0.18, 0.82]
    """
    prior = scenario.nodes[name].prior
    if isinstance(prior, AnchorPrior):
        return prior
    return anchors_from_logit(prior, link_context(scenario.nodes, name))


def with_anchor_field(scenario: Scenario, name: str, path: FieldPath, value: Any) -> Scenario:
    """The scenario with a field of ``name``'s anchor cases set (a logit link becomes anchors).

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact or outcome with anchor cases or a logit link.
    path : sequence of str or int
        A field path into :func:`link_anchors`' prior, e.g. ``("anchors", 1, "p")``.
    value : object

    Returns
    -------
    Scenario
        Validated (:meth:`Scenario.with_prior` raises on an invalid value).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> probs = {"negotiated": 0.5, "suppressed": 0.3, "protracted": 0.07,
    ...          "regime_change": 0.01, "other": 0.12}
    >>> s2 = with_anchor_field(s, "mutiny_end", ("anchors", 0, "probs"), probs)
    >>> s2.outcomes["mutiny_end"].prior.anchors[0].probs["negotiated"]
    0.5
    """
    return scenario.with_prior(name, set_field(link_anchors(scenario, name), path, value))


def interval_of(fact: Fact, mass: float = RANGE_MASS) -> tuple[float, float]:
    """The central interval of a continuous or probability fact's prior.

    A range prior with this ``mass`` gives its own ``between`` back exactly; any other
    prior gives the quantiles of its elicited distribution.

    Parameters
    ----------
    fact : Fact
    mass : float
        Probability inside the interval.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> from scenarios import Fact
    >>> interval_of(Fact(kind="continuous", support=(0, None), prior={"between": [25, 50]}))
    (25.0, 50.0)
    """
    from scenarios.spec import elicit

    prior = fact.prior
    if isinstance(prior, RangePrior) and math.isclose(prior.mass, mass):
        return float(prior.between[0]), float(prior.between[1])
    tail = (1.0 - mass) / 2.0
    lo, hi = elicit.distribution(fact).dist.ppf([tail, 1.0 - tail])
    return float(lo), float(hi)


def range_prior(fact: Fact, lower: float, upper: float) -> dict[str, Any]:
    """The prior a range slider writes: ``{between: [lower, upper], mass: 0.9}``.

    A ``family`` given in the fact's current prior is kept; otherwise the library picks
    it from the fact (Beta for probabilities, LogNormal for positive quantities, Normal).

    Parameters
    ----------
    fact : Fact
    lower, upper : float

    Returns
    -------
    dict

    Examples
    --------
    >>> from scenarios import Fact
    >>> f = Fact(kind="probability", prior={"quantiles": {0.05: 0.1, 0.95: 0.4}})
    >>> range_prior(f, 0.2, 0.5)
    {'between': [0.2, 0.5], 'mass': 0.9}
    """
    out: dict[str, Any] = {"between": [float(lower), float(upper)], "mass": RANGE_MASS}
    family = getattr(fact.prior, "family", None)
    if family is not None:
        out["family"] = family
    return out


def range_bounds(fact: Fact, lower: float, upper: float) -> tuple[float, float, float]:
    """Slider ``(min, max, step)`` for a range: the interval widened by its width each side.

    Bounded by the fact's support (strictly inside it, so that every position is a
    valid prior) and by [0, 1] for a probability.

    Parameters
    ----------
    fact : Fact
    lower, upper : float
        The interval shown.

    Returns
    -------
    (float, float, float)

    Examples
    --------
    >>> from scenarios import Fact
    >>> range_bounds(Fact(kind="continuous", support=(0, None), prior={"between": [25, 50]}),
    ...              25, 50)
    (0.25, 75.0, 0.25)
    """
    if fact.kind == "probability":
        return 0.001, 0.999, 0.001
    width = upper - lower
    step = _nice_step(3 * width / 300)
    lo, hi = lower - width, upper + width
    s_lo, s_hi = fact.support or (None, None)
    if s_lo is not None:
        lo = max(lo, s_lo + step)
    if s_hi is not None:
        hi = min(hi, s_hi - step)
    return _round_to(lo, step, math.floor), _round_to(hi, step, math.ceil), step


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 0.01
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def _round_to(x: float, step: float, how: Callable[[float], float]) -> float:
    return round(how(x / step) * step, 10)


def prior_kind(prior: Any, kind: str) -> str:
    """A prior's kind in words, for the heading of its controls.

    Parameters
    ----------
    prior : object
        A fact's or outcome's prior.
    kind : str
        The node's kind (``"binary"``, ``"categorical"`` ...).

    Returns
    -------
    str

    Examples
    --------
    >>> prior_kind(Probabilities(p=0.4), "binary")
    'probability of true'
    """
    if isinstance(prior, Probabilities) and kind == "binary":
        return "probability of true"
    return {
        "Probabilities": "state probabilities",
        "TablePrior": "conditional table",
        "AnchorPrior": "anchor cases",
        "LogitPrior": "link, shown as anchor cases",
        "RangePrior": "range",
        "QuantilePrior": "quantiles",
        "DistributionPrior": "distribution",
        "ContinuousTablePrior": "a distribution per case",
        "DerivedPrior": "worked out from other facts",
        "ThresholdPrior": "a line on a quantity",
    }.get(type(prior).__name__, type(prior).__name__)


def control_shape(scenario: Scenario) -> tuple[Any, ...]:
    """What there is to control: an edit that changes this needs new controls.

    Moving a slider keeps the shape; adding a claim, or removing a concentration, changes
    it (a control appears or goes).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    tuple
        Comparable with ``==``: the kind of every prior, the claims' ids and which
        sources have a grade.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> control_shape(with_field(s, "army_strikes", ("p",), 0.4)) == control_shape(s)
    True
    >>> control_shape(with_field(s, "army_strikes", ("concentration",), None)) == control_shape(s)
    False
    """

    def prior_shape(prior: Any) -> tuple[Any, ...]:
        if isinstance(prior, Probabilities):
            return ("probs", prior.p is None, prior.concentration is None)
        if isinstance(prior, TablePrior):
            rows = tuple((r.p is None, r.concentration is None) for r in prior.table)
            default = None if prior.default is None else prior.default.p is None
            return ("table", prior.given, rows, default, prior.concentration is None)
        if isinstance(prior, ContinuousTablePrior):
            when = tuple(tuple(r.when.items()) for r in prior.table)
            return ("continuous table", prior.given, when, prior.default is None)
        if isinstance(prior, DerivedPrior):
            # an edit of a number keeps the shape; a new formula changes it
            return ("derived", prior.expression.facts, len(prior.expression.constants()))
        if isinstance(prior, ThresholdPrior):
            # where the lines are, not their values: moving one keeps the controls
            return ("threshold", tuple(p[:5] for p in threshold_places(prior)))
        return ("continuous",)

    def shape_of(name: str, prior: Any) -> tuple[Any, ...]:
        if isinstance(prior, AnchorPrior | LogitPrior):
            # a logit link and the anchors it turns into when edited have one shape
            anchors = link_anchors(scenario, name)
            cases = tuple((a.p is None, a.concentration is None) for a in anchors.anchors)
            return ("link", cases, anchors.concentration is None)
        return prior_shape(prior)

    return (
        tuple((n, shape_of(n, node.prior)) for n, node in scenario.nodes.items()),
        tuple(c.id for c in scenario.claims),
        tuple((n, src.grade is None) for n, src in scenario.sources.items()),
    )


# --- facts that depend on others: tables of distributions, expressions, thresholds ---


def row_fact(fact: Fact, at: FieldPath) -> Fact:
    """A continuous table fact as if its row at ``at`` were its whole prior.

    What a row's range control reads and writes through (:func:`interval_of`,
    :func:`range_bounds`, :func:`range_prior`): the row's distribution, with the fact's
    kind, support and unit.

    Parameters
    ----------
    fact : Fact
        With a :class:`~scenarios.spec.priors.ContinuousTablePrior`.
    at : sequence of str or int
        ``("table", i)`` or ``("default",)``.

    Returns
    -------
    Fact

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("pennsylvania-2024-11-05"))
    >>> [round(x, 3) for x in interval_of(row_fact(s.facts["polling_error"], ("table", 0)))]
    [0.033, 4.967]
    """
    row = fact.prior
    for step in at:
        row = row[int(step)] if isinstance(row, tuple) else getattr(row, str(step))
    return fact.model_copy(update={"prior": row.prior})


def with_row_range(
    scenario: Scenario, name: str, at: FieldPath, lower: float, upper: float
) -> Scenario:
    """The scenario with a continuous table's row (or default) set to a 90% range.

    The row keeps its ``when``; its distribution becomes :func:`range_prior`'s
    ``{between: [lower, upper], mass: 0.9}``, as a root fact's range slider writes.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact with a :class:`~scenarios.spec.priors.ContinuousTablePrior`.
    at : sequence of str or int
        ``("table", i)`` or ``("default",)``.
    lower, upper : float

    Returns
    -------
    Scenario
        Validated (:meth:`Scenario.with_prior` raises on an invalid range).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("pennsylvania-2024-11-05"))
    >>> row = with_row_range(s, "polling_error", ("table", 0), 1, 4).facts["polling_error"]
    >>> row.prior.table[0].between, dict(row.prior.table[0].when)
    ((1.0, 4.0), {'poll_miss': 'understate_trump'})
    """
    fact = scenario.facts[name]
    when = field(fact.prior, at).get("when")
    row = {**({"when": when} if when is not None else {})}
    row.update(range_prior(row_fact(fact, at), lower, upper))
    return with_field(scenario, name, at, row)


def state_text(node: Node, state: str) -> str:
    """A state in words: its description if the file gives one, else its name.

    Parameters
    ----------
    node : Fact or Outcome
    state : str

    Returns
    -------
    str

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("pennsylvania-2024-11-05"))
    >>> state_text(s.facts["poll_miss"], "on_target")
    'No shared miss beyond about 1.5 points either way.'
    >>> state_text(s.facts["polled_share"], "x")
    'x'
    """
    states = node.states
    if isinstance(states, Mapping) and states.get(state):
        return str(states[state])
    return str(state)


def derived_words(scenario: Scenario, name: str) -> list[tuple[str, str]]:
    """What a derived fact is made of: ``(fact, its description and unit)`` per input.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact with a :class:`~scenarios.spec.priors.DerivedPrior`.

    Returns
    -------
    list of (str, str)
        In the order the expression names them.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("pennsylvania-2024-11-05"))
    >>> [f for f, _ in derived_words(s, "trump_share")]
    ['polled_share', 'polling_error']
    """
    prior = scenario.nodes[name].prior
    assert isinstance(prior, DerivedPrior)
    out = []
    for f in prior.expression.facts:
        node = scenario.nodes[f]
        unit = getattr(node, "unit", None)
        text = " ".join((node.description or f).split())
        out.append((f, f"{text} ({unit})" if unit else text))
    return out


def with_derived_constant(scenario: Scenario, name: str, index: int, value: float) -> Scenario:
    """The scenario with the ``index``-th number of a derived fact's expression set.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact with a :class:`~scenarios.spec.priors.DerivedPrior`.
    index : int
        Of :meth:`scenarios.spec.expressions.Expression.constants`.
    value : float

    Returns
    -------
    Scenario
        Validated (a divisor that may reach 0, a probability out of [0, 1] is refused).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.loads('''
    ... title: Cases
    ... facts:
    ...   a: {kind: continuous, prior: {between: [1, 2]}}
    ...   b: {kind: continuous, prior: {derived: "a * 0.25"}}
    ... outcomes: {many: {kind: binary, exhaustive: yes or no, prior: {when: "b > 0.3"}}}
    ... ''')
    >>> with_derived_constant(s, "b", 0, 0.5).facts["b"].prior.derived
    'a * 0.5'
    """
    prior = scenario.nodes[name].prior
    assert isinstance(prior, DerivedPrior)
    return with_field(scenario, name, ("derived",), with_constant(prior.derived, index, value))


def with_threshold_value(
    scenario: Scenario, name: str, place: ThresholdPlace, value: float
) -> Scenario:
    """The scenario with one threshold of a node's conditions moved to ``value``.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A fact or outcome with a :class:`~scenarios.spec.priors.ThresholdPrior`.
    place : ThresholdPlace
        From :func:`scenarios.spec.dependent.threshold_places` (only ``path`` and
        ``index`` are used).
    value : float

    Returns
    -------
    Scenario
        Validated.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("pennsylvania-2024-11-05"))
    >>> place = threshold_places(s.outcomes["pa_winner"].prior)[0]
    >>> with_threshold_value(s, "pa_winner", place, 50.5).outcomes["pa_winner"].prior.cases
    {'trump': 'trump_share > 50.5', 'harris': 'otherwise'}
    """
    text = field(scenario.nodes[name].prior, place.path)
    return with_field(scenario, name, place.path, with_threshold(text, place.index, value))


def number_bounds(scenario: Scenario, fact: str) -> tuple[float, float, float, float, float]:
    """Where a threshold on ``fact`` can sit, and a slider's range and step for it.

    Parameters
    ----------
    scenario : Scenario
    fact : str
        A continuous, probability, table or derived fact.

    Returns
    -------
    (lower, upper, slider_min, slider_max, step) : float
        The values the fact can take (infinite when unbounded), its prior's central 99%
        interval (the slider's span) and a round step of about a 300th of it.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example("pennsylvania-2024-11-05"))
    >>> [round(v, 1) for v in number_bounds(s, "trump_share")]
    [-inf, inf, 40.8, 59.2, 0.1]
    """
    lower, upper = (float(v) for v in value_range(fact, scenario.nodes))
    lo, hi = (float(v) for v in prior_quantiles(fact, scenario.nodes, [0.005, 0.995]))
    step = _nice_step((hi - lo) / 300)
    return lower, upper, _round_to(lo, step, math.floor), _round_to(hi, step, math.ceil), step


def constant_bounds(value: float) -> tuple[float, float, float]:
    """A slider's ``(min, max, step)`` for a number of a formula: 0 to twice it.

    Parameters
    ----------
    value : float

    Returns
    -------
    (float, float, float)

    Examples
    --------
    >>> constant_bounds(0.25), constant_bounds(-3), constant_bounds(0)
    ((0.0, 0.5, 0.001), (-6.0, 0.0, 0.01), (-1.0, 1.0, 0.01))
    """
    if value == 0:
        return -1.0, 1.0, 0.01
    step = _nice_step(abs(value) / 300)
    ends = sorted((0.0, _round_to(2 * value, step, round)))
    return ends[0], ends[1], step


def parse_number(text: str, lower: float = -math.inf, upper: float = math.inf) -> float:
    """A number typed by a person, in a fact's unit; else why not.

    Parameters
    ----------
    text : str
    lower, upper : float
        The values allowed (inclusive).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Its message is the reason, in words, to show at the control.

    Examples
    --------
    >>> parse_number(" 49.5 "), parse_number("1e3")
    (49.5, 1000.0)
    >>> parse_number("1.5", 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: 1.5 is outside the values it can take (0 to 1)
    """
    raw = str(text).strip()
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number: type one such as 49.5") from None
    if not math.isfinite(value):
        raise ValueError(f"{raw} is not a finite number")
    if not lower <= value <= upper:
        raise ValueError(f"{raw} is outside the values it can take ({lower:g} to {upper:g})")
    return value


# --- claims ----------------------------------------------------------------------------


def claim_time_notes(claim: Claim, as_of: Any) -> list[str]:
    """What a reader should know about a claim's date: hindsight, no time of day, no zone.

    Parameters
    ----------
    claim : Claim
    as_of : datetime or None
        The scenario's ``as_of``.

    Returns
    -------
    list of str
        Empty when the claim is dated with a time and zone, no later than ``as_of``.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from scenarios.spec.claims import Claim
    >>> c = Claim(id="c", text="t", proposition="a", time=datetime(2023, 6, 24))
    >>> for n in claim_time_notes(c, datetime(2023, 6, 23, 21, tzinfo=timezone.utc)):
    ...     print(n)
    dated 2023-06-24, a date with no time of day: read as 00:00 UTC
    dated after the scenario's as-of (2023-06-23 21:00 UTC): known only in hindsight
    """
    from datetime import UTC

    t = claim.time
    if t is None:
        return []
    notes = []
    if t.tzinfo is None and (t.hour, t.minute, t.second, t.microsecond) == (0, 0, 0, 0):
        notes.append(f"dated {t:%Y-%m-%d}, a date with no time of day: read as 00:00 UTC")
    elif t.tzinfo is None:
        notes.append(f"dated {t:%Y-%m-%d %H:%M} with no time zone: read as UTC")
    if as_of is not None:
        limit = comparable_time(as_of)
        if comparable_time(t) > limit:
            notes.append(
                f"dated after the scenario's as-of ({limit.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
                ": known only in hindsight"
            )
    return notes


def counted(claim: Claim) -> bool:
    """Whether a claim counts as evidence (is switched on): not retracted.

    Parameters
    ----------
    claim : Claim

    Returns
    -------
    bool

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> counted(s.claim("hq_seized"))
    True
    """
    on = getattr(claim, "counted", None)
    return bool(on) if on is not None else getattr(claim, "retraction", None) is None


def switch_claim(
    scenario: Scenario, claim_id: str, on: bool, status_before: str | None = None
) -> Scenario:
    """The scenario with a claim switched off (retracted, kept in the ledger) or back on.

    Parameters
    ----------
    scenario : Scenario
    claim_id : str
    on : bool
    status_before : str, optional
        The status to go back to when switched on (the one it had when switched off);
        default ``"reported"``.

    Returns
    -------
    Scenario

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.example())
    >>> off = switch_claim(s, "hq_seized", False)
    >>> off.claim("hq_seized").status
    'retracted'
    >>> switch_claim(off, "hq_seized", True).claim("hq_seized").status
    'reported'
    """
    claim = scenario.claim(claim_id)
    if not on:
        return scenario.with_claim_changed(claim_id, status="retracted")
    changes: dict[str, Any] = {}
    if claim.status == "retracted":
        changes["status"] = (
            status_before if status_before not in (None, "retracted") else "reported"
        )
    if getattr(claim, "retracted", None) is not None:
        changes["retracted"] = None
    return scenario.with_claim_changed(claim_id, **changes)

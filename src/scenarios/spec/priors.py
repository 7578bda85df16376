"""Priors: what a fact or outcome is believed before the claims.

Discrete facts and outcomes take state probabilities (:class:`Probabilities`), a
conditional table over parent facts (:class:`TablePrior`), the probabilities of a few
anchor cases of the parents (:class:`AnchorPrior`, from which a logit link is fitted:
:mod:`scenarios.spec.links`) or a logit link (:class:`LogitPrior`); continuous and
probability facts take a range (:class:`RangePrior`), quantiles (:class:`QuantilePrior`)
or a named distribution (:class:`DistributionPrior`). :data:`Prior` is the union a
file's ``prior:`` is read as, told apart by its keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from scenarios.spec.fields import (
    Finite,
    FrozenDict,
    Name,
    Positive,
    Probability,
    SpecModel,
    StateFloats,
    StateName,
    StateProbs,
)

__all__ = [
    "CONTINUOUS_PRIORS",
    "DISCRETE_PRIORS",
    "PRIOR_TAGS",
    "RANGE_MASS",
    "Anchor",
    "AnchorPrior",
    "DistributionPrior",
    "LogitLink",
    "LogitPrior",
    "LogitTerm",
    "Prior",
    "Probabilities",
    "QuantilePrior",
    "RangePrior",
    "TablePrior",
    "TableRow",
    "prior_parents",
]


class Probabilities(SpecModel):
    """Prior state probabilities of a root fact: ``p`` (binary) or ``probs`` (any).

    ``concentration`` makes the probabilities themselves uncertain: a Beta/Dirichlet with
    these means and total concentration (larger = surer).

    Examples
    --------
    >>> Probabilities(p=0.8, concentration=10).p
    0.8
    """

    p: Probability | None = None
    probs: StateProbs | None = None
    concentration: Positive | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Probabilities:
        if (self.p is None) == (self.probs is None):
            raise ValueError(
                "give exactly one of 'p' (binary facts) or 'probs' (state: probability)"
            )
        return self


class TableRow(SpecModel):
    """One row of a conditional table: the parents' states and this fact's probabilities.

    Examples
    --------
    >>> dict(TableRow(when={"hq_seized": True}, p=0.8).when)
    {'hq_seized': 'true'}
    """

    when: Annotated[dict[Name, StateName], AfterValidator(FrozenDict)]
    p: Probability | None = None
    probs: StateProbs | None = None
    concentration: Positive | None = None

    @model_validator(mode="after")
    def _one_of(self) -> TableRow:
        if (self.p is None) == (self.probs is None):
            raise ValueError("give exactly one of 'p' or 'probs' in each row")
        return self


class TablePrior(SpecModel):
    """A conditional probability table over the parent facts in ``given``.

    Rows not listed take ``default``; ``concentration`` (per table or per row) makes each
    row a Dirichlet.

    Examples
    --------
    >>> t = TablePrior(given=["f"], table=[{"when": {"f": True}, "p": 0.9}], default={"p": 0.2})
    >>> t.table[0].p, t.default.p
    (0.9, 0.2)
    """

    given: tuple[Name, ...] = Field(min_length=1)
    table: tuple[TableRow, ...] = ()
    default: Probabilities | None = None
    concentration: Positive | None = None


class LogitTerm(SpecModel):
    """A term of a logit link.

    A discrete parent enters through one of its states (``fact == state``); a continuous
    parent enters linearly as ``(x - center) / scale`` (defaults: its prior median and the
    half-width of its 90% prior interval divided by 1.645). ``coef`` is a number for a
    binary child (log-odds of true) or ``{state: number}`` for a categorical child (log-odds
    against the first state).

    Examples
    --------
    >>> LogitTerm(fact="troops", coef=0.5, center=30, scale=5).scale
    5.0
    """

    fact: Name
    state: StateName | None = None
    coef: Finite | StateFloats
    center: Finite | None = None
    scale: Positive | None = None


class LogitLink(SpecModel):
    """Intercept and terms of a (multinomial) logit link.

    Examples
    --------
    >>> LogitLink(intercept=-1, terms=[{"fact": "hq_seized", "state": True, "coef": 2}]).intercept
    -1.0
    """

    intercept: Finite | StateFloats = 0.0
    terms: tuple[LogitTerm, ...] = ()


class LogitPrior(SpecModel):
    """A fact or outcome whose probabilities follow a logit link of its parents.

    Examples
    --------
    >>> prior = LogitPrior(logit={"intercept": 0.5, "terms": [{"fact": "x", "coef": 1.0}]})
    >>> prior_parents(prior)
    ('x',)
    """

    logit: LogitLink


def _anchor_value(value: object) -> object:
    # a discrete parent's state is text (YAML's true/false as "true"/"false"); a
    # continuous parent's value is a number
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


#: A parent's state (text) or, for a continuous parent, its value (a number).
AnchorValue = Annotated[
    Finite | StateName, Field(union_mode="left_to_right"), BeforeValidator(_anchor_value)
]


class Anchor(SpecModel):
    """One anchor case: the parents that differ from the baseline, and the child's probabilities.

    ``when`` names the parents set away from the :class:`AnchorPrior`'s ``baseline`` (a
    state for a discrete parent, a value for a continuous one); the other parents stay
    at the baseline, so ``when: {}`` is the baseline case itself. ``p`` (binary child)
    or ``probs`` (any) are the child's probabilities in that case, each strictly between
    0 and 1; ``concentration`` (or the prior's) says how sure: the probabilities are
    then a Dirichlet with these means.

    Examples
    --------
    >>> a = Anchor(when={"army_loyalty": "defecting", "troops": 43}, p=0.3)
    >>> dict(a.when), a.p
    ({'army_loyalty': 'defecting', 'troops': 43.0}, 0.3)
    """

    when: Annotated[dict[Name, AnchorValue], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    p: Probability | None = None
    probs: StateProbs | None = None
    concentration: Positive | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Anchor:
        if (self.p is None) == (self.probs is None):
            raise ValueError("give exactly one of 'p' or 'probs' in each anchor")
        return self


class AnchorPrior(SpecModel):
    """A link elicited as the child's probabilities in a few cases of its parents.

    ``given`` lists the parents; ``baseline`` gives each one a state (discrete) or a
    value (continuous); each of ``anchors`` changes a few parents from the baseline and
    says the child's probabilities there. The library fits a main-effects logit link to
    them (:func:`scenarios.spec.links.fit_anchors`): one effect per parent state other
    than the baseline's, and a linear effect per continuous parent. The file keeps the
    anchors; the link is derived. ``concentration`` (per prior or per anchor) makes the
    anchors' probabilities uncertain, and so the link.

    Examples
    --------
    >>> prior = AnchorPrior(
    ...     given=["hq_seized"],
    ...     baseline={"hq_seized": False},
    ...     anchors=[{"when": {}, "p": 0.2}, {"when": {"hq_seized": True}, "p": 0.7}],
    ... )
    >>> prior_parents(prior), dict(prior.baseline)
    (('hq_seized',), {'hq_seized': 'false'})
    """

    given: tuple[Name, ...] = Field(min_length=1)
    baseline: Annotated[dict[Name, AnchorValue], AfterValidator(FrozenDict)]
    anchors: tuple[Anchor, ...] = Field(min_length=1)
    concentration: Positive | None = None


#: The masses a range may hold: below 1% it says next to nothing about where the value
#: lies, and beyond 1 - 1e-9 its tails are past float precision (the two ends of the
#: range would be quantiles 0 and 1).
RANGE_MASS = (0.01, 1.0 - 1e-9)


def _range_mass(value: float) -> float:
    low, high = RANGE_MASS
    if not low <= value <= high:  # also refuses nan
        raise ValueError(
            f"a range's mass is the probability between its ends: expected {low} to {high:.9f}"
        )
    return value


class RangePrior(SpecModel):
    """A range: ``mass`` of the probability between ``between[0]`` and ``between[1]``.

    The family defaults from the fact: Beta for probabilities, LogNormal for positive
    quantities, Normal otherwise.

    Examples
    --------
    >>> RangePrior(between=(25, 50), mass=0.9).mass
    0.9
    """

    between: tuple[Finite, Finite]
    mass: Annotated[float, AfterValidator(_range_mass)] = 0.9
    family: Literal["Normal", "LogNormal", "Beta"] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RangePrior:
        if not self.between[0] < self.between[1]:
            raise ValueError(f"'between' needs lower < upper, got {list(self.between)}")
        return self


class QuantilePrior(SpecModel):
    """Quantiles ``{probability: value}``; at least two, increasing in both.

    Examples
    --------
    >>> sorted(QuantilePrior(quantiles={0.1: 20, 0.5: 30, 0.9: 45}).quantiles)
    [0.1, 0.5, 0.9]
    """

    quantiles: Annotated[dict[Probability, Finite], AfterValidator(FrozenDict)]
    family: Literal["Normal", "LogNormal", "Beta"] | None = None

    @model_validator(mode="after")
    def _increasing(self) -> QuantilePrior:
        items = sorted(self.quantiles.items())
        if len(items) < 2:
            raise ValueError("give at least two quantiles")
        if any(q <= 0 or q >= 1 for q, _ in items):
            raise ValueError("quantile levels must lie strictly between 0 and 1")
        if any(b[1] <= a[1] for a, b in pairwise(items)):
            raise ValueError("quantile values must increase with their levels")
        return self


class DistributionPrior(SpecModel):
    """A named distribution with its parameters, as in ``pymc_extras.prior.Prior``.

    Examples
    --------
    >>> d = DistributionPrior(distribution="LogNormal", parameters={"mu": 3.5, "sigma": 0.3})
    >>> d.distribution
    'LogNormal'
    """

    distribution: str
    parameters: Annotated[dict[str, Finite], AfterValidator(FrozenDict)]


def _prior_tag(value: object) -> str | None:
    keys = (
        set(value)
        if isinstance(value, Mapping)
        else set(vars(value))
        if isinstance(value, BaseModel)
        else set()
    )
    if isinstance(value, BaseModel):
        return type(value).__name__
    for key, tag in (
        ("anchors", "AnchorPrior"),
        ("baseline", "AnchorPrior"),
        ("table", "TablePrior"),
        ("given", "TablePrior"),
        ("logit", "LogitPrior"),
        ("between", "RangePrior"),
        ("quantiles", "QuantilePrior"),
        ("distribution", "DistributionPrior"),
        ("p", "Probabilities"),
        ("probs", "Probabilities"),
    ):
        if key in keys:
            return tag
    return None


#: A fact's or outcome's prior: one of the seven types, told apart by its keys.
Prior = Annotated[
    Annotated[Probabilities, Tag("Probabilities")]
    | Annotated[TablePrior, Tag("TablePrior")]
    | Annotated[LogitPrior, Tag("LogitPrior")]
    | Annotated[AnchorPrior, Tag("AnchorPrior")]
    | Annotated[RangePrior, Tag("RangePrior")]
    | Annotated[QuantilePrior, Tag("QuantilePrior")]
    | Annotated[DistributionPrior, Tag("DistributionPrior")],
    Discriminator(
        _prior_tag,
        custom_error_type="prior",
        custom_error_message=(
            "expected a prior with one of the keys p, probs, table, anchors, logit, between, "
            "quantiles, distribution"
        ),
    ),
]
#: The prior types of binary and categorical nodes.
DISCRETE_PRIORS = (Probabilities, TablePrior, LogitPrior, AnchorPrior)
#: The prior types of continuous and probability facts.
CONTINUOUS_PRIORS = (RangePrior, QuantilePrior, DistributionPrior)
#: The tags that name :data:`Prior`'s members (pydantic puts them in error paths).
PRIOR_TAGS = frozenset(t.__name__ for t in (*DISCRETE_PRIORS, *CONTINUOUS_PRIORS))


def prior_parents(prior: Any) -> tuple[str, ...]:
    """The facts (or outcomes) a prior conditions on.

    Parameters
    ----------
    prior : Probabilities, TablePrior, AnchorPrior, LogitPrior, RangePrior, QuantilePrior
        or DistributionPrior

    Returns
    -------
    tuple of str
        A table's or anchors' ``given``, a logit link's term facts (each once, in order), or ``()``.

    Examples
    --------
    >>> prior_parents(TablePrior(given=["a", "b"], default={"p": 0.5}))
    ('a', 'b')
    >>> prior_parents(Probabilities(p=0.5))
    ()
    """
    if isinstance(prior, TablePrior | AnchorPrior):
        return prior.given
    if isinstance(prior, LogitPrior):
        return tuple(dict.fromkeys(t.fact for t in prior.logit.terms))
    return ()

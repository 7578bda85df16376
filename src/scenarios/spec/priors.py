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

from scenarios.spec.expressions import Expression, parse_expression
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
from scenarios.spec.propositions import parse_proposition

__all__ = [
    "CONTINUOUS_PRIORS",
    "DEPENDENT_PRIORS",
    "DISCRETE_PRIORS",
    "OTHERWISE",
    "PRIOR_TAGS",
    "RANGE_MASS",
    "Anchor",
    "AnchorPrior",
    "ContinuousChoice",
    "ContinuousRow",
    "ContinuousTablePrior",
    "DerivedPrior",
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
    "ThresholdPrior",
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
    against the first state). ``sd``, shaped like ``coef``, makes the coefficient
    uncertain: Normal with mean ``coef`` and this standard deviation (0 or absent: exact).

    Examples
    --------
    >>> LogitTerm(fact="troops", coef=0.5, center=30, scale=5).scale
    5.0
    >>> LogitTerm(fact="troops", coef=0.5, sd=0.2).sd
    0.2
    """

    fact: Name
    state: StateName | None = None
    coef: Finite | StateFloats
    sd: Finite | StateFloats | None = None
    center: Finite | None = None
    scale: Positive | None = None

    @model_validator(mode="after")
    def _sd_not_negative(self) -> LogitTerm:
        _check_sd(self.sd, "sd")
        return self


def _check_sd(value: float | Mapping[str, float] | None, field: str) -> None:
    values = value.values() if isinstance(value, Mapping) else [] if value is None else [value]
    if any(v < 0 for v in values):
        raise ValueError(f"'{field}' is a standard deviation: expected numbers >= 0")


class LogitLink(SpecModel):
    """Intercept and terms of a (multinomial) logit link.

    ``intercept_sd`` (shaped like ``intercept``) makes the intercept uncertain, as a
    term's ``sd`` does its coefficient.

    Examples
    --------
    >>> LogitLink(intercept=-1, terms=[{"fact": "hq_seized", "state": True, "coef": 2}]).intercept
    -1.0
    """

    intercept: Finite | StateFloats = 0.0
    intercept_sd: Finite | StateFloats | None = None
    terms: tuple[LogitTerm, ...] = ()

    @model_validator(mode="after")
    def _sd_not_negative(self) -> LogitLink:
        _check_sd(self.intercept_sd, "intercept_sd")
        return self


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


# --- facts that depend on other facts: tables of distributions, expressions, thresholds ---

_CONTINUOUS_KEYS = frozenset({"between", "quantiles", "distribution"})


class ContinuousChoice(SpecModel):
    """One continuous prior written flat, as a table's row or default.

    ``between`` (with ``mass``, ``family``), ``quantiles`` (with ``family``) or
    ``distribution`` with ``parameters``. The rows and the default of a
    :class:`ContinuousTablePrior`.

    Examples
    --------
    >>> ContinuousChoice(between=[0.4, 0.6]).prior
    RangePrior(between=(0.4, 0.6), mass=0.9, family=None)
    """

    between: tuple[Finite, Finite] | None = None
    mass: Annotated[float, AfterValidator(_range_mass)] | None = None
    quantiles: Annotated[dict[Probability, Finite], AfterValidator(FrozenDict)] | None = None
    distribution: str | None = None
    parameters: Annotated[dict[str, Finite], AfterValidator(FrozenDict)] | None = None
    family: Literal["Normal", "LogNormal", "Beta"] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ContinuousChoice:
        given = [
            k for k in ("between", "quantiles", "distribution") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'between', 'quantiles' or 'distribution' (with "
                f"'parameters'), got {given or 'none'}"
            )
        if self.mass is not None and self.between is None:
            raise ValueError("'mass' goes with 'between'")
        if (self.parameters is None) != (self.distribution is None):
            raise ValueError("'distribution' and 'parameters' go together")
        if self.family is not None and self.distribution is not None:
            raise ValueError("'family' goes with 'between' or 'quantiles', not 'distribution'")
        self.prior  # noqa: B018 - checks the range or quantiles
        return self

    @property
    def prior(self) -> RangePrior | QuantilePrior | DistributionPrior:
        """The same prior as a root fact would write it."""
        if self.between is not None:
            mass = {} if self.mass is None else {"mass": self.mass}
            return RangePrior(between=self.between, family=self.family, **mass)
        if self.quantiles is not None:
            return QuantilePrior(quantiles=self.quantiles, family=self.family)
        assert self.distribution is not None and self.parameters is not None
        return DistributionPrior(distribution=self.distribution, parameters=self.parameters)


class ContinuousRow(ContinuousChoice):
    """A row of a continuous fact's table: the parents' states and its distribution there.

    Examples
    --------
    >>> row = ContinuousRow(when={"weather": "storm"}, between=[0.45, 0.6])
    >>> dict(row.when), row.prior.between
    ({'weather': 'storm'}, (0.45, 0.6))
    """

    when: Annotated[dict[Name, StateName], AfterValidator(FrozenDict)]


class ContinuousTablePrior(SpecModel):
    """A continuous fact with discrete parents: a distribution per state of ``given``.

    Each row of ``table`` takes any prior a root continuous fact takes, written flat
    beside its ``when``; combinations not listed take ``default``.

    Examples
    --------
    >>> t = ContinuousTablePrior(given=["weather"],
    ...     table=[{"when": {"weather": "storm"}, "between": [0.45, 0.6]}],
    ...     default={"between": [0.55, 0.7]})
    >>> t.default.prior.between
    (0.55, 0.7)
    """

    given: tuple[Name, ...] = Field(min_length=1)
    table: tuple[ContinuousRow, ...] = ()
    default: ContinuousChoice | None = None


def _expression(text: str) -> str:
    parse_expression(text)
    return text


class DerivedPrior(SpecModel):
    """A fact that is a deterministic expression of other continuous facts.

    ``derived`` uses ``+ - * /``, numbers, parentheses, fact names, ``min(...)`` and
    ``max(...)`` (:mod:`scenarios.spec.expressions`).

    Examples
    --------
    >>> DerivedPrior(derived="true_cases * ascertainment").expression.facts
    ('true_cases', 'ascertainment')
    """

    derived: Annotated[str, AfterValidator(_expression)]

    @property
    def expression(self) -> Expression:
        """The parsed :class:`~scenarios.spec.expressions.Expression`."""
        return parse_expression(self.derived)


#: The last case of a threshold node: every value no earlier case took.
OTHERWISE = "otherwise"


def _proposition(text: str) -> str:
    parse_proposition(text)
    return text


class ThresholdPrior(SpecModel):
    """A discrete fact or outcome defined by conditions on (continuous) facts.

    ``when``: a binary node, true exactly when the proposition holds
    (``vote_share > 0.5``). ``cases``: a categorical node, ``{state: proposition}`` tried
    in order, the first that holds giving the state; the last is ``otherwise``.

    Examples
    --------
    >>> ThresholdPrior(when="vote_share > 0.5").facts
    ('vote_share',)
    >>> t = ThresholdPrior(cases={"quick": "days < 7", "slow": "days < 14",
    ...                           "stuck": "otherwise"})
    >>> t.states, t.facts
    (('quick', 'slow', 'stuck'), ('days',))
    """

    when: Annotated[str, AfterValidator(_proposition)] | None = None
    cases: Annotated[dict[StateName, str], AfterValidator(FrozenDict)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ThresholdPrior:
        if (self.when is None) == (self.cases is None):
            raise ValueError(
                "give exactly one of 'when' (a binary node: a proposition) or 'cases' "
                "({state: proposition}, the last 'otherwise')"
            )
        if self.cases is not None:
            items = list(self.cases.items())
            if len(items) < 2 or items[-1][1] != OTHERWISE:
                raise ValueError(
                    "'cases' needs two or more states, the last 'otherwise' (the cases are "
                    "tried in order; the first that holds gives the state)"
                )
            for state, text in items[:-1]:
                if text == OTHERWISE:
                    raise ValueError(f"only the last case can be 'otherwise', not {state!r}")
                try:
                    _proposition(text)
                except ValueError as exc:
                    raise ValueError(f"case {state!r}: {exc}") from None
        return self

    @property
    def states(self) -> tuple[str, ...]:
        """The states of ``cases`` in order (binary: ``false``, ``true``)."""
        return tuple(self.cases) if self.cases is not None else ("false", "true")

    @property
    def conditions(self) -> tuple[str, ...]:
        """The proposition of each state but the last (binary: of ``true``)."""
        if self.when is not None:
            return (self.when,)
        assert self.cases is not None
        return tuple(self.cases.values())[:-1]

    @property
    def facts(self) -> tuple[str, ...]:
        """Facts the conditions name, in order of first mention."""
        seen: dict[str, None] = {}
        for text in self.conditions:
            for f in parse_proposition(text).facts:
                seen.setdefault(f)
        return tuple(seen)


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
    if keys & {"table", "given"} and isinstance(value, Mapping):
        table = value.get("table")
        # a malformed table (a number, text) is the table prior's own error to report
        rows = [*(table if isinstance(table, list | tuple) else ()), value.get("default")]
        if any(isinstance(r, Mapping) and r.keys() & _CONTINUOUS_KEYS for r in rows):
            return "ContinuousTablePrior"
    for key, tag in (
        ("anchors", "AnchorPrior"),
        ("baseline", "AnchorPrior"),
        ("table", "TablePrior"),
        ("given", "TablePrior"),
        ("derived", "DerivedPrior"),
        ("when", "ThresholdPrior"),
        ("cases", "ThresholdPrior"),
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


#: A fact's or outcome's prior: one of the ten types, told apart by its keys.
Prior = Annotated[
    Annotated[Probabilities, Tag("Probabilities")]
    | Annotated[TablePrior, Tag("TablePrior")]
    | Annotated[LogitPrior, Tag("LogitPrior")]
    | Annotated[AnchorPrior, Tag("AnchorPrior")]
    | Annotated[RangePrior, Tag("RangePrior")]
    | Annotated[QuantilePrior, Tag("QuantilePrior")]
    | Annotated[DistributionPrior, Tag("DistributionPrior")]
    | Annotated[ContinuousTablePrior, Tag("ContinuousTablePrior")]
    | Annotated[DerivedPrior, Tag("DerivedPrior")]
    | Annotated[ThresholdPrior, Tag("ThresholdPrior")],
    Discriminator(
        _prior_tag,
        custom_error_type="prior",
        custom_error_message=(
            "expected a prior with one of the keys p, probs, table, anchors, logit, between, "
            "quantiles, distribution, derived, when, cases"
        ),
    ),
]
#: The prior types of binary and categorical nodes.
DISCRETE_PRIORS = (Probabilities, TablePrior, LogitPrior, AnchorPrior)
#: The prior types of continuous and probability facts.
CONTINUOUS_PRIORS = (RangePrior, QuantilePrior, DistributionPrior)
#: Priors that make a node depend on others through a distribution per parent state or
#: a deterministic function: continuous tables, derived facts, thresholds.
DEPENDENT_PRIORS = (ContinuousTablePrior, DerivedPrior, ThresholdPrior)
#: The tags that name :data:`Prior`'s members (pydantic puts them in error paths).
PRIOR_TAGS = frozenset(
    t.__name__ for t in (*DISCRETE_PRIORS, *CONTINUOUS_PRIORS, *DEPENDENT_PRIORS)
)


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
    >>> prior_parents(DerivedPrior(derived="a * b + a"))
    ('a', 'b')
    """
    if isinstance(prior, TablePrior | ContinuousTablePrior | AnchorPrior):
        return prior.given
    if isinstance(prior, DerivedPrior):
        return prior.expression.facts
    if isinstance(prior, ThresholdPrior):
        return prior.facts
    if isinstance(prior, LogitPrior):
        return tuple(dict.fromkeys(t.fact for t in prior.logit.terms))
    return ()

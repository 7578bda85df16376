"""Scenario, Fact, Claim, Outcome, Source: validated, immutable values.

A :class:`Scenario` is what a priors file holds: facts about the world with their
priors, claims (reports about those facts) graded by their sources' reliability, and
outcomes (the scenario variables a forecaster wants probabilities for). Everything is
checked when the object is built; edits return new scenarios.

See ``docs/format.md`` for every field with an example.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cached_property, lru_cache
from itertools import pairwise, product
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from scenarios.errors import Problem, ScenarioError
from scenarios.spec import registry
from scenarios.spec import reliability as rel
from scenarios.spec.propositions import parse_proposition, state_matches

if TYPE_CHECKING:
    from scenarios.posterior import Posterior

__all__ = [
    "Claim",
    "DistributionPrior",
    "Fact",
    "LogitPrior",
    "Outcome",
    "Probabilities",
    "QuantilePrior",
    "RangePrior",
    "ReportedNumber",
    "Scenario",
    "Source",
    "TablePrior",
]

FORMAT = "scenarios/1"
BINARY_STATES = ("false", "true")
#: Relative tolerance on probabilities summing to one (bnlearn tables are off by ~3e-7).
SUM_TOLERANCE = 1e-6


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses changes, so that scenarios stay immutable."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("scenario values are immutable: use the Scenario.with_* methods")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type, tuple[dict[Any, Any]]]:
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=repr)))


def _state_name(value: object) -> object:
    # YAML reads true/false/yes/no as booleans and bare numbers as numbers: states are text.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _state_keys(value: object) -> object:
    if isinstance(value, Mapping):
        return {_state_name(k): v for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_state_name(v) for v in value]
    return value


#: Largest magnitude accepted for any number in a scenario (beyond it, float arithmetic
#: on probabilities and log-odds stops meaning anything).
MAX_MAGNITUDE = 1e12
#: Smallest positive scale accepted (concentrations, error sds, distribution scales).
MIN_POSITIVE = 1e-9


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"expected a number of magnitude at most {MAX_MAGNITUDE:g}, got {value}")
    return value


StateName = Annotated[str, BeforeValidator(_state_name), Field(min_length=1)]
Finite = Annotated[float, AfterValidator(_finite)]
Probability = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
Positive = Annotated[float, Field(ge=MIN_POSITIVE), AfterValidator(_finite)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=200)]
StateProbs = Annotated[
    dict[StateName, Probability], BeforeValidator(_state_keys), AfterValidator(FrozenDict)
]
States = Annotated[tuple[StateName, ...] | dict[StateName, str], BeforeValidator(_state_keys)]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --- priors --------------------------------------------------------------------------


class Probabilities(_Value):
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


class TableRow(_Value):
    """One row of a conditional table: the parents' states and this fact's probabilities."""

    when: Annotated[dict[Name, StateName], AfterValidator(FrozenDict)]
    p: Probability | None = None
    probs: StateProbs | None = None
    concentration: Positive | None = None

    @model_validator(mode="after")
    def _one_of(self) -> TableRow:
        if (self.p is None) == (self.probs is None):
            raise ValueError("give exactly one of 'p' or 'probs' in each row")
        return self


class TablePrior(_Value):
    """A conditional probability table over the parent facts in ``given``.

    Rows not listed take ``default``; ``concentration`` (per table or per row) makes each
    row a Dirichlet.
    """

    given: tuple[Name, ...] = Field(min_length=1)
    table: tuple[TableRow, ...] = ()
    default: Probabilities | None = None
    concentration: Positive | None = None


class LogitTerm(_Value):
    """A term of a logit link.

    A discrete parent enters through one of its states (``fact == state``); a continuous
    parent enters linearly as ``(x - center) / scale`` (defaults: its prior median and the
    half-width of its 90% prior interval divided by 1.645). ``coef`` is a number for a
    binary child (log-odds of true) or ``{state: number}`` for a categorical child (log-odds
    against the first state).
    """

    fact: Name
    state: StateName | None = None
    coef: (
        Finite
        | Annotated[
            dict[StateName, Finite], BeforeValidator(_state_keys), AfterValidator(FrozenDict)
        ]
    )
    center: Finite | None = None
    scale: Positive | None = None


class LogitLink(_Value):
    """Intercept and terms of a (multinomial) logit link."""

    intercept: (
        Finite
        | Annotated[
            dict[StateName, Finite], BeforeValidator(_state_keys), AfterValidator(FrozenDict)
        ]
    ) = 0.0
    terms: tuple[LogitTerm, ...] = ()


class LogitPrior(_Value):
    """A fact or outcome whose probabilities follow a logit link of its parents."""

    logit: LogitLink


class RangePrior(_Value):
    """A range: ``mass`` of the probability between ``between[0]`` and ``between[1]``.

    The family defaults from the fact: Beta for probabilities, LogNormal for positive
    quantities, Normal otherwise.

    Examples
    --------
    >>> RangePrior(between=(25, 50), mass=0.9).mass
    0.9
    """

    between: tuple[Finite, Finite]
    mass: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.9
    family: Literal["Normal", "LogNormal", "Beta"] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RangePrior:
        if not self.between[0] < self.between[1]:
            raise ValueError(f"'between' needs lower < upper, got {list(self.between)}")
        return self


class QuantilePrior(_Value):
    """Quantiles ``{probability: value}``; at least two, increasing in both."""

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


class DistributionPrior(_Value):
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


Prior = Annotated[
    Annotated[Probabilities, Tag("Probabilities")]
    | Annotated[TablePrior, Tag("TablePrior")]
    | Annotated[LogitPrior, Tag("LogitPrior")]
    | Annotated[RangePrior, Tag("RangePrior")]
    | Annotated[QuantilePrior, Tag("QuantilePrior")]
    | Annotated[DistributionPrior, Tag("DistributionPrior")],
    Discriminator(
        _prior_tag,
        custom_error_type="prior",
        custom_error_message=(
            "expected a prior with one of the keys p, probs, table, logit, between, "
            "quantiles, distribution"
        ),
    ),
]
DISCRETE_PRIORS = (Probabilities, TablePrior, LogitPrior)


def prior_parents(prior: Any) -> tuple[str, ...]:
    """The facts (or outcomes) a prior conditions on."""
    if isinstance(prior, TablePrior):
        return prior.given
    if isinstance(prior, LogitPrior):
        return tuple(dict.fromkeys(t.fact for t in prior.logit.terms))
    return ()


CONTINUOUS_PRIORS = (RangePrior, QuantilePrior, DistributionPrior)


# --- facts and outcomes --------------------------------------------------------------


class _Node(_Value):
    states: States | None = None
    prior: Prior
    description: str | None = None
    reasoning: str | None = None
    cites: str | None = None

    @property
    def state_names(self) -> tuple[str, ...]:
        """The states, in order (binary: ``("false", "true")``)."""
        if getattr(self, "kind", None) == "binary":
            return BINARY_STATES
        if self.states is None:
            return ()
        return tuple(self.states)

    @property
    def parents(self) -> tuple[str, ...]:
        """Facts (or outcomes) this one depends on."""
        return prior_parents(self.prior)

    @property
    def is_discrete(self) -> bool:
        """Whether the node has named states."""
        return getattr(self, "kind", "categorical") in ("binary", "categorical")


class Fact(_Node):
    """An uncertain quantity of the world.

    Parameters
    ----------
    kind : {"binary", "categorical", "continuous", "probability"}
    states : list of str or dict of str to str, optional
        Categorical states (a mapping gives each a description).
    unit : str, optional
        Unit of a continuous fact.
    support : (lower, upper), optional
        Bounds of a continuous fact (``null`` for none). ``[0, null]`` is positive.
    prior
        One of :class:`Probabilities`, :class:`TablePrior`, :class:`LogitPrior` (discrete)
        or :class:`RangePrior`, :class:`QuantilePrior`, :class:`DistributionPrior`
        (continuous and probability facts).
    reasoning, cites : str, optional
        Why this prior; the sentence of the source it rests on.

    Examples
    --------
    >>> Fact(kind="binary", prior={"p": 0.7}).state_names
    ('false', 'true')
    """

    kind: Literal["binary", "categorical", "continuous", "probability"]
    unit: str | None = None
    support: tuple[Finite | None, Finite | None] | None = None


class Outcome(_Node):
    """A scenario variable: named, described states and a link from facts.

    States must be exclusive (each row of the link is one distribution over them) and
    exhaustive: name a catch-all state in ``other``, or say in ``exhaustive`` why the
    listed states cover every case.

    Examples
    --------
    >>> o = Outcome(kind="binary", question="Still in power?", exhaustive="yes or no",
    ...             prior={"p": 0.9})
    >>> o.state_names
    ('false', 'true')
    """

    kind: Literal["binary", "categorical"] = "categorical"
    question: str | None = None
    other: StateName | None = None
    exhaustive: str | None = None


# --- sources and claims --------------------------------------------------------------


class Rate(_Value):
    """A rate with its uncertainty: mean and Beta concentration (``None``: a fixed value)."""

    mean: Probability
    concentration: Positive | None = None


class GradeRates(_Value):
    """The true- and false-positive rates a source grade stands for."""

    true_positive: Rate
    false_positive: Rate


class Source(_Value):
    """Where claims come from; its reliability is shared by all its claims.

    Give an Admiralty letter ``grade`` (A-F), or explicit ``true_positive`` and
    ``false_positive`` rates (which override the grade's).

    Examples
    --------
    >>> Source(name="Reuters", grade="B").grade
    'B'
    """

    name: str | None = None
    grade: Literal["A", "B", "C", "D", "E", "F"] | None = None
    true_positive: Rate | None = None
    false_positive: Rate | None = None
    note: str | None = None


class ReportedNumber(_Value):
    """A reported value of a continuous fact with its error.

    For a positive fact the error is on the log scale:
    ``ln(value) ~ Normal(ln(true) + bias, sd)``; otherwise ``value ~ Normal(true + bias, sd)``.
    """

    fact: Name
    value: Finite
    sd: Positive
    bias: Finite = 0.0


class ExplicitLikelihood(_Value):
    """P(reported | proposition true) and P(reported | false), bypassing any source."""

    if_true: Probability
    if_false: Probability
    concentration: Positive | None = None


class Claim(_Value):
    """A reported statement: evidence about facts, never a fact itself.

    Exactly one of ``proposition`` (what the report asserts) or ``reported`` (a number).

    Examples
    --------
    >>> c = Claim(id="hq", text="Wagner seized the HQ", proposition="hq_seized",
    ...           source="wire", status="reported", information=2)
    >>> c.status
    'reported'
    """

    id: Name
    text: str
    cites: str | None = None
    source: Name | None = None
    time: datetime | None = None
    status: Literal["reported", "disputed", "denied", "confirmed", "retracted"] = "reported"
    hedge: str | None = None
    information: Annotated[int, Field(ge=1, le=6)] | None = None
    weight: Probability | None = None
    proposition: str | None = None
    reported: ReportedNumber | None = None
    likelihood: ExplicitLikelihood | None = None
    retracted_at: datetime | None = None
    note: str | None = None

    @property
    def counted(self) -> bool:
        """Whether the claim is evidence now (not retracted)."""
        return self.status != "retracted" and self.retracted_at is None

    @model_validator(mode="after")
    def _what(self) -> Claim:
        if self.status == "retracted" and self.retracted_at is not None:
            raise ValueError(
                "a claim retracted at a known time keeps its original status (reported, "
                "disputed ...) and says when in 'retracted_at'; status 'retracted' is for a "
                "retraction of unknown time"
            )
        if (self.proposition is None) == (self.reported is None):
            raise ValueError("give exactly one of 'proposition' or 'reported'")
        if self.reported is not None and self.likelihood is not None:
            raise ValueError("'likelihood' applies to propositions, not reported numbers")
        return self

    @field_validator("proposition")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_proposition(value)
        return value


class ReliabilityTables(_Value):
    """Overrides of the default tables in :mod:`scenarios.spec.reliability`."""

    grades: Annotated[dict[str, GradeRates], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    information: Annotated[dict[int, Probability], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    status: Annotated[dict[str, Probability], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    hedge: Annotated[dict[str, Probability], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )

    def grade_rates(self, grade: str) -> GradeRates:
        """Rates of a letter grade (file override, else default table)."""
        if grade in self.grades:
            return self.grades[grade]
        (tm, tk), (fm, fk) = rel.GRADE_RATES[grade]
        return GradeRates(
            true_positive=Rate(mean=tm, concentration=tk),
            false_positive=Rate(mean=fm, concentration=fk),
        )

    def hedges(self) -> dict[str, float]:
        """All known hedge words and their weights."""
        return {**rel.HEDGE_WEIGHTS, **self.hedge}

    def statuses(self) -> dict[str, float]:
        """All status weights."""
        return {**rel.STATUS_WEIGHTS, **self.status}

    def informations(self) -> dict[int, float]:
        """All information-digit weights."""
        return {**rel.INFORMATION_WEIGHTS, **self.information}


class ReportRef(_Value):
    """The document a scenario encodes."""

    title: str | None = None
    file: str | None = None
    url: str | None = None
    published: datetime | None = None


# --- the scenario --------------------------------------------------------------------


def _frozen_map(value: Any) -> Any:
    return FrozenDict(value)


class Scenario(_Value):
    """Facts, claims, outcomes and metadata: one forecasting problem.

    Build one from a file with :func:`scenarios.load`, or in Python. Every edit
    (``with_prior``, ``with_claim``, ``without_claim``, ``with_claim_changed``,
    ``with_source``, ``observe``) returns a new, re-validated scenario.

    Examples
    --------
    >>> s = Scenario(
    ...     title="Coin",
    ...     facts={"biased": {"kind": "binary", "prior": {"p": 0.5}}},
    ...     outcomes={"call": {"kind": "binary", "exhaustive": "yes/no",
    ...               "prior": {"given": ["biased"], "table": [
    ...                   {"when": {"biased": True}, "p": 0.9},
    ...                   {"when": {"biased": False}, "p": 0.5}]}}},
    ...     sources={"friend": {"grade": "C"}},
    ...     claims=[{"id": "c1", "text": "It's biased", "proposition": "biased",
    ...              "source": "friend"}],
    ... )
    >>> round(float(s.update().scenarios.loc[("call", "true"), "probability"]), 3)
    0.78
    """

    format: Literal["scenarios/1"] = FORMAT
    title: str
    as_of: datetime | None = None
    description: str | None = None
    report: ReportRef | None = None
    seed: Annotated[int, Field(ge=0, lt=2**32)] = 0
    reliability: ReliabilityTables = Field(default_factory=ReliabilityTables)
    sources: Annotated[dict[Name, Source], AfterValidator(_frozen_map)] = Field(
        default_factory=FrozenDict
    )
    facts: Annotated[dict[Name, Fact], AfterValidator(_frozen_map)] = Field(min_length=1)
    outcomes: Annotated[dict[Name, Outcome], AfterValidator(_frozen_map)] = Field(min_length=1)
    claims: tuple[Claim, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        problems = list(_check(self))
        if problems:
            raise ScenarioError(problems)
        return self

    # -- views --------------------------------------------------------------------

    @cached_property
    def nodes(self) -> FrozenDict:
        """Facts and outcomes by name (facts first)."""
        return FrozenDict({**self.facts, **self.outcomes})

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Facts and outcomes in an order where parents come first."""
        return _topological(self.nodes)

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id."""
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(f"no claim {claim_id!r}; claims are {[c.id for c in self.claims]}")

    # -- edits --------------------------------------------------------------------

    def replace(self, **changes: Any) -> Scenario:
        """Return a new, re-validated scenario with fields replaced."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return _validated(type(self), data)

    def with_prior(self, name: str, prior: Any) -> Scenario:
        """Return a scenario where fact or outcome ``name`` has a new prior.

        Examples
        --------
        >>> s2 = s.with_prior("biased", {"p": 0.2})  # doctest: +SKIP
        """
        if name in self.facts:
            facts = dict(self.facts)
            facts[name] = facts[name].model_copy(
                update={"prior": _as_prior(prior, ("facts", name, "prior"))}
            )
            return self.replace(facts=facts)
        if name in self.outcomes:
            outcomes = dict(self.outcomes)
            outcomes[name] = outcomes[name].model_copy(
                update={"prior": _as_prior(prior, ("outcomes", name, "prior"))}
            )
            return self.replace(outcomes=outcomes)
        raise KeyError(f"no fact or outcome {name!r}; known: {list(self.nodes)}")

    def with_claim(self, claim: Claim | Mapping[str, Any]) -> Scenario:
        """Return a scenario with one more claim (appended to the ledger)."""
        new = (
            claim
            if isinstance(claim, Claim)
            else _validated(Claim, claim, ("claims", len(self.claims)))
        )
        return self.replace(claims=(*self.claims, new))

    def without_claim(self, claim_id: str) -> Scenario:
        """Return a scenario without claim ``claim_id``."""
        self.claim(claim_id)
        return self.replace(claims=tuple(c for c in self.claims if c.id != claim_id))

    def with_claim_changed(self, claim_id: str, **changes: Any) -> Scenario:
        """Return a scenario where one claim's fields (status, information, ...) changed."""
        old = self.claim(claim_id)
        index = self.claims.index(old)
        new = _validated(Claim, {**old.model_dump(exclude_none=True), **changes}, ("claims", index))
        return self.replace(claims=tuple(new if c.id == claim_id else c for c in self.claims))

    def with_source(self, name: str, **changes: Any) -> Scenario:
        """Return a scenario where source ``name`` is added or changed (e.g. ``grade="B"``)."""
        sources = dict(self.sources)
        base = sources[name].model_dump(exclude_none=True) if name in sources else {}
        sources[name] = _validated(Source, {**base, **changes}, ("sources", name))
        return self.replace(sources=sources)

    def observe(self, **states: Any) -> Scenario:
        """Return a scenario where facts are known: ``observe(hq_seized=True)``.

        Each observation is a confirmed claim (hard evidence) with id ``observed_<fact>``.
        """
        claims = [c for c in self.claims if c.id not in {f"observed_{k}" for k in states}]
        for fact, state in states.items():
            claims.append(
                Claim(
                    id=f"observed_{fact}",
                    text=f"{fact} observed as {_state_name(state)}",
                    proposition=f'{fact} == "{_state_name(state)}"',
                    status="confirmed",
                )
            )
        return self.replace(claims=tuple(claims))

    def retract(
        self, claim_id: str, at: datetime | None = None, note: str | None = None
    ) -> Scenario:
        """Return a scenario where a discredited claim is retracted.

        The claim stays in the ledger, marked with ``retracted_at`` (default: now, UTC) and
        ``note``, and no longer counts; :meth:`known_at` an earlier time counts it again.
        """
        from datetime import UTC

        when = at or datetime.now(UTC)
        changes: dict[str, Any] = {"retracted_at": when}
        if note is not None:
            changes["note"] = note
        return self.with_claim_changed(claim_id, **changes)

    def known_at(self, time: datetime) -> Scenario:
        """Return the scenario as it stood at ``time``.

        Claims reported later are left out; claims retracted later count again. Claims
        without a time are taken as known from the start.
        """

        def before(t: datetime | None) -> bool:
            return t is not None and _comparable(t) <= _comparable(time)

        kept = []
        for c in self.claims:
            if c.time is not None and not before(c.time):
                continue
            if c.retracted_at is not None and not before(c.retracted_at):
                c = c.model_copy(update={"retracted_at": None})
            kept.append(c)
        return self.replace(claims=tuple(kept), as_of=time)

    def intervene(self, **states: Any) -> Scenario:
        """Return a scenario where facts are *set* (do-operator), not observed.

        Each named discrete fact loses its own prior or table and takes the given state
        with certainty, so it no longer carries evidence to its parents; claims stay
        observed. Compare :meth:`observe`, which conditions on the state.
        """
        out = self
        for name, state in states.items():
            node = self.nodes.get(name)
            if node is None or not node.is_discrete:
                raise KeyError(f"intervene needs a discrete fact; {name!r} is not one")
            value = _state_name(state)
            if value not in node.state_names:
                raise ValueError(
                    f"unknown state {value!r} of {name!r}; states are {list(node.state_names)}"
                )
            probs = {s: float(s == value) for s in node.state_names}
            out = out.with_prior(name, {"probs": probs})
        return out

    # -- updating -----------------------------------------------------------------

    def update(self, engine: str = "exact", **options: Any) -> Posterior:
        """Update on the claims and return the posterior.

        Parameters
        ----------
        engine : {"exact", "pymc"}
            ``"exact"`` (default): enumeration/elimination with quadrature, fast.
            ``"pymc"``: the full PyMC model, sampled with NUTS (nutpie).
        **options
            Passed to the engine (``seed``, ``draws``, ``interval`` ...).
        """
        return registry.engine(engine).update(self, **options)

    def to_pymc(self, **options: Any) -> Any:
        """The scenario as a ``pymc.Model`` with the discrete facts marginalised."""
        build = registry.engine("pymc").model
        assert build is not None  # the pymc engine registers its model builder
        return build(self, **options)


def _comparable(t: datetime) -> datetime:
    # naive times are taken as UTC so that they compare with aware ones
    from datetime import UTC

    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


@lru_cache(maxsize=1)
def _prior_adapter() -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(Prior)


def _as_prior(prior: Any, path: tuple = ("prior",)) -> Any:
    if isinstance(prior, BaseModel):
        return prior
    try:
        return _prior_adapter().validate_python(prior)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, path)) from None


def _validated(cls: Any, data: Any, path: tuple = ()) -> Any:
    """``cls.model_validate(data)``, with pydantic's errors as a located ScenarioError."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, path)) from None


# --- whole-scenario checks ----------------------------------------------------------


def _sums_to_one(probs: Iterable[float]) -> bool:
    return abs(math.fsum(probs) - 1.0) <= SUM_TOLERANCE


def _check_node(
    name: str, node: Fact | Outcome, where: tuple[str, ...], nodes: Mapping[str, Fact | Outcome]
) -> Iterable[Problem]:
    path = (*where, name)
    kind = node.kind
    prior = node.prior
    discrete = kind in ("binary", "categorical")
    if kind == "categorical":
        if not node.states or len(node.states) < 2:
            yield Problem((*path, "states"), "a categorical needs at least two states")
            return
        if len(set(node.state_names)) != len(node.state_names):
            yield Problem((*path, "states"), f"duplicate state names in {list(node.state_names)}")
            return
    elif node.states is not None and kind == "binary":
        if isinstance(node.states, dict) and set(node.states) <= set(BINARY_STATES):
            pass
        else:
            yield Problem(
                (*path, "states"),
                "a binary fact has states false/true; omit 'states' "
                "or give {true: description, false: description}",
            )
    elif node.states is not None:
        yield Problem((*path, "states"), f"a {kind} fact has no named states")
    states = node.state_names
    if discrete and not isinstance(prior, DISCRETE_PRIORS):
        yield Problem(
            (*path, "prior"),
            f"a {kind} fact needs p/probs, a table or a logit link, got {type(prior).__name__}",
        )
        return
    if not discrete and not isinstance(prior, CONTINUOUS_PRIORS):
        yield Problem(
            (*path, "prior"),
            f"a {kind} fact needs between, quantiles or a distribution, got {type(prior).__name__}",
        )
        return
    if not discrete:
        yield from _check_continuous(path, node)  # type: ignore[arg-type]
        return

    def check_probs(
        p: float | None, probs: Mapping[str, float] | None, at: tuple
    ) -> Iterable[Problem]:
        if p is not None:
            if kind != "binary":
                yield Problem(
                    (*at, "p"), f"'p' is for binary facts; give 'probs' over {list(states)}"
                )
            return
        assert probs is not None
        if set(probs) != set(states):
            yield Problem(
                (*at, "probs"),
                f"expected probabilities for exactly the states {list(states)}, got {list(probs)}",
            )
        elif not _sums_to_one(probs.values()):
            yield Problem(
                (*at, "probs"), f"probabilities must sum to 1, got {math.fsum(probs.values()):.9g}"
            )

    if isinstance(prior, Probabilities):
        yield from check_probs(prior.p, prior.probs, (*path, "prior"))
        return
    for i, parent in enumerate(node.parents):
        if parent == name:
            yield Problem((*path, "prior"), "a fact cannot depend on itself")
        elif parent not in nodes:
            yield Problem((*path, "prior"), f"unknown parent {parent!r}; known: {sorted(nodes)}")
        elif where == ("facts",) and isinstance(nodes[parent], Outcome):
            yield Problem((*path, "prior"), f"a fact cannot depend on outcome {parent!r}")
        elif isinstance(prior, TablePrior) and not nodes[parent].is_discrete:
            yield Problem(
                (*path, "prior", "given", i),
                f"{parent!r} is continuous: use a logit link for continuous parents",
            )
    if isinstance(prior, TablePrior):
        if len(set(prior.given)) != len(prior.given):
            yield Problem((*path, "prior", "given"), "duplicate parents")
            return
        if any(g not in nodes or not nodes[g].is_discrete for g in prior.given):
            return
        parent_states = [nodes[g].state_names for g in prior.given]
        seen: set[tuple[str, ...]] = set()
        for r, row in enumerate(prior.table):
            at = (*path, "prior", "table", r)
            if set(row.when) != set(prior.given):
                yield Problem(
                    (*at, "when"),
                    f"expected states for exactly {list(prior.given)}, got {list(row.when)}",
                )
                continue
            key = tuple(row.when[g] for g in prior.given)
            bad = [(g, s) for g, s in row.when.items() if s not in nodes[g].state_names]
            for g, s in bad:
                yield Problem(
                    (*at, "when", g),
                    f"unknown state {s!r} of {g!r}; states are {list(nodes[g].state_names)}",
                )
            if bad:
                continue
            if key in seen:
                yield Problem((*at, "when"), f"row {dict(row.when)} is given twice")
            seen.add(key)
            yield from check_probs(row.p, row.probs, at)
        if prior.default is not None:
            yield from check_probs(
                prior.default.p, prior.default.probs, (*path, "prior", "default")
            )
        else:
            missing = [c for c in product(*parent_states) if c not in seen]
            if missing:
                example = dict(zip(prior.given, missing[0], strict=True))
                yield Problem(
                    (*path, "prior", "table"),
                    f"{len(missing)} parent combination(s) "
                    f"have no row, e.g. {example}; add rows or a 'default'",
                )
    if isinstance(prior, LogitPrior):
        link = prior.logit
        others = states[1:] if kind == "categorical" else ()

        def check_coef(value: float | Mapping[str, float], at: tuple) -> Iterable[Problem]:
            if kind == "binary" and not isinstance(value, float | int):
                yield Problem(at, "a binary link takes a number (log-odds of true)")
            if kind == "categorical":
                if not isinstance(value, Mapping):
                    yield Problem(
                        at,
                        f"a categorical link takes {{state: log-odds}} for states "
                        f"{list(others)} (against {states[0]!r})",
                    )
                elif set(value) - set(others):
                    yield Problem(
                        at,
                        f"unknown state(s) {sorted(set(value) - set(others))}; "
                        f"expected some of {list(others)}",
                    )

        yield from check_coef(link.intercept, (*path, "prior", "logit", "intercept"))
        for t, term in enumerate(link.terms):
            at = (*path, "prior", "logit", "terms", t)
            yield from check_coef(term.coef, (*at, "coef"))
            parent = nodes.get(term.fact)
            if parent is None:
                continue
            if parent.is_discrete:
                if term.state is None:
                    yield Problem(
                        (*at, "state"),
                        f"{term.fact!r} is discrete: name the state "
                        f"that the term applies to, one of {list(parent.state_names)}",
                    )
                elif term.state not in parent.state_names:
                    yield Problem(
                        (*at, "state"),
                        f"unknown state {term.state!r}; states of "
                        f"{term.fact!r} are {list(parent.state_names)}",
                    )
            elif term.state is not None:
                yield Problem(
                    (*at, "state"), f"{term.fact!r} is continuous and enters linearly: omit 'state'"
                )


def _check_continuous(path: tuple[str, ...], fact: Fact) -> Iterable[Problem]:
    from scenarios.spec import elicit

    try:
        elicit.distribution(fact)
    except ValueError as exc:
        yield Problem((*path, "prior"), str(exc))


def _check_claim(
    i: int, claim: Claim, scenario: Scenario, hedges: Mapping[str, float]
) -> Iterable[Problem]:
    path = ("claims", i)
    if claim.source is not None and claim.source not in scenario.sources:
        yield Problem(
            (*path, "source"),
            f"unknown source {claim.source!r}; sources are {sorted(scenario.sources)}",
        )
    if (
        claim.source is None
        and claim.likelihood is None
        and claim.status not in ("confirmed", "retracted")
        and claim.proposition is not None
    ):
        yield Problem(
            (*path, "source"),
            "name a source (or give explicit 'likelihood', or status 'confirmed')",
        )
    if claim.hedge is not None and claim.hedge not in hedges:
        yield Problem(
            (*path, "hedge"),
            f"unknown hedge {claim.hedge!r}; expected one of "
            f"{sorted(hedges)} (or add it under reliability.hedge)",
        )
    if claim.reported is not None:
        fact = scenario.facts.get(claim.reported.fact)
        if fact is None:
            yield Problem((*path, "reported", "fact"), f"unknown fact {claim.reported.fact!r}")
        elif fact.is_discrete:
            yield Problem(
                (*path, "reported", "fact"),
                f"{claim.reported.fact!r} is {fact.kind}: "
                "a reported number needs a continuous fact",
            )
        elif _positive(fact) and claim.reported.value <= 0:
            yield Problem(
                (*path, "reported", "value"),
                f"{claim.reported.fact!r} is positive: "
                f"expected a reported value > 0, got {claim.reported.value}",
            )
        return
    assert claim.proposition is not None
    for atom in (a for clause in parse_proposition(claim.proposition).clauses for a in clause):
        at = (*path, "proposition")
        if atom.fact not in scenario.facts:
            where = (
                "an outcome: claims are about facts"
                if atom.fact in scenario.outcomes
                else "unknown"
            )
            yield Problem(at, f"{atom.fact!r} is {where}; facts are {sorted(scenario.facts)}")
            continue
        fact = scenario.facts[atom.fact]
        if fact.is_discrete:
            if atom.op not in ("==", "!=", "in"):
                yield Problem(
                    at, f"{atom.fact!r} is {fact.kind}: compare it with ==, != or in, not {atom.op}"
                )
                continue
            values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
            for v in values:
                if not any(state_matches(v, st) for st in fact.state_names):
                    yield Problem(
                        at,
                        f"unknown state {v!r} of {atom.fact!r}; states are "
                        f"{list(fact.state_names)}",
                    )
        elif atom.op not in (">", ">=", "<", "<=") or not isinstance(atom.value, float):
            yield Problem(
                at, f"{atom.fact!r} is {fact.kind}: compare it with a number using > >= < <="
            )


def _positive(fact: Fact) -> bool:
    from scenarios.spec import elicit

    return elicit.is_positive(fact)


def _check(s: Scenario) -> Iterable[Problem]:
    clash = set(s.facts) & set(s.outcomes)
    for name in sorted(clash):
        yield Problem(("outcomes", name), f"{name!r} is both a fact and an outcome")
    nodes = {**s.facts, **s.outcomes}
    for name, fact in s.facts.items():
        yield from _check_node(name, fact, ("facts",), nodes)
    for name, outcome in s.outcomes.items():
        yield from _check_node(name, outcome, ("outcomes",), nodes)
        if outcome.other is None and not outcome.exhaustive:
            yield Problem(
                ("outcomes", name),
                "outcome states must be exhaustive: name a "
                "catch-all state in 'other' (e.g. other: other) or explain in "
                "'exhaustive' why the states cover every case",
            )
        elif outcome.other is not None and outcome.other not in outcome.state_names:
            yield Problem(
                ("outcomes", name, "other"),
                f"catch-all {outcome.other!r} is not one of the states {list(outcome.state_names)}",
            )
    try:
        _topological(nodes)
    except ValueError as exc:
        yield Problem(("facts",), str(exc))
    for name, source in s.sources.items():
        if source.grade is None and (source.true_positive is None or source.false_positive is None):
            yield Problem(
                ("sources", name),
                "give a grade (A-F) or both true_positive and false_positive rates",
            )
    for grade in s.reliability.grades:
        if grade not in rel.GRADE_RATES:
            yield Problem(("reliability", "grades", grade), f"expected a letter A-F, got {grade!r}")
    for status in s.reliability.status:
        if status not in rel.STATUS_WEIGHTS or status == "retracted":
            yield Problem(
                ("reliability", "status", status),
                "expected one of "
                f"{sorted(set(rel.STATUS_WEIGHTS) - {'retracted'})} (confirmed claims "
                f"are hard evidence and retracted ones count for nothing), got {status!r}",
            )
    for digit in s.reliability.information:
        if digit not in rel.INFORMATION_WEIGHTS:
            yield Problem(
                ("reliability", "information", digit),
                f"expected an Admiralty information digit 1-6, got {digit!r}",
            )
    hedges = s.reliability.hedges()
    ids: dict[str, int] = {}
    for i, claim in enumerate(s.claims):
        if claim.id in ids:
            yield Problem(
                ("claims", i, "id"),
                f"duplicate claim id {claim.id!r} (also claims.{ids[claim.id]})",
            )
        ids.setdefault(claim.id, i)
        yield from _check_claim(i, claim, s, hedges)


def _topological(nodes: Mapping[str, Fact | Outcome]) -> tuple[str, ...]:
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*trail[trail.index(name) :], name]
            raise ValueError(f"facts depend on each other in a cycle: {' -> '.join(cycle)}")
        state[name] = 1
        for parent in nodes[name].parents:
            if parent in nodes:
                visit(parent, (*trail, name))
        state[name] = 2
        order.append(name)

    for name in nodes:
        visit(name, ())
    return tuple(order)


_PRIOR_TAGS = frozenset(
    (
        "Probabilities",
        "TablePrior",
        "LogitPrior",
        "RangePrior",
        "QuantilePrior",
        "DistributionPrior",
    )
)


def validation_problems(exc: ValidationError, prefix: tuple = ()) -> list[Problem]:
    """Turn a pydantic error into our located problems."""
    problems = []
    for err in exc.errors(include_url=False):
        # union members show up in the path as their tags: a reader wants field names only
        loc = tuple(p for p in err["loc"] if p not in _PRIOR_TAGS and not _is_member(p))
        msg = err["msg"]
        given = err.get("input")
        if err["type"] != "missing" and not isinstance(given, dict | list | tuple):
            msg = f"{msg} (got {given!r})"
        problems.append(Problem((*prefix, *loc), msg))
    return problems


def _is_member(part: object) -> bool:
    # pydantic names union members like "float" or "dict[str,float]" in the path
    return isinstance(part, str) and (part in ("float", "int", "str") or "[" in part)

"""Sources, claims and the reliability tables that weigh them.

A :class:`Claim` is a reported statement: evidence about facts, never a fact itself. It
asserts a proposition (or reports a number) and names its :class:`Source`, whose
reliability (an Admiralty grade, or explicit rates) is shared by all its claims; the
claim's status, hedge and information digit set its weight. :class:`ReliabilityTables`
holds a file's overrides of the default tables of :mod:`scenarios.spec.reliability`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from scenarios.spec import reliability as rel
from scenarios.spec.fields import Finite, FrozenDict, Name, Positive, Probability, SpecModel
from scenarios.spec.propositions import parse_proposition

__all__ = [
    "Claim",
    "ExplicitLikelihood",
    "GradeRates",
    "Rate",
    "ReliabilityTables",
    "ReportedNumber",
    "Source",
]


class Rate(SpecModel):
    """A rate with its uncertainty: mean and Beta concentration (``None``: a fixed value).

    Examples
    --------
    >>> Rate(mean=0.8, concentration=20).mean
    0.8
    """

    mean: Probability
    concentration: Positive | None = None


class GradeRates(SpecModel):
    """The true- and false-positive rates a source grade stands for.

    Examples
    --------
    >>> rates = GradeRates(true_positive={"mean": 0.8}, false_positive={"mean": 0.1})
    >>> rates.false_positive.concentration is None
    True
    """

    true_positive: Rate
    false_positive: Rate


class Source(SpecModel):
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


class ReportedNumber(SpecModel):
    """A reported value of a continuous fact with its error.

    For a positive fact the error is on the log scale:
    ``ln(value) ~ Normal(ln(true) + bias, sd)``; otherwise ``value ~ Normal(true + bias, sd)``.

    Examples
    --------
    >>> ReportedNumber(fact="troops", value=25, sd=0.2).bias
    0.0
    """

    fact: Name
    value: Finite
    sd: Positive
    bias: Finite = 0.0


class ExplicitLikelihood(SpecModel):
    """P(reported | proposition true) and P(reported | false), bypassing any source.

    Examples
    --------
    >>> ExplicitLikelihood(if_true=0.9, if_false=0.2).if_false
    0.2
    """

    if_true: Probability
    if_false: Probability
    concentration: Positive | None = None


class Claim(SpecModel):
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
        """Whether the claim is evidence now (not retracted).

        Examples
        --------
        >>> Claim(id="c", text="t", proposition="f", status="retracted").counted
        False
        """
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


class ReliabilityTables(SpecModel):
    """Overrides of the default tables in :mod:`scenarios.spec.reliability`.

    Examples
    --------
    >>> tables = ReliabilityTables(hedge={"supposedly": 0.55})
    >>> tables.hedges()["supposedly"], tables.hedges()["none"]
    (0.55, 1.0)
    """

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
        """Rates of a letter grade (file override, else default table).

        Parameters
        ----------
        grade : {"A", "B", "C", "D", "E", "F"}

        Returns
        -------
        GradeRates

        Examples
        --------
        >>> ReliabilityTables().grade_rates("A").true_positive.mean
        0.9
        """
        if grade in self.grades:
            return self.grades[grade]
        (tm, tk), (fm, fk) = rel.GRADE_RATES[grade]
        return GradeRates(
            true_positive=Rate(mean=tm, concentration=tk),
            false_positive=Rate(mean=fm, concentration=fk),
        )

    def hedges(self) -> dict[str, float]:
        """All known hedge words and their weights.

        Returns
        -------
        dict of str to float
            The defaults, with this file's overrides.
        """
        return {**rel.HEDGE_WEIGHTS, **self.hedge}

    def statuses(self) -> dict[str, float]:
        """All status weights.

        Returns
        -------
        dict of str to float
            The defaults, with this file's overrides.
        """
        return {**rel.STATUS_WEIGHTS, **self.status}

    def informations(self) -> dict[int, float]:
        """All information-digit weights.

        Returns
        -------
        dict of int to float
            The defaults, with this file's overrides.
        """
        return {**rel.INFORMATION_WEIGHTS, **self.information}

"""Sources, claims and the reliability tables that weigh them.

A :class:`Claim` is a reported statement: evidence about facts, never a fact itself. It
asserts a proposition (or reports a number) and names its :class:`Source`, whose
reliability (an Admiralty grade, or explicit rates) is shared by all its claims; the
claim's hedge sets its weight. A claim may carry the reports that answered it: denials
and disputes by other sources (:class:`Denial`, each a report of the negated
proposition by its own source) and a retraction by its own source
(:class:`Retraction`). :class:`ReliabilityTables` holds a file's overrides of the
default tables of :mod:`scenarios.spec.reliability`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from scenarios.spec import reliability as rel
from scenarios.spec.drafts import DraftField
from scenarios.spec.fields import Finite, FrozenDict, Name, Positive, Probability, SpecModel
from scenarios.spec.propositions import parse_proposition

__all__ = [
    "Claim",
    "Denial",
    "ExplicitLikelihood",
    "GradeRates",
    "Rate",
    "ReliabilityTables",
    "ReportedNumber",
    "Retraction",
    "RetractionRates",
    "Source",
    "relay_roots",
    "report_id",
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


class RetractionRates(SpecModel):
    """How often a source retracts its reports: if the proposition was true, and if not.

    ``if_true`` is P(the source retracts a report | its proposition is true), ``if_false``
    P(retracts | false); each a :class:`Rate` (a Beta with a concentration, or a fixed
    number).

    Examples
    --------
    >>> r = RetractionRates(if_true={"mean": 0.01, "concentration": 100},
    ...                     if_false={"mean": 0.3, "concentration": 10})
    >>> r.if_false.mean
    0.3
    """

    if_true: Rate
    if_false: Rate


class Source(SpecModel):
    """Where claims come from; its reliability is shared by all its claims.

    Give an Admiralty letter ``grade`` (A-F), or explicit ``true_positive`` and
    ``false_positive`` rates (which override the grade's). ``retraction`` overrides the
    file's retraction rates for this source.

    Examples
    --------
    >>> Source(name="Reuters", grade="B").grade
    'B'
    """

    name: str | None = None
    grade: Literal["A", "B", "C", "D", "E", "F"] | None = None
    true_positive: Rate | None = None
    false_positive: Rate | None = None
    retraction: RetractionRates | None = None
    note: str | None = None
    draft: DraftField = None


class ReportedNumber(SpecModel):
    """A reported value of a continuous fact with its error.

    For a positive fact the error is on the log scale:
    ``ln(value) ~ Normal(ln(true) + bias, sd)``; otherwise ``value ~ Normal(true + bias, sd)``.
    A ``count`` (``poisson``, or ``negative_binomial`` with ``dispersion`` r) is
    instead ``value ~ Poisson(true * exp(bias))`` or ``NegBinomial(mean true * exp(bias),
    r)`` (variance ``mean + mean**2 / r``), with no ``sd``. A ``binomial`` count is
    binomial thinning, ``value ~ Binomial(true, p)`` (reported cases of the true cases),
    with the ``ascertainment`` rate ``p`` a :class:`Rate` (a Beta with a concentration:
    uncertain, part of theta) and no ``bias``.
    That holds with probability ``q`` (the number is informative), and the number is
    broad noise otherwise; ``informative`` sets ``q`` directly, else it is the source's
    grade's (:data:`~scenarios.spec.reliability.NUMBER_INFORMATIVE`) times the claim's
    hedge weight.

    Examples
    --------
    >>> ReportedNumber(fact="troops", value=25, sd=0.2).bias
    0.0
    >>> ReportedNumber(fact="cases", value=40, count="negative_binomial", dispersion=5).sd
    >>> ReportedNumber(fact="cases", value=40, count="binomial",
    ...                ascertainment={"mean": 0.3, "concentration": 20}).ascertainment.mean
    0.3
    """

    fact: Name
    value: Finite
    sd: Positive | None = None
    bias: Finite = 0.0
    informative: Probability | None = None
    count: Literal["poisson", "negative_binomial", "binomial"] | None = None
    dispersion: Positive | None = None
    ascertainment: Rate | None = None

    @model_validator(mode="after")
    def _error_model(self) -> ReportedNumber:
        if (self.count == "binomial") != (self.ascertainment is not None):
            raise ValueError(
                "'ascertainment' (the share of the true count that is reported: a mean and "
                "a concentration) is required with, and only with, count: binomial"
            )
        if self.count is None:
            if self.sd is None:
                raise ValueError("'sd' is required (unless the number is a 'count')")
            if self.dispersion is not None:
                raise ValueError("'dispersion' goes with 'count: negative_binomial'")
            return self
        if self.sd is not None:
            raise ValueError(f"a {self.count} count has no 'sd': its spread is the model's")
        if (self.count == "negative_binomial") != (self.dispersion is not None):
            raise ValueError("'dispersion' is required with, and only with, negative_binomial")
        if self.count == "binomial" and self.bias != 0.0:
            raise ValueError("a binomial count has no 'bias': its ascertainment is the bias")
        if self.count == "binomial" and self.ascertainment.mean in (0.0, 1.0):  # type: ignore[union-attr]
            raise ValueError(
                "expected an ascertainment mean strictly between 0 and 1 (0 reports nothing; "
                "1 makes the report the true count: state the fact instead)"
            )
        if self.value < 0 or self.value != int(self.value):
            raise ValueError(f"a count is a whole number >= 0, got {self.value}")
        return self


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


class Denial(SpecModel):
    """A report, by ``source``, that a claim's proposition is false.

    Written under a claim's ``denied_by`` (a flat denial) or ``disputed_by`` (a hedged
    one: the hedge ``disputed`` unless it names its own). It is weighed like any report:
    with the denier's rates and its own hedge. A bare source name stands for
    ``{source: NAME}``.

    Examples
    --------
    >>> Denial(source="ministry").time is None
    True
    """

    source: Name
    time: datetime | None = None
    hedge: str | None = None
    weight: Probability | None = None
    text: str | None = None
    cites: str | None = None
    note: str | None = None


class Retraction(SpecModel):
    """The claim's own source withdrew it: when (``at``), and why (``note``).

    A retraction is a further report by the same source that the proposition is false,
    weighed by the source's retraction rates; the retracted report stays (it was made).
    Without ``at`` the retraction is taken at the claim's own time.

    Examples
    --------
    >>> Retraction(note="the photo was old").at is None
    True
    """

    at: datetime | None = None
    cites: str | None = None
    note: str | None = None


def _denials(value: Any) -> Any:
    """``NAME``, a mapping, or a list of either, as a list of mappings."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    return [{"source": v} if isinstance(v, str) else v for v in items]


Denials = Annotated[tuple[Denial, ...], BeforeValidator(_denials)]


class Claim(SpecModel):
    """A reported statement: evidence about facts, never a fact itself.

    Exactly one of ``proposition`` (what the report asserts) or ``reported`` (a number).
    ``denied_by`` and ``disputed_by`` name the sources that answered it (each answer is
    a report of the negated proposition by that source); ``retracted`` (or ``status:
    retracted``) records that the claim's own source withdrew it; ``via`` marks the claim
    as a relay of another claim (it repeats the original's report and adds no evidence
    of its own). ``silent: true`` records an absence of reports: the source was in a
    position to report the proposition and did not (likelihood ``1 - (f + w (t - f))``
    where it holds, ``1 - f`` where not). The information digit is recorded and shown
    beside the posterior, never weighed.

    Examples
    --------
    >>> c = Claim(id="hq", text="Wagner seized the HQ", proposition="hq_seized",
    ...           source="wire", information=2, denied_by="ministry")
    >>> c.status, c.denied_by[0].source
    ('reported', 'ministry')
    >>> Claim(id="c", text="t", proposition="f", source="s", status="retracted").retraction
    Retraction(at=None, cites=None, note=None)
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
    denied_by: Denials = ()
    disputed_by: Denials = ()
    retracted: Retraction | None = None
    via: Name | None = None
    silent: bool = False
    hindsight: bool = False
    note: str | None = None
    draft: DraftField = None

    @property
    def retraction(self) -> Retraction | None:
        """The claim's retraction, if its source withdrew it.

        ``status: retracted`` alone is a retraction at the claim's own time.

        Examples
        --------
        >>> Claim(id="c", text="t", proposition="f", source="s").retraction is None
        True
        """
        if self.retracted is not None:
            return self.retracted
        return Retraction() if self.status == "retracted" else None

    @property
    def answers(self) -> tuple[tuple[str, Denial], ...]:
        """Each denial with how it was given: ``("denied_by", d)`` or ``("disputed_by", d)``.

        Examples
        --------
        >>> c = Claim(id="c", text="t", proposition="f", source="s", disputed_by=["mod"])
        >>> [(how, d.source) for how, d in c.answers]
        [('disputed_by', 'mod')]
        """
        return tuple(("denied_by", d) for d in self.denied_by) + tuple(
            ("disputed_by", d) for d in self.disputed_by
        )

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "retracted_at" in data:
            raise ValueError(
                "'retracted_at' is now 'retracted: {at: TIME, note: ...}': a retraction is "
                "a report by the claim's source that it was false"
            )
        return data

    @model_validator(mode="after")
    def _what(self) -> Claim:
        if (self.proposition is None) == (self.reported is None):
            raise ValueError("give exactly one of 'proposition' or 'reported'")
        if self.reported is not None and self.likelihood is not None:
            raise ValueError("'likelihood' applies to propositions, not reported numbers")
        for status, field in (("denied", "denied_by"), ("disputed", "disputed_by")):
            if self.status == status and not getattr(self, field):
                raise ValueError(
                    f"status {status!r} needs '{field}: SOURCE': name who {status} it (a "
                    f"denial is a report by that source, weighed by its reliability)"
                )
        if self.reported is not None and (self.answers or self.retraction is not None):
            raise ValueError(
                "a reported number cannot be denied or retracted (there is no proposition "
                "to negate); remove the claim or widen its sd"
            )
        if self.status == "confirmed" and self.retracted is not None:
            raise ValueError("a confirmed claim is hard evidence: it cannot be retracted")
        if self.silent and (
            self.reported is not None
            or self.status != "reported"
            or self.answers
            or self.retraction is not None
            or self.via is not None
        ):
            raise ValueError(
                "a silence ('silent: true') is the absence of a report: it has a "
                "proposition and a source, and no number, status, denial, retraction or via"
            )
        if self.via is not None and (
            self.answers
            or self.retraction is not None
            or self.status != "reported"
            or self.likelihood is not None
        ):
            raise ValueError(
                "a relay ('via') repeats its original: give denials, retractions, a status "
                "or a likelihood to the original claim, not to the relay"
            )
        return self

    @field_validator("proposition")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            parse_proposition(value)
        return value


def _no_longer(data: Any) -> Any:
    if isinstance(data, dict):
        for key, why in (
            (
                "information",
                "the information digit no longer weighs a claim (it is shown "
                "beside the posterior and flagged; thresholds are under reliability.digits)",
            ),
            (
                "status",
                "a status no longer weighs a claim (name who denied or disputed it "
                "with denied_by / disputed_by; a retraction has rates under "
                "reliability.retraction)",
            ),
        ):
            if key in data:
                raise ValueError(f"reliability.{key} is gone: {why}")
    return data


def relay_roots(claims: Sequence[Claim]) -> dict[str, str]:
    """Each relay's original: the claim its chain of ``via`` ends at.

    Parameters
    ----------
    claims : sequence of Claim
        A scenario's claims (valid: every ``via`` names a claim, no cycles).

    Returns
    -------
    dict of str to str
        Relay id -> the id of the claim it ultimately repeats (not itself a relay).

    Examples
    --------
    >>> c = [Claim(id="wire", text="t", proposition="f", source="reuters"),
    ...      Claim(id="bbc", text="t", proposition="f", source="bbc", via="wire"),
    ...      Claim(id="blog", text="t", proposition="f", source="blog", via="bbc")]
    >>> relay_roots(c)
    {'bbc': 'wire', 'blog': 'wire'}
    """
    by_id = {c.id: c for c in claims}
    out = {}
    for claim in claims:
        if claim.via is None:
            continue
        seen, at = {claim.id}, claim
        while at.via is not None and at.via in by_id and at.via not in seen:
            seen.add(at.via)
            at = by_id[at.via]
        out[claim.id] = at.id
    return out


def report_id(claim_id: str, role: str, source: str | None = None) -> str:
    """The id of a report a claim carries: a denial, a dispute or a retraction.

    Parameters
    ----------
    claim_id : str
    role : {"claim", "denied_by", "disputed_by", "retraction"}
    source : str, optional
        The denier (for ``denied_by`` and ``disputed_by``).

    Returns
    -------
    str

    Examples
    --------
    >>> report_id("hq", "denied_by", "ministry"), report_id("hq", "retraction")
    ('hq~denied_by~ministry', 'hq~retracted')
    """
    if role == "claim":
        return claim_id
    if role == "retraction":
        return f"{claim_id}~retracted"
    return f"{claim_id}~{role}~{source}"


class ReliabilityTables(SpecModel):
    """Overrides of the default tables in :mod:`scenarios.spec.reliability`.

    ``grades`` (letter -> rates), ``hedge`` (word -> weight; adds words too),
    ``retraction`` (the retraction rates of every source that sets none), ``digits``
    (digit -> flag threshold, for digits 1, 2, 4 and 5) and ``numbers`` (letter -> the
    probability ``q`` that a number its sources report is informative).

    Examples
    --------
    >>> tables = ReliabilityTables(hedge={"supposedly": 0.55})
    >>> tables.hedges()["supposedly"], tables.hedges()["none"]
    (0.55, 1.0)
    >>> ReliabilityTables(digits={2: 0.4}).digit_flags()[2]
    ('below', 0.4)
    """

    grades: Annotated[dict[str, GradeRates], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    hedge: Annotated[dict[str, Probability], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    retraction: RetractionRates | None = None
    digits: Annotated[dict[int, Probability], AfterValidator(FrozenDict)] = Field(
        default_factory=FrozenDict
    )
    numbers: Annotated[
        dict[Literal["A", "B", "C", "D", "E", "F"], Probability], AfterValidator(FrozenDict)
    ] = Field(default_factory=FrozenDict)

    @model_validator(mode="before")
    @classmethod
    def _gone(cls, data: Any) -> Any:
        return _no_longer(data)

    def number_informative(self, grade: str) -> float:
        """``q`` of a letter grade: the chance its reported numbers are informative.

        Parameters
        ----------
        grade : {"A", "B", "C", "D", "E", "F"}

        Returns
        -------
        float
            This file's ``numbers`` entry, else
            :data:`~scenarios.spec.reliability.NUMBER_INFORMATIVE`.

        Examples
        --------
        >>> ReliabilityTables(numbers={"F": 0.3}).number_informative("F")
        0.3
        >>> ReliabilityTables().number_informative("A")
        0.95
        """
        return float(self.numbers.get(grade, rel.NUMBER_INFORMATIVE[grade]))

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

        Examples
        --------
        >>> ReliabilityTables().hedges()["allegedly"]
        0.5
        """
        return {**rel.HEDGE_WEIGHTS, **self.hedge}

    def retraction_rates(self) -> RetractionRates:
        """The retraction rates of a source that sets none (file override, else default).

        Returns
        -------
        RetractionRates

        Examples
        --------
        >>> ReliabilityTables().retraction_rates().if_false.mean
        0.2
        """
        if self.retraction is not None:
            return self.retraction
        (tm, tk), (fm, fk) = rel.RETRACTION_RATES
        return RetractionRates(
            if_true=Rate(mean=tm, concentration=tk), if_false=Rate(mean=fm, concentration=fk)
        )

    def digit_flags(self) -> dict[int, tuple[str | None, float | None]]:
        """Each information digit's flag: ``(side, threshold)``, ``(None, None)`` for never.

        Returns
        -------
        dict of int to (str or None, float or None)
            The defaults, with this file's thresholds.

        Examples
        --------
        >>> ReliabilityTables().digit_flags()[4]
        ('above', 0.7)
        """
        out = dict(rel.DIGIT_FLAGS)
        for digit, threshold in self.digits.items():
            side, _ = out[digit]
            out[digit] = (side, threshold)
        return out

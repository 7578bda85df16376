r"""Every default number of the evidence model, with its reason: one table.

A claim is an observation of a *report*. A source has a true-positive rate ``t`` =
P(it reports a proposition | the proposition is true) and a false-positive rate ``f`` =
P(it reports it | it is false), uncertain (Beta priors set by its Admiralty letter),
drawn once and shared by all its reports. A claim with hedge weight ``w`` in [0, 1]
tracks the truth with probability ``w`` and is otherwise made at the false-positive
rate, whatever the truth:

.. math::

    P(\text{report} \mid \text{true})  = f + w\,(t - f), \qquad
    P(\text{report} \mid \text{false}) = f,

a likelihood ratio of ``1 + w (t/f - 1)``: 1 for ``w = 0``, the source's full ``t/f``
for ``w = 1``. A denial is a report of the negated proposition by the denier (with the
denier's rates); a retraction is a further report by the claim's own source, with
P(retraction | true) = ``r_t`` and P(retraction | false) = ``r_f``, the source's
retraction rates (Beta priors of their own, shared by all its retractions); a relay
(``via``) repeats its original's report and adds nothing (its original counts once). The
Admiralty information digit (1-6) is never in the likelihood: it is shown beside the
posterior of the claim's proposition and flagged when they disagree
(:data:`DIGIT_FLAGS`).

Each table below is a default that a scenario file overrides under ``reliability:``
(``grades``, ``hedge``, ``retraction``, ``digits``, ``numbers``); ``docs/format.md`` holds
the same tables with their reasons.

Sources of the numbers
----------------------
- Letter meanings (A completely reliable ... F reliability cannot be judged) and digit
  meanings (1 confirmed by other sources ... 6 truth cannot be judged): NATO STANAG 2511
  and AJP-2.1 (Allied Joint Doctrine for Intelligence Procedures); US Army FM 2-22.3
  (2006), Appendix B, "Source and Information Reliability Matrix". None of them gives
  numbers: the rates of :data:`GRADE_RATES` are **our judgement**, chosen so that the
  mean ratio ``t/f`` falls with the letter (18, 5.3, 2.3, 1.5, 1, 1.5) and the Beta
  concentration with it (an A source is known well, an F source not at all). Samet
  (1975, US Army Research Institute, Technical Paper 260) found that officers read the
  two scales inconsistently and mostly by the letter, one reason the digit is not
  a weight here.
- Hedge weights: no study measures how often a report marked "allegedly" tracks the
  truth. We anchor each hedge word to a probability phrase of the estimative-language
  literature and read that probability as ``w``, the chance that the hedged report
  carries the source's information: Sherman Kent, "Words of Estimative Probability",
  *Studies in Intelligence* 8(4), 1964 ("probable" about 75%, "chances about even" 50%,
  "probably not" about 30%); the bands of ODNI Intelligence Community Directive 203,
  *Analytic Standards* (2015): likely 55-80%, roughly even 45-55%, unlikely 20-45%.
  Mosteller and Youtz, "Quantifying probabilistic expressions", *Statistical Science*
  5(1), 1990, and Friedman and Zeckhauser, "Assessing uncertainty in intelligence",
  *Intelligence and National Security* 27(6), 2012, show how widely readers spread
  such words: the anchors are central values, not measurements. The mapping of a hedge
  to a phrase is **our judgement**.
- Retraction rates: **our judgement**. Newspapers correct fewer than 2% of the stories
  their own sources find factually wrong (Maier, "Setting the record straight",
  *Journalism Practice* 1(1), 2007), so even false reports are seldom withdrawn; a
  retraction of a *true* report is rarer still (it takes a source that is misled or
  pressed into it). Only the ratio ``E[r_f] / E[r_t]`` (10 by default) moves the
  proposition; the spreads matter when one source retracts several claims.
- Reported numbers: a number is informative (it measures the quantity, with its stated
  error) with probability ``q``, and otherwise noise (a figure picked for effect, a
  typo, a different quantity). ``q`` by letter (:data:`NUMBER_INFORMATIVE`) is **our
  judgement**, falling with the letter as ``t`` does; an F source's number is a coin
  toss between measurement and noise. The noise is a Normal on the report's scale
  centred on the prior median with :data:`NUMBER_NOISE_SPREAD` times the prior's spread:
  broad enough that any plausible figure can be noise, proper so that the mixture is a
  likelihood.
- Digit flags: a digit 1-2 ("confirmed", "probably true") disagrees with a posterior
  under 0.30, and a digit 4-5 ("doubtful", "improbable") with one over 0.70: two ICD
  203 bands away from the digit's own band ("likely" 55-80% against "unlikely"
  20-45%), so a flag marks a clear disagreement, not noise. Our judgement.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "ATTRIBUTIONS",
    "DIGIT_FLAGS",
    "DIGIT_MEANINGS",
    "DISPUTE_HEDGE",
    "GRADE_MEANINGS",
    "GRADE_RATES",
    "HEDGE_WEIGHTS",
    "NUMBER_INFORMATIVE",
    "NUMBER_NOISE_SPREAD",
    "RETRACTION_RATES",
    "beta_parameters",
]

#: Source letter -> ((mean, concentration) of P(report | true), (mean, concentration) of
#: P(report | false)). A concentration ``k`` gives ``Beta(k * mean, k * (1 - mean))``.
#: Letter meanings: STANAG 2511 / AJP-2.1 / FM 2-22.3 App. B; numbers: our judgement.
GRADE_RATES: Final = MappingProxyType(
    {
        "A": ((0.90, 30.0), (0.05, 30.0)),  # completely reliable: t/f 18, well known
        "B": ((0.80, 20.0), (0.15, 20.0)),  # usually reliable: t/f 5.3
        "C": ((0.70, 12.0), (0.30, 12.0)),  # fairly reliable: t/f 2.3
        "D": ((0.60, 8.0), (0.40, 8.0)),  # not usually reliable: t/f 1.5
        "E": ((0.50, 6.0), (0.50, 6.0)),  # unreliable: ratio 1 on average
        "F": ((0.60, 2.0), (0.40, 2.0)),  # cannot be judged: t/f 1.5, wide
    }
)

#: Hedge word -> weight ``w``: the probability that the hedged report tracks the truth.
#: Anchors: Kent (1964) and the ICD 203 (2015) bands; the word-to-phrase mapping is our
#: judgement. Attribution words (:data:`ATTRIBUTIONS`) are not hedges: weight 1.
HEDGE_WEIGHTS: Final = MappingProxyType(
    {
        "none": 1.0,  # unhedged
        "said": 1.0,  # attribution, not a hedge (kept so that older files load)
        "according_to": 1.0,  # attribution, not a hedge
        "reportedly": 0.75,  # passed on without vouching: Kent "probable", ~75%
        "apparently": 0.75,  # inferred from appearances: Kent "probable", ~75%
        "allegedly": 0.5,  # the writer declines to vouch: "chances about even", 50%
        "unverified": 0.5,  # nobody has checked it: "roughly even", ICD 203 45-55%
        "unconfirmed": 0.5,  # the same
        "disputed": 0.5,  # a contested denial (``disputed_by``): "roughly even"
        "rumoured": 0.3,  # hearsay: Kent "probably not", ~30%; ICD 203 "unlikely"
    }
)

#: Words of attribution ("X said", "according to X"): who made the report, which the
#: claim's ``source`` already says. They weigh 1 in :data:`HEDGE_WEIGHTS`.
ATTRIBUTIONS: Final = frozenset({"said", "according_to"})

#: The hedge a ``disputed_by`` report takes unless it names its own.
DISPUTE_HEDGE: Final = "disputed"

#: Retraction rates of a source: ((mean, concentration) of P(retracts a report | the
#: proposition is true), (mean, concentration) of P(retracts | false)). Our judgement:
#: true reports are seldom retracted (Beta(1, 49), 90% below 0.06); false ones more
#: often, but still seldom (Beta(2, 8), 90% within 0.04-0.45; compare Maier 2007: under
#: 2% of flawed newspaper stories corrected). A retraction is then evidence of a ratio
#: about 10 against the proposition.
RETRACTION_RATES: Final = ((0.02, 50.0), (0.20, 10.0))

#: Source letter -> ``q``, the probability that a number the source reports is
#: informative (``ln(value) ~ Normal(ln(true) + bias, sd)``) rather than noise. The
#: claim's hedge weight ``w`` multiplies it. Our judgement, falling with the letter.
NUMBER_INFORMATIVE: Final = MappingProxyType(
    {
        "A": 0.95,  # completely reliable: a wild figure from it is rare
        "B": 0.90,  # usually reliable
        "C": 0.80,  # fairly reliable
        "D": 0.70,  # not usually reliable
        "E": 0.60,  # unreliable: little better than chance
        "F": 0.50,  # cannot be judged: even odds of measurement or noise
    }
)

#: The noise of a reported number: Normal on the report's scale (log scale for a
#: positive fact), centred on the prior median, with this many times the prior's
#: standard-deviation-equivalent spread ((q95 - q05) / 3.29). Our judgement: 3 puts
#: nearly any figure the prior finds plausible within one noise sd.
NUMBER_NOISE_SPREAD: Final = 3.0

#: Admiralty source letter -> its meaning (STANAG 2511 / FM 2-22.3 App. B).
GRADE_MEANINGS: Final = MappingProxyType(
    {
        "A": "completely reliable",
        "B": "usually reliable",
        "C": "fairly reliable",
        "D": "not usually reliable",
        "E": "unreliable",
        "F": "reliability cannot be judged",
    }
)

#: Admiralty information digit -> its meaning (STANAG 2511 / FM 2-22.3 App. B).
DIGIT_MEANINGS: Final = MappingProxyType(
    {
        1: "confirmed by other sources",
        2: "probably true",
        3: "possibly true",
        4: "doubtful",
        5: "improbable",
        6: "truth cannot be judged",
    }
)

#: Digit -> (side, threshold): the digit is flagged when the posterior probability of
#: the claim's proposition is ``below`` (digits 1-2) or ``above`` (digits 4-5) the
#: threshold; digits 3 and 6 say nothing checkable and are never flagged. Our judgement:
#: two ICD 203 bands away from the digit's own.
DIGIT_FLAGS: Final = MappingProxyType(
    {
        1: ("below", 0.30),
        2: ("below", 0.30),
        3: (None, None),
        4: ("above", 0.70),
        5: ("above", 0.70),
        6: (None, None),
    }
)


def beta_parameters(mean: float, concentration: float) -> tuple[float, float]:
    """Return ``(alpha, beta)`` of the Beta with this mean and concentration.

    Parameters
    ----------
    mean : float
        In [0, 1].
    concentration : float
        ``alpha + beta``; larger is surer.

    Returns
    -------
    alpha, beta : float

    Examples
    --------
    >>> [round(x, 12) for x in beta_parameters(0.8, 20)]
    [16.0, 4.0]
    """
    return (mean * concentration, (1.0 - mean) * concentration)

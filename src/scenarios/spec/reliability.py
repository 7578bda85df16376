r"""Admiralty grades as uncertain likelihoods.

A claim is an observation of a *report*. Its likelihood is

.. math::

    P(\text{reported} \mid \text{true})  = w\,t + (1 - w), \qquad
    P(\text{reported} \mid \text{false}) = w\,f + (1 - w),

where ``t`` and ``f`` are the **source's** true- and false-positive rates and ``w`` in
[0, 1] is the **claim's** weight. The letter of an Admiralty grade (A-F) grades the
source, so it sets the Beta priors of ``t`` and ``f``, drawn once per source and shared
by every claim that names it. The digit (1-6) grades this piece of information, so it
sets the claim's weight, together with the claim's status and hedge::

    w = information[digit] * status[status] * hedge[hedge]

With ``w = 1`` the claim carries the source's full likelihood ratio ``t / f``; with
``w = 0`` its ratio is 1 and it carries nothing. Every table below is a default that a
scenario file can override under ``reliability:``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "GRADE_RATES",
    "HEDGE_WEIGHTS",
    "INFORMATION_WEIGHTS",
    "STATUS_WEIGHTS",
    "beta_parameters",
]

#: Source letter -> ((mean, concentration) of P(report | true), (mean, concentration) of
#: P(report | false)). A concentration ``k`` gives ``Beta(k * mean, k * (1 - mean))``.
GRADE_RATES: Final = MappingProxyType(
    {
        "A": ((0.90, 30.0), (0.05, 30.0)),  # completely reliable
        "B": ((0.80, 20.0), (0.15, 20.0)),  # usually reliable
        "C": ((0.70, 12.0), (0.30, 12.0)),  # fairly reliable
        "D": ((0.60, 8.0), (0.40, 8.0)),  # not usually reliable
        "E": ((0.50, 6.0), (0.50, 6.0)),  # unreliable: ratio 1 on average
        "F": ((0.60, 2.0), (0.40, 2.0)),  # cannot be judged: wide
    }
)

#: Information digit -> weight of the claim.
INFORMATION_WEIGHTS: Final = MappingProxyType(
    {
        1: 1.00,  # confirmed by other sources
        2: 0.90,  # probably true
        3: 0.75,  # possibly true
        4: 0.50,  # doubtful
        5: 0.25,  # improbable
        6: 0.60,  # truth cannot be judged
    }
)

#: Claim status -> weight. ``confirmed`` is not a weight: a confirmed claim is hard
#: evidence (the proposition is observed). ``retracted`` claims stay in the file but count
#: for nothing.
STATUS_WEIGHTS: Final = MappingProxyType(
    {"reported": 1.0, "disputed": 0.5, "denied": 0.25, "retracted": 0.0}
)

#: Hedge word in the report -> weight.
HEDGE_WEIGHTS: Final = MappingProxyType(
    {
        "none": 1.0,
        "said": 0.9,
        "reportedly": 0.9,
        "apparently": 0.85,
        "allegedly": 0.7,
        "unverified": 0.6,
        "rumoured": 0.5,
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

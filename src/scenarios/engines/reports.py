"""Reports ready to become factors, and the one likelihood of a soft report.

:class:`Evidence` is one report of a claim (its own, a denial, a dispute, a
retraction); :func:`report_probability` is the hedge mixture every engine and the
simulator use for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scenarios.spec.claims import Claim

__all__ = ["Evidence", "report_probability"]


@dataclass(frozen=True)
class Evidence:
    """One report ready to become a factor.

    ``kind`` is ``"soft"`` (weighed by its source's rates, or its own likelihood),
    ``"hard"`` (confirmed) or ``"number"`` (a reported number); ``weight`` is the hedge
    weight ``w`` (for a number: ``q``, the probability that it is informative,
    :func:`scenarios.engines.numbers.informative`); ``source`` keys
    :attr:`~scenarios.engines.network.Network.sources` (``"source:<name>"``,
    ``"claim:<id>"`` for an explicit likelihood, ``"retraction:<name>"`` for a source's
    retraction rates). A soft report's likelihood is ``f + w (t - f)`` where its
    proposition holds and ``f`` where it does not; a denial or dispute (``negated``)
    reports the negation of its claim's proposition, and a retraction is a report with
    the retraction rates in place of ``(t, f)`` and ``w = 1``. A relay (``via``) has no
    evidence of its own: its original's report counts, once. A silence (``silent``) is
    the complement: ``1 - (f + w (t - f))`` and ``1 - f``. ``id`` is the claim's id,
    or ``<claim>~denied_by~<source>``, ``<claim>~disputed_by~<source>``,
    ``<claim>~retracted`` for the reports a claim carries.

    Examples
    --------
    >>> from scenarios.engines.network import Network
    >>> from scenarios.io import example, load
    >>> ev = Network(load(example())).evidence[0]
    >>> ev.kind in ("soft", "hard", "number"), 0.0 < ev.weight <= 1.0
    (True, True)
    """

    claim: Claim
    kind: str  # "soft" (source rates), "hard" (confirmed), "number"
    weight: float
    source: str | None  # key into Network.sources
    id: str = ""
    negated: bool = False
    role: str = "claim"  # "claim", "denied_by", "disputed_by", "retraction"

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.claim.id)

    @property
    def silent(self) -> bool:
        """The report was not made (``silent: true`` on the claim): its complement counts.

        Returns
        -------
        bool

        Examples
        --------
        >>> from scenarios.engines.network import Network
        >>> from scenarios.io import example, load
        >>> Network(load(example())).evidence[0].silent
        False
        """
        return self.claim.silent and self.role == "claim"


def report_probability(holds: Any, t: Any, f: Any, w: float) -> Any:
    """P(a report is made): the hedge mixture ``f + w (t - f)`` where it holds, ``f`` elsewhere.

    The one formula of a soft report's likelihood, for every engine and for
    :func:`scenarios.engines.simulate.simulate`: a report with hedge weight ``w`` tracks
    the truth with probability ``w`` and is otherwise made at the false-positive rate,
    whatever the truth. A denial passes the indicator of the negated proposition; a
    retraction passes the retraction rates as ``(t, f)`` and ``w = 1``.

    Parameters
    ----------
    holds : array or tensor
        1 where what the report says holds, 0 elsewhere.
    t, f : float, array or tensor
        The true- and false-positive rates (broadcast against ``holds``).
    w : float
        The hedge weight, in [0, 1].

    Returns
    -------
    array or tensor
        Broadcast over the arguments.

    Examples
    --------
    >>> import numpy as np
    >>> report_probability(np.array([0.0, 1.0]), 0.8, 0.15, 0.5).tolist()  # a B source, "allegedly"
    [0.15, 0.475]
    """
    return f + w * holds * (t - f)

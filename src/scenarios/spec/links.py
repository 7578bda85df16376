"""A link's coefficients as a distribution: their means and, when uncertain, covariance.

An uncertain link (a logit link whose terms or intercept carry an ``sd``) is part of
theta: its coefficients are Normal. :func:`link_distribution` gives their mean link and
the covariance of the coefficients flattened in a fixed order: the intercept per
non-reference state, then each term's per-state coefficients, in term order (a binary
node has one state after the reference, ``"true"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from scenarios.spec.priors import LogitLink, LogitPrior

__all__ = ["link_distribution"]


def link_distribution(
    prior: LogitPrior, states: Sequence[str]
) -> tuple[LogitLink, np.ndarray | None]:
    """The mean link of a logit prior, and the covariance of its coefficients.

    Parameters
    ----------
    prior : LogitPrior
    states : sequence of str
        The node's states; the first is the reference (log-odds 0).

    Returns
    -------
    link : LogitLink
        The coefficients' means (the link as written).
    covariance : numpy.ndarray or None
        Of the flattened coefficients (``(1 + terms) * (len(states) - 1)`` square:
        diagonal, the squared ``sd`` s); ``None`` when no coefficient is uncertain.

    Examples
    --------
    >>> prior = LogitPrior(logit={"intercept": -1, "intercept_sd": 0.5,
    ...                           "terms": [{"fact": "x", "state": True, "coef": 2}]})
    >>> link, cov = link_distribution(prior, ("false", "true"))
    >>> link.intercept, np.diag(cov).tolist()
    (-1.0, [0.25, 0.0])
    >>> link_distribution(LogitPrior(logit={"intercept": 1}), ("false", "true"))[1] is None
    True
    """
    link = prior.logit
    others = tuple(states[1:])

    def spread(value: float | Mapping[str, float] | None) -> list[float]:
        if value is None:
            return [0.0] * len(others)
        if isinstance(value, Mapping):
            return [float(value.get(s, 0.0)) for s in others]
        return [float(value)] * len(others)  # binary: one state after the reference

    sds = spread(link.intercept_sd)
    for term in link.terms:
        sds += spread(term.sd)
    if not any(s > 0 for s in sds):
        return link, None
    return link, np.diag(np.square(sds))

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

__all__ = ["link_at", "link_distribution", "link_vector"]


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


def link_vector(link: LogitLink, states: Sequence[str]) -> np.ndarray:
    """A link's coefficients flattened in :func:`link_distribution`'s order.

    Parameters
    ----------
    link : LogitLink
    states : sequence of str
        The node's states; the first is the reference.

    Returns
    -------
    numpy.ndarray
        ``(1 + terms) * (len(states) - 1)`` numbers (a missing state's coefficient is 0).

    Examples
    --------
    >>> link = LogitLink(intercept={"b": 1}, terms=[{"fact": "x", "coef": {"c": 2}}])
    >>> link_vector(link, ("a", "b", "c")).tolist()
    [1.0, 0.0, 0.0, 2.0]
    """

    def vector(value: float | Mapping[str, float]) -> list[float]:
        if isinstance(value, Mapping):
            return [float(value.get(s, 0.0)) for s in states[1:]]
        return [float(value)]

    return np.array(vector(link.intercept) + [v for t in link.terms for v in vector(t.coef)])


def link_at(link: LogitLink, beta: np.ndarray, states: Sequence[str]) -> LogitPrior:
    """The exact logit prior with ``link``'s terms and the coefficients ``beta``.

    Parameters
    ----------
    link : LogitLink
        Its terms (facts, states, centres, scales) are kept; its ``sd`` s dropped.
    beta : numpy.ndarray
        Flattened as :func:`link_vector`.
    states : sequence of str

    Returns
    -------
    LogitPrior

    Examples
    --------
    >>> link = LogitLink(intercept=1, intercept_sd=0.5, terms=[{"fact": "x", "coef": 2}])
    >>> at = link_at(link, np.array([0.5, 2.5]), ("false", "true")).logit
    >>> at.intercept, at.terms[0].coef, at.intercept_sd
    (0.5, 2.5, None)
    """
    others = tuple(states[1:])
    k = len(others)
    binary = not isinstance(link.intercept, Mapping)

    def value(block: int) -> float | dict[str, float]:
        part = [float(v) for v in beta[block * k : (block + 1) * k]]
        return part[0] if binary else dict(zip(others, part, strict=True))

    terms = [
        {**t.model_dump(exclude_none=True), "coef": value(i + 1), "sd": None}
        for i, t in enumerate(link.terms)
    ]
    for t in terms:
        del t["sd"]
    return LogitPrior(logit={"intercept": value(0), "terms": terms})

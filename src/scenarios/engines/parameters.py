"""The model's uncertain probabilities as numbers, for the analysis tools.

Two questions the analysis layer asks of the model that are not scenario
probabilities: a node's conditional table at its prior mean (:func:`mean_table`, for
pooling forecasters' tables), and what the claims taught about each source's
reliability (:func:`rate_moments`, exact posterior means and variances of the sources'
true- and false-positive rates, for track records).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scenarios.engines.assembly import assemble
from scenarios.engines.factors import align, contract
from scenarios.engines.network import Network
from scenarios.engines.uncertain import rate_quadrature
from scenarios.spec.priors import Probabilities, TablePrior
from scenarios.spec.scenario import Scenario

__all__ = ["RateMoments", "mean_table", "rate_moments"]


@dataclass(frozen=True)
class RateMoments:
    """Posterior mean and variance of one rate of a source.

    Attributes
    ----------
    mean : float
    variance : float
        0 for a fixed rate.
    fixed : bool
        The rate is a known number (no concentration in the file): the claims
        cannot change it.
    """

    mean: float
    variance: float
    fixed: bool


def mean_table(scenario: Scenario, name: str, given: Sequence[str] | None = None) -> np.ndarray:
    """The prior mean table of a discrete node written as probabilities or a table.

    Parameters
    ----------
    scenario : Scenario
    name : str
        A discrete fact or outcome whose prior is probabilities or a conditional table.
    given : sequence of str, optional
        Axes wanted before ``name``'s own: its table's parents (default) or any
        superset of them in any order; the table is repeated along parents it does not
        depend on.

    Returns
    -------
    numpy.ndarray
        Axes ``(*given, name)``; each row sums to one.

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> mean_table(s, "army_strikes").tolist()
    [0.7, 0.3]
    >>> mean_table(s, "army_strikes", ["hq_seized"]).shape
    (2, 2)
    """
    node = scenario.nodes[name]
    prior = node.prior
    if not isinstance(prior, Probabilities | TablePrior):
        raise TypeError(f"{name!r} has a {type(prior).__name__}, not probabilities or a table")
    own = tuple(prior.given) if isinstance(prior, TablePrior) else ()
    given = own if given is None else tuple(given)
    missing = [g for g in own if g not in given]
    if missing:
        raise ValueError(f"{name!r} depends on {missing}: include them in given")
    shape = [len(scenario.nodes[g].state_names) for g in given]
    table = align(Network(scenario).mean_table(name), (*own, name), (*given, name))
    return np.broadcast_to(table, (*shape, len(node.state_names)))


def rate_moments(scenario: Scenario) -> dict[str, tuple[RateMoments, RateMoments]]:
    """Each named source's true- and false-positive rate after the scenario's claims.

    Exact: the rates are integrated by Gauss-Jacobi quadrature two degrees above the
    polynomial the claims make of them, so the mean and variance are exact.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    dict of str to (RateMoments, RateMoments)
        Sources with counted claims, by name: (true-positive, false-positive).

    Examples
    --------
    >>> import scenarios
    >>> s = scenarios.load(scenarios.default_priors())
    >>> tp, fp = rate_moments(s)["news_report"]
    >>> 0 < fp.mean < tp.mean < 1
    True
    """
    net = Network(scenario)
    asm = assemble(net, extra_rate_degree=2)
    z = float(contract(asm.factors_for(), []))
    out: dict[str, tuple[RateMoments, RateMoments]] = {}
    for key, pair in net.sources.items():
        kind, source = key.split(":", 1)
        if kind != "source":
            continue
        degree = net.rate_degree(key) + 2
        moments = []
        for param, tag in zip(pair, ("tp", "fp"), strict=True):
            if param.fixed:
                moments.append(RateMoments(mean=param.a, variance=0.0, fixed=True))
                continue
            axis = f"{key}@{tag}"
            x, _ = rate_quadrature(param, degree)
            w = np.asarray(contract(asm.factors_for([axis]), [axis])) / z
            mean = float(w @ x)
            moments.append(RateMoments(mean=mean, variance=float(w @ x**2 - mean**2), fixed=False))
        out[source] = (moments[0], moments[1])
    return out

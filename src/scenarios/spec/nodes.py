"""Facts and outcomes: the nodes of a scenario's network.

A :class:`Fact` is an uncertain quantity of the world (binary, categorical, continuous or
a probability); an :class:`Outcome` is a scenario variable a forecaster wants
probabilities for, with exclusive and exhaustive states. Both carry a prior from
:mod:`scenarios.spec.priors`.
"""

from __future__ import annotations

from typing import Literal

from scenarios.spec.drafts import DraftField
from scenarios.spec.fields import Finite, SpecModel, StateName, States
from scenarios.spec.priors import Prior, prior_parents

__all__ = ["BINARY_STATES", "Fact", "Node", "Outcome"]

#: The states of a binary node, in order.
BINARY_STATES = ("false", "true")


class Node(SpecModel):
    """What facts and outcomes share: states, a prior, and why (``reasoning``, ``cites``)."""

    states: States | None = None
    prior: Prior
    description: str | None = None
    reasoning: str | None = None
    cites: str | None = None
    draft: DraftField = None

    @property
    def state_names(self) -> tuple[str, ...]:
        """The states, in order (binary: ``("false", "true")``)."""
        if getattr(self, "kind", None) == "binary":
            return BINARY_STATES
        if self.states is None:
            cases = getattr(self.prior, "cases", None)  # a threshold node's states
            return tuple(cases) if cases is not None else ()
        return tuple(self.states)

    @property
    def parents(self) -> tuple[str, ...]:
        """Facts (or outcomes) this one depends on."""
        return prior_parents(self.prior)

    @property
    def is_discrete(self) -> bool:
        """Whether the node has named states."""
        return getattr(self, "kind", "categorical") in ("binary", "categorical")


class Fact(Node):
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


class Outcome(Node):
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

"""The scenario: facts, claims, outcomes and metadata, validated and immutable.

A :class:`Scenario` is what a priors file holds: facts about the world with their
priors, claims (reports about those facts) graded by their sources' reliability, and
outcomes (the scenario variables a forecaster wants probabilities for). Everything is
checked when the object is built (:mod:`scenarios.spec.validation`); edits return new
scenarios, and :meth:`Scenario.update` reaches the engines through
:mod:`scenarios.spec.registry`.

See ``docs/format.md`` for every field with an example.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from scenarios.errors import Problem, ScenarioError
from scenarios.spec import registry
from scenarios.spec.claims import Claim, ReliabilityTables, Source, relay_roots
from scenarios.spec.fields import FrozenDict, Name, SpecModel, frozen_map, state_name
from scenarios.spec.nodes import Fact, Outcome
from scenarios.spec.validation import (
    as_prior,
    check_scenario,
    comparable_time,
    topological_order,
    validated,
)

if TYPE_CHECKING:
    from scenarios.engines.simulate import Simulation
    from scenarios.posterior import Posterior

__all__ = ["FORMAT", "ReportRef", "Scenario"]

#: The format a scenario file declares (``format: scenarios/1``).
FORMAT = "scenarios/1"


class ReportRef(SpecModel):
    """The document a scenario encodes.

    Examples
    --------
    >>> ReportRef(title="Evening report", url="https://example.org/r").title
    'Evening report'
    """

    title: str | None = None
    file: str | None = None
    url: str | None = None
    published: datetime | None = None


class Scenario(SpecModel):
    """Facts, claims, outcomes and metadata: one forecasting problem.

    Build one from a file with :func:`scenarios.load`, or in Python. Every edit
    (``with_prior``, ``with_claim``, ``without_claim``, ``with_claim_changed``,
    ``with_source``, ``observe``) returns a new, re-validated scenario (``observe`` checks
    the observations it adds: the rest is unchanged).

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
    sources: Annotated[dict[Name, Source], AfterValidator(frozen_map)] = Field(
        default_factory=FrozenDict
    )
    facts: Annotated[dict[Name, Fact], AfterValidator(frozen_map)] = Field(min_length=1)
    outcomes: Annotated[dict[Name, Outcome], AfterValidator(frozen_map)] = Field(min_length=1)
    claims: tuple[Claim, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> Scenario:
        problems = list(check_scenario(self))
        if problems:
            raise ScenarioError(problems)
        return self

    # -- views --------------------------------------------------------------------

    @cached_property
    def nodes(self) -> FrozenDict:
        """Facts and outcomes by name (facts first), frozen.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> list(load(example()).nodes)[:2]
        ['troops', 'army_loyalty']
        """
        return FrozenDict({**self.facts, **self.outcomes})

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Facts and outcomes in an order where parents come first.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> s = load(example())
        >>> order = s.order
        >>> all(order.index(p) < order.index(n) for n in order for p in s.nodes[n].parents)
        True
        """
        return topological_order(self.nodes)

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id.

        Parameters
        ----------
        claim_id : str

        Returns
        -------
        Claim

        Raises
        ------
        KeyError
            Naming the claims there are.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> s = load(example())
        >>> s.claim(s.claims[0].id) is s.claims[0]
        True
        """
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(f"no claim {claim_id!r}; claims are {[c.id for c in self.claims]}")

    # -- edits --------------------------------------------------------------------

    def replace(self, **changes: Any) -> Scenario:
        """Return a new, re-validated scenario with fields replaced.

        Parameters
        ----------
        **changes
            Field name to new value (plain data or values), e.g. ``title="Other"``.

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            If the result is not a valid scenario.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> load(example()).replace(seed=3).seed
        3
        """
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return validated(type(self), data)

    def with_prior(self, name: str, prior: Any) -> Scenario:
        """Return a scenario where fact or outcome ``name`` has a new prior.

        Parameters
        ----------
        name : str
            A fact or outcome.
        prior : mapping or prior value
            As a file writes it, e.g. ``{"p": 0.2}``.

        Returns
        -------
        Scenario

        Raises
        ------
        KeyError
            No fact or outcome ``name``.
        ScenarioError
            If the prior is invalid, or does not fit the node.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> load(example()).with_prior("army_strikes", {"p": 0.2}).facts["army_strikes"].prior.p
        0.2
        """
        if name in self.facts:
            facts = dict(self.facts)
            facts[name] = facts[name].model_copy(
                update={"prior": as_prior(prior, ("facts", name, "prior"))}
            )
            return self.replace(facts=facts)
        if name in self.outcomes:
            outcomes = dict(self.outcomes)
            outcomes[name] = outcomes[name].model_copy(
                update={"prior": as_prior(prior, ("outcomes", name, "prior"))}
            )
            return self.replace(outcomes=outcomes)
        raise KeyError(f"no fact or outcome {name!r}; known: {list(self.nodes)}")

    def with_claim(self, claim: Claim | Mapping[str, Any]) -> Scenario:
        """Return a scenario with one more claim (appended to the ledger).

        Parameters
        ----------
        claim : Claim or mapping
            A mapping is validated as a claim at ``claims.<n>``.

        Returns
        -------
        Scenario

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> s = load(example()).with_claim({"id": "extra", "text": "HQ seized",
        ...                                 "proposition": "hq_seized", "status": "confirmed"})
        >>> s.claims[-1].id
        'extra'
        """
        new = (
            claim
            if isinstance(claim, Claim)
            else validated(Claim, claim, ("claims", len(self.claims)))
        )
        return self.replace(claims=(*self.claims, new))

    def without_claim(self, claim_id: str) -> Scenario:
        """Return a scenario without claim ``claim_id``.

        Parameters
        ----------
        claim_id : str

        Returns
        -------
        Scenario

        Raises
        ------
        KeyError
            No such claim.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> s = load(example())
        >>> len(s.without_claim(s.claims[0].id).claims) == len(s.claims) - 1
        True
        """
        self.claim(claim_id)
        return self.replace(claims=tuple(c for c in self.claims if c.id != claim_id))

    def with_claim_changed(self, claim_id: str, **changes: Any) -> Scenario:
        """Return a scenario where one claim's fields (status, information, ...) changed.

        Parameters
        ----------
        claim_id : str
        **changes
            Field name to new value; the claim's other fields are kept.

        Returns
        -------
        Scenario

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> s = load(example())
        >>> first = s.claims[0].id
        >>> s.with_claim_changed(first, hedge="rumoured").claim(first).hedge
        'rumoured'
        """
        old = self.claim(claim_id)
        index = self.claims.index(old)
        new = validated(Claim, {**old.model_dump(exclude_none=True), **changes}, ("claims", index))
        return self.replace(claims=tuple(new if c.id == claim_id else c for c in self.claims))

    def with_source(self, name: str, **changes: Any) -> Scenario:
        """Return a scenario where source ``name`` is added or changed.

        Parameters
        ----------
        name : str
        **changes
            Field name to new value (e.g. ``grade="B"``); a changed source keeps its
            other fields.

        Returns
        -------
        Scenario

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> load(example()).with_source("new_wire", grade="B").sources["new_wire"].grade
        'B'
        """
        sources = dict(self.sources)
        base = sources[name].model_dump(exclude_none=True) if name in sources else {}
        sources[name] = validated(Source, {**base, **changes}, ("sources", name))
        return self.replace(sources=sources)

    def observe(self, **states: Any) -> Scenario:
        """Return a scenario where facts are known: ``observe(hq_seized=True)``.

        Each observation is a confirmed claim (hard evidence) with id ``observed_<fact>``;
        observing a fact again replaces its earlier observation.

        Parameters
        ----------
        **states
            Fact name to state (``True``/``False`` for binary facts).

        Returns
        -------
        Scenario

        Raises
        ------
        ScenarioError
            Naming each fact that is not a discrete fact or outcome of the scenario, or a
            state it does not have (at ``observe.<fact>``).

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> load(example()).observe(hq_seized=True).claims[-1].proposition
        'hq_seized == "true"'
        >>> load(example()).observe(hq_seized="maybe")
        Traceback (most recent call last):
        ...
        scenarios.errors.ScenarioError: observe: 1 problem
          - observe.hq_seized: unknown state 'maybe'; states are ['false', 'true']
        """
        problems = []
        for fact, state in states.items():
            node = self.nodes.get(fact)
            if node is None:
                problems.append(
                    Problem(
                        ("observe", fact),
                        f"unknown fact; facts and outcomes are {sorted(self.nodes)}",
                    )
                )
            elif not node.is_discrete:
                problems.append(
                    Problem(
                        ("observe", fact),
                        "a continuous fact: observe takes discrete facts and outcomes; add a "
                        "confirmed claim comparing it with a number instead",
                    )
                )
            elif state_name(state) not in node.state_names:
                problems.append(
                    Problem(
                        ("observe", fact),
                        f"unknown state {state_name(state)!r:.80}; states are "
                        f"{list(node.state_names)}",
                    )
                )
        if problems:
            raise ScenarioError(problems, file="observe")
        replaced = {f"observed_{k}" for k in states}
        kept = tuple(c for c in self.claims if c.id not in replaced)
        claims = (*kept, *(_observation(k, state_name(v)) for k, v in states.items()))
        if any(c.via in replaced for c in kept):  # a relay of a replaced observation
            return self.replace(claims=claims)
        # The rest of the scenario is valid and unchanged, and the checks above are all
        # that validation finds in an observation (a confirmed claim with no source, time
        # or hedge, of a discrete node's state; its id new): re-running pydantic and
        # check_scenario over every field took a quarter of an update on a small
        # network. The facts and outcomes are the same objects: so are the views of them
        # (nodes, and order, computed once here rather than once per observed copy).
        observed = self.model_copy(update={"claims": claims})
        vars(observed).update(nodes=self.nodes, order=self.order)
        return observed

    def retract(
        self, claim_id: str, at: datetime | None = None, note: str | None = None
    ) -> Scenario:
        """Return a scenario where a claim's own source withdrew it.

        The claim stays (the report was made) and gets ``retracted: {at, note}``: a
        further report by the same source that the proposition is false, weighed by the
        source's retraction rates. Through the source's shared rates its other claims
        then weigh less. :meth:`known_at` a time before ``at`` leaves the retraction out.

        Parameters
        ----------
        claim_id : str
            A claim with a source and a proposition.
        at : datetime, optional
            When it was retracted (default: unknown, taken as the claim's own time).
        note : str, optional
            Why.

        Returns
        -------
        Scenario

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> s = load(example())
        >>> s.retract("hq_seized", note="the photo was old").claim("hq_seized").retraction.note
        'the photo was old'
        """
        retraction: dict[str, Any] = {}
        if at is not None:
            retraction["at"] = at
        if note is not None:
            retraction["note"] = note
        return self.with_claim_changed(claim_id, retracted=retraction)

    def known_at(self, time: datetime) -> Scenario:
        """Return the scenario as it stood at ``time``.

        Claims made later are left out, and so are denials, disputes and retractions
        made later; a claim first known through a relay (``via``) counts from the
        relay's time. Claims without a time are taken as known from the start; a denial
        or retraction without a time shares its claim's.

        Parameters
        ----------
        time : datetime
            Naive times are taken as UTC.

        Returns
        -------
        Scenario
            With ``as_of`` set to ``time``.

        Examples
        --------
        >>> from datetime import datetime
        >>> from scenarios.io import example, load
        >>> s = load(example())
        >>> len(s.known_at(datetime(2000, 1, 1)).claims) <= len(s.claims)
        True
        """
        limit = comparable_time(time)

        def later(t: datetime | None) -> bool:
            return t is not None and comparable_time(t) > limit

        # an original first known through a relay became known when the relay did
        roots = relay_roots(self.claims)
        relayed: dict[str, list[datetime | None]] = {}
        for relay, root in roots.items():
            t = self.claim(relay).time
            if not later(t):
                relayed.setdefault(root, []).append(t)
        kept = []
        for c in self.claims:
            changes: dict[str, Any] = {}
            if later(c.time):
                if c.id not in relayed:
                    continue
                times = relayed[c.id]
                known = [t for t in times if t is not None]
                changes["time"] = (
                    None if len(known) < len(times) else min(known, key=comparable_time)
                )
            for field in ("denied_by", "disputed_by"):
                answers = getattr(c, field)
                if any(later(d.time) for d in answers):
                    changes[field] = tuple(d for d in answers if not later(d.time))
            if c.retracted is not None and later(c.retracted.at):
                changes["retracted"] = None
                if c.status == "retracted":
                    changes["status"] = "reported"
            if changes.get("denied_by") == () and c.status == "denied":
                changes["status"] = "reported"
            if changes.get("disputed_by") == () and c.status == "disputed":
                changes["status"] = "reported"
            kept.append(c.model_copy(update=changes) if changes else c)
        ids = {c.id for c in kept}
        kept = [  # a relay of a relay not yet known repeats the original directly
            c.model_copy(update={"via": roots[c.id]})
            if c.via is not None and c.via not in ids
            else c
            for c in kept
        ]
        return self.replace(claims=tuple(kept), as_of=time)

    def intervene(self, **states: Any) -> Scenario:
        """Return a scenario where facts are *set* (do-operator), not observed.

        Each named discrete fact loses its own prior or table and takes the given state
        with certainty, so it no longer carries evidence to its parents; claims stay
        observed. Compare :meth:`observe`, which conditions on the state.

        Parameters
        ----------
        **states
            Discrete fact name to state.

        Returns
        -------
        Scenario

        Raises
        ------
        KeyError
            A name that is not a discrete fact or outcome.
        ValueError
            A state the node does not have.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> dict(load(example()).intervene(hq_seized=True).facts["hq_seized"].prior.probs)
        {'false': 0.0, 'true': 1.0}
        """
        out = self
        for name, state in states.items():
            node = self.nodes.get(name)
            if node is None or not node.is_discrete:
                raise KeyError(f"intervene needs a discrete fact; {name!r} is not one")
            value = state_name(state)
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

        Returns
        -------
        Posterior

        Raises
        ------
        ValueError
            An unknown engine.
        OptionError
            An unknown option, or a bad value (``draws=0``, ``seed="abc"``,
            ``interval=1.5``), naming it and what was expected (see
            :func:`scenarios.spec.registry.check_options`).
        ImpossibleEvidenceError
            If the claims cannot all hold.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> load(example()).update(intervals=False).engine
        'exact'
        >>> load(example()).update(draws=0)
        Traceback (most recent call last):
        ...
        scenarios.errors.OptionError: update options: 1 problem
          - draws: expected a whole number in [1, 10,000,000], got 0
        """
        found = registry.engine(engine)
        checked = registry.check_options(options)
        try:
            return found.update(self, **checked)
        except TypeError as exc:  # an option this engine does not take
            located = registry.unknown_option(exc, found.name, checked)
            if located is None:
                raise
            raise located from None

    def simulate(self, n: int, seed: int | None = None) -> Simulation:
        """Draw ``n`` worlds and the reports they would produce (a prior predictive check).

        The engines' generative story run forwards
        (:func:`scenarios.engines.simulate.simulate`): the uncertain probabilities from
        their priors, each source's rates once per world, the facts and outcomes, then
        every claim's report (and its denials and retraction) with the likelihood the
        engines condition on. The share of worlds that make a set of reports is the
        engines' probability of those reports.

        Parameters
        ----------
        n : int
            Number of worlds.
        seed : int, optional
            Seed of the draws (default: the scenario's ``seed``); recorded in the result.

        Returns
        -------
        Simulation
            ``seed``, ``worlds`` (one row per world: facts, outcomes, ``reported:<id>``
            indicators, ``value:<id>`` numbers) and ``theta``.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> sim = load(example()).simulate(500, seed=2)
        >>> sim.seed, sim.worlds.shape[0]
        (2, 500)
        """
        return registry.simulator()(self, n, seed=seed)

    def to_pymc(self, **options: Any) -> Any:
        """The scenario as a generative ``pymc.Model``, to extend and sample.

        Discrete facts and outcomes are ``pm.Bernoulli``/``pm.Categorical`` variables,
        claims observed variables (``docs/pymc.md``); ``marginalized=True`` gives the
        model the full engine samples, with the discrete facts summed out.

        Parameters
        ----------
        **options
            Passed to :func:`scenarios.engines.pymc.build_model`.

        Returns
        -------
        pymc.Model
        """
        build = registry.engine("pymc").model
        assert build is not None  # the pymc engine registers its model builder
        return build(self, **options)


@lru_cache(maxsize=4096)
def _observation(fact: str, state: str) -> Claim:
    """The confirmed claim of :meth:`Scenario.observe`: frozen, so one per fact and state."""
    return Claim(
        id=f"observed_{fact}",
        text=f"{fact} observed as {state}",
        proposition=f'{fact} == "{state}"',
        status="confirmed",
    )

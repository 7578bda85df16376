"""The exact engine compiled for sliders: change a prior, read the new table.

:class:`Interactive` keeps the factor graph, the draws of the uncertain probabilities
(seeded once, so intervals do not jitter as a slider moves) and the contraction plans.
Changing a discrete prior re-checks that node alone and recomputes its table. The first
change of a node also contracts everything else into a message over that node's table
and the outcomes, so that while a slider is dragged each new table costs one small
product. Anything else (a continuous prior, a claim, a source) rebuilds the model. The
scenario it holds is always the validated, immutable result of the same edits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scenarios.engines.assembly import Assembly, assemble
from scenarios.engines.exact import KHAT_LIMIT, psis_weights
from scenarios.engines.factors import DRAW, Factor, contract
from scenarios.engines.links import draw_link
from scenarios.engines.network import Network
from scenarios.engines.uncertain import draw_parameters
from scenarios.errors import ImpossibleEvidenceError, ScenarioError
from scenarios.posterior import weighted_quantile
from scenarios.spec.priors import ThresholdPrior
from scenarios.spec.scenario import Scenario
from scenarios.spec.validation import as_prior, check_node

__all__ = ["Interactive"]


class Interactive:
    """A scenario compiled for fast repeated updates.

    Parameters
    ----------
    scenario : Scenario
    draws : int
        Draws of the uncertain probabilities behind the intervals; 0 for point answers only.
    seed : int, optional
        Seed of those draws (default: the scenario's seed).
    interval : float
        Credible mass of the intervals.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> scenario = load(example())
    >>> fast = Interactive(scenario, draws=1000)
    >>> table = fast.set_prior("army_strikes", {"p": 0.6})
    >>> list(table.columns)
    ['probability', 'lower', 'upper']
    >>> exact = scenario.with_prior("army_strikes", {"p": 0.6}).update(intervals=False)
    >>> bool(abs(table["probability"] - exact.scenarios["probability"]).max() < 1e-12)
    True
    """

    def __init__(
        self, scenario: Scenario, *, draws: int = 0, seed: int | None = None, interval: float = 0.9
    ) -> None:
        self.draws = int(draws)
        self.seed = scenario.seed if seed is None else int(seed)
        self.interval = interval
        self._compile(scenario)

    # -- state --------------------------------------------------------------------

    def _compile(self, scenario: Scenario) -> None:
        self._scenario: Scenario | None = scenario
        self._pending: dict[str, Any] = {}
        self._base = scenario
        self.network = Network(scenario)
        self._point = assemble(self.network)
        self._values = {n: Factor(x, (n,)) for n, (x, _) in self.network.quadrature.items()}
        self._theta: dict[str, np.ndarray] = {}
        self._batch: Assembly | None = None
        if self.draws and self.network.parameters:
            rng = np.random.default_rng(self.seed)
            self._theta = draw_parameters(self.network, self.draws, rng)
            self._batch = assemble(self.network, params=self._theta, draw_axis=True)
        outcomes = list(scenario.outcomes)
        states = [(o, s) for o in outcomes for s in self.network.states[o]]
        self._index = pd.MultiIndex.from_tuples(states, names=["variable", "state"])
        self._sizes = [len(self.network.states[o]) for o in outcomes]
        self._focus: tuple[str, Any, Any] | None = None  # (node, point message, batch message)
        self._check_possible()

    @property
    def scenario(self) -> Scenario:
        """The current scenario, validated (edits applied on first access)."""
        if self._scenario is None:
            scenario = self._base
            for name, prior in self._pending.items():
                scenario = scenario.with_prior(name, prior)
            self._base, self._pending, self._scenario = scenario, {}, scenario
        return self._scenario

    def _check_possible(self, z: float | None = None) -> None:
        if z is None:
            z = float(contract(self._point.factors_for(), []))
        if not np.isfinite(z) or z <= 0.0:
            raise ImpossibleEvidenceError("the claims cannot all hold", list(self._point.claim_ids))

    def _message(self, asm: Assembly, name: str) -> Any:
        """Everything but node ``name``'s tables, contracted onto their axes and the outcomes."""
        tables = _tables_of(asm, name)
        keep = list(dict.fromkeys([DRAW, *(a for t in tables for a in t.axes), *self._outcomes]))
        rest = [f for f in asm.factors_for(keep) if all(f is not t for t in tables)]
        if not rest:
            return None
        # the draw axis, when there is one, must survive: each draw has its own message
        axes = [a for a in keep if any(a in f.axes for f in rest)]
        return Factor(contract(rest, axes), tuple(axes))

    def _focus_on(self, name: str) -> None:
        if self._focus is not None and self._focus[0] == name:
            return
        batch = self._message(self._batch, name) if self._batch is not None else None
        self._focus = (name, self._message(self._point, name), batch)

    @property
    def parameter_draws(self) -> dict[str, np.ndarray]:
        """The draws of every uncertain probability behind the intervals, by name.

        Empty without ``draws``. The same draws serve every edit, so that intervals do
        not jitter; a node whose table changes gets fresh draws of its own rows.
        """
        return dict(self._theta)

    # -- edits --------------------------------------------------------------------

    def set_prior(self, name: str, prior: Any) -> pd.DataFrame:
        """Change the prior of fact or outcome ``name``; return the new scenario table.

        Parameters
        ----------
        name : str
            A fact or outcome.
        prior : mapping or prior value
            As in a file, e.g. ``{"p": 0.6}``; validated against the node.

        Returns
        -------
        pandas.DataFrame
            The scenario table, as :meth:`table`.

        Raises
        ------
        KeyError
            No fact or outcome ``name``.
        ScenarioError
            If the prior is invalid for that node (the model is left unchanged).
        """
        self._set_prior(name, prior)
        return self.table()

    def _set_prior(self, name: str, prior: Any) -> None:
        nodes = self._base.nodes if not self._pending else {**self._base.nodes}
        node = nodes.get(name)
        if node is None:
            raise KeyError(f"no fact or outcome {name!r}")
        new = node.model_copy(update={"prior": as_prior(prior)})
        current = {
            **self._base.nodes,
            **{
                k: self._base.nodes[k].model_copy(update={"prior": as_prior(v)})
                for k, v in self._pending.items()
            },
            name: new,
        }
        where = ("facts",) if name in self._base.facts else ("outcomes",)
        problems = list(check_node(name, new, where, current))
        if problems:
            raise ScenarioError(problems)
        if (
            not node.is_discrete
            or isinstance(new.prior, ThresholdPrior)  # reads continuous values: rebuilt
            or new.parents != node.parents
            or self._point.nodes.count(name) != 1
        ):
            self._compile(self.scenario.with_prior(name, prior))
            return
        self._focus_on(name)
        self.network.set_prior(name, new.prior)
        i = self._point.nodes.index(name)
        table = self.network.table_factor(name, np, None, False, self._values, chain=False)
        self._point = _swap(self._point, name, table)
        if self._batch is not None:
            param = self.network.row_param(name)
            if param is not None:
                rng = np.random.default_rng([self.seed, i])
                g = rng.gamma(np.broadcast_to(param.alpha, (self.draws, *param.alpha.shape)))
                self._theta[param.name] = g / g.sum(axis=-1, keepdims=True)
            else:
                self._theta.pop(f"{name}_probs", None)
            link = self.network.link_param(name)  # uncertain link coefficients: fresh draws
            if link is not None:
                rng = np.random.default_rng([self.seed, i, 1])
                self._theta[link.name] = draw_link(link, self.draws, rng)
            else:
                self._theta.pop(f"{name}_link", None)
            factor = self.network.table_factor(
                name, np, self._theta, True, self._values, chain=False
            )
            self._batch = _swap(self._batch, name, factor)
        self._pending[name] = prior
        self._scenario = None

    def try_prior(self, name: str, prior: Any) -> np.ndarray:
        """The scenario probabilities were ``name``'s prior ``prior``; the engine keeps its own.

        :meth:`set_prior` and back, without the second edit (and its validation and
        link fit): what a tornado asks of each input, one setting after another.

        Parameters
        ----------
        name : str
            A fact or outcome.
        prior : mapping or prior value
            As in a file; validated against the node.

        Returns
        -------
        numpy.ndarray
            The point probabilities, as :meth:`probabilities` (the rows of :meth:`table`).

        Raises
        ------
        KeyError
            No fact or outcome ``name``.
        ScenarioError
            If the prior is invalid for that node.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> fast = Interactive(load(example()))
        >>> before = fast.probabilities()
        >>> moved = fast.try_prior("elite_cohesion", {"probs": {"cohesive": 0.9, "fractured": 0.1}})
        >>> bool((moved != before).any())
        True
        >>> bool(np.abs(fast.probabilities() - before).max() < 1e-15)  # to rounding
        True
        """
        net = self.network
        kept = (
            net,
            {k: dict(getattr(net, k)) for k in ("stated", "priors", "_row_param", "_link_param")},
            {k: getattr(self, k) for k in _STATE},
            dict(self._theta),
            dict(self._pending),
        )
        try:
            self._set_prior(name, prior)
            return self.probabilities()
        finally:
            net, per_node, state, theta, pending = kept
            for k, v in per_node.items():
                setattr(net, k, v)
            for k, v in state.items():
                setattr(self, k, v)
            self._theta, self._pending = theta, pending

    def apply(self, edit: Any) -> pd.DataFrame:
        """Apply any scenario edit (a function of the scenario) and return the new table.

        Parameters
        ----------
        edit : callable
            ``edit(scenario) -> Scenario``, e.g. one of the ``Scenario.with_*`` methods.

        Returns
        -------
        pandas.DataFrame
            The scenario table, as :meth:`table`.

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> fast = Interactive(load(example()))
        >>> first = fast.scenario.claims[0].id
        >>> table = fast.apply(lambda s: s.without_claim(first))
        >>> first in [c.id for c in fast.scenario.claims]
        False
        """
        self._compile(edit(self.scenario))
        return self.table()

    # -- results ------------------------------------------------------------------

    @property
    def _outcomes(self) -> list[str]:
        return list(self._base.outcomes)

    def _joint(self, asm: Assembly, message: Any, batched: bool) -> np.ndarray:
        """Unnormalised P(outcomes, claims), one axis per outcome (draws first if batched)."""
        out = [DRAW, *self._outcomes] if batched else self._outcomes
        if self._focus is not None and message is not None:
            name = self._focus[0]
            factors = [*_tables_of(asm, name), message]
        else:
            factors = asm.factors_for(self._outcomes)
        if batched and not any(DRAW in f.axes for f in factors):
            value = np.asarray(contract(factors, self._outcomes))
            return np.broadcast_to(value, (self.draws, *value.shape))
        return np.asarray(contract(factors, out))

    def _marginals(self, joint: np.ndarray, batched: bool) -> np.ndarray:
        lead = 1 if batched else 0
        parts = []
        for k in range(len(self._outcomes)):
            other = tuple(a + lead for a in range(len(self._outcomes)) if a != k)
            parts.append(joint.sum(axis=other) if other else joint)
        return np.concatenate(parts, axis=-1)

    def probabilities(self) -> np.ndarray:
        """Point scenario probabilities, outcome by outcome, state by state.

        Returns
        -------
        numpy.ndarray
            In the order of :meth:`table`'s rows.
        """
        message = self._focus[1] if self._focus is not None else None
        joint = self._joint(self._point, message, batched=False)
        z = float(joint.sum())
        self._check_possible(z)
        return self._marginals(joint, batched=False) / z

    def table(self) -> pd.DataFrame:
        """The scenario table: probability, and lower/upper when ``draws`` > 0.

        Returns
        -------
        pandas.DataFrame
            Index ``(variable, state)`` over the outcomes; columns ``probability``,
            ``lower``, ``upper``; ``attrs["pareto_k"]`` and ``attrs["reliable"]`` with
            draws.
        """
        p = self.probabilities()
        if self._batch is None:
            return pd.DataFrame({"probability": p, "lower": p, "upper": p}, index=self._index)
        message = self._focus[2] if self._focus is not None else None
        joint = self._joint(self._batch, message, batched=True)
        zs = joint.reshape(self.draws, -1).sum(axis=1)
        g = self._marginals(joint, batched=True) / zs[:, None]
        w, khat, _ = psis_weights(np.log(np.maximum(zs, 1e-300)))
        tails = [(1 - self.interval) / 2, (1 + self.interval) / 2]
        lo_hi = weighted_quantile(g.T, w, tails)
        frame = pd.DataFrame(
            {"probability": p, "lower": lo_hi[:, 0], "upper": lo_hi[:, 1]}, index=self._index
        )
        frame.attrs["pareto_k"] = khat
        frame.attrs["reliable"] = khat <= KHAT_LIMIT
        return frame


#: What :meth:`Interactive.set_prior` may replace (besides the network's entries, the
#: draws and the pending edits), restored by :meth:`Interactive.try_prior`. Not the
#: focus: the message to a node's table is the rest of the network contracted, the same
#: with its old table back (and ``None`` after a recompilation), so it stays for the
#: next setting of that node.
_STATE = ("network", "_point", "_batch", "_scenario", "_base", "_values", "_index", "_sizes")


def _tables_of(asm: Assembly, name: str) -> list[Factor]:
    """Node ``name``'s factors (one, or several: a drawn link's are kept factored)."""
    return [t for n, t in zip(asm.nodes, asm.tables, strict=True) if n == name]


def _swap(asm: Assembly, name: str, table: Any) -> Assembly:
    """``asm`` with node ``name``'s factors replaced by the one ``table``."""
    from dataclasses import replace

    first = asm.nodes.index(name)
    nodes, tables = [], []
    for i, (n, t) in enumerate(zip(asm.nodes, asm.tables, strict=True)):
        if n != name or i == first:
            nodes.append(n)
            tables.append(table if i == first else t)
    return replace(asm, nodes=tuple(nodes), tables=tuple(tables))

"""Draw worlds and the reports they would produce: the engines' generative story, forwards.

:func:`simulate` runs the model the engines condition on from the top down, with the
engines' own pieces (:class:`~scenarios.engines.network.Network`: its parameters, tables,
logit links, propositions and :func:`~scenarios.engines.reports.report_probability`), so
that the frequencies it gives are the engines' prior predictive probabilities. In each
world:

1. theta, every uncertain probability, is drawn from its prior
   (:func:`~scenarios.engines.uncertain.draw_parameters`): table rows with a concentration
   (Dirichlet), each source's true- and false-positive rates ``(t, f)`` and its
   retraction rates ``(r_t, r_f)`` (Beta; drawn once per world and shared by all the
   source's reports), explicit likelihoods with a concentration;
2. the facts and outcomes, parents first: continuous facts from their distributions,
   discrete ones from their table row (or logit link) at the parents' drawn states;
3. the reports, in the file's order. A claim about a proposition ``A`` is made with
   probability ``f + w (t - f)`` if ``A`` holds and ``f`` if not; a ``confirmed`` claim
   is made exactly when ``A`` holds (hard evidence). A claim's answers exist only where
   the claim was made: each denial or dispute is then made with the denier's
   ``f_d + w_d (t_d - f_d)`` if ``A`` is false and ``f_d`` if it holds; the retraction
   with ``r_t`` if ``A`` holds and ``r_f`` if not. A reported number is always made,
   from its :class:`~scenarios.engines.numbers.NumberModel`: informative with
   probability ``q`` (``Normal(scale(x) + bias, sd)``, on the log scale for a positive
   fact; a count Poisson or negative binomial of mean ``x e^bias``, or binomial
   thinning ``Binomial(N, p)`` of ``N`` = ``x`` rounded at random, with the claim's
   ascertainment rate ``p`` drawn in theta), else noise (the noise Normal; a count's
   binned to whole numbers). A
   relay (``via``) is made exactly where its original was and repeats it (a number
   relayed is the same number): the engines give a relay the constant likelihood
   ``rho`` of being made with its original (and 0 without it), and simulation takes
   ``rho = 1``, so that a set of reports with relays is as probable as without them.

For every set of reports, the probability that all of them are made is the engines'
likelihood of those reports (a retraction or denial counted with its claim): the
answers' dependence on their claim being made changes no observed ledger's likelihood,
it only keeps a world from denying a report nobody made. The information digit plays no
part. Silence is not modelled as evidence by the engines, so a set of reports *not*
made has no counterpart in a scenario file; a world's frequencies of "made" are what the
engines' ``update`` would condition on, one set of reports at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scenarios.engines.dependent import derived_value, draw_from_rows
from scenarios.engines.factors import DRAW, Factor
from scenarios.engines.network import Network
from scenarios.engines.reports import Evidence, report_probability
from scenarios.engines.uncertain import draw_parameters
from scenarios.spec.claims import relay_roots
from scenarios.spec.priors import ContinuousTablePrior
from scenarios.spec.scenario import Scenario

__all__ = ["NUMBER_PREFIX", "REPORT_PREFIX", "Simulation", "simulate"]

#: Column prefix of a report's indicator (``reported:<report id>``).
REPORT_PREFIX = "reported:"
#: Column prefix of a reported number's drawn value (``value:<claim id>``).
NUMBER_PREFIX = "value:"


@dataclass(frozen=True)
class Simulation:
    """Worlds drawn from a scenario's generative story, and the seed that drew them.

    Attributes
    ----------
    seed : int
        The seed of every draw: ``simulate(scenario, n, seed)`` gives these worlds again.
    worlds : pandas.DataFrame
        One row per world (index ``world``). A column per fact and outcome by name
        (discrete ones as categoricals over their states, continuous ones as floats);
        ``reported:<report id>`` (bool) for every report about a proposition: the
        claim's own (its id), each denial and dispute (``<claim>~denied_by~<source>``,
        ``<claim>~disputed_by~<source>``) and the retraction (``<claim>~retracted``),
        and each relay (its id); ``value:<claim id>`` (float) for every reported number
        (and relay of one). A number with q = 0 (surely noise) says nothing and has no column.
    theta : mapping of str to numpy.ndarray
        The uncertain probabilities each world drew, by the engines' names (the PyMC
        variables': ``<source>_true_positive``, ``<source>_retraction_if_false``,
        ``<node>_probs`` ...), worlds first. Fixed rates are not in it.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> sim = load(example()).simulate(1000, seed=1)
    >>> sim.seed, len(sim.worlds)
    (1, 1000)
    >>> sim.reports.dtypes.unique().tolist()
    [dtype('bool')]
    """

    seed: int
    worlds: pd.DataFrame
    theta: Mapping[str, np.ndarray] = field(repr=False, compare=False)

    @property
    def reports(self) -> pd.DataFrame:
        """The report indicators alone, columns named by report id.

        Returns
        -------
        pandas.DataFrame
            Boolean, one row per world.
        """
        return _strip(self.worlds, REPORT_PREFIX)

    @property
    def values(self) -> pd.DataFrame:
        """The reported numbers' drawn values, columns named by claim id.

        Returns
        -------
        pandas.DataFrame
            One row per world (no columns when the scenario reports no number).
        """
        return _strip(self.worlds, NUMBER_PREFIX)

    def frequencies(self) -> pd.DataFrame:
        """How often each report is made: the prior predictive P(report), with its error.

        Returns
        -------
        pandas.DataFrame
            Index ``report`` (report ids, in the file's order); columns ``probability``
            (the share of worlds that made it) and ``mcse`` (its binomial standard
            error, ``sqrt(p (1 - p) / n)``).

        Examples
        --------
        >>> from scenarios.io import example, load
        >>> table = load(example()).simulate(2000, seed=0).frequencies()
        >>> list(table.columns), bool(table["probability"].between(0, 1).all())
        (['probability', 'mcse'], True)
        """
        reports = self.reports
        p = reports.mean(axis=0).astype(float)
        mcse = np.sqrt(p * (1.0 - p) / max(len(reports), 1))
        table = pd.DataFrame({"probability": p, "mcse": mcse})
        table.index.name = "report"
        return table


def _strip(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    columns = [c for c in frame.columns if c.startswith(prefix)]
    return frame[columns].rename(columns=lambda c: c[len(prefix) :])


def _at(factor: Factor, states: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """A factor's values at each world: axes ``draw`` (the world) and discrete nodes.

    Axes left over (the node being drawn, last) stay.
    """
    index: list[Any] = []
    for axis in factor.axes:
        if axis == DRAW:
            index.append(np.arange(n))
        elif axis in states:
            index.append(states[axis])
        else:
            break
    values = np.asarray(factor.values, dtype=float)
    rest = values.shape[len(index) :]
    return np.broadcast_to(values[tuple(index)], (n, *rest))


def _categorical(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One state index per row of ``probs`` (rows sum to one)."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cdf[:, -1]
    return np.minimum((cdf <= u[:, None]).sum(axis=1), probs.shape[1] - 1)


def _rate(param: Any, theta: Mapping[str, np.ndarray]) -> Any:
    return param.a if param.fixed else theta[param.name]


def simulate(scenario: Scenario, n: int, seed: int | None = None) -> Simulation:
    """Draw ``n`` worlds and the reports they would produce.

    The generative story the engines condition on, run forwards (see the module's
    description): theta from its prior, the facts and outcomes, then every report.

    Parameters
    ----------
    scenario : Scenario
    n : int
        Number of worlds, at least 1.
    seed : int, optional
        Seed of every draw (default: the scenario's ``seed``); recorded in the result.

    Returns
    -------
    Simulation

    Raises
    ------
    ValueError
        If ``n`` is below 1.

    Examples
    --------
    >>> from scenarios.spec.scenario import Scenario
    >>> s = Scenario(
    ...     title="Coin",
    ...     facts={"biased": {"kind": "binary", "prior": {"p": 0.5}}},
    ...     outcomes={"call": {"kind": "binary", "exhaustive": "yes/no",
    ...               "prior": {"given": ["biased"], "table": [
    ...                   {"when": {"biased": True}, "p": 0.9},
    ...                   {"when": {"biased": False}, "p": 0.5}]}}},
    ...     sources={"friend": {"true_positive": {"mean": 0.8},
    ...                         "false_positive": {"mean": 0.2}}},
    ...     claims=[{"id": "c1", "text": "It's biased", "proposition": "biased",
    ...              "source": "friend"}],
    ... )
    >>> sim = simulate(s, 40000, seed=3)
    >>> list(sim.worlds.columns)
    ['biased', 'call', 'reported:c1']
    >>> round(float(sim.reports["c1"].mean()), 2)  # 0.5 * 0.8 + 0.5 * 0.2
    0.5
    >>> made = sim.worlds[sim.reports["c1"]]
    >>> round(float((made["biased"] == "true").mean()), 2)  # the exact engine: 0.8
    0.8
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"simulate needs at least one world, got n={n}")
    seed = scenario.seed if seed is None else int(seed)
    rng = np.random.default_rng(seed)
    net = Network(scenario)
    theta = draw_parameters(net, n, rng)

    states: dict[str, np.ndarray] = {}  # discrete nodes: state index per world
    values: dict[str, Factor] = {}  # continuous facts: a value per world
    for name in scenario.order:
        if name in net.derived:  # its expression of the facts drawn in this world
            values[name] = derived_value(net, name, values)
            continue
        if isinstance(net.priors[name], ContinuousTablePrior):  # from its parents' row
            values[name] = Factor(draw_from_rows(net, name, states, rng), (DRAW,))
            continue
        if name in net.dists:
            x = net.dists[name].dist.rvs(size=n, random_state=rng)
            values[name] = Factor(np.asarray(x, dtype=float).reshape(n), (DRAW,))
            continue
        table = net.table_factor(name, np, theta, True, values, chain=False)
        assert isinstance(table, Factor)
        states[name] = _categorical(_at(table, states, n), rng)

    columns: dict[str, Any] = {}
    for name in scenario.order:
        if name in states:
            columns[name] = pd.Categorical.from_codes(states[name], categories=net.states[name])
        else:
            columns[name] = values[name].values
    evidence: dict[str, list[Evidence]] = {}
    for ev in net.evidence:
        evidence.setdefault(ev.claim.id, []).append(ev)
    roots = relay_roots(scenario.claims)
    drawn: dict[str, tuple[str, np.ndarray]] = {}  # report id -> (column prefix, values)
    for claim in scenario.claims:
        if claim.id in roots:  # a relay: made exactly where its original was
            if roots[claim.id] in drawn:
                prefix, column = drawn[roots[claim.id]]
                drawn[claim.id] = (prefix, column)
                columns[prefix + claim.id] = column
            continue
        for ev in evidence.get(claim.id, ()):
            if ev.kind == "number":
                prefix, column = NUMBER_PREFIX, _number(net, ev, values, theta, rng)
            else:
                p = _report_probability(net, ev, states, values, theta, n)
                prefix, column = REPORT_PREFIX, rng.random(n) < p
                if ev.role != "claim":  # answers (denials, disputes, a retraction) need it
                    column &= drawn[ev.claim.id][1]
            drawn[ev.id] = (prefix, column)
            columns[prefix + ev.id] = column
    worlds = pd.DataFrame(columns, index=pd.RangeIndex(n, name="world"))
    return Simulation(seed=seed, worlds=worlds, theta=theta)


def _report_probability(
    net: Network,
    ev: Evidence,
    states: Mapping[str, np.ndarray],
    values: Mapping[str, Factor],
    theta: Mapping[str, np.ndarray],
    n: int,
) -> np.ndarray:
    """P(the report is made) in each world, by the engines' own likelihood."""
    holds = _at(net.reported(ev, values), states, n)
    if ev.kind == "hard":
        return holds
    assert ev.source is not None
    tp, fp = net.sources[ev.source]
    return report_probability(holds, _rate(tp, theta), _rate(fp, theta), ev.weight)


def _number(
    net: Network,
    ev: Evidence,
    values: Mapping[str, Factor],
    theta: Mapping[str, np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """A reported number per world, drawn from its mixture at the fact's value."""
    rep = ev.claim.reported
    assert rep is not None
    model = net.number_model(ev)
    rate = model.ascertainment
    p = theta.get(rate.name) if rate is not None else None
    return model.draw(values[rep.fact].values, rng, p)

"""The full engine: the scenario as a PyMC model, sampled with NUTS.

Continuous facts are PyMC variables (their ``pymc_extras.prior.Prior``), uncertain
probabilities are Dirichlet/Beta variables, reported numbers are observed Normals, and
the discrete facts are marginalised exactly: one ``pm.Potential`` holds the log of the
sum over their states of the tables times the claims' likelihoods, contracted by
variable elimination. The outcomes are then recovered by Rao-Blackwellisation: for each
posterior draw of ``theta``, the exact engine gives ``g(theta) = P(state | claims,
theta)``; their average is the scenario probability and their quantiles its interval.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from scenarios.engines.network import (
    DRAW,
    Network,
    RowParam,
    assemble,
    contract,
)
from scenarios.errors import ImpossibleEvidenceError, SamplingWarning
from scenarios.posterior import Posterior, state_table
from scenarios.scenario import Scenario

__all__ = ["build_model", "update_pymc"]

RHAT_LIMIT = 1.01
ESS_LIMIT = 400.0


def build_model(scenario: Scenario, *, marginalized: bool = True) -> Any:
    """Compile a scenario into a ``pymc.Model``.

    Parameters
    ----------
    scenario : Scenario
    marginalized : bool
        ``True`` (default): discrete facts summed out exactly in a ``pm.Potential``
        named ``"claims"``. ``False``: discrete facts as ``pm.Categorical`` variables and
        each claim as an observed ``pm.Bernoulli`` (``claim_<id>``): the plain model that
        PyMC samples with a compound step, and that ``pymc_extras.marginalize`` accepts.

    Returns
    -------
    pymc.Model
        Variables are named after facts (continuous), ``<node>_probs`` (uncertain table
        rows) and ``<source>_true_positive`` / ``<source>_false_positive`` (rates).

    Examples
    --------
    >>> model = scenarios.load(scenarios.default_priors()).to_pymc()  # doctest: +SKIP
    >>> with model:  # extend it like any PyMC model
    ...     pm.sample()  # doctest: +SKIP
    """
    import pymc as pm
    import pytensor.tensor as pt

    net = Network(scenario)
    bounds, truncating = _confirmed_bounds(net)
    with pm.Model() as model:
        continuous = {}
        for n, d in net.dists.items():
            if n in bounds:  # a confirmed threshold truncates the prior (no cliff for NUTS)
                lower, upper = bounds[n]
                base = getattr(pm, d.name).dist(**d.parameters)
                continuous[n] = pm.Truncated(n, base, lower=lower, upper=upper)
            else:
                continuous[n] = d.to_prior().create_variable(n)
        params: dict[str, Any] = {}
        for p in net.parameters:
            if isinstance(p, RowParam):
                params[p.name] = pm.Dirichlet(p.name, a=p.alpha)
            else:
                params[p.name] = pm.Beta(p.name, alpha=p.a, beta=p.b)
        numbers = [ev for ev in net.evidence if ev.kind == "number"]
        for ev in numbers:
            rep = ev.claim.reported
            assert rep is not None
            x = continuous[rep.fact]
            sd = rep.sd / math.sqrt(ev.weight)
            if net.dists[rep.fact].support[0] >= 0.0:
                pm.Normal(
                    f"claim_{ev.claim.id}",
                    mu=pt.log(x) + rep.bias,
                    sigma=sd,
                    observed=math.log(rep.value),
                )
            else:
                pm.Normal(f"claim_{ev.claim.id}", mu=x + rep.bias, sigma=sd, observed=rep.value)
        skip = [ev.claim.id for ev in numbers] + truncating
        if marginalized:
            asm = assemble(net, params=params, continuous=continuous, xp=pt, skip_claims=skip)
            if asm.evidence:
                z = _contract_all(asm.factors_for())
                pm.Potential("claims", pt.log(z))
        else:
            _plain_model(net, params, continuous, skip)
    return model


def _confirmed_bounds(net: Network) -> tuple[dict[str, list[float | None]], list[str]]:
    """Bounds that confirmed single thresholds (``x > 2.6``) put on continuous facts."""
    from scenarios.propositions import parse_proposition

    bounds: dict[str, list[float | None]] = {}
    used = []
    for ev in net.evidence:
        if ev.kind != "hard" or ev.claim.proposition is None:
            continue
        clauses = parse_proposition(ev.claim.proposition).clauses
        if len(clauses) != 1 or len(clauses[0]) != 1:
            continue
        atom = clauses[0][0]
        if atom.fact not in net.dists or atom.op not in (">", ">=", "<", "<="):
            continue
        lower = (atom.op in (">", ">=")) != atom.negated
        lo, hi = bounds.setdefault(atom.fact, [None, None])
        t = float(atom.value)  # type: ignore[arg-type]
        if lower:
            bounds[atom.fact][0] = t if lo is None else max(lo, t)
        else:
            bounds[atom.fact][1] = t if hi is None else min(hi, t)
        used.append(ev.claim.id)
    return bounds, used


def _contract_all(factors: list) -> Any:
    if not any(f.axes for f in factors):
        out = 1.0
        for f in factors:
            out = out * f.values
        return out
    scalars = [f for f in factors if not f.axes]
    tensors = [f for f in factors if f.axes]
    z = contract(tensors, [], backend="pytensor")
    for f in scalars:
        z = z * f.values
    return z


def _plain_model(net: Network, params: dict, continuous: dict, skip: list[str]) -> None:
    import pymc as pm
    import pytensor.tensor as pt

    from scenarios.engines.network import Factor

    values: dict[str, Factor] = {n: Factor(v, ()) for n, v in continuous.items()}
    states: dict[str, Any] = {}
    for name in net.discrete:
        table = net.table_factor(name, pt, params, False, values, chain=False)
        index = tuple(states[a] for a in table.axes[:-1])
        p = (
            pt.as_tensor_variable(table.values)[index]
            if index
            else pt.as_tensor_variable(table.values)
        )
        states[name] = pm.Categorical(name, p=p)
        values[name] = Factor(states[name], ())
    for ev in net.evidence:
        if ev.claim.id in skip:
            continue
        ind = net.indicator(ev.claim, values)
        hit = _select(ind, states)
        if ev.kind == "hard":
            p = pt.clip(hit, 1e-12, 1.0)
        else:
            tp, fp = net.sources[ev.source]  # type: ignore[index]
            t = params.get(tp.name, tp.mean) if not tp.fixed else tp.a
            f = params.get(fp.name, fp.mean) if not fp.fixed else fp.a
            w = ev.weight
            p = hit * (w * t + 1 - w) + (1 - hit) * (w * f + 1 - w)
        pm.Bernoulli(f"claim_{ev.claim.id}", p=p, observed=pm.Data(f"claim_{ev.claim.id}_obs", 1))


def _select(ind: Any, states: dict) -> Any:
    import pytensor.tensor as pt

    values = pt.as_tensor_variable(ind.values)
    if not ind.axes:
        return values
    return values[tuple(states[a] for a in ind.axes)]


def update_pymc(
    scenario: Scenario,
    *,
    seed: int | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    sampler: str = "nutpie",
    interval: float = 0.9,
    progressbar: bool = False,
    target_accept: float = 0.9,
) -> Posterior:
    """Update a scenario with the full PyMC model.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Sampler seed (default: the scenario's ``seed``).
    draws, tune, chains, cores : int
        NUTS settings.
    sampler : {"nutpie", "pymc"}
        ``"nutpie"`` (default, falls back to PyMC's NUTS if nutpie fails to compile).
    interval : float
        Mass of the credible intervals.
    progressbar : bool
        Show the sampler's progress.

    Returns
    -------
    Posterior
        With ``idata`` (the ArviZ DataTree) and diagnostics (R-hat, ESS, divergences,
        and ESS/MCSE of every scenario probability). Failed diagnostics raise a
        :class:`SamplingWarning`.
    """
    import pymc as pm

    from scenarios.engines.exact import update_exact

    seed = scenario.seed if seed is None else int(seed)
    exact = update_exact(scenario, intervals=False)  # raises on impossible evidence
    net = Network(scenario)
    model = build_model(scenario)
    if not model.free_RVs:
        raise ImpossibleEvidenceError(
            "the scenario has no uncertain quantity to sample; use the exact engine", ()
        )
    used = sampler
    kwargs = dict(
        draws=draws,
        tune=tune,
        chains=chains,
        random_seed=seed,
        progressbar=progressbar,
        target_accept=target_accept,
    )
    if cores is not None:
        kwargs["cores"] = cores
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*nutpie.*")
        try:
            idata = pm.sample(nuts_sampler=sampler, **kwargs)
        except Exception:  # nutpie missing or failing to compile: PyMC's own NUTS
            if sampler == "pymc":
                raise
            used = "pymc"
            idata = pm.sample(nuts_sampler="pymc", **kwargs)
    post = idata["posterior"]
    theta: dict[str, np.ndarray] = {}
    for p in net.parameters:
        arr = np.asarray(post[p.name].values)
        theta[p.name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    g = _rao_blackwell(net, theta, n_chains * n_draws)
    probs = {n: g[n].mean(axis=0) for n in net.discrete}
    outcomes = {n: probs[n] for n in scenario.outcomes}
    facts = {n: probs[n] for n in net.discrete if n in scenario.facts}
    diagnostics = _diagnostics(idata, g, n_chains, n_draws, scenario)
    posterior = Posterior(
        scenario=scenario,
        engine="pymc",
        seed=seed,
        scenarios=_with_mcse(
            state_table(outcomes, net.states, g, None, interval), g, n_chains, n_draws
        ),
        facts=_with_mcse(state_table(facts, net.states, g, None, interval), g, n_chains, n_draws),
        quantities=_sampled_quantities(net, post),
        prior_scenarios=exact.prior_scenarios,
        prior_facts=exact.prior_facts,
        prior_quantities=exact.prior_quantities,
        interval_mass=interval,
        diagnostics=diagnostics,
        idata=idata,
        log_evidence=exact.log_evidence,
        settings={
            "draws": draws,
            "tune": tune,
            "chains": chains,
            "sampler": used,
            "target_accept": target_accept,
        },
    )
    for message in posterior.warnings:
        warnings.warn(f"{scenario.title}: {message}", SamplingWarning, stacklevel=3)
    return posterior


def _rao_blackwell(net: Network, theta: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """g(theta) for every draw: exact P(state | claims, theta), continuous facts integrated."""
    if not theta:
        asm = assemble(net)
        factors = asm.all()
        z = contract(factors, [])
        return {
            name: np.broadcast_to(contract(factors, [name]) / z, (n, len(net.states[name])))
            for name in net.discrete
        }
    out: dict[str, list[np.ndarray]] = {name: [] for name in net.discrete}
    chunk = 1000
    for start in range(0, n, chunk):
        part = {k: v[start : start + chunk] for k, v in theta.items()}
        asm = assemble(net, params=part, draw_axis=True)
        m = next(iter(part.values())).shape[0]
        z = np.broadcast_to(_batched(asm.factors_for(), []), (m,))
        for name in net.discrete:
            joint = _batched(asm.factors_for([name]), [name])
            out[name].append(np.broadcast_to(joint, (m, len(net.states[name]))) / z[:, None])
    return {name: np.concatenate(parts) for name, parts in out.items()}


def _batched(factors: list, output: list[str]) -> np.ndarray:
    if any(DRAW in f.axes for f in factors):
        return contract(factors, [DRAW, *output])
    return contract(factors, output)


def _with_mcse(frame: pd.DataFrame, g: dict, chains: int, draws: int) -> pd.DataFrame:
    from arviz_stats.base import array_stats

    mcse = []
    for name, state in frame.index:
        i = list(frame.loc[name].index).index(state)
        series = g[name][:, i].reshape(chains, draws)
        mcse.append(float(array_stats.mcse(series)) if np.ptp(series) > 0 else 0.0)
    return frame.assign(mcse=mcse)


def _sampled_quantities(net: Network, post: Any) -> pd.DataFrame:
    rows = []
    for name in net.continuous:
        x = np.asarray(post[name].values).ravel()
        q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
        rows.append((name, net.scenario.facts[name].unit, x.mean(), x.std(), q05, q50, q95))
    cols = ["fact", "unit", "mean", "sd", "q05", "median", "q95"]
    return pd.DataFrame(rows, columns=cols).set_index("fact")


def _diagnostics(idata: Any, g: dict, chains: int, draws: int, scenario: Scenario) -> pd.DataFrame:
    from arviz_stats.base import array_stats

    post = idata["posterior"]
    rhat, ess = [], []
    for name in post.data_vars:
        arr = np.asarray(post[name].values).reshape(chains, draws, -1)
        for j in range(arr.shape[-1]):
            series = arr[:, :, j]
            if np.ptp(series) == 0:
                continue
            rhat.append(float(array_stats.rhat(series)))
            ess.append(float(array_stats.ess(series)))
    g_ess = []
    for name in scenario.outcomes:
        for j in range(g[name].shape[1]):
            series = g[name][:, j].reshape(chains, draws)
            if np.ptp(series) > 0:
                g_ess.append(float(array_stats.ess(series)))
    divergences = int(np.asarray(idata["sample_stats"]["diverging"].values).sum())
    rows = [
        (
            "max_rhat",
            max(rhat, default=1.0),
            f"<= {RHAT_LIMIT}",
            max(rhat, default=1.0) <= RHAT_LIMIT,
        ),
        (
            "min_ess_bulk",
            min(ess, default=np.inf),
            f">= {ESS_LIMIT:.0f}",
            min(ess, default=np.inf) >= ESS_LIMIT,
        ),
        (
            "min_ess_scenarios",
            min(g_ess, default=np.inf),
            f">= {ESS_LIMIT:.0f}",
            min(g_ess, default=np.inf) >= ESS_LIMIT,
        ),
        ("divergences", divergences, "== 0", divergences == 0),
    ]
    frame = pd.DataFrame(rows, columns=["diagnostic", "value", "want", "ok"])
    return frame.set_index("diagnostic")

"""Results as ArviZ DataTrees: the same groups from both engines, for the same ArviZ calls.

A posterior DataTree here has the groups ArviZ expects of a PyMC fit:

- ``posterior``: draws of theta (every uncertain probability, by its PyMC name) and, from
  the full engine, of the continuous facts; the exact engine's are its prior draws
  resampled by their Pareto-smoothed importance weights (``importance`` keeps the draws
  and their weights);
- ``log_likelihood``: ``claims``, with a ``claim`` dimension whose labels are the
  reports' variables (``claim_<id>`` as in :func:`scenarios.engines.pymc.build_model`;
  one variable, so that ``arviz_stats.loo`` takes every report as one observation),
  holding ``log p(y_i | y_-i, theta)``: the
  report's likelihood given theta and every other report, the discrete facts summed
  out. The reports are not independent given theta (they share the discrete facts),
  so this conditional form, not ``log p(y_i | theta)``, is the one PSIS-LOO needs
  (Bürkner, Gabry and Vehtari 2021, non-factorised models);
- ``log_prior``: the log prior density of each posterior variable;
- ``prior`` and ``prior_predictive``: worlds drawn from the generative story
  (:func:`scenarios.engines.simulate.simulate`): theta, the facts and outcomes (discrete
  ones as state indices, as PyMC draws them), and each report (1 made, 0 not; a number
  on its report's scale; a denial or retraction only where its claim was made, the
  simulator's story, which gives what was observed the same likelihood as the model);
- ``observed_data``: the reports as observed (1, or 0 for a silence; the numbers).

``arviz_stats.loo(tree)`` and ``arviz_stats.psense_summary(tree)`` run on either
engine's tree. Power-scaling the likelihood scales the sum of the ``log_likelihood``
terms, which for reports that share discrete facts is a pseudo-likelihood (it equals the
joint log-likelihood when they do not); prior power-scaling is exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import special, stats

from scenarios.engines.assembly import assemble
from scenarios.engines.factors import DRAW, Factor, contract
from scenarios.engines.links import LinkParam
from scenarios.engines.network import Network
from scenarios.engines.uncertain import RowParam

__all__ = ["claim_loglik", "datatree", "log_evidence", "log_prior", "report_name", "row_labels"]


def report_name(report_id: str) -> str:
    """The variable of a report in the PyMC model and the DataTree: ``claim_<id>``.

    Parameters
    ----------
    report_id : str
        :attr:`~scenarios.engines.reports.Evidence.id` (``~`` written ``__``).

    Returns
    -------
    str

    Examples
    --------
    >>> report_name("c1~denied_by~ministry")
    'claim_c1__denied_by__ministry'
    """
    return "claim_" + report_id.replace("~", "__")


def log_evidence(
    net: Network,
    theta: Mapping[str, np.ndarray],
    continuous: Mapping[str, np.ndarray] | None = None,
    skip: tuple[str, ...] = (),
) -> np.ndarray:
    """The log-likelihood of the reports per draw, the discrete facts summed out.

    ``log p(reports | theta[, continuous facts])``.

    Parameters
    ----------
    net : Network
    theta : mapping of str to numpy.ndarray
        Draws of ``net.parameters`` by name, draws first (may be empty).
    continuous : mapping of str to numpy.ndarray, optional
        Draws of the continuous facts; by default they are integrated by quadrature.
    skip : tuple of str
        Report ids to leave out.

    Returns
    -------
    numpy.ndarray
        One value per draw.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> log_evidence(net, {}, None).shape
    (1,)
    """
    n = _n_draws(theta, continuous)
    values = None
    if continuous is not None:
        values = {k: Factor(np.asarray(v, dtype=float), (DRAW,)) for k, v in continuous.items()}
    asm = assemble(
        net,
        params=dict(theta) if theta else None,
        draw_axis=bool(theta),
        continuous=values,
        skip_claims=skip,
    )
    factors = asm.factors_for()
    if any(DRAW in f.axes for f in factors):
        z = contract(factors, [DRAW])
    else:
        z = contract(factors, [])
    with np.errstate(divide="ignore"):
        out = np.log(np.broadcast_to(np.asarray(z, dtype=float), (n,))) + asm.log_offset
    for ll in asm.loglik.values():  # reported numbers at scalar facts (no draws)
        out = out + np.asarray(ll.values, dtype=float)
    return out


def claim_loglik(
    net: Network,
    theta: Mapping[str, np.ndarray],
    continuous: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """``log p(y_i | y_-i, theta)`` of every report, per draw.

    Parameters
    ----------
    net : Network
    theta, continuous
        As for :func:`log_evidence`.

    Returns
    -------
    dict of str to numpy.ndarray
        By report id (:attr:`~scenarios.engines.reports.Evidence.id`), one value per draw.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> ll = claim_loglik(net, {})
    >>> len(ll) == len(net.evidence), bool(all(np.isfinite(v).all() for v in ll.values()))
    (True, True)
    """
    whole = log_evidence(net, theta, continuous)
    out = {}
    for ev in net.evidence:
        out[ev.id] = whole - log_evidence(net, theta, continuous, skip=(ev.id,))
    return out


def log_prior(
    net: Network,
    theta: Mapping[str, np.ndarray],
    continuous: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The log prior density of every drawn variable, per draw.

    Parameters
    ----------
    net : Network
    theta, continuous
        As for :func:`log_evidence`.

    Returns
    -------
    dict of str to numpy.ndarray
        By variable name, one value per draw (a Dirichlet's rows summed).

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> lp = log_prior(net, {"army_strikes_probs": np.array([[[0.7, 0.3]]])})
    >>> round(float(lp["army_strikes_probs"][0]), 6) == round(float(
    ...     stats.dirichlet.logpdf([0.7, 0.3], [3.5, 1.5])), 6)
    True
    """
    out: dict[str, np.ndarray] = {}
    for p in net.parameters:
        if p.name not in theta:
            continue
        value = np.asarray(theta[p.name], dtype=float)
        if isinstance(p, RowParam):
            total = np.zeros(value.shape[0])
            for r in range(value.shape[1]):
                x = value[:, r, :]
                alpha = p.alpha[r]
                total += np.sum((alpha - 1.0) * np.log(x), axis=-1) + _log_dirichlet_norm(alpha)
            out[p.name] = total
        elif isinstance(p, LinkParam) and p.anchors is not None:
            # the Dirichlet density of the anchors' probabilities the link's fit gives back
            a = p.anchors
            beta = value.reshape(value.shape[0], a.fit.shape[0], p.k)
            ratios = np.einsum("ab,dbk->dak", a.design, beta)[:, a.uncertain]
            full = np.concatenate([np.zeros((*ratios.shape[:-1], 1)), ratios], axis=-1)
            logp = full - special.logsumexp(full, axis=-1, keepdims=True)
            alpha = a.alpha[a.uncertain]
            out[p.name] = sum(
                np.sum((alpha[i] - 1.0) * logp[:, i], axis=-1) + _log_dirichlet_norm(alpha[i])
                for i in range(alpha.shape[0])
            )
        elif isinstance(p, LinkParam):  # the density of z, beta = mean + root @ z
            z = np.linalg.lstsq(p.root, (value - p.mean).T, rcond=None)[0]
            out[p.name] = stats.norm.logpdf(z).sum(axis=0)
        else:
            out[p.name] = stats.beta.logpdf(value, p.a, p.b)
    for name, x in (continuous or {}).items():
        out[name] = net.dists[name].dist.logpdf(np.asarray(x, dtype=float))
    return out


def row_labels(net: Network, param: RowParam) -> tuple[str, ...]:
    """Names of the uncertain rows of a table: the parents' states of each (``"all"``).

    Parameters
    ----------
    net : Network
    param : RowParam

    Returns
    -------
    tuple of str
        One label per row of ``param``, ``"a=x, b=y"`` for the row where parent ``a``
        is ``x`` and ``b`` is ``y``.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> row_labels(net, net.row_param("army_strikes"))
    ('all',)
    """
    prior = net.priors[param.node]
    given = tuple(getattr(prior, "given", ()))
    if not given:
        return ("all",) * len(param.rows)
    combos = list(np.ndindex(*[len(net.states[g]) for g in given]))
    return tuple(
        ", ".join(f"{g}={net.states[g][i]}" for g, i in zip(given, combos[r], strict=True))
        for r in param.rows
    )


def _log_dirichlet_norm(alpha: np.ndarray) -> float:
    from scipy.special import gammaln

    return float(gammaln(alpha.sum()) - gammaln(alpha).sum())


def _n_draws(theta: Mapping[str, np.ndarray], continuous: Mapping | None) -> int:
    for v in theta.values():
        return int(np.shape(v)[0])
    for v in (continuous or {}).values():
        return int(np.shape(v)[0])
    return 1


def datatree(
    net: Network,
    posterior: Mapping[str, np.ndarray],
    *,
    continuous: tuple[str, ...] = (),
    prior_draws: int = 500,
    seed: int = 0,
    importance: Mapping[str, np.ndarray] | None = None,
    base: Any = None,
) -> Any:
    """The ArviZ DataTree of a posterior: the groups of the module's description.

    Parameters
    ----------
    net : Network
    posterior : mapping of str to numpy.ndarray
        Posterior draws by variable name, shape ``(chain, draw, ...)``: theta and the
        continuous facts named in ``continuous``.
    continuous : tuple of str
        The continuous facts among ``posterior`` (their draws condition the
        log-likelihoods; the others are integrated).
    prior_draws : int
        Worlds drawn for ``prior`` and ``prior_predictive``.
    seed : int
        Seed of those worlds.
    importance : mapping of str to numpy.ndarray, optional
        Weighted draws behind ``posterior`` (the exact engine's prior draws and their
        ``weight``), kept in the group ``importance``.
    base : xarray.DataTree, optional
        A sampler's tree (its ``posterior`` and ``sample_stats`` are kept); the other
        groups are added to it.

    Returns
    -------
    xarray.DataTree

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> tree = datatree(net, {"army_strikes_probs": np.full((1, 4, 1, 2), 0.5)},
    ...                 prior_draws=20)
    >>> sorted(tree.children)[:4]
    ['log_likelihood', 'log_prior', 'observed_data', 'posterior']
    """
    import xarray as xr

    from scenarios.engines.simulate import simulate

    first = next(iter(posterior.values()))
    chains, draws = np.shape(first)[:2]

    def flat(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        return v.reshape(chains * draws, *v.shape[2:])

    theta = {p.name: flat(posterior[p.name]) for p in net.parameters if p.name in posterior}
    x = {n: flat(posterior[n]) for n in continuous} if continuous else None
    coords: dict[str, Any] = {}
    dims: dict[str, tuple[str, ...]] = {}
    for p in net.row_params:
        coords[f"{p.name}_row"] = list(row_labels(net, p))
        coords[f"{p.node}_state"] = list(net.states[p.node])
        dims[p.name] = (f"{p.name}_row", f"{p.node}_state")

    def dataset(values: Mapping[str, np.ndarray], lead: tuple[str, ...]) -> Any:
        data = {}
        for k, v in values.items():
            v = np.asarray(v)
            extra = dims.get(k, tuple(f"{k}_dim_{i}" for i in range(v.ndim - len(lead))))
            data[k] = xr.DataArray(v, dims=(*lead, *extra[: v.ndim - len(lead)]))
        used = {d for a in data.values() for d in a.dims}
        own = {k: c for k, c in coords.items() if k in used and k not in ("chain", "draw")}
        for a in data.values():  # chain and draw by size: the prior has its own draws
            own.update({d: np.arange(a.sizes[d]) for d in lead})
        return xr.Dataset(data, coords=own)

    def per_draw(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {
            k: np.asarray(v).reshape(chains, draws, *np.shape(v)[1:]) for k, v in values.items()
        }

    groups: dict[str, Any] = {}
    if base is not None:
        for name in base.children:
            groups[name] = base[name].to_dataset()
    else:
        groups["posterior"] = dataset(posterior, ("chain", "draw"))
    ll = claim_loglik(net, theta, x)
    terms = np.stack([ll[ev.id] for ev in net.evidence], axis=-1)
    groups["log_likelihood"] = xr.Dataset(
        {"claims": (("chain", "draw", "claim"), terms.reshape(chains, draws, -1))},
        coords={
            "chain": np.arange(chains),
            "draw": np.arange(draws),
            "claim": [report_name(ev.id) for ev in net.evidence],
        },
    )
    groups["log_prior"] = dataset(per_draw(log_prior(net, theta, x)), ("chain", "draw"))
    sim = simulate(net.scenario, prior_draws, seed)
    prior: dict[str, np.ndarray] = {k: np.asarray(v)[None] for k, v in sim.theta.items()}
    for name in net.discrete:
        column = sim.worlds[name]
        prior[name] = np.asarray(column.cat.codes)[None]
    for name in net.continuous:
        prior[name] = np.asarray(sim.worlds[name], dtype=float)[None]
    groups["prior"] = dataset(prior, ("chain", "draw"))
    predictive, observed = {}, {}
    made = sim.reports
    numbers = sim.values
    for ev in net.evidence:
        name = report_name(ev.id)
        if ev.kind == "number":
            model = net.number_model(ev)
            v = np.asarray(numbers[ev.claim.id], dtype=float)
            predictive[name] = (model.scale(v) if model.count is None else v)[None]
            observed[name] = np.asarray(model.observed)
        else:
            predictive[name] = np.asarray(made[ev.id], dtype=np.int64)[None]
            observed[name] = np.asarray(0 if ev.silent else 1)
    groups["prior_predictive"] = dataset(predictive, ("chain", "draw"))
    groups["observed_data"] = dataset(observed, ())
    if importance is not None:
        groups["importance"] = dataset(
            {k: np.asarray(v)[None] for k, v in importance.items()}, ("chain", "draw")
        )
    tree = xr.DataTree.from_dict({k: v for k, v in groups.items()})
    tree.attrs["scenario"] = net.scenario.title
    return tree

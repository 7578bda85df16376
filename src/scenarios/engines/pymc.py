"""The full engine: the scenario as a PyMC model, sampled with NUTS.

Continuous facts are PyMC variables (their ``pymc_extras.prior.Prior``), uncertain
probabilities are Dirichlet/Beta variables, reported numbers are observed Normals (a
robust mixture, ``pm.Potential`` of a log-sum-exp, when the number may be noise), and
the discrete facts are marginalised exactly: one ``pm.Potential`` holds the log of the
sum over their states of the tables times the claims' likelihoods, contracted by
variable elimination. The outcomes are then recovered by Rao-Blackwellisation: for each
posterior draw of ``theta``, the exact engine gives ``g(theta) = P(state | claims,
theta)``; their average is the scenario probability and their quantiles its interval.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scenarios.engines.assembly import assemble
from scenarios.engines.dependent import derived_value, row_ratio, table_variable
from scenarios.engines.factors import DRAW, Factor, contract
from scenarios.engines.links import LinkParam
from scenarios.engines.network import Network
from scenarios.engines.numbers import NumberModel
from scenarios.engines.progress import pymc_callback, run_nutpie
from scenarios.engines.reports import Evidence, report_probability
from scenarios.engines.trees import datatree, report_name, row_labels
from scenarios.engines.uncertain import RateParam, RowParam
from scenarios.errors import SamplingWarning, warn
from scenarios.io.files import sha256_bytes
from scenarios.posterior import Posterior, state_table
from scenarios.spec.priors import ContinuousTablePrior, ThresholdPrior
from scenarios.spec.scenario import Scenario

__all__ = ["build_model", "rao_blackwell", "update_pymc"]

RHAT_LIMIT = 1.01
ESS_LIMIT = 400.0


def build_model(scenario: Scenario, *, marginalized: bool = False) -> Any:
    """Compile a scenario into a ``pymc.Model``: the generative model, or its marginal.

    Parameters
    ----------
    scenario : Scenario
    marginalized : bool
        ``False`` (default): the generative model. Every discrete fact and outcome is a
        ``pm.Bernoulli`` (binary: 1 is "true") or a ``pm.Categorical`` (its states in
        the coordinate ``<name>_state``) whose probabilities are its table's row;
        uncertain rows are ``pm.Dirichlet`` (``<node>_probs``), source rates ``pm.Beta``
        (``<source>_true_positive``, ...), uncertain link coefficients a
        ``pm.Deterministic`` ``<node>_link = mean + root @ <node>_link_z`` of standard
        normals, or for anchor cases with a concentration ``<node>_link = M L`` of the
        log-ratios of the anchors' probabilities, Dirichlet as normalised gammas
        ``<node>_link_gammas`` (one row per anchor held with a concentration, shown
        as ``<node>_link_anchors``; :class:`~scenarios.spec.links.AnchorDirichlet`)
        (the table is the softmax of the link, built from them), continuous
        facts their distributions; every
        report is an observed variable ``claim_<id>`` (``~`` of a denial or retraction
        written ``__``): a ``pm.Bernoulli`` with ``p = f + w (t - f)`` where what it
        says holds and ``f`` elsewhere (observed 1; a silence 0), a confirmed claim a
        ``pm.Bernoulli`` of its proposition, a reported number its error model on the
        report's scale (``pm.Normal``, the robust ``pm.NormalMixture``, a count a
        ``pm.CustomDist``). This is the model to extend; ``pymc_extras.marginalize``
        accepts it. ``True``: the model the full engine samples: the same, with every
        discrete node summed out exactly into one ``pm.Potential`` named ``"claims"``
        (variable elimination; tests check that it equals the generative model's
        log-density summed over the discrete states).

    Returns
    -------
    pymc.Model

    Examples
    --------
    >>> import pymc as pm
    >>> from scenarios.io import example, load
    >>> model = build_model(load(example()))
    >>> model["hq_seized"].owner.op.name, model["troops"] in model.free_RVs
    ('bernoulli', True)
    >>> with model:  # a new report of a fact, observed like any PyMC variable
    ...     seen = pm.Bernoulli("seen", p=0.1 + 0.7 * model["hq_seized"], observed=1)
    >>> "claims" in build_model(load(example()), marginalized=True).named_vars
    True
    """
    return _build(scenario, marginalized=marginalized, data=False)[0]


def _build(
    scenario: Scenario,
    *,
    marginalized: bool = True,
    data: bool = False,
    grouped: bool | None = None,
    contraction: str = "graph",
) -> tuple[Any, dict[str, np.ndarray]]:
    """The model, and (with ``data``) the values of its ``pm.Data`` placeholders.

    With ``data``, every number a prior or a grade sets (table entries, Dirichlet and
    Beta parameters, continuous priors' parameters, reported numbers) is a ``pm.Data``
    variable, so that a compiled model can be reused with new values. ``grouped``
    (default: ``data``): rows and rates as a few vector variables
    (:func:`_grouped_params`), the engine's compact graph. ``contraction``: how the
    ``"claims"`` potential sums out the discrete facts: ``"graph"`` (default), a
    PyTensor contraction; ``"op"``, one :class:`~scenarios.engines.logz.LogZ` Op whose
    value and gradient numpy computes (smaller graph, but about 1 ms per gradient on the
    Wagner file, so hundreds of times slower to sample: kept for comparison).
    """
    import pymc as pm
    import pytensor
    import pytensor.tensor as pt
    from pymc_extras.prior import Prior

    net = Network(scenario)
    bounds, truncating = _confirmed_bounds(net)
    values: dict[str, np.ndarray] = {}

    def number(name: str, value: Any) -> Any:
        if not data:
            return value
        values[name] = np.asarray(value, dtype=float)
        # static shapes: the contraction plan and the compiled code may rely on them
        shared = pytensor.shared(values[name], name=name, shape=values[name].shape)
        model.register_data_var(shared)
        return shared

    coords: dict[str, tuple[str, ...]] = {f"{n}_state": net.states[n] for n in net.discrete}
    for p in net.row_params:
        coords[f"{p.name}_row"] = row_labels(net, p)
    # the engine's model: parameters are validated by the spec, so no bound checks
    with pm.Model(coords=coords, check_bounds=not data) as model:
        continuous = {}
        for n, d in net.dists.items():
            if isinstance(net.priors[n], ContinuousTablePrior):  # the rows' mixture
                continuous[n] = table_variable(net, n)  # (row_ratio weighs each parent)
                continue
            kwargs = {k: number(f"{n}__{k}", v) for k, v in d.parameters.items()}
            prior = Prior(d.name, **kwargs)
            if n in bounds:  # a confirmed threshold truncates the prior (no cliff for NUTS)
                lower, upper = bounds[n]
                base = prior.pymc_distribution.dist(**prior.parameters)
                continuous[n] = pm.Truncated(n, base, lower=lower, upper=upper)
            else:
                continuous[n] = prior.create_variable(n)
        for n in net.derived:  # deterministic expressions of the facts sampled
            continuous[n] = pm.Deterministic(
                n, derived_value(net, n, _scalars(continuous), pt).values
            )
        grouped = data if grouped is None else grouped
        params: dict[str, Any] = _grouped_params(net, number) if grouped else {}
        for p in net.parameters:
            if p.name in params:
                continue
            if isinstance(p, RowParam):
                params[p.name] = pm.Dirichlet(
                    p.name,
                    a=number(f"{p.name}__alpha", p.alpha),
                    dims=(f"{p.name}_row", f"{p.node}_state"),
                )
            elif isinstance(p, LinkParam) and p.anchors is not None:
                # each anchor with a concentration a Dirichlet; the link the fit of them all
                a = p.anchors
                held = np.flatnonzero(a.uncertain)
                alpha = number(f"{p.name}__alpha", a.alpha[held])
                # as normalised gammas (sampled on the log scale): the log-ratios are
                # differences of log-gammas, with no simplex to cross
                g = pm.Gamma(f"{p.name}_gammas", alpha=alpha, beta=1.0, shape=(held.size, p.k + 1))
                pm.Deterministic(f"{p.name}_anchors", g / g.sum(axis=-1, keepdims=True))
                logg = pt.log(g)
                stated = pt.as_tensor_variable(number(f"{p.name}__stated", a.stated))
                ratios = pt.set_subtensor(stated[held], logg[:, 1:] - logg[:, :1])
                fit = number(f"{p.name}__fit", a.fit)
                params[p.name] = pm.Deterministic(p.name, pt.dot(fit, ratios).flatten())
            elif isinstance(p, LinkParam):  # non-centred: beta = mean + root @ z
                z = pm.Normal(f"{p.name}_z", 0.0, 1.0, shape=p.root.shape[1])
                mean, root = number(f"{p.name}__mean", p.mean), number(f"{p.name}__root", p.root)
                params[p.name] = pm.Deterministic(p.name, mean + pt.dot(root, z))
            else:
                ab = number(f"{p.name}__beta", [p.a, p.b])
                params[p.name] = pm.Beta(p.name, alpha=ab[0], beta=ab[1])
        numbers = [ev for ev in net.evidence if ev.kind == "number"]
        for ev in numbers:
            rep = ev.claim.reported
            assert rep is not None
            error_model = net.number_model(ev)
            rate = error_model.ascertainment
            p = params.get(rate.name) if rate is not None else None
            _observed_number(ev, error_model, continuous[rep.fact], p, number)
        skip = [ev.id for ev in numbers] + truncating
        if marginalized:
            asm = assemble(net, params=params, continuous=continuous, xp=pt, skip_claims=skip)
            mixed = [n for n in net.continuous if isinstance(net.priors[n], ContinuousTablePrior)]
            if asm.evidence or mixed:  # table facts: their rows, mixed over their parents
                factors = asm.factors_for(mixed)
                if data:
                    factors = [
                        Factor(number(f"factor_{k}", f.values), f.axes)
                        if isinstance(f.values, np.ndarray)
                        else f
                        for k, f in enumerate(factors)
                    ]
                if contraction == "op":
                    pm.Potential("claims", _logz_op(factors))
                else:
                    pm.Potential("claims", pt.log(_contract_all(factors)))
        else:
            _generative(net, params, continuous, skip)
    return model, values


def _grouped_params(net: Network, number: Callable[[str, Any], Any]) -> dict[str, Any]:
    """Uncertain rows and rates as a few vector variables: the engine's compact graph.

    Rows with the same number of states form one ``pm.Dirichlet`` (``rows_<k>_states``,
    one row per table row) and the sources' uncertain rates one ``pm.Beta``
    (``source_rates``); each parameter is a ``pm.Deterministic`` slice of them, so the
    trace keeps its name. Same distributions as one variable each, but a fraction of
    the operations to compile and evaluate (a transform, a log-density and their
    gradients per group instead of per parameter).
    """
    import pymc as pm

    rows = [p for p in net.parameters if isinstance(p, RowParam)]
    rates = [p for p in net.parameters if isinstance(p, RateParam) and not p.fixed]
    params: dict[str, Any] = {}
    for k in sorted({p.alpha.shape[-1] for p in rows}):
        group = [p for p in rows if p.alpha.shape[-1] == k]
        alpha = np.concatenate([np.atleast_2d(p.alpha) for p in group])
        name = f"rows_{k}_states"
        d = pm.Dirichlet(name, a=number(f"{name}__alpha", alpha), shape=alpha.shape)
        start = 0
        for p in group:
            n = np.atleast_2d(p.alpha).shape[0]
            dims = (f"{p.name}_row", f"{p.node}_state")
            params[p.name] = pm.Deterministic(p.name, d[start : start + n], dims=dims)
            start += n
    if rates:
        ab = number("source_rates__beta", [[p.a, p.b] for p in rates])
        r = pm.Beta("source_rates", alpha=ab[:, 0], beta=ab[:, 1], shape=len(rates))
        for i, p in enumerate(rates):
            params[p.name] = pm.Deterministic(p.name, r[i])
    return params


#: Compiled nutpie models by graph structure, reused when only numbers change.
_COMPILED: OrderedDict[str, Any] = OrderedDict()
_COMPILED_MAX = 8


def _graph_key(model: Any) -> str:
    """A hash of the model's graph: ops, wiring, constants, data names, transforms.

    Two scenarios that differ only in numbers held as ``pm.Data`` get the same key. The
    generative graph (random variables, observed values, potentials) and the value
    transforms determine the log-density, so it is hashed instead of ``model.logp()``,
    whose derivation cost a warm call more than its sampling; except when a variable is
    a ``pm.CustomDist`` (a reported count), whose log-density is a Python closure that
    its op does not show: then the log-density graph is hashed, as before.
    """
    from pymc.distributions.custom import CustomDistRV
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import graph_inputs, io_toposort

    outputs = [
        *model.basic_RVs,
        *model.potentials,
        *(model.rvs_to_values[rv] for rv in model.observed_RVs),
    ]
    if any(isinstance(rv.owner.op, CustomDistRV) for rv in model.basic_RVs):
        outputs = [model.logp()]
    ids: dict[Any, int] = {}
    parts: list[bytes] = []  # hashed as one text, in order

    def ref(v: Any) -> int:
        if v not in ids:
            if isinstance(v, SharedVariable):
                tag = ("data", v.name, str(v.type), np.shape(v.get_value(borrow=True)))
            elif isinstance(v, Constant):
                arr = np.asarray(v.data)
                tag = (
                    "constant",
                    str(v.type),
                    arr.shape,
                    sha256_bytes(arr.tobytes()),
                )
            else:
                tag = ("input", v.name, str(v.type))
            parts.append(repr(tag).encode())
            ids[v] = len(ids)
        return ids[v]

    inputs = list(graph_inputs(outputs))
    for node in io_toposort(inputs, outputs):
        op = node.op
        props = op._props() if hasattr(op, "_props") else str(op)
        parts.append(
            repr((type(op).__name__, str(op), props, [ref(i) for i in node.inputs])).encode()
        )
        for out in node.outputs:
            ids[out] = len(ids)
    parts.append(repr([ref(v) for v in outputs]).encode())
    parts.append(repr(sorted((v.name, str(v.type)) for v in model.free_RVs)).encode())
    transforms = model.rvs_to_transforms
    parts.append(
        repr([(v.name, type(transforms.get(v)).__name__) for v in model.free_RVs]).encode()
    )
    return sha256_bytes(b"".join(parts))


#: The compilers nutpie offers: PyTensor's numba backend, or JAX (with JAX's gradients).
BACKENDS = ("numba", "jax")


def _compiled_nutpie(
    model: Any, values: dict[str, np.ndarray], backend: str = "numba"
) -> tuple[Any, bool]:
    """The nutpie model for this structure: from the cache with new data, or compiled."""
    import nutpie

    key = f"{backend}:{_graph_key(model)}"
    if key in _COMPILED:
        _COMPILED.move_to_end(key)
        return _COMPILED[key].with_data(**values), True
    if backend == "jax":
        # data stay arguments (not frozen into constants), so that an edit reuses the
        # compiled model like numba's
        compiled = nutpie.compile_pymc_model(
            model, backend="jax", gradient_backend="jax", freeze_model=False
        )
    else:
        compiled = nutpie.compile_pymc_model(model)
    _COMPILED[key] = compiled
    while len(_COMPILED) > _COMPILED_MAX:
        _COMPILED.popitem(last=False)
    return compiled, False


def _confirmed_bounds(net: Network) -> tuple[dict[str, list[float | None]], list[str]]:
    """Bounds that confirmed single thresholds (``x > 2.6``) put on continuous facts."""
    from scenarios.spec.propositions import parse_proposition

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
        if isinstance(net.priors[atom.fact], ContinuousTablePrior):
            continue  # sampled from its rows' mixture: the claim stays a factor
        lower = (atom.op in (">", ">=")) != atom.negated
        lo, hi = bounds.setdefault(atom.fact, [None, None])
        t = float(atom.value)  # type: ignore[arg-type]
        if lower:
            bounds[atom.fact][0] = t if lo is None else max(lo, t)
        else:
            bounds[atom.fact][1] = t if hi is None else min(hi, t)
        used.append(ev.id)
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


def _logz_op(factors: list) -> Any:
    """The log of Z of the factors by :class:`~scenarios.engines.logz.LogZ` (scalars in logs)."""
    import pytensor.tensor as pt

    from scenarios.engines.logz import LogZ

    tensors = [f for f in factors if f.axes]
    logz = LogZ([f.axes for f in tensors])(*(f.values for f in tensors)) if tensors else 0.0
    for f in factors:
        if not f.axes:
            logz = logz + pt.log(f.values)
    return logz


def _generative(net: Network, params: dict, continuous: dict, skip: list[str]) -> None:
    """Discrete nodes as Bernoulli/Categorical variables, reports as observed Bernoullis."""
    import pymc as pm
    import pytensor.tensor as pt

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
        if isinstance(net.priors[name], ThresholdPrior):  # the state its conditions pick
            states[name] = pm.Deterministic(name, pt.argmax(p, axis=-1))
        elif net.states[name] == ("false", "true"):  # a binary node: 1 is "true"
            states[name] = pm.Bernoulli(name, p=p[..., 1])
        else:
            states[name] = pm.Categorical(name, p=p)
        values[name] = Factor(states[name], ())
    for name in net.continuous:  # a table fact: its row given its parents' states
        if isinstance(net.priors[name], ContinuousTablePrior):
            ratio = row_ratio(net, name, continuous[name], pt)
            pm.Potential(f"{name}_row", pt.log(ratio.values[tuple(states[a] for a in ratio.axes)]))
    for ev in net.evidence:
        if ev.id in skip:
            continue
        hit = _select(net.reported(ev, values), states)
        if ev.kind == "hard":
            p = pt.clip(hit, 1e-12, 1.0)
        else:
            tp, fp = net.sources[ev.source]  # type: ignore[index]
            t = params.get(tp.name, tp.mean) if not tp.fixed else tp.a
            f = params.get(fp.name, fp.mean) if not fp.fixed else fp.a
            p = report_probability(hit, t, f, ev.weight)
        name = report_name(ev.id)
        # a silence observes the report not made
        pm.Bernoulli(name, p=p, observed=pm.Data(f"{name}_obs", 0 if ev.silent else 1))


def _observed_number(
    ev: Evidence, error_model: NumberModel, x: Any, p: Any, number: Callable[[str, Any], Any]
) -> Any:
    """A reported number as an observed variable ``claim_<id>`` on the report's scale.

    A measurement is ``Normal(scale(x) + bias, sd)``; one that may be noise is the robust
    mixture ``NormalMixture([q, 1 - q], [scale(x) + bias, noise centre], [sd, noise sd])``
    (the same log-density as :meth:`NumberModel.loglik`); a count is a ``CustomDist``
    whose log-density is :meth:`NumberModel.loglik` at the reported count and whose draws
    are :meth:`NumberModel.draw`.
    """
    import pymc as pm
    import pytensor.tensor as pt

    name = report_name(ev.id)
    if error_model.count is not None:

        def logp(value: Any, x: Any, *rate: Any) -> Any:
            del value  # the reported count is the observed value, fixed in the model
            return error_model.loglik(x, rate[0] if rate else None)

        def random(x: Any, *rate: Any, rng: Any = None, size: Any = None) -> np.ndarray:
            shape = () if size is None else tuple(np.atleast_1d(size))
            xs = np.broadcast_to(np.asarray(x, dtype=float), shape)
            ps = np.broadcast_to(np.asarray(rate[0]), shape) if rate else None
            return error_model.draw(xs, rng, ps)

        args = (x, p) if p is not None else (x,)
        return pm.CustomDist(name, *args, logp=logp, random=random, observed=error_model.observed)
    if error_model.q >= 1.0:
        error = number(f"{name}__error", [error_model.bias, error_model.sd, error_model.observed])
        mu = error_model.scale(x) + error[0]
        return pm.Normal(name, mu=mu, sigma=error[1], observed=error[2])
    terms = number(
        f"{name}__mixture",
        [
            error_model.bias,
            error_model.sd,
            error_model.observed,
            error_model.q,
            error_model.noise_centre,
            error_model.noise_sd,
        ],
    )
    mu = error_model.scale(x) + terms[0]
    return pm.NormalMixture(
        name,
        w=pt.stack([terms[3], 1.0 - terms[3]]),
        mu=pt.stack([mu, terms[4]]),
        sigma=pt.stack([terms[1], terms[5]]),
        observed=terms[2],
    )


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
    tune: int = 500,
    chains: int = 4,
    cores: int | None = None,
    sampler: str = "nutpie",
    backend: str = "numba",
    interval: float = 0.9,
    progressbar: bool = False,
    target_accept: float = 0.9,
    progress: Callable[[int, int], None] | None = None,
    cancel: Any = None,
) -> Posterior:
    """Update a scenario with the full PyMC model.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Sampler seed (default: the scenario's ``seed``).
    draws, tune, chains, cores : int
        NUTS settings, per chain. The scenario probabilities are Rao-Blackwellised (exact
        given each draw): on the Wagner file 4 x 1000 draws gave each a bulk ESS of
        2,400 or more, and the ~90 sampled parameters an R-hat below 1.006 (with 4 x 500
        draws their largest R-hat passed 1.01 on half the seeds by chance alone).
    sampler : {"nutpie", "pymc"}
        ``"nutpie"`` (default, falls back to PyMC's NUTS if nutpie fails to compile).
    backend : {"numba", "jax"}
        What compiles the log-density for nutpie. ``"numba"`` (default): slow to compile
        (tens of seconds the first time in a process) but several times faster per
        gradient, and the compiled model is reused after an edit of numbers (a prior, a
        grade), so later calls take seconds. ``"jax"`` (needs ``jax``): compiles in a
        few seconds but samples several times slower; better for a single cold call.
        See ``docs/pymc.md`` for figures.
    interval : float
        Mass of the credible intervals.
    progressbar : bool
        Show the sampler's progress.
    target_accept : float
        NUTS' target acceptance rate. 0.8 (nutpie's default) takes half the gradient
        evaluations on the Wagner file, but gave a divergence on smaller models.
    progress : callable, optional
        ``progress(done, total)``: draws done of ``chains * (tune + draws)``, called as
        sampling goes (from another thread; :mod:`scenarios.engines.progress`).
    cancel : threading.Event, optional
        Set it to stop sampling: :class:`~scenarios.engines.progress.SamplingCancelled`
        is raised.

    Returns
    -------
    Posterior
        With ``idata`` (the ArviZ DataTree: the sampler's ``posterior`` and
        ``sample_stats``, and ``log_likelihood`` per report, ``log_prior``, ``prior``,
        ``prior_predictive``, ``observed_data``: :mod:`scenarios.engines.trees`) and
        diagnostics (R-hat, ESS, divergences,
        and ESS/MCSE of every scenario probability). Failed diagnostics raise a
        :class:`SamplingWarning`.
    """
    import pymc as pm

    from scenarios.engines.exact import update_exact

    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")
    seed = scenario.seed if seed is None else int(seed)
    exact = update_exact(scenario, intervals=False)  # raises on impossible evidence
    net = Network(scenario)
    model, values = _build(scenario, data=True)
    if not model.free_RVs:
        raise ValueError(
            f"{scenario.title}: nothing to sample (no continuous fact and no uncertain "
            "probability); the exact engine's answer is the whole answer"
        )
    used, cached = sampler, False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        idata = None
        if sampler == "nutpie":
            try:
                import nutpie  # noqa: F401 - ImportError: fall back to PyMC

                compiled, cached = _compiled_nutpie(model, values, backend)
                idata = run_nutpie(
                    compiled,
                    progress=progress,
                    cancel=cancel,
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    cores=cores or chains,
                    seed=seed,
                    progress_bar=progressbar,
                    target_accept=target_accept,
                )
            except (ImportError, NotImplementedError, TypeError) as exc:
                warn(
                    f"nutpie failed ({exc}); falling back to PyMC's NUTS",
                    SamplingWarning,
                    stacklevel=2,
                )
                used = "pymc"
        elif sampler != "pymc":
            raise ValueError(f"unknown sampler {sampler!r}; expected 'nutpie' or 'pymc'")
        if idata is None:
            with model:
                idata = pm.sample(
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    cores=cores,
                    random_seed=seed,
                    progressbar=progressbar,
                    target_accept=target_accept,
                    nuts_sampler="pymc",
                    callback=pymc_callback(chains * (tune + draws), progress, cancel),
                )
    post = idata["posterior"]
    idata = datatree(
        net,
        {k: np.asarray(post[k].values) for k in post.data_vars},
        continuous=net.continuous,
        prior_draws=min(post.sizes["chain"] * post.sizes["draw"], 1000),
        seed=seed,
        base=idata,
    )
    theta: dict[str, np.ndarray] = {}
    for p in net.parameters:
        arr = np.asarray(post[p.name].values)
        theta[p.name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    g = rao_blackwell(net, theta, n_chains * n_draws)
    probs = {n: g[n].mean(axis=0) for n in net.discrete}
    outcomes = {n: probs[n] for n in scenario.outcomes}
    facts = {n: probs[n] for n in net.discrete if n in scenario.facts}
    sampled = [v.name for v in model.free_RVs]  # deterministics repeat them
    diagnostics = _diagnostics(idata, g, n_chains, n_draws, scenario, sampled)
    # the exact pass above checked (and warned of) prior-data conflicts
    conflict = exact.diagnostics.loc[exact.diagnostics.index == "prior_data_conflict"]
    diagnostics = pd.concat([diagnostics, conflict]) if len(conflict) else diagnostics
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
        claims=exact.claims,
        settings={
            "compiled_model": "reused" if cached else "compiled",
            "draws": draws,
            "tune": tune,
            "chains": chains,
            "sampler": used,
            "backend": backend if used == "nutpie" else "c",
            "target_accept": target_accept,
        },
    )
    for message in posterior.warnings:
        if not message.startswith("prior_data_conflict"):  # warned by name already
            warn(f"{scenario.title}: {message}", SamplingWarning, stacklevel=3)
    return posterior


def rao_blackwell(net: Network, theta: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """g(theta) for every draw: exact P(state | claims, theta), continuous facts integrated.

    The full engine samples only the uncertain probabilities theta; each discrete
    node's probabilities given a draw are then computed exactly (Rao-Blackwellised), so
    their Monte Carlo error is that of g(theta) alone.

    Parameters
    ----------
    net : Network
    theta : dict of str to numpy.ndarray
        Draws of each of ``net.parameters`` by name, draws first (chains flattened).
    n : int
        Number of draws (used when there are no parameters at all).

    Returns
    -------
    dict of str to numpy.ndarray
        For every discrete node, shape ``(n, n_states)``.

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> net = Network(load(example()))
    >>> g = rao_blackwell(net, {}, 3)
    >>> g["mutiny_end"].shape[0], bool(np.allclose(g["mutiny_end"].sum(axis=1), 1.0))
    (3, True)
    """
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


def _scalars(values: dict) -> dict[str, Factor]:
    return {n: Factor(v, ()) for n, v in values.items()}


def _sampled_quantities(net: Network, post: Any) -> pd.DataFrame:
    rows = []
    for name in (*net.continuous, *net.derived):
        x = np.asarray(post[name].values).ravel()
        q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
        rows.append((name, net.scenario.facts[name].unit, x.mean(), x.std(), q05, q50, q95))
    cols = ["fact", "unit", "mean", "sd", "q05", "median", "q95"]
    return pd.DataFrame(rows, columns=cols).set_index("fact")


def _diagnostics(
    idata: Any, g: dict, chains: int, draws: int, scenario: Scenario, names: list[str]
) -> pd.DataFrame:
    from arviz_stats.base import array_stats

    post = idata["posterior"]
    rhat, ess = [], []
    for name in names:
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

"""The generative PyMC model: what to_pymc() returns, what the engine samples, and ArviZ.

Independent answers: the generative model's own log-density summed over every joint
state of its discrete variables (brute force), the exact engine's numpy contraction,
hand-computed posteriors and prior predictive probabilities.
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import logsumexp

from scenarios import Scenario
from scenarios.engines.network import Network
from scenarios.engines.trees import log_evidence, report_name


@pytest.fixture(scope="module")
def answered(mixed: Scenario) -> Scenario:
    """The mixed scenario with a denial, a retraction and a silence besides."""
    s = mixed.with_claim(
        {
            "id": "c5",
            "text": "some",
            "proposition": "res == some",
            "source": "wire",
            "status": "retracted",
        }
    )
    s = s.with_claim(
        {
            "id": "c6",
            "text": "not biased",
            "proposition": "biased",
            "source": "wire",
            "denied_by": "friend",
            "status": "denied",
        }
    )
    return s.with_claim(
        {
            "id": "c7",
            "text": "silent on armed",
            "proposition": "res == armed",
            "source": "friend",
            "silent": True,
        }
    )


def _counted(reported: dict[str, Any], grade: str) -> Scenario:
    """One count of a positive fact, an outcome with a logit link on it."""
    return Scenario(
        title="Counted",
        seed=2,
        facts={
            "size": {
                "kind": "continuous",
                "support": [0, None],
                "prior": {"between": [25, 50], "mass": 0.9},
            }
        },
        outcomes={
            "large": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {"logit": {"intercept": -0.5, "terms": [{"fact": "size", "coef": 1.0}]}},
            }
        },
        sources={"src": {"grade": grade}},
        claims=[{"id": "n", "text": "a count", "source": "src", "reported": reported}],
    )


@pytest.fixture(scope="module")
def poisson() -> Scenario:
    return _counted({"fact": "size", "value": 31, "count": "poisson"}, "C")


@pytest.fixture(scope="module")
def thinned() -> Scenario:
    return _counted(
        {
            "fact": "size",
            "value": 11,
            "count": "binomial",
            "ascertainment": {"mean": 0.3, "concentration": 10},
        },
        "C",
    )


def _discrete(model: Any) -> list[Any]:
    return [v for v in model.free_RVs if v.type.dtype.startswith("int")]


def _unconstrained(model: Any, values: dict[str, Any]) -> dict[str, np.ndarray]:
    """A point of the model's value variables from constrained values of its RVs."""
    point = {}
    for rv in model.free_RVs:
        if rv.name not in values:
            continue
        value = model.rvs_to_values[rv]
        transform = model.rvs_to_transforms.get(rv)
        x = np.asarray(values[rv.name], dtype=float)
        if transform is not None:
            x = transform.forward(x, *rv.owner.inputs).eval()
        point[value.name] = x
    return point


def _random_values(net: Network, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Constrained values of every uncertain probability and continuous fact."""
    out: dict[str, np.ndarray] = {}
    for p in net.parameters:
        if hasattr(p, "alpha"):
            out[p.name] = rng.dirichlet(np.ones(p.alpha.shape[-1]), size=p.alpha.shape[0])
        else:
            out[p.name] = np.asarray(rng.uniform(0.05, 0.95))
    for name, d in net.dists.items():
        out[name] = np.asarray(d.dist.ppf(rng.uniform(0.1, 0.9)))
    return out


def test_the_generative_model_has_discrete_facts_rates_and_observed_claims(
    answered: Scenario,
) -> None:
    model = answered.to_pymc()
    ops = {v.name: v.owner.op.name for v in model.free_RVs}
    assert ops["biased"] == "bernoulli" and ops["call"] == "bernoulli"
    assert ops["res"] == "categorical"
    assert ops["friend_true_positive"] == "beta" and ops["biased_probs"] == "dirichlet"
    observed = {v.name for v in model.observed_RVs}
    net = Network(answered)
    assert observed == {report_name(ev.id) for ev in net.evidence}
    assert "claim_c5__retracted" in observed and "claim_c6__denied_by__friend" in observed
    assert model.coords["res_state"] == ("none", "some", "armed")
    assert model.named_vars_to_dims["call_probs"] == ("call_probs_row", "call_state")
    assert "claims" not in model.named_vars


@pytest.mark.parametrize("which", ["mixed", "answered", "poisson"])
def test_marginalised_model_is_the_generative_one_summed_over_its_discrete_states(
    which: str, request: pytest.FixtureRequest
) -> None:
    s = request.getfixturevalue(which)
    generative, marginal = s.to_pymc(), s.to_pymc(marginalized=True)
    discrete = _discrete(generative)
    assert {v.name for v in discrete} == set(Network(s).discrete)
    f_gen, f_marg = generative.compile_logp(), marginal.compile_logp()
    net = Network(s)
    rng = np.random.default_rng(7)
    for _ in range(4):
        point = _unconstrained(generative, _random_values(net, rng))
        joint = [
            f_gen({**point, **{v.name: np.asarray(k) for v, k in zip(discrete, c, strict=True)}})
            for c in itertools.product(*[range(len(net.states[v.name])) for v in discrete])
        ]
        assert f_marg(point) == pytest.approx(logsumexp(joint), abs=1e-9)


@pytest.mark.parametrize("which", ["mixed", "answered", "poisson", "thinned"])
def test_marginalised_log_likelihood_is_the_exact_engines_log_evidence(
    which: str, request: pytest.FixtureRequest
) -> None:
    s = request.getfixturevalue(which)
    model = s.to_pymc(marginalized=True)
    # the reports: the claims about discrete facts summed out, the numbers observed
    terms = [*([model["claims"]] if "claims" in model.named_vars else []), *model.observed_RVs]
    f_lik = model.compile_logp(vars=terms, jacobian=False)
    net = Network(s)
    rng = np.random.default_rng(3)
    for _ in range(4):
        values = _random_values(net, rng)
        theta = {p.name: values[p.name][None] for p in net.parameters}
        x = {n: values[n][None] for n in net.continuous}
        exact = float(log_evidence(net, theta, x)[0])  # numpy: assembly and contraction
        assert f_lik(_unconstrained(model, values)) == pytest.approx(exact, abs=1e-9)


def test_prior_predictive_matches_the_exact_engines_prior(mixed: Scenario) -> None:
    import pymc as pm

    model = mixed.to_pymc()
    n = 3000
    with model:
        tree = pm.sample_prior_predictive(
            draws=n, random_seed=4, compile_kwargs={"mode": "FAST_COMPILE"}
        )
    exact = mixed.update(intervals=False)
    table = exact.prior_facts["probability"].combine_first(exact.prior_scenarios["probability"])
    for (name, state), p in table.items():
        states = Network(mixed).states[name]
        draws = np.asarray(tree["prior"][name].values).ravel()
        freq = float(np.mean(draws == states.index(state)))
        assert abs(freq - p) <= 4.5 * np.sqrt(p * (1 - p) / n) + 1e-12, (name, state, freq, p)
    # a report's prior probability, by hand: E f + w (E t - E f) P(proposition)
    net = Network(mixed)
    ev = next(e for e in net.evidence if e.id == "c1")
    tp, fp = net.sources[ev.source]
    p_biased = float(table[("biased", "true")])
    p_made = fp.mean + ev.weight * (tp.mean - fp.mean) * p_biased
    made = float(np.asarray(tree["prior_predictive"]["claim_c1"].values).mean())
    assert abs(made - p_made) <= 4.5 * np.sqrt(p_made * (1 - p_made) / n)


@pytest.fixture(scope="module")
def small() -> Scenario:
    return Scenario(
        title="Small",
        seed=1,
        facts={"a": {"kind": "binary", "prior": {"p": 0.3}}},
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["a"],
                    "table": [{"when": {"a": True}, "p": 0.9}, {"when": {"a": False}, "p": 0.2}],
                },
            }
        },
        sources={"wire": {"grade": "B"}},
        claims=[
            {"id": "c1", "text": "a", "proposition": "a", "source": "wire", "hedge": "allegedly"}
        ],
    )


def _page_blocks() -> list[str]:
    text = (Path(__file__).parents[2] / "docs" / "pymc.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.slow
def test_the_pymc_page_example_gives_the_hand_computed_posterior(small: Scenario) -> None:
    """docs/pymc.md, run as written: a new report attached to a fact, then sampled."""
    blocks = _page_blocks()
    assert len(blocks) >= 4
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "docs/pymc.md", "exec"), namespace)
    assert namespace["small"] == small  # the page's scenario is the one tested here
    # by hand, independently of the page: each report's expected likelihood
    net = Network(small)
    ev = net.evidence[0]
    tp, fp = net.sources[ev.source]
    true = 0.3 * (fp.mean + ev.weight * (tp.mean - fp.mean)) * 0.8
    expected = true / (true + 0.7 * fp.mean * 0.1)
    a = np.asarray(namespace["idata"]["posterior"]["a"].values).ravel()
    mcse = np.sqrt(expected * (1 - expected) / len(a))  # a is drawn given each draw
    assert abs(namespace["p_a"] - expected) <= 4 * mcse, (namespace["p_a"], expected)
    # without the new report the answer is far off: the check can fail
    alone = small.update(intervals=False).facts.loc[("a", "true"), "probability"]
    assert abs(alone - expected) > 10 * mcse
    # and the page's ArviZ calls ran on the exact engine's tree
    assert np.isfinite(namespace["loo"].elpd)
    assert "diagnosis" in namespace["sensitivity"].columns


# --- ArviZ-native results -----------------------------------------------------------


def _hand_loglik(small: Scenario, t: np.ndarray, f: np.ndarray) -> np.ndarray:
    """log p(c1 | t, f) of the small scenario: one hedged report of a, P(a) = 0.3."""
    w = Network(small).evidence[0].weight
    return np.log(0.3 * (f + w * (t - f)) + 0.7 * f)


def test_the_exact_engines_tree_has_the_groups_and_per_report_log_likelihoods(
    small: Scenario,
) -> None:
    tree = small.update(idata=True, draws=500).idata
    for group in (
        "posterior",
        "log_likelihood",
        "log_prior",
        "prior",
        "prior_predictive",
        "observed_data",
        "importance",
    ):
        assert group in tree.children, group
    post = tree["posterior"]
    ll = tree["log_likelihood"]["claims"].sel(claim="claim_c1").values
    hand = _hand_loglik(
        small, post["wire_true_positive"].values, post["wire_false_positive"].values
    )
    assert np.allclose(ll, hand, atol=1e-12)
    weights = tree["importance"]["weight"].values.ravel()
    assert weights.sum() == pytest.approx(1.0) and weights.std() > 0
    assert int(tree["observed_data"]["claim_c1"]) == 1


def test_loo_and_power_scaling_run_on_the_exact_engines_tree(answered: Scenario) -> None:
    import arviz_stats as azs

    tree = answered.update(idata=True, draws=3000).idata
    claims = list(tree["log_likelihood"]["claim"].values)
    assert claims == [report_name(ev.id) for ev in Network(answered).evidence]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # arviz: few draws for some k-hats
        loo = azs.loo(tree, pointwise=True)
        summary = azs.psense_summary(tree)
    assert loo.n_data_points == len(claims) and np.isfinite(loo.elpd)
    assert {"prior", "likelihood", "diagnosis"} <= set(summary.columns)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::scenarios.errors.SamplingWarning")  # short chains
def test_the_full_engines_tree_feeds_the_same_arviz_calls(small: Scenario) -> None:
    import arviz_stats as azs

    post = small.update(engine="pymc", draws=300, tune=300, chains=2, seed=4)
    tree = post.idata
    for group in (
        "posterior",
        "sample_stats",
        "log_likelihood",
        "log_prior",
        "prior",
        "prior_predictive",
        "observed_data",
    ):
        assert group in tree.children, group
    p = tree["posterior"]
    hand = _hand_loglik(small, p["wire_true_positive"].values, p["wire_false_positive"].values)
    ll = tree["log_likelihood"]["claims"].sel(claim="claim_c1").values
    assert np.allclose(ll, hand, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert np.isfinite(azs.loo(tree).elpd)
        assert "diagnosis" in azs.psense_summary(tree).columns


@pytest.mark.parametrize("which", ["poisson", "thinned"])
def test_a_counts_draws_are_whole_numbers_from_its_story(
    which: str, request: pytest.FixtureRequest
) -> None:
    import pymc as pm

    model = request.getfixturevalue(which).to_pymc()
    draws = pm.draw(model["claim_n"], draws=200, random_seed=1, mode="FAST_COMPILE")
    assert np.all(draws >= 0) and np.all(draws == np.round(draws)) and np.ptp(draws) > 0


def test_the_exact_engines_tree_on_the_shipped_scenario() -> None:
    import arviz_stats as azs

    import scenarios

    post = scenarios.load(scenarios.example()).update(idata=True)
    tree = post.idata
    troops = tree["posterior"]["troops"].values.ravel()
    q = post.quantities.loc["troops"]
    ess = post.diagnostics.loc["importance_ess", "value"]
    assert abs(troops.mean() - q["mean"]) <= 4 * q["sd"] / np.sqrt(ess)
    assert abs(troops.std() - q["sd"]) <= 0.1 * q["sd"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loo = azs.loo(tree, pointwise=True)
    assert loo.n_data_points == len(Network(post.scenario).evidence)
    assert np.all(loo.pareto_k.values <= 0.7)

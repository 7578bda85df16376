"""Uncertain link coefficients (issue 13): the exact engine, the intervals, the full engine."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy import integrate, special, stats

from scenarios import Scenario
from scenarios.analysis.sensitivity import sensitivity
from scenarios.engines.assembly import assemble
from scenarios.engines.exact import update_exact
from scenarios.engines.factors import DRAW, Factor, contract
from scenarios.engines.links import draw_link, expected_softmax, gauss_hermite
from scenarios.engines.network import Network
from scenarios.engines.uncertain import draw_parameters
from scenarios.spec.links import link_at

# fixed likelihoods: no source rates, so the links are all of theta
LIK_A = (0.9, 0.3)
LIK_F = (0.8, 0.25)


def linked(scale: float = 1.0, continuous: bool = False, sd: bool = True) -> Scenario:
    """A categorical fact ``f`` whose link to ``a`` (and ``x``) is uncertain by ``scale``."""
    terms: list[dict] = [{"fact": "a", "state": True, "coef": {"q": 2.0, "r": -1.0}}]
    facts: dict = {"a": {"kind": "binary", "prior": {"p": 0.4}}}
    if continuous:
        terms.append({"fact": "x", "coef": {"q": 0.5, "r": -0.3}})
        facts["x"] = {"kind": "continuous", "prior": {"between": [0, 10]}}
    link: dict = {"intercept": {"q": -1.0, "r": 0.3}, "terms": terms}
    if sd:
        link["intercept_sd"] = {"q": 0.5 * scale, "r": 0.2 * scale}
        terms[0]["sd"] = {"q": 0.7 * scale, "r": 1.0 * scale}
        if continuous:
            terms[1]["sd"] = {"q": 0.3 * scale, "r": 0.2 * scale}
    facts["f"] = {"kind": "categorical", "states": ["p", "q", "r"], "prior": {"logit": link}}
    return Scenario(
        title="Linked",
        seed=5,
        facts=facts,
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["f"],
                    "table": [{"when": {"f": "r"}, "p": 0.8}, {"when": {"f": "q"}, "p": 0.5}],
                    "default": {"p": 0.2},
                },
            }
        },
        claims=[
            {
                "id": "c",
                "text": "a",
                "proposition": "a == true",
                "likelihood": {"if_true": LIK_A[0], "if_false": LIK_A[1]},
            },
            {
                "id": "d",
                "text": "r",
                "proposition": "f == r",
                "likelihood": {"if_true": LIK_F[0], "if_false": LIK_F[1]},
            },
        ],
    )


def _expected_row(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """E[softmax(0, e1, e2)], e_i ~ N(mean_i, sd_i) independent: a fine trapezoid rule.

    The trapezoid rule on the line converges geometrically for an integrand analytic in
    a strip (softmax: poles pi away): at a step of sd / 20 over +-12 sd its error is
    far below 1e-12, and it shares nothing with the engine's Gauss-Hermite rule.
    """
    t = np.arange(-12.0, 12.0 + 1e-9, 0.05)
    w = stats.norm.pdf(t) * 0.05
    e1 = mean[0] + sd[0] * t[:, None]
    e2 = mean[1] + sd[1] * t[None, :]
    eta = np.stack(np.broadcast_arrays(np.zeros_like(e1 + e2), e1 + 0 * e2, e2 + 0 * e1))
    p = np.exp(eta - special.logsumexp(eta, axis=0))
    return np.einsum("sij,i,j->s", p, w, w)


def test_point_answer_against_brute_force() -> None:
    # enumerate a; integrate the link's coefficients by scipy (2-d per case)
    s = linked()
    tables = {}
    for a in (False, True):
        mean = np.array([-1.0 + 2.0 * a, 0.3 - 1.0 * a])
        sd = np.hypot([0.5, 0.2], np.array([0.7, 1.0]) * a)
        tables[a] = _expected_row(mean, sd)
    o_true = np.array([0.2, 0.5, 0.8])
    joint_o = 0.0
    z = 0.0
    for a, pa in ((False, 0.6), (True, 0.4)):
        lik_a = LIK_A[0] if a else LIK_A[1]
        for i, pf in enumerate(tables[a]):
            lik_f = LIK_F[0] if i == 2 else LIK_F[1]
            w = pa * pf * lik_a * lik_f
            z += w
            joint_o += w * o_true[i]
    post = update_exact(s, intervals=False)
    assert abs(post.scenarios.loc[("o", "true"), "probability"] - joint_o / z) < 1e-8
    post_a = sum(
        pa * tables[a][i] * (LIK_A[0] if a else LIK_A[1]) * (LIK_F[0] if i == 2 else LIK_F[1])
        for a, pa in ((True, 0.4),)
        for i in range(3)
    )
    assert abs(post.facts.loc[("a", "true"), "probability"] - post_a / z) < 1e-8


def test_binary_link_against_quad() -> None:
    # one dimension: E[logistic(eta)] by scipy.integrate.quad
    s = Scenario(
        title="Coin",
        facts={"biased": {"kind": "binary", "prior": {"p": 0.3}}},
        outcomes={
            "heads": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "logit": {
                        "intercept": 0.2,
                        "intercept_sd": 0.8,
                        "terms": [{"fact": "biased", "state": True, "coef": 1.5, "sd": 2.0}],
                    }
                },
            }
        },
    )

    def expected(m: float, sd: float) -> float:
        f = lambda e: special.expit(e) * stats.norm.pdf(e, m, sd)  # noqa: E731
        return integrate.quad(f, m - 14 * sd, m + 14 * sd, epsabs=1e-14, epsrel=1e-14)[0]

    want = 0.7 * expected(0.2, 0.8) + 0.3 * expected(1.7, np.hypot(0.8, 2.0))
    got = update_exact(s, intervals=False).scenarios.loc[("heads", "true"), "probability"]
    assert abs(got - want) < 1e-8


@pytest.mark.parametrize("k", [1, 2, 3])
def test_cubature_against_a_much_finer_rule(k: int) -> None:
    rng = np.random.default_rng(k)
    mean = rng.normal(0, 2, size=(6, k))
    whiten = rng.normal(0, 0.8, size=(6, k, k))
    got = expected_softmax(mean, whiten)
    t, w = gauss_hermite(k, {1: 200, 2: 120, 3: 60}[k], prune=0.0)
    eta = mean[:, None, :] + np.einsum("cij,qj->cqi", whiten, t)
    full = np.concatenate([np.zeros((*eta.shape[:-1], 1)), eta], axis=-1)
    fine = np.einsum("cqs,q->cs", np.exp(full - special.logsumexp(full, axis=-1, keepdims=True)), w)
    assert np.abs(got - fine).max() < 1e-10
    assert np.allclose(got.sum(axis=1), 1.0, atol=1e-14)


def test_table_at_given_coefficients_is_todays_link() -> None:
    # a coefficient vector given (a draw): the table of the exact link with those numbers
    s = linked(continuous=True)
    net = Network(s)
    param = net.link_param("f")
    assert param is not None
    beta = draw_link(param, 3, np.random.default_rng(0))
    values = {n: Factor(x, (n,)) for n, (x, _) in net.quadrature.items()}
    drawn = net.table_factor("f", np, {param.name: beta}, True, values, chain=False)
    assert isinstance(drawn, Factor) and drawn.axes[0] == DRAW
    # in an assembly the same table comes as factors (per parent, and 1 / normaliser)
    parts = net.table_factor("f", np, {param.name: beta}, True, values)
    assert isinstance(parts, list) and len(parts) > 1
    product = contract(parts, list(drawn.axes))
    assert np.abs(np.asarray(product) - drawn.values).max() < 1e-12
    for d in range(3):
        exact = s.with_prior("f", link_at(s.facts["f"].prior.logit, beta[d], ("p", "q", "r")))
        today = Network(exact).table_factor("f", np, None, False, values)
        assert isinstance(today, Factor)
        assert drawn.axes[1:] == today.axes
        assert np.abs(drawn.values[d] - today.values).max() < 1e-12


def test_continuous_parent_against_monte_carlo() -> None:
    # the point answer is E over beta of the joint over E of the evidence: a ratio estimate
    s = linked(continuous=True)
    net = Network(s)
    exact = update_exact(s, intervals=False).scenarios.loc[("o", "true"), "probability"]
    theta = draw_parameters(net, 10_000, np.random.default_rng(1))
    asm = assemble(net, params=theta, draw_axis=True)
    joint = contract(asm.factors_for(["o"]), [DRAW, "o"])[:, 1]
    z = contract(asm.factors_for(), [DRAW])
    ratio = joint.mean() / z.mean()
    mcse = np.std(joint - ratio * z) / np.sqrt(z.size) / z.mean()
    assert abs(exact - ratio) < 4 * mcse


def test_zero_spread_is_today() -> None:
    plain, zero = linked(sd=False), linked(scale=0.0)
    for a, b in ((plain, zero), (linked(sd=False, continuous=True), linked(0.0, True))):
        pa, pb = update_exact(a), update_exact(b)
        for frame in ("scenarios", "facts", "claims"):
            x, y = getattr(pa, frame), getattr(pb, frame)
            cols = [c for c in ("probability", "lower", "upper", "prior") if c in x]
            assert np.abs(x[cols].to_numpy(float) - y[cols].to_numpy(float)).max() <= 1e-12
    assert Network(zero).link_params == ()


def test_wagner_with_zero_sd_is_today() -> None:
    from scenarios.io import example, load
    from scenarios.spec.links import link_context, point_prior
    from scenarios.spec.priors import AnchorPrior

    s = load(example())
    prior = s.outcomes["mutiny_end"].prior
    if isinstance(prior, AnchorPrior):  # the file states anchor cases: their fitted link
        prior = point_prior(prior, link_context(s.nodes, "mutiny_end"))
    link = prior.logit.model_dump(exclude_none=True)
    s = s.with_prior("mutiny_end", {"logit": link})
    link["intercept_sd"] = {k: 0.0 for k in link["intercept"]}
    link["terms"][0]["sd"] = {k: 0.0 for k in link["terms"][0]["coef"]}
    zeroed = s.with_prior("mutiny_end", {"logit": link})
    a, b = s.update(seed=1), zeroed.update(seed=1)
    cols = ["probability", "lower", "upper"]
    assert np.abs(a.scenarios[cols].to_numpy() - b.scenarios[cols].to_numpy()).max() <= 1e-12


def test_intervals_widen_with_the_spread() -> None:
    widths = []
    for scale in (0.0, 0.25, 0.5, 1.0, 2.0):
        post = update_exact(linked(scale), draws=2000)
        row = post.facts.loc[("f", "r")]
        widths.append(row["upper"] - row["lower"])
    assert widths[0] < 1e-12
    assert all(b > a for a, b in pairwise(widths)), widths


def test_sensitivity_one_row_per_uncertain_link() -> None:
    s = linked(continuous=True)
    table = sensitivity(s, ("o", "true")).table
    rows = table[table["name"] == "f"]
    assert len(rows) == 1
    label = " ".join(rows[["parameter", "low", "high"]].iloc[0])
    assert "intercept" not in label and "log-odds" not in label and "coef" not in label
    assert rows["p_low"].iloc[0] < rows["p_high"].iloc[0]
    # an exact link keeps its rows per coefficient
    plain = sensitivity(linked(sd=False), ("o", "true")).table
    assert (plain["name"] == "f").sum() > 1


def test_generative_model_samples_the_coefficients() -> None:
    from scenarios.engines.pymc import build_model

    model = build_model(linked())
    names = [v.name for v in model.free_RVs]
    assert "f_link_z" in names
    assert "f_link" in [v.name for v in model.deterministics]


@pytest.mark.slow
def test_full_engine_agrees_with_exact() -> None:
    s = linked()
    exact = update_exact(s, intervals=False)
    full = s.update(engine="pymc", draws=500, tune=500, chains=2)
    for frame in ("scenarios", "facts"):
        e, f = getattr(exact, frame), getattr(full, frame)
        gap = (e["probability"] - f["probability"]).abs()
        assert (gap <= 4 * f["mcse"] + 1e-9).all(), (gap, f["mcse"])


def test_too_costly_link_is_sampled_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.engines import links
    from scenarios.errors import SamplingWarning

    s = linked()
    exact = update_exact(s, intervals=False)
    monkeypatch.setattr(links, "LINK_MAX_WORK", 0.0)
    with pytest.warns(SamplingWarning, match="too many parent cases"):
        sampled = update_exact(s, draws=4000)
    for frame in ("scenarios", "facts"):
        e, f = getattr(exact, frame), getattr(sampled, frame)
        gap = (e["probability"] - f["probability"]).abs()
        assert (f["mcse"] > 0).all()
        assert (gap <= 4 * f["mcse"]).all(), (gap, f["mcse"])

"""Anchor cases with a concentration: each anchor a Dirichlet draw, the link their fit.

The expectations are computed here from the Dirichlet itself (numpy's gamma draws)
and the pseudo-inverse of the anchors' design written out by hand: nothing is read
back from the engine but its answers.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy import special

from scenarios import Scenario
from scenarios.engines.exact import update_exact
from scenarios.engines.links import anchor_tables, draw_link
from scenarios.engines.network import Network
from scenarios.spec import elicit
from scenarios.spec.links import fit_anchors, link_context

LIK_A = (0.9, 0.3)  # a fixed likelihood: no source rates
#: per anchor: when, and the child's probabilities over (p, q, r)
ANCHORS = [
    ({}, (0.6, 0.39, 0.01)),
    ({"a": True}, (0.3, 0.5, 0.2)),
    ({"b": "mid"}, (0.5, 0.3, 0.2)),
    ({"b": "high"}, (0.2, 0.4, 0.4)),
]


def anchored(concentration: float | None, continuous: bool = False) -> Scenario:
    """A 3-state fact ``f`` given as anchors over ``a`` and ``b`` (or ``a`` and ``x``)."""
    facts: dict = {"a": {"kind": "binary", "prior": {"p": 0.4}}}
    if continuous:
        facts["x"] = {"kind": "continuous", "prior": {"between": [-1, 1]}}
        given, baseline = ["a", "x"], {"a": False, "x": 0.0}
        rows = [*ANCHORS[:2], ({"x": 1.0}, (0.4, 0.4, 0.2))]
    else:
        facts["b"] = {"kind": "categorical", "states": ["low", "mid", "high"], "prior": {
            "probs": {"low": 0.5, "mid": 0.3, "high": 0.2}}}  # fmt: skip
        given, baseline = ["a", "b"], {"a": False, "b": "low"}
        rows = ANCHORS
    prior: dict = {
        "given": given,
        "baseline": baseline,
        "anchors": [{"when": w, "probs": dict(zip("pqr", p, strict=True))} for w, p in rows],
    }
    if concentration is not None:
        prior["concentration"] = concentration
    facts["f"] = {"kind": "categorical", "states": ["p", "q", "r"], "prior": prior}
    return Scenario(
        title="Anchored",
        seed=11,
        facts=facts,
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {
            "given": ["f"], "table": [{"when": {"f": "r"}, "p": 0.9}], "default": {"p": 0.2}}}},
        claims=[{"id": "c", "text": "a", "proposition": "a == true",
                 "likelihood": {"if_true": LIK_A[0], "if_false": LIK_A[1]}}],
    )  # fmt: skip


def _rows(s: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The anchors' design (intercept, a=true, b=mid, b=high) and stated probabilities."""
    x = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1]], dtype=float)
    return x, np.array([p for _, p in ANCHORS])


def _brute_betas(c: float, n: int, seed: int) -> np.ndarray:
    """Coefficients (n, blocks, 2): Dirichlet anchors by numpy, fitted by hand."""
    x, p = _rows(anchored(c))
    g = np.random.default_rng(seed).gamma(np.broadcast_to(c * p, (n, *p.shape)))
    lr = np.log(g[..., 1:]) - np.log(g[..., :1])
    return np.einsum("ba,dak->dbk", np.linalg.inv(x), lr)


def test_implied_probability_at_an_anchor_has_the_stated_mean() -> None:
    # exactly identified: the link at an anchor's case IS that anchor's draw, so its
    # mean is the stated p (the Normal approximation of the log-ratios gave 5-10% for 1%)
    s = anchored(30)
    x, p = _rows(s)
    param = Network(s).link_param("f")
    assert param is not None
    n = 40_000
    beta = draw_link(param, n, np.random.default_rng(3)).reshape(n, 4, 2)
    eta = np.einsum("ab,dbk->dak", x, beta)
    full = np.concatenate([np.zeros((n, 4, 1)), eta], axis=-1)
    probs = np.exp(full - special.logsumexp(full, axis=-1, keepdims=True))
    se = probs.std(axis=0) / np.sqrt(n)
    assert (np.abs(probs.mean(axis=0) - p) <= 4 * se + 1e-12).all(), (probs.mean(axis=0), p)
    # the expected table by quasi-Monte Carlo: the anchor cells too
    mean, reps = anchor_tables(Network(s), Network(s).link_param("f"), seed=2)
    cells = {(): (0, 0), ("a",): (1, 0), ("mid",): (0, 1), ("high",): (0, 2)}
    table = np.asarray(mean.values)  # axes a, b, f
    rep = np.asarray(reps.values)
    mcse = rep.std(axis=0, ddof=1) / np.sqrt(rep.shape[0])
    for i, (ia, ib) in enumerate(cells.values()):
        gap = np.abs(table[ia, ib] - p[i])
        assert (gap <= 4 * mcse[ia, ib] + 1e-9).all(), (i, table[ia, ib], p[i])


def test_point_answer_against_brute_force() -> None:
    # enumerate a and b; the expected table from numpy's own Dirichlet draws
    c = 20.0
    betas = _brute_betas(c, 100_000, 7)
    post = update_exact(anchored(c), intervals=False)
    pa, pb = {False: 0.6, True: 0.4}, {"low": 0.5, "mid": 0.3, "high": 0.2}
    o_true = np.array([0.2, 0.2, 0.9])
    samples_num, samples_z = 0.0, 0.0
    for a, wa in pa.items():
        for j, wb in enumerate(pb.values()):
            xrow = np.array([1.0, float(a), float(j == 1), float(j == 2)])
            eta = np.einsum("b,dbk->dk", xrow, betas)
            full = np.concatenate([np.zeros((len(eta), 1)), eta], axis=1)
            probs = np.exp(full - special.logsumexp(full, axis=1, keepdims=True))
            w = wa * wb * (LIK_A[0] if a else LIK_A[1])
            samples_num = samples_num + w * probs @ o_true
            samples_z = samples_z + w
    brute = samples_num / samples_z  # per draw; the mean is the answer (z is draw-free)
    se = brute.std() / np.sqrt(brute.size)
    got = post.scenarios.loc[("o", "true")]
    assert got["mcse"] > 0
    assert abs(got["probability"] - brute.mean()) <= 4 * np.hypot(got["mcse"], se)


def test_continuous_parent_against_brute_force() -> None:
    # a and x: integrate x by the prior's own Gauss-Hermite-free fine grid (scipy's ppf)
    c = 20.0
    s = anchored(c, continuous=True)
    post = update_exact(s, intervals=False)
    ctx = link_context(s.nodes, "f")
    link = fit_anchors(s.facts["f"].prior, ctx).link
    term = link.terms[1]
    center, scale = term.center, term.scale
    x = np.array([[1, 0, 0], [1, 1, 0], [1, 0, (1.0 - center) / scale]])
    p = np.array([a[1] for a in ANCHORS[:2]] + [(0.4, 0.4, 0.2)])
    n = 8_000
    g = np.random.default_rng(5).gamma(np.broadcast_to(c * p, (n, *p.shape)))
    lr = np.log(g[..., 1:]) - np.log(g[..., :1])
    betas = np.einsum("ba,dak->dbk", np.linalg.inv(x), lr)
    dist = elicit.distribution(s.facts["x"]).dist
    u = (np.arange(200) + 0.5) / 200  # midpoints in probability: a smooth integrand
    xs = (dist.ppf(u) - center) / scale
    pa = {False: 0.6 * LIK_A[1], True: 0.4 * LIK_A[0]}
    z = sum(pa.values())
    num = np.zeros(n)
    for a, w in pa.items():
        eta = betas[:, None, 0] + a * betas[:, None, 1] + xs[None, :, None] * betas[:, None, 2]
        full = np.concatenate([np.zeros((n, xs.size, 1)), eta], axis=-1)
        probs = np.exp(full - special.logsumexp(full, axis=-1, keepdims=True)).mean(axis=1)
        num += w * probs @ np.array([0.2, 0.2, 0.9])
    brute = num / z
    got = post.scenarios.loc[("o", "true")]
    se = brute.std() / np.sqrt(n)
    # the midpoint rule's own error is below 1e-4 here
    assert abs(got["probability"] - brute.mean()) <= 4 * np.hypot(got["mcse"], se) + 1e-4


def test_intervals_widen_as_the_concentration_falls() -> None:
    widths = []
    for c in (1000, 100, 30, 10):
        t = update_exact(anchored(c), draws=2000).scenarios.loc[("o", "true")]
        widths.append(t["upper"] - t["lower"])
    assert all(b > a for a, b in pairwise(widths)), widths


def test_no_concentration_is_the_fixed_link() -> None:
    from scenarios.spec.priors import LogitPrior

    s = anchored(None)
    fixed = s.with_prior(
        "f", LogitPrior(logit=fit_anchors(s.facts["f"].prior, link_context(s.nodes, "f")).link)
    )
    a, b = update_exact(s, draws=500), update_exact(fixed, draws=500)
    for frame in ("scenarios", "facts"):
        ta, tb = getattr(a, frame), getattr(b, frame)
        assert list(ta.columns) == list(tb.columns)
        np.testing.assert_allclose(ta.to_numpy(float), tb.to_numpy(float), atol=1e-12, rtol=0)


def test_the_mcse_is_seeded_and_honest() -> None:
    # the same seed gives the same answer; another seed differs within its error
    s = anchored(10)
    one, same = (update_exact(s, intervals=False).scenarios for _ in range(2))
    assert one.equals(same)
    other = update_exact(s, seed=12345, intervals=False).scenarios
    gap = (one["probability"] - other["probability"]).abs()
    assert (gap > 0).any()
    assert (gap <= 4 * np.hypot(one["mcse"], other["mcse"]) + 1e-12).all()


def test_full_engine_model_has_a_dirichlet_per_anchor() -> None:
    # a Dirichlet row per anchor, as normalised gammas; the link the fit of their ratios
    from scenarios.engines.pymc import build_model

    s = anchored(30)
    model = build_model(s)
    rv = {v.name: v for v in model.free_RVs}
    assert tuple(rv["f_link_gammas"].shape.eval()) == (4, 3)
    det = {v.name: v for v in model.deterministics}
    assert {"f_link", "f_link_anchors"} <= set(det)
    # at given gammas the link is the fit of their log-ratios (numpy's, by hand)
    g = np.random.default_rng(0).gamma(30 * _rows(s)[1])
    fn = model.compile_fn([det["f_link"], det["f_link_anchors"]], inputs=[rv["f_link_gammas"]])
    beta, probs = fn({"f_link_gammas": g})
    lr = np.log(g[:, 1:]) - np.log(g[:, :1])
    np.testing.assert_allclose(beta, (np.linalg.inv(_rows(s)[0]) @ lr).ravel(), atol=1e-12)
    np.testing.assert_allclose(probs, g / g.sum(axis=1, keepdims=True), atol=1e-15)


@pytest.mark.slow
def test_full_engine_agrees_with_exact() -> None:
    s = anchored(50, continuous=True)  # c p = 0.5 at the 1% anchor: NUTS mixes well enough
    exact = update_exact(s, intervals=False)
    full = s.update(engine="pymc", draws=2000, tune=1000, chains=2)
    for frame in ("scenarios", "facts"):
        e, f = getattr(exact, frame), getattr(full, frame)
        gap = (e["probability"] - f["probability"]).abs()
        assert (gap <= 4 * np.hypot(f["mcse"], e["mcse"]) + 1e-9).all(), (gap, f["mcse"])

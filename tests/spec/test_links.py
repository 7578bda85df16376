"""Anchor cases fitted to logit links (issue 13): exact fits, misfits, round trips, covariance."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from scipy import special

import scenarios
from scenarios.errors import ScenarioError
from scenarios.spec.links import (
    LinkContext,
    anchor_notes,
    anchors_from_logit,
    fit_anchors,
    implied_table,
    link_context,
    link_distribution,
    link_probabilities,
    link_vector,
)
from scenarios.spec.priors import AnchorPrior, LogitPrior

STATES = ("a", "b", "c")


def random_problem(rng: np.random.Generator, binary: bool) -> tuple[LinkContext, LogitPrior]:
    """A random child with two or three discrete parents and one continuous, and its logit."""
    states = ("false", "true") if binary else STATES
    parents: dict[str, tuple[str, ...] | None] = {}
    for i in range(rng.integers(2, 4)):
        parents[f"d{i}"] = tuple(f"s{j}" for j in range(rng.integers(2, 4)))
    parents["x"] = None
    ctx = LinkContext(states, parents)

    def coef() -> float | dict[str, float]:
        v = rng.normal(scale=1.0, size=len(states) - 1)
        return float(v[0]) if binary else dict(zip(states[1:], v.tolist(), strict=True))

    terms = [
        {"fact": p, "state": s, "coef": coef()}
        for p, ss in parents.items()
        if ss is not None
        for s in ss[1:]
    ]
    terms.append({"fact": "x", "coef": coef(), "center": 30.0, "scale": 7.0})
    return ctx, LogitPrior(logit={"intercept": coef(), "terms": terms})


def as_probs(p: np.ndarray, ctx: LinkContext) -> dict:
    if ctx.binary:
        return {"p": float(p[1])}
    return {"probs": dict(zip(ctx.states, p.tolist(), strict=True))}


@pytest.mark.parametrize("seed", range(8))
def test_consistent_anchors_are_reproduced(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ctx, logit = random_problem(rng, binary=seed % 2 == 0)
    base = {p: (ss[0] if ss else 30.0) for p, ss in ctx.parents.items()}
    # the minimal anchors, plus cases that change several parents at once (consistent with
    # the same link, so over-determined but exactly fitted)
    whens: list[dict] = [{}]
    whens += [{p: s} for p, ss in ctx.parents.items() if ss for s in ss[1:]]
    whens += [{"x": float(v)} for v in rng.uniform(5, 60, size=2)]
    discrete = [p for p, ss in ctx.parents.items() if ss]
    for _ in range(3):
        whens.append(
            {p: ctx.parents[p][rng.integers(len(ctx.parents[p]))] for p in discrete}
            | {"x": float(rng.uniform(5, 60))}
        )
    anchors = [
        {"when": w, **as_probs(link_probabilities(logit.logit, ctx, base | w), ctx)} for w in whens
    ]
    prior = AnchorPrior(given=list(ctx.parents), baseline=base, anchors=anchors)
    fit = fit_anchors(prior, ctx)
    for w, fitted, given in zip(whens, fit.fitted, fit.given, strict=True):
        np.testing.assert_allclose(
            [fitted[s] for s in ctx.states], [given[s] for s in ctx.states], atol=1e-6
        )
        expected = link_probabilities(logit.logit, ctx, base | w)
        np.testing.assert_allclose(link_probabilities(fit.link, ctx, base | w), expected, atol=1e-6)
    assert max(fit.misfit) < 1e-6


def test_inconsistent_anchors_report_the_least_squares_misfit() -> None:
    ctx = LinkContext(STATES, {"u": ("no", "yes"), "v": ("no", "yes")})
    cases = [
        ({}, [0.5, 0.3, 0.2]),
        ({"u": "yes"}, [0.3, 0.5, 0.2]),
        ({"v": "yes"}, [0.4, 0.2, 0.4]),
        ({"u": "yes", "v": "yes"}, [0.6, 0.2, 0.2]),
    ]
    prior = AnchorPrior(
        given=["u", "v"],
        baseline={"u": "no", "v": "no"},
        anchors=[{"when": w, "probs": dict(zip(STATES, p, strict=True))} for w, p in cases],
    )
    fit = fit_anchors(prior, ctx)
    # independently: design [1, u, v], log-ratios against "a", numpy least squares
    x = np.array([[1, w.get("u") == "yes", w.get("v") == "yes"] for w, _ in cases], float)
    lr = np.array([np.log(np.array(p[1:]) / p[0]) for _, p in cases])
    beta, *_ = np.linalg.lstsq(x, lr, rcond=None)
    eta = np.hstack([np.zeros((4, 1)), x @ beta])
    fitted = special.softmax(eta, axis=1)
    for i, (_, p) in enumerate(cases):
        assert [fit.fitted[i][s] for s in STATES] == pytest.approx(fitted[i].tolist(), abs=1e-12)
        assert fit.misfit[i] == pytest.approx(np.abs(fitted[i] - p).max(), abs=1e-12)
    assert max(fit.misfit) > 0.01  # the cases do disagree with main effects


@pytest.mark.parametrize("seed", range(6))
def test_anchors_from_logit_round_trips(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    ctx, logit = random_problem(rng, binary=seed % 2 == 1)
    anchors = anchors_from_logit(logit, ctx)
    fit = fit_anchors(anchors, ctx)
    np.testing.assert_allclose(
        link_vector(fit.link, ctx.states), link_vector(logit.logit, ctx.states), atol=1e-10
    )
    assert [(t.fact, t.state, t.center, t.scale) for t in fit.link.terms] == [
        (t.fact, t.state, t.center, t.scale) for t in logit.logit.terms
    ]


def test_anchors_from_a_link_with_default_centers_and_a_state_per_term() -> None:
    # every state of the parent has a term (over-parametrised) and the continuous term
    # leaves its center and scale to the fact: the implied tables still agree
    ctx = LinkContext(
        STATES, {"u": ("p", "q", "r"), "x": None}, {"x": (20.0, 4.0)}, {"x": (10.0, 20.0, 35.0)}
    )
    logit = LogitPrior(
        logit={
            "intercept": {"b": 0.3, "c": -0.4},
            "terms": [
                {"fact": "u", "state": s, "coef": {"b": i * 0.7 - 0.2, "c": 0.5 - i}}
                for i, s in enumerate(("p", "q", "r"))
            ]
            + [{"fact": "x", "coef": {"b": 0.9, "c": -0.6}}],
        }
    )
    anchors = anchors_from_logit(logit, ctx)
    np.testing.assert_allclose(implied_table(anchors, ctx), implied_table(logit, ctx), atol=1e-12)


def test_covariance_matches_dirichlet_draws_pushed_through_the_fit() -> None:
    ctx = LinkContext(STATES, {"u": ("no", "yes"), "x": None})
    prior = AnchorPrior(
        given=["u", "x"],
        baseline={"u": "no", "x": 10},
        concentration=30,
        anchors=[
            {"when": {}, "probs": {"a": 0.5, "b": 0.3, "c": 0.2}},
            {"when": {"u": "yes"}, "probs": {"a": 0.2, "b": 0.5, "c": 0.3}, "concentration": 10},
            {"when": {"x": 20}, "probs": {"a": 0.6, "b": 0.25, "c": 0.15}},
            {"when": {"u": "yes", "x": 20}, "probs": {"a": 0.3, "b": 0.45, "c": 0.25}},
        ],
    )
    mean, cov = link_distribution(prior, ctx)
    assert cov is not None
    rng = np.random.default_rng(7)
    n = 40000
    draws = []
    for a in prior.anchors:
        conc = a.concentration or prior.concentration
        draws.append(rng.dirichlet(conc * np.array([a.probs[s] for s in STATES]), size=n))
    # each draw's anchors refitted exactly as the library does (its own code path)
    x = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], float)
    m = np.linalg.pinv(x)
    lr = np.stack([np.log(d[:, 1:] / d[:, :1]) for d in draws], axis=1)  # n, anchors, 2
    beta = np.einsum("pa,naj->npj", m, lr).reshape(n, -1)
    mc_mean, mc_cov = beta.mean(axis=0), np.cov(beta, rowvar=False)
    se = np.sqrt(np.diag(mc_cov) / n)
    assert np.all(np.abs(link_vector(mean, STATES) - mc_mean) < 5 * se)
    np.testing.assert_allclose(cov, mc_cov, rtol=0.05, atol=0.01 * np.abs(mc_cov).max())


def test_no_concentration_no_covariance_and_the_mean_is_the_fit() -> None:
    ctx = LinkContext(("false", "true"), {"u": ("no", "yes")})
    prior = AnchorPrior(
        given=["u"], baseline={"u": "no"}, anchors=[{"p": 0.2}, {"when": {"u": "yes"}, "p": 0.7}]
    )
    link, cov = link_distribution(prior, ctx)
    assert cov is None
    assert link.intercept == pytest.approx(special.logit(0.2), abs=1e-12)
    assert link.terms[0].coef == pytest.approx(special.logit(0.7) - special.logit(0.2), abs=1e-12)
    logit = LogitPrior(logit=link)
    assert link_distribution(logit, ctx) == (link, None)


FILE = """
format: scenarios/1
title: anchors
facts:
  u: {kind: categorical, states: [no, some, yes], prior: {probs: {no: 0.5, some: 0.3, yes: 0.2}}}
  x: {kind: continuous, support: [0, null], prior: {between: [10, 40]}}
outcomes:
  o:
    kind: binary
    exhaustive: yes or no
    prior:
      given: [u, x]
      baseline: {u: no, x: 20}
      anchors:
ANCHORS
"""


def load_anchors(anchors: str) -> scenarios.Scenario:
    return scenarios.loads(FILE.replace("ANCHORS", anchors), "links.yaml")


def test_under_determined_anchors_name_the_file_field_and_state() -> None:
    with pytest.raises(ScenarioError) as err:
        load_anchors("        - {when: {}, p: 0.2}\n        - {when: {u: some}, p: 0.3}\n")
    text = str(err.value)
    assert "links.yaml" in text
    assert "outcomes.o.prior.anchors: no anchor case has u = yes" in text
    assert "no anchor case has x away from its baseline 20" in text


def test_collinear_anchors_are_refused() -> None:
    # u's states only ever move with x: their effects and x's trade off against each other
    message = "cannot tell apart the effects of u = some, u = yes, x away from its baseline 20"
    with pytest.raises(ScenarioError, match=message):
        load_anchors(
            "        - {when: {}, p: 0.2}\n"
            "        - {when: {u: some, x: 30}, p: 0.3}\n"
            "        - {when: {u: yes, x: 30}, p: 0.4}\n"
        )


@pytest.mark.parametrize(
    ("anchors", "message"),
    [
        (
            "        - {when: {}, p: 0}\n",
            "anchors.0.p: an anchor's probabilities must lie strictly",
        ),
        ("        - {when: {u: never}, p: 0.2}\n", "anchors.0.when.u: expected one of its states"),
        ("        - {when: {x: high}, p: 0.2}\n", "anchors.0.when.x: expected a number"),
        ("        - {when: {w: 1}, p: 0.2}\n", "anchors.0.when.w: 'w' is not in 'given'"),
        (
            "        - {when: {}, p: 0.2}\n        - {when: {u: no}, p: 0.3}\n",
            "anchors.1.when: the same case as anchor 0",
        ),
        ("        - {when: {}, probs: {a: 1}}\n", "anchors.0.probs: expected probabilities"),
    ],
)
def test_bad_anchors_are_refused_with_their_field(anchors: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_anchors(anchors)


def test_a_misfit_is_noted_in_probabilities() -> None:
    s = load_anchors(
        "        - {when: {}, p: 0.2}\n"
        "        - {when: {u: some}, p: 0.3}\n"
        "        - {when: {u: yes}, p: 0.5}\n"
        "        - {when: {x: 30}, p: 0.3}\n"
        "        - {when: {u: yes, x: 30}, p: 0.4}\n"
    )
    notes = anchor_notes(s)
    assert {n.path for n in notes} >= {("outcomes", "o", "prior", "anchors", 4)}
    assert "you said true 0.400; the fitted link gives true 0." in notes[-1].message


def test_implied_table_covers_every_case() -> None:
    s = load_anchors(
        "        - {when: {}, p: 0.2}\n"
        "        - {when: {u: some}, p: 0.3}\n"
        "        - {when: {u: yes}, p: 0.5}\n"
        "        - {when: {x: 30}, p: 0.3}\n"
    )
    ctx = link_context(s.nodes, "o")
    table = implied_table(s.outcomes["o"].prior, ctx)
    assert len(table) == 3 * 3
    assert list(table.index.get_level_values("u").unique()) == ["no", "some", "yes"]
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    quantiles = list(itertools.islice(table.index.get_level_values("x").unique(), 3))
    assert quantiles[0] < 20 < quantiles[2]  # 5% and 95% of a 90% range of 10 to 40


def test_an_override_sets_one_state_of_an_anchor_case_and_rescales_the_rest() -> None:
    from scenarios.spec.overrides import apply_overrides

    wagner = scenarios.load(scenarios.example("wagner-2023-06-23"))
    old = dict(wagner.outcomes["mutiny_end"].prior.anchors[1].probs)
    changed, _ = apply_overrides(wagner, {"mutiny_end.anchors.1.probs.suppressed": 0.3})
    new = dict(changed.outcomes["mutiny_end"].prior.anchors[1].probs)
    assert new["suppressed"] == 0.3
    assert sum(new.values()) == pytest.approx(1.0, abs=1e-9)
    rest = 1 - old["suppressed"]
    for state in ("negotiated", "protracted", "regime_change", "other"):
        assert new[state] == pytest.approx(old[state] * 0.7 / rest, abs=1e-9)
    with pytest.raises(ScenarioError, match="strictly between 0 and 1"):
        apply_overrides(wagner, {"mutiny_end.anchors.1.probs.suppressed": 1.0})

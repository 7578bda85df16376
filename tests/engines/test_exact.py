"""The exact engine against independent oracles.

The oracles here do not use the engine's factor code: brute-force enumeration of the
joint with exact Beta moments for source reliabilities, scipy quadrature for continuous
facts, and closed-form Beta quantiles for the intervals.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from scipy import integrate, optimize, special, stats

import scenarios
from scenarios import ImpossibleEvidenceError, Scenario
from scenarios.spec import reliability as rel
from tests.engines.oracle import brute_force, brute_force_joint, expected_product, expected_reports
from tests.strategies import RandomNetwork, random_networks


def probabilities(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame.loc[name, "probability"].to_numpy()


# --- property: random networks against brute force ----------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_random_networks_match_brute_force(net: RandomNetwork) -> None:
    s = Scenario.model_validate(net.data)
    z, marg = brute_force(net)
    if z == 0.0:  # impossible, or below float64's range in the oracle's plain products
        try:
            post = s.update(intervals=False)
        except ImpossibleEvidenceError:
            return
        # the engine sums in logs: then the evidence must be that small
        assert post.log_evidence < math.log(np.finfo(float).tiny)
        return
    post = s.update(intervals=False)
    for name in net.nodes:
        frame = post.scenarios if name == "o" else post.facts
        got = probabilities(frame, name)
        assert list(frame.loc[name].index) == list(net.nodes[name].states)
        np.testing.assert_allclose(got, marg[name], rtol=0, atol=1e-9, err_msg=name)
    assert post.log_evidence == pytest.approx(math.log(z), abs=1e-9)
    # each claim's proposition after the claims (the table the digits are shown beside)
    names = list(net.nodes)
    joint = brute_force_joint(net)
    for claim in net.claims:
        hit = sum(
            p
            for idx, p in joint.items()
            if claim.holds({n: net.nodes[n].states[i] for n, i in zip(names, idx, strict=True)})
        )
        assert post.claims.loc[claim.id, "probability"] == pytest.approx(hit / z, abs=1e-9)


def test_oracle_expected_reports_matches_quadrature() -> None:
    # the oracle's own check: its polynomial in (t, f) and Beta moments against direct
    # numerical integration of prod (f + w (t - f)) or f over two independent Betas
    reports = [(0.3, True), (1.0, True), (0.75, False), (0.5, True)]
    (tm, tk), (fm, fk) = (0.7, 12.0), (0.2, 9.0)

    def integrand(f: float, t: float) -> float:
        lik = math.prod(f + w * (t - f) if holds else f for w, holds in reports)
        return (
            lik
            * stats.beta.pdf(t, tm * tk, (1 - tm) * tk)
            * stats.beta.pdf(f, fm * fk, (1 - fm) * fk)
        )

    direct, _ = integrate.dblquad(integrand, 0, 1, 0, 1, epsabs=1e-14, epsrel=1e-12)
    assert expected_reports(reports, (tm, tk), (fm, fk)) == pytest.approx(direct, abs=1e-11)
    # a fixed rate is its own moments; full-weight reports agree with the one-rate form
    assert expected_reports([(1.0, True)] * 3, (tm, tk), (0.1, None)) == pytest.approx(
        expected_product([1.0] * 3, (tm, tk)), abs=1e-15
    )
    # silences (a third item True) are the complements 1 - (f + w (t - f)) and 1 - f
    quiet = [(0.3, True, True), (1.0, True), (0.75, False, True), (0.5, False)]

    def quiet_integrand(f: float, t: float) -> float:
        lik = math.prod(
            (1 - p if silent else p)
            for w, holds, *rest in quiet
            for silent, p in [(bool(rest and rest[0]), f + w * (t - f) if holds else f)]
        )
        return (
            lik
            * stats.beta.pdf(t, tm * tk, (1 - tm) * tk)
            * stats.beta.pdf(f, fm * fk, (1 - fm) * fk)
        )

    direct, _ = integrate.dblquad(quiet_integrand, 0, 1, 0, 1, epsabs=1e-14, epsrel=1e-12)
    assert expected_reports(quiet, (tm, tk), (fm, fk)) == pytest.approx(direct, abs=1e-11)


# --- continuous facts against scipy quadrature --------------------------------------


def _lognormal_scenario(prior: dict, link: dict) -> Scenario:
    return Scenario(
        title="troops",
        facts={
            "troops": {
                "kind": "continuous",
                "unit": "thousand",
                "support": [0, None],
                "prior": prior,
            },
            "escalates": {"kind": "binary", "prior": {"logit": link}},
        },
        outcomes={
            "war": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["escalates"],
                    "table": [
                        {"when": {"escalates": True}, "p": 0.8},
                        {"when": {"escalates": False}, "p": 0.1},
                    ],
                },
            },
        },
        sources={"wire": {"grade": "B"}, "blog": {"grade": "C"}},
        claims=[
            {
                "id": "many",
                "text": "more than 40 thousand",
                "proposition": "troops > 40",
                "source": "wire",
                "hedge": "allegedly",
                "information": 3,
            },
            {
                "id": "number",
                "text": "45 thousand",
                "reported": {"fact": "troops", "value": 45, "sd": 0.2, "bias": 0.05},
                "source": "blog",
                "hedge": "rumoured",
            },
        ],
    )


MU, SIGMA = math.log(35.0), 0.25
# "90% between 25 and 50" with the default family of a positive fact: a LogNormal
RANGE_MU = (math.log(25) + math.log(50)) / 2
RANGE_SIGMA = (math.log(50) - math.log(25)) / (2 * stats.norm.ppf(0.95))


@pytest.mark.parametrize(
    ("prior", "link", "mu", "sigma", "center", "scale"),
    [
        pytest.param(
            {"distribution": "LogNormal", "parameters": {"mu": MU, "sigma": SIGMA}},
            {
                "intercept": -0.5,
                "terms": [{"fact": "troops", "coef": 1.3, "center": 30, "scale": 8}],
            },
            MU,
            SIGMA,
            30.0,
            8.0,
            id="named-explicit-center",
        ),
        pytest.param(
            {"between": [25, 50], "mass": 0.9},
            {"intercept": 0.4, "terms": [{"fact": "troops", "coef": -0.9}]},
            # default standardiser: prior median, and the 90% half-width over 1.645
            RANGE_MU,
            RANGE_SIGMA,
            math.exp(RANGE_MU),
            (50 - 25) / (2 * stats.norm.ppf(0.95)),
            id="range-default-center",
        ),
    ],
)
def test_continuous_fact_matches_quadrature(prior, link, mu, sigma, center, scale) -> None:
    s = _lognormal_scenario(prior, link)
    post = s.update(intervals=False)

    w_many = rel.HEDGE_WEIGHTS["allegedly"]  # the digit is not a weight
    w_number = rel.HEDGE_WEIGHTS["rumoured"]
    (tp_b, _), (fp_b, _) = rel.GRADE_RATES["B"]

    def likelihood(x: float) -> float:
        # one claim per source: E[f + w (t - f)] = E[f] + w (E[t] - E[f]) where it holds
        many = fp_b + w_many * (tp_b - fp_b) if x > 40 else fp_b
        # the reported number, a robust mixture: informative with probability q (the C
        # grade's, times the hedge weight): ln(45) ~ Normal(ln(x) + bias, sd); else noise,
        # Normal on the log scale at the prior median with 3x the prior's log-scale sd
        q = rel.NUMBER_INFORMATIVE["C"] * w_number
        informative = stats.norm.pdf(math.log(45), math.log(x) + 0.05, 0.2)
        noise = stats.norm.pdf(math.log(45), mu, rel.NUMBER_NOISE_SPREAD * sigma)
        number = q * informative + (1 - q) * noise
        return many * number

    prior_pdf = stats.lognorm(sigma, scale=math.exp(mu)).pdf
    coef = link["terms"][0]["coef"]

    def p_escalates(x: float) -> float:
        return special.expit(link["intercept"] + coef * (x - center) / scale)

    def integral(fn) -> float:
        def f(x):
            return prior_pdf(x) * likelihood(x) * fn(x)

        lo = integrate.quad(f, 0, 40, epsabs=0, epsrel=1e-13, limit=200)[0]
        hi = integrate.quad(f, 40, np.inf, epsabs=0, epsrel=1e-13, limit=200)[0]
        return lo + hi

    z = integral(lambda x: 1.0)
    p_esc = integral(p_escalates) / z
    mean = integral(lambda x: x) / z
    sd = math.sqrt(integral(lambda x: (x - mean) ** 2) / z)

    assert post.facts.loc[("escalates", "true"), "probability"] == pytest.approx(p_esc, abs=1e-7)
    p_war = 0.8 * p_esc + 0.1 * (1 - p_esc)
    assert post.scenarios.loc[("war", "true"), "probability"] == pytest.approx(p_war, abs=1e-7)
    q = post.quantities.loc["troops"]
    assert q["mean"] == pytest.approx(mean, rel=1e-7)
    assert q["sd"] == pytest.approx(sd, rel=1e-6)
    assert post.log_evidence == pytest.approx(math.log(z), abs=1e-7)

    # posterior median: where the posterior CDF crosses 1/2 (loose: the engine
    # interpolates between quadrature nodes)
    def cdf(v: float) -> float:
        def f(x):
            return prior_pdf(x) * likelihood(x)

        parts = [(0, min(v, 40))] + ([(40, v)] if v > 40 else [])
        return sum(integrate.quad(f, a, b, epsrel=1e-12)[0] for a, b in parts) / z

    median = optimize.brentq(lambda v: cdf(v) - 0.5, 1, 200)
    assert q["median"] == pytest.approx(median, rel=5e-3)
    # and the prior side is the elicited distribution itself
    pq = post.prior_quantities.loc["troops"]
    assert pq["median"] == pytest.approx(math.exp(mu), rel=1e-9)
    assert pq["q05"] == pytest.approx(math.exp(mu - stats.norm.ppf(0.95) * sigma), rel=1e-9)


# --- intervals: closed-form second-order uncertainty --------------------------------

MC_TOL = 0.01
TAILS = [0.05, 0.95]


def _interval(frame: pd.DataFrame, name: str, state: str) -> np.ndarray:
    return frame.loc[(name, state), ["lower", "upper"]].to_numpy(dtype=float)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param([], id="no-claims"),
        # a claim about an unrelated fact reweights the draws by the source's rates only,
        # which are independent of theta_o: the interval of theta_o stays its prior Beta
        pytest.param(
            [{"id": "c", "text": "u", "proposition": "unrelated", "source": "s"}],
            id="unrelated-claim",
        ),
    ],
)
def test_interval_of_an_uncertain_prior_is_its_beta(claims: list) -> None:
    m, k = 0.3, 10.0
    s = Scenario(
        title="beta",
        facts={"unrelated": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {"p": m, "concentration": k},
            }
        },
        sources={"s": {"grade": "C"}},
        claims=claims,
    )
    post = s.update(draws=20000, seed=1)
    assert post.scenarios.loc[("o", "true"), "probability"] == m
    expected = stats.beta.ppf(TAILS, m * k, (1 - m) * k)
    np.testing.assert_allclose(_interval(post.scenarios, "o", "true"), expected, atol=MC_TOL)
    # the complement state's interval is the mirror image
    np.testing.assert_allclose(
        _interval(post.scenarios, "o", "false"), 1 - expected[::-1], atol=MC_TOL
    )
    assert "90%" in post.interval and "equal-tailed" in post.interval


def test_interval_after_soft_evidence_is_the_beta_mixture_posterior() -> None:
    # theta ~ Beta(a, b) is P(f); a claim with fixed likelihoods (L1, L0) makes the
    # posterior of theta the mixture pi1 Beta(a + 1, b) + pi0 Beta(a, b + 1), and
    # g(theta) = P(f | claim, theta) = theta L1 / (theta L1 + (1 - theta) L0), increasing.
    m, k, l1, l0 = 0.4, 6.0, 0.9, 0.3
    a, b = m * k, (1 - m) * k
    s = Scenario(
        title="mixture",
        facts={"f": {"kind": "binary", "prior": {"p": m, "concentration": k}}},
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["f"],
                    "table": [{"when": {"f": True}, "p": 1.0}, {"when": {"f": False}, "p": 0.0}],
                },
            }
        },
        claims=[
            {
                "id": "c",
                "text": "f holds",
                "proposition": "f",
                "likelihood": {"if_true": l1, "if_false": l0},
            }
        ],
    )
    post = s.update(draws=20000, seed=3)

    pi1 = a * l1 / (a * l1 + b * l0)

    def mixture_cdf(t: float) -> float:
        return pi1 * stats.beta.cdf(t, a + 1, b) + (1 - pi1) * stats.beta.cdf(t, a, b + 1)

    def g(t: float) -> float:
        return t * l1 / (t * l1 + (1 - t) * l0)

    theta_q = [optimize.brentq(lambda t, q=q: mixture_cdf(t) - q, 1e-12, 1 - 1e-12) for q in TAILS]
    expected = [g(t) for t in theta_q]
    point = pi1  # E[g(theta) | claim] = P(f | claim)
    assert post.facts.loc[("f", "true"), "probability"] == pytest.approx(point, abs=1e-12)
    assert post.scenarios.loc[("o", "true"), "probability"] == pytest.approx(point, abs=1e-12)
    np.testing.assert_allclose(_interval(post.facts, "f", "true"), expected, atol=MC_TOL)
    np.testing.assert_allclose(_interval(post.scenarios, "o", "true"), expected, atol=MC_TOL)
    # the prior interval ignores the claim: theta's own Beta
    np.testing.assert_allclose(
        _interval(post.prior_facts, "f", "true"), stats.beta.ppf(TAILS, a, b), atol=MC_TOL
    )


def test_hard_evidence_reweights_only_the_parameter_it_informs() -> None:
    # f ~ Bernoulli(theta_f), theta_f ~ Beta(mk, (1-m)k); f confirmed, so the draws are
    # weighted by theta_f (posterior Beta(mk + 1, (1-m)k)). g for the outcome is the row
    # theta_{o|f} ~ Beta(m2 k2, (1-m2) k2), independent of theta_f: its interval must stay
    # the prior Beta however the draws are weighted, and its point is m2.
    m, k, m2, k2 = 0.2, 4.0, 0.7, 15.0
    s = Scenario(
        title="confirmed",
        facts={"f": {"kind": "binary", "prior": {"p": m, "concentration": k}}},
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["f"],
                    "table": [
                        {"when": {"f": True}, "p": m2, "concentration": k2},
                        {"when": {"f": False}, "p": 0.5},
                    ],
                },
            }
        },
        claims=[{"id": "seen", "text": "f happened", "proposition": "f", "status": "confirmed"}],
    )
    post = s.update(draws=20000, seed=5)
    assert post.scenarios.loc[("o", "true"), "probability"] == pytest.approx(m2, abs=1e-12)
    np.testing.assert_allclose(
        _interval(post.scenarios, "o", "true"),
        stats.beta.ppf(TAILS, m2 * k2, (1 - m2) * k2),
        atol=MC_TOL,
    )
    # before the claim P(o | theta) = theta_f theta_o + (1 - theta_f) / 2, whose mean is
    # m m2 + (1 - m) / 2
    assert post.prior_scenarios.loc[("o", "true"), "probability"] == pytest.approx(
        m * m2 + (1 - m) * 0.5, abs=1e-12
    )


def test_intervals_when_only_source_rates_are_uncertain() -> None:
    s = Scenario(
        title="rates only",
        facts={"f": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["f"],
                    "table": [{"when": {"f": True}, "p": 1.0}, {"when": {"f": False}, "p": 0.0}],
                },
            }
        },
        sources={"friend": {"grade": "C"}},
        claims=[{"id": "c1", "text": "f", "proposition": "f", "source": "friend"}],
    )
    post = s.update(draws=20000, seed=2)
    # independent oracle: importance sampling over the two Beta rates by numpy
    (tm, tk), (fm, fk) = rel.GRADE_RATES["C"]
    rng = np.random.default_rng(12345)
    t = rng.beta(tm * tk, (1 - tm) * tk, 400_000)
    f = rng.beta(fm * fk, (1 - fm) * fk, 400_000)
    lik = 0.5 * t + 0.5 * f
    g = t / (t + f)
    order = np.argsort(g)
    cdf = np.cumsum(lik[order]) / lik.sum()
    expected = np.interp(TAILS, cdf, g[order])
    assert post.facts.loc[("f", "true"), "probability"] == pytest.approx(tm / (tm + fm), abs=1e-12)
    np.testing.assert_allclose(_interval(post.facts, "f", "true"), expected, atol=MC_TOL)
    # prior: no claim, the fact's own point prior
    np.testing.assert_allclose(_interval(post.prior_facts, "f", "true"), [0.5, 0.5], atol=1e-12)


# --- impossible evidence ------------------------------------------------------------


def _coin(**extra: Any) -> Scenario:
    data: dict[str, Any] = {
        "title": "coin",
        "facts": {
            "f": {"kind": "binary", "prior": {"p": 0.5}},
            "g": {
                "kind": "categorical",
                "states": ["a", "b", "c"],
                "prior": {
                    "given": ["f"],
                    "table": [
                        {"when": {"f": True}, "probs": {"a": 0.6, "b": 0.4, "c": 0.0}},
                        {"when": {"f": False}, "probs": {"a": 0.1, "b": 0.2, "c": 0.7}},
                    ],
                },
            },
        },
        "outcomes": {
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["f"],
                    "table": [{"when": {"f": True}, "p": 0.9}, {"when": {"f": False}, "p": 0.2}],
                },
            }
        },
        "sources": {"wire": {"grade": "B"}, "blog": {"grade": "B"}, "tv": {"grade": "B"}},
    }
    data.update(extra)
    return Scenario.model_validate(data)


def test_contradicting_confirmed_claims_raise_and_name_both() -> None:
    s = _coin(
        claims=[
            {"id": "soft", "text": "g is a", "proposition": "g == a", "source": "wire"},
            {"id": "yes", "text": "f happened", "proposition": "f", "status": "confirmed"},
            {"id": "other", "text": "g is not c", "proposition": "g != c", "source": "blog"},
            {"id": "no", "text": "f did not happen", "proposition": "not f", "status": "confirmed"},
        ]
    )
    with pytest.raises(ImpossibleEvidenceError) as info:
        s.update()
    assert set(info.value.claims) == {"yes", "no"}
    assert len(info.value.claims) == 2
    assert "yes" in str(info.value) and "no" in str(info.value)


def test_observing_a_zero_probability_state_raises_not_nan() -> None:
    # g == c is impossible when f is true: observing both names both observations
    s = _coin().observe(f=True, g="c")
    with pytest.raises(ImpossibleEvidenceError) as info:
        s.update(intervals=False)
    assert set(info.value.claims) == {"observed_f", "observed_g"}


def test_a_single_impossible_observation_raises() -> None:
    s = _coin(facts={"f": {"kind": "binary", "prior": {"p": 0.0}}}).observe(f=True)
    with pytest.raises(ImpossibleEvidenceError) as info:
        s.update(intervals=False)
    assert info.value.claims == ("observed_f",)


def test_concentration_one_rates_do_not_warn() -> None:
    # Beta(a, b) with a + b = 1: scipy's Gauss-Jacobi nodes once warned 0/0 here
    s = _coin(
        sources={"s": {"grade": "A", "true_positive": {"mean": 0.75, "concentration": 1.0}}},
        claims=_claims(["s", "s"]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        post = s.update(intervals=False)
    (fm, fk) = rel.GRADE_RATES["A"][1]
    r = expected_product([1, 1], (0.75, 1.0)) / expected_product([1, 1], (fm, fk))
    assert post.facts.loc[("f", "true"), "probability"] == pytest.approx(r / (1 + r), abs=1e-12)


# --- semantics of sources, status, information --------------------------------------


def _shift(s: Scenario, fact: str = "f", state: str = "true") -> float:
    post = s.update(intervals=False)
    return float(
        post.facts.loc[(fact, state), "probability"]
        - post.prior_facts.loc[(fact, state), "probability"]
    )


def _claims(sources: list[str], **fields: Any) -> list[dict[str, Any]]:
    return [
        {"id": f"c{i}", "text": "f", "proposition": "f", "source": src, **fields}
        for i, src in enumerate(sources)
    ]


def test_one_source_repeating_itself_counts_less_than_three_sources() -> None:
    one = _coin(claims=_claims(["wire"] * 3))
    three = _coin(claims=_claims(["wire", "blog", "tv"]))
    shared, independent = _shift(one), _shift(three)
    assert 0 < shared < independent
    # and both match their closed forms (prior 1/2: posterior = r / (1 + r))
    (tm, tk), (fm, fk) = rel.GRADE_RATES["B"]
    r_shared = expected_product([1, 1, 1], (tm, tk)) / expected_product([1, 1, 1], (fm, fk))
    r_independent = (tm / fm) ** 3
    assert shared == pytest.approx(r_shared / (1 + r_shared) - 0.5, abs=1e-12)
    assert independent == pytest.approx(r_independent / (1 + r_independent) - 0.5, abs=1e-12)
    # one claim is one claim, whoever else the source talks about
    assert _shift(_coin(claims=_claims(["wire"]))) == pytest.approx(
        _shift(_coin(claims=_claims(["blog"]))), abs=1e-15
    )


@pytest.mark.parametrize(
    ("claims", "log_evidence"),
    [
        pytest.param([], 0.0, id="no-claims"),
        # a report at weight 0 is noise at the false-positive rate whatever the truth: it
        # moves no fact, but it was made (its probability is E[f] of a B source)
        pytest.param(
            _claims(["wire"], weight=0.0), math.log(rel.GRADE_RATES["B"][1][0]), id="zero-weight"
        ),
    ],
)
def test_scenario_without_effective_claims_gives_the_prior(
    claims: list, log_evidence: float
) -> None:
    post = _coin(claims=claims).update(intervals=False)
    np.testing.assert_allclose(probabilities(post.facts, "f"), [0.5, 0.5], atol=1e-15)
    # g: 0.5 [0.6, 0.4, 0] + 0.5 [0.1, 0.2, 0.7]
    np.testing.assert_allclose(probabilities(post.facts, "g"), [0.35, 0.3, 0.35], atol=1e-15)
    np.testing.assert_allclose(probabilities(post.scenarios, "o"), [0.45, 0.55], atol=1e-15)
    pd.testing.assert_frame_equal(post.facts, post.prior_facts)
    assert post.log_evidence == pytest.approx(log_evidence, abs=1e-14)


@pytest.mark.parametrize(
    ("weaker", "stronger"),
    [
        pytest.param({"hedge": "allegedly"}, {"hedge": "reportedly"}, id="allegedly<reportedly"),
        pytest.param({"hedge": "rumoured"}, {"hedge": "allegedly"}, id="rumoured<allegedly"),
        pytest.param({"hedge": "reportedly"}, {}, id="reportedly<unhedged"),
        pytest.param({"weight": 0.2}, {"weight": 0.6}, id="weight0.2<weight0.6"),
    ],
)
def test_weaker_claims_move_less(weaker: dict, stronger: dict) -> None:
    for fields in ({}, {"information": 2}):
        weak = _shift(_coin(claims=_claims(["wire"], **{**fields, **weaker})))
        strong = _shift(_coin(claims=_claims(["wire"], **{**fields, **stronger})))
        assert 0 < weak < strong


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"information": 1}, id="digit1"),
        pytest.param({"information": 5}, id="digit5"),
        pytest.param({"hedge": "said"}, id="said-is-attribution"),
        pytest.param({"hedge": "according_to"}, id="according-to-is-attribution"),
    ],
)
def test_digits_and_attribution_change_nothing(fields: dict) -> None:
    plain = _coin(claims=_claims(["wire"])).update(intervals=False)
    marked = _coin(claims=_claims(["wire"], **fields)).update(intervals=False)
    pd.testing.assert_frame_equal(plain.facts, marked.facts, check_exact=True)
    assert plain.log_evidence == marked.log_evidence


# --- seeds --------------------------------------------------------------------------


def _uncertain() -> Scenario:
    return _coin(
        facts={
            "f": {"kind": "binary", "prior": {"p": 0.3, "concentration": 8}},
            "g": {
                "kind": "categorical",
                "states": ["a", "b"],
                "prior": {"probs": {"a": 0.5, "b": 0.5}},
            },
        },
        claims=_claims(["wire", "blog"]),
    )


def test_same_seed_same_intervals_other_seed_slightly_different() -> None:
    s = _uncertain()
    a, b = s.update(seed=7, draws=2000), s.update(seed=7, draws=2000)
    pd.testing.assert_frame_equal(a.scenarios, b.scenarios, check_exact=True)
    pd.testing.assert_frame_equal(a.facts, b.facts, check_exact=True)
    assert a.seed == 7 and a.provenance()["seed"] == 7

    c = s.update(seed=8, draws=2000)
    pd.testing.assert_series_equal(
        a.scenarios["probability"], c.scenarios["probability"], check_exact=True
    )  # the point answer has no randomness
    lo_hi_a = a.scenarios[["lower", "upper"]].to_numpy()
    lo_hi_c = c.scenarios[["lower", "upper"]].to_numpy()
    assert not np.array_equal(lo_hi_a, lo_hi_c)
    np.testing.assert_allclose(lo_hi_a, lo_hi_c, atol=0.03)

    # the scenario's own seed is the default, and is recorded
    d = s.replace(seed=7).update(draws=2000)
    assert d.seed == 7
    pd.testing.assert_frame_equal(a.scenarios, d.scenarios, check_exact=True)


def test_intervals_contain_the_point_and_are_ordered() -> None:
    post = _uncertain().update(seed=0, draws=4000)
    for frame in (post.scenarios, post.facts):
        assert (frame["lower"] <= frame["probability"] + 1e-12).all()
        assert (frame["probability"] <= frame["upper"] + 1e-12).all()
    lo, hi = _interval(post.facts, "f", "true")
    assert lo < hi


@pytest.mark.parametrize("name", scenarios.examples())
def test_point_marginals_are_the_update_s_probabilities(name: str) -> None:
    from scenarios.engines.exact import point_marginals

    s = scenarios.load(scenarios.example(name))
    post = s.update(intervals=False)
    nodes = [*s.outcomes, *(n for n in s.facts if s.facts[n].is_discrete)]
    got = point_marginals(s, nodes)
    assert got is not None and set(got) == set(nodes)
    for n in nodes:
        table = post.scenarios if n in s.outcomes else post.facts
        want = table.loc[n, "probability"].to_numpy()
        assert np.abs(got[n] - want).max() <= 1e-12


# --- what networks of the same nodes share, and what they do not ------------------------


def _asia() -> Scenario:
    from pathlib import Path

    import pgmpy

    from scenarios.io.bif import from_bif

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return from_bif(Path(pgmpy.__file__).parent / "utils" / "example_models" / "asia.bif.gz")


def test_networks_of_the_same_nodes_share_no_editable_state() -> None:
    from scenarios.engines.network import Network
    from scenarios.spec.priors import Probabilities

    s = _asia()
    first = Network(s)
    seen = Network(s.observe(smoke="yes"))  # the same nodes: their structure is reused
    assert seen.states == first.states and seen.priors == first.priors
    assert seen.priors is not first.priors and seen.stated is not first.stated
    before = first.mean_table("asia").copy()
    first.set_prior("asia", Probabilities.model_validate({"probs": {"yes": 0.5, "no": 0.5}}))
    np.testing.assert_array_equal(first.mean_table("asia"), [0.5, 0.5])
    for net in (seen, Network(s)):  # neither the other network nor a new one sees it
        np.testing.assert_array_equal(net.mean_table("asia"), before)
        assert net.stated["asia"] is s.nodes["asia"].prior
    # and a new update of the scenario is the update before the edit, bit for bit
    again = s.update(intervals=False)
    assert again.facts.loc["asia", "probability"].tolist() == list(before)


def test_observed_updates_agree_with_queries_and_keep_shared_indicators_read_only() -> None:
    from scenarios.engines.exact import Query
    from scenarios.engines.network import Network

    s = _asia()
    query = Query(s)
    for evidence in ({"smoke": "yes"}, {"smoke": "yes", "xray": "no"}, {"xray": "no"}):
        post = s.observe(**evidence).update(intervals=False)
        want = query.marginals([n for n in query.network.discrete if n not in evidence], evidence)
        for name, p in want.items():
            table = post.scenarios if name in s.outcomes else post.facts
            got = table.loc[name, "probability"].to_numpy()
            np.testing.assert_allclose(got, p, rtol=0, atol=1e-12, err_msg=name)
    ind = Network(s.observe(smoke="yes")).proposition_indicator('smoke == "yes"', {})
    assert not ind.values.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        ind.values[0] = 2.0


def test_the_plan_costs_the_calibration_with_known_nodes_sliced_out() -> None:
    from scenarios.engines import calibrate
    from scenarios.engines.assembly import assemble
    from scenarios.engines.exact import exact_cost
    from scenarios.engines.network import Network

    s = _asia()
    free = Network(s)
    seen = Network(s.observe(smoke="yes", bronc="no"))
    nodes = list(free.discrete)
    want = calibrate.calibration_cost(
        calibrate.bucket_tree(assemble(free).factors_for(nodes)), nodes
    )
    assert exact_cost(free, assemble(free)) == want
    sliced = calibrate.observe(assemble(seen).factors_for(nodes), {"smoke": 0, "bronc": 1})
    rest = [n for n in nodes if n not in ("smoke", "bronc")]
    assert seen.states["smoke"][0] == "yes" and seen.states["bronc"][1] == "no"
    assert exact_cost(seen, assemble(seen)) == calibrate.calibration_cost(
        calibrate.bucket_tree(sliced), rest
    )
    assert exact_cost(seen, assemble(seen)).flops < want.flops

"""``Scenario.simulate`` against the engines' probabilities of the reports it draws.

The share of simulated worlds that make a set of reports must be the exact engine's
probability of those reports (its ``log_evidence`` on a scenario holding just them), and
the brute-force oracle's on random networks; worlds that made them must look like the
exact engine's posterior. Every comparison allows a two-sided binomial (or normal) error
of probability 1e-6, about 5 sigma.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from scipy import stats

from scenarios import Scenario
from scenarios.engines.parameters import rate_moments
from scenarios.engines.simulate import Simulation, simulate
from scenarios.spec import reliability as rel
from scenarios.spec.claims import relay_roots, report_id
from tests.engines.oracle import brute_force
from tests.strategies import RandomNetwork, random_networks

N = 20_000
#: Probability of a false alarm of each comparison (two-sided).
ALPHA = 1e-6


def assert_binomial(count: int, n: int, p: float, what: str = "") -> None:
    """``count`` successes of ``n`` is a plausible draw of Binomial(n, p)."""
    p = min(max(p, 0.0), 1.0)  # a sum of probabilities may pass 1 by a rounding (nan bounds)
    lo, hi = stats.binom.interval(1.0 - ALPHA, n, p)
    assert lo <= count <= hi, f"{what}: {count}/{n} = {count / n:.4f}, expected p = {p:.4f}"


def assert_mean(sample: np.ndarray, expected: float, what: str = "") -> None:
    """The sample mean is within the normal bound of ``expected``."""
    z = stats.norm.isf(ALPHA / 2)
    se = sample.std(ddof=1) / math.sqrt(len(sample))
    assert abs(sample.mean() - expected) <= z * se, f"{what}: {sample.mean():.4f} vs {expected:.4f}"


def only(s: Scenario, ids: Iterable[str]) -> Scenario:
    """The scenario with just the reports ``ids`` (a claim's answers need the claim)."""
    ids = set(ids)
    claims = []
    for c in s.claims:
        if c.id not in ids:
            continue
        denied = tuple(d for d in c.denied_by if report_id(c.id, "denied_by", d.source) in ids)
        disputed = tuple(
            d for d in c.disputed_by if report_id(c.id, "disputed_by", d.source) in ids
        )
        retracted = c.retraction if report_id(c.id, "retraction") in ids else None
        status = "reported" if c.status != "confirmed" else c.status
        claims.append(
            c.model_copy(
                update={
                    "denied_by": denied,
                    "disputed_by": disputed,
                    "retracted": retracted,
                    "status": status,
                }
            )
        )
    return s.replace(claims=claims)


def exact_probability(s: Scenario, ids: Iterable[str]) -> float:
    """P(every report in ``ids`` is made), by the exact engine."""
    return math.exp(only(s, ids).update(intervals=False).log_evidence)


@pytest.fixture(scope="module")
def small() -> Scenario:
    """Shared sources, hedges, a denial, a dispute, a retraction, a confirmed claim, a number."""
    return Scenario(
        title="Small",
        seed=5,
        facts={
            "a": {"kind": "binary", "prior": {"p": 0.4, "concentration": 5}},
            "b": {
                "kind": "categorical",
                "states": ["low", "mid", "high"],
                "prior": {
                    "given": ["a"],
                    "concentration": 8,
                    "table": [
                        {"when": {"a": True}, "probs": {"low": 0.2, "mid": 0.3, "high": 0.5}},
                        {"when": {"a": False}, "probs": {"low": 0.6, "mid": 0.3, "high": 0.1}},
                    ],
                },
            },
            "x": {
                "kind": "continuous",
                "support": [0, None],
                "prior": {"between": [20, 50], "mass": 0.9},
            },
            "c": {
                "kind": "binary",
                "prior": {
                    "logit": {
                        "intercept": -0.5,
                        "terms": [
                            {"fact": "x", "coef": 1.2},
                            {"fact": "a", "state": True, "coef": 0.7},
                        ],
                    }
                },
            },
        },
        outcomes={
            "o": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {
                    "given": ["b", "c"],
                    "default": {"p": 0.3, "concentration": 6},
                    "table": [{"when": {"b": "high", "c": True}, "p": 0.85}],
                },
            }
        },
        sources={
            "wire": {"grade": "C"},
            "mod": {"grade": "D"},
            "tv": {
                "true_positive": {"mean": 0.7, "concentration": 10},
                "false_positive": {"mean": 0.2},
                "retraction": {
                    "if_true": {"mean": 0.05, "concentration": 20},
                    "if_false": {"mean": 0.4, "concentration": 5},
                },
            },
        },
        claims=[
            {"id": "c1", "text": "a", "proposition": "a", "source": "wire", "hedge": "allegedly"},
            {
                "id": "c2",
                "text": "b is high",
                "proposition": "b == high",
                "source": "wire",
                "denied_by": "mod",
            },
            {
                "id": "c3",
                "text": "x over 30 and c",
                "proposition": "x > 30 and c",
                "source": "tv",
                "retracted": {"note": "withdrawn"},
            },
            {
                "id": "c4",
                "text": "b not low",
                "proposition": "b != low or not a",
                "source": "tv",
                "disputed_by": [{"source": "wire"}],
                "information": 2,
            },
            {"id": "c5", "text": "c holds", "proposition": "c", "status": "confirmed"},
            {
                "id": "n1",
                "text": "x is 30",
                "reported": {"fact": "x", "value": 30, "sd": 0.25, "bias": 0.1},
                "source": "mod",
                "hedge": "reportedly",
            },
            {
                "id": "c6",
                "text": "explicit",
                "proposition": "a",
                "likelihood": {"if_true": 0.6, "if_false": 0.3, "concentration": 12},
            },
        ],
    )


@pytest.fixture(scope="module")
def sim(small: Scenario) -> Simulation:
    return small.simulate(N, seed=11)


REPORT_SETS = [
    ["c1"],
    ["c2"],
    ["c1", "c2"],  # one source, two reports: E[r1 r2], not E[r1] E[r2]
    ["c2", "c2~denied_by~mod"],
    ["c3"],
    ["c3", "c3~retracted"],
    ["c3", "c3~retracted", "c4"],  # a retraction and the source's other report
    ["c4", "c4~disputed_by~wire"],
    ["c5"],
    ["c6"],
    ["c1", "c2", "c2~denied_by~mod", "c4", "c4~disputed_by~wire", "c6"],
]


@pytest.mark.parametrize("ids", REPORT_SETS, ids=["+".join(ids) for ids in REPORT_SETS])
def test_frequency_of_reports_is_the_exact_engines_probability(
    small: Scenario, sim: Simulation, ids: list[str]
) -> None:
    made = sim.reports[ids].all(axis=1)
    assert_binomial(int(made.sum()), N, exact_probability(small, ids), "+".join(ids))


def test_one_source_twice_is_not_two_independent_reports() -> None:
    # an F source's rates are barely known: its two reports of one fact are strongly
    # correlated, and the simulated joint is the engine's E[r1 r2], far from E[r1] E[r2]
    s = Scenario(
        title="Echo",
        facts={"a": {"kind": "binary", "prior": {"p": 0.5}}},
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        sources={"anon": {"grade": "F"}},
        claims=[
            {"id": "r1", "text": "a", "proposition": "a", "source": "anon"},
            {
                "id": "r2",
                "text": "a again",
                "proposition": "a",
                "source": "anon",
                "hedge": "reportedly",
            },
        ],
    )
    both = exact_probability(s, ["r1", "r2"])
    apart = exact_probability(s, ["r1"]) * exact_probability(s, ["r2"])
    se = math.sqrt(both * (1 - both) / N)
    assert both - apart > 20 * se
    reports = s.simulate(N, seed=2).reports
    assert_binomial(int(reports[["r1", "r2"]].all(axis=1).sum()), N, both, "r1+r2")


def test_answers_exist_only_where_their_claim_was_made(sim: Simulation) -> None:
    reports = sim.reports
    for answer in ("c2~denied_by~mod", "c3~retracted", "c4~disputed_by~wire"):
        claim = answer.split("~")[0]
        assert reports[answer].any()
        assert not (reports[answer] & ~reports[claim]).any(), answer


def test_relays_are_made_with_their_original_and_add_no_probability() -> None:
    s = Scenario(
        title="Relayed",
        facts={
            "a": {"kind": "binary", "prior": {"p": 0.3, "concentration": 3}},
            "x": {"kind": "continuous", "prior": {"between": [0, 10]}},
        },
        outcomes={"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        sources={"wire": {"grade": "B"}, "bbc": {"grade": "A"}, "blog": {"grade": "E"}},
        claims=[
            {"id": "story", "text": "a", "proposition": "a", "source": "wire", "denied_by": "blog"},
            {"id": "bbc", "text": "a", "proposition": "a", "source": "bbc", "via": "story"},
            {"id": "blog", "text": "a", "proposition": "a", "source": "blog", "via": "bbc"},
            {"id": "n", "text": "x", "reported": {"fact": "x", "value": 4, "sd": 1}},
            {
                "id": "n_again",
                "text": "x",
                "reported": {"fact": "x", "value": 4, "sd": 1},
                "via": "n",
            },
        ],
    )
    sim = s.simulate(N, seed=8)
    assert list(sim.reports.columns) == ["story", "story~denied_by~blog", "bbc", "blog"]
    for relay in ("bbc", "blog"):
        assert sim.reports[relay].equals(sim.reports["story"].rename(relay))
    assert sim.values["n_again"].equals(sim.values["n"].rename("n_again"))
    everything = s.replace(claims=[c for c in s.claims if c.reported is None])
    exact = math.exp(everything.update(intervals=False).log_evidence)
    assert exact == pytest.approx(exact_probability(s, ["story", "story~denied_by~blog"]))
    assert_binomial(int(sim.reports.all(axis=1).sum()), N, exact, "with relays")


def test_confirmed_claim_is_made_exactly_where_it_holds(sim: Simulation) -> None:
    assert (sim.reports["c5"] == (sim.worlds["c"] == "true")).all()


def test_facts_and_outcomes_follow_the_prior(small: Scenario, sim: Simulation) -> None:
    post = only(small, []).update(intervals=False)
    for table in (post.prior_facts, post.prior_scenarios):
        for (name, state), p in table["probability"].items():
            count = int((sim.worlds[name] == state).sum())
            assert_binomial(count, N, float(p), f"{name} == {state}")
    lo, hi = np.quantile(sim.worlds["x"], [0.05, 0.95])
    assert (lo, hi) == pytest.approx((20, 50), rel=0.03)
    x = sim.worlds["x"].to_numpy()
    assert stats.kstest(np.log(x), stats.norm(*_log_normal(20, 50)).cdf).pvalue > ALPHA


def _log_normal(lower: float, upper: float) -> tuple[float, float]:
    """(mu, sigma) of the log of a LogNormal with 90% between ``lower`` and ``upper``."""
    z = stats.norm.ppf(0.95)
    mu = (math.log(lower) + math.log(upper)) / 2
    return mu, (math.log(upper) - math.log(lower)) / (2 * z)


def test_reported_number_follows_its_error_model(sim: Simulation) -> None:
    # the robust mixture: informative with probability q = 0.7 (a D source's) x 0.75
    # ("reportedly"), ln(value) ~ Normal(ln(x) + bias, sd); else noise, Normal on the log
    # scale at the prior median with 3x the prior's log-scale sd. Each value's CDF under
    # the mixture at its world's x is uniform.
    q = rel.NUMBER_INFORMATIVE["D"] * 0.75
    mu, sigma = _log_normal(20, 50)
    log_value = np.log(sim.values["n1"].to_numpy())
    informative = stats.norm.cdf(log_value, np.log(sim.worlds["x"].to_numpy()) + 0.1, 0.25)
    noise = stats.norm.cdf(log_value, mu, rel.NUMBER_NOISE_SPREAD * sigma)
    assert stats.kstest(q * informative + (1 - q) * noise, "uniform").pvalue > ALPHA
    # and it is a mixture: the informative part alone does not fit
    z = (log_value - np.log(sim.worlds["x"].to_numpy()) - 0.1) / 0.25
    assert stats.kstest(z, "norm").pvalue < ALPHA


@pytest.mark.parametrize(
    "reported",
    [
        {"fact": "x", "value": 3, "count": "poisson"},
        {"fact": "x", "value": 4, "count": "negative_binomial", "dispersion": 3, "bias": 0.2},
        {"fact": "x", "value": 0, "count": "poisson"},
        {"fact": "x", "value": 9, "count": "poisson", "informative": 0.5},
        {
            "fact": "x",
            "value": 3,
            "count": "binomial",
            "ascertainment": {"mean": 0.6, "concentration": 10},
        },
        {"fact": "x", "value": 2, "count": "binomial", "ascertainment": {"mean": 0.5}},
    ],
    ids=["poisson", "negative-binomial", "zero", "noise", "thinned", "thinned-fixed-rate"],
)
def test_reported_count_frequency_is_the_exact_engines_probability(reported: dict) -> None:
    # a count is a pmf: the share of worlds reporting exactly k is P(k), the exact
    # engine's evidence (informative Poisson / NB of mean x e^bias, binomial thinning of
    # x rounded at random with a Beta or fixed ascertainment rate, or binned noise)
    s = Scenario(
        title="Counts",
        seed=3,
        facts={"x": {"kind": "continuous", "support": [0, None], "prior": {"between": [2, 6]}}},
        outcomes={"o": {"kind": "binary", "exhaustive": "yes or no", "prior": {"p": 0.5}}},
        sources={"wire": {"grade": "C"}},
        claims=[
            {
                "id": "k",
                "text": "a count",
                "source": "wire",
                "hedge": "reportedly",
                "reported": reported,
            }
        ],
    )
    sim = s.simulate(N, seed=8)
    drawn = sim.values["k"].to_numpy()
    np.testing.assert_array_equal(drawn, np.round(drawn))
    assert drawn.min() >= 0
    count = int((drawn == reported["value"]).sum())
    assert_binomial(count, N, exact_probability(s, ["k"]), f"count {reported['value']}")


def test_worlds_that_made_the_reports_follow_the_exact_posterior(small: Scenario) -> None:
    # the engines condition on what simulate generates: rejection gives their posterior
    sim = small.simulate(10 * N, seed=12)
    ids = ["c1", "c2", "c3", "c3~retracted", "c4"]
    kept = sim.reports[ids].all(axis=1).to_numpy()
    assert kept.sum() > 800
    scenario = only(small, ids)
    post = scenario.update(intervals=False)
    for (name, state), p in post.facts["probability"].items():
        count = int((sim.worlds.loc[kept, name] == state).sum())
        assert_binomial(count, int(kept.sum()), float(p), f"{name} == {state} | reports")
    rates = rate_moments(scenario)
    for source, name in (("wire", "wire_true_positive"), ("tv", "tv_true_positive")):
        tp, _ = rates[source]
        assert_mean(sim.theta[name][kept], tp.mean, f"{name} | reports")
    prior_tp = small.reliability.grade_rates("C").true_positive.mean
    assert abs(rates["wire"][0].mean - prior_tp) > 0.01  # the reports moved it


def test_same_seed_same_worlds_other_seed_other_worlds(small: Scenario) -> None:
    one, again, other = (small.simulate(300, seed=s) for s in (4, 4, 5))
    assert one.seed == again.seed == 4 and other.seed == 5
    assert one.worlds.equals(again.worlds)
    for name, values in one.theta.items():
        np.testing.assert_array_equal(values, again.theta[name])
    assert not one.worlds.equals(other.worlds)
    assert not np.array_equal(one.worlds["x"], other.worlds["x"])
    assert small.simulate(10).seed == small.seed == 5


def test_columns_and_frequencies(small: Scenario, sim: Simulation) -> None:
    reports = [
        "c1",
        "c2",
        "c2~denied_by~mod",
        "c3",
        "c3~retracted",
        "c4",
        "c4~disputed_by~wire",
        "c5",
        "c6",
    ]
    assert list(sim.worlds.columns) == [
        *small.order,
        *(f"reported:{r}" for r in reports[:8]),
        "value:n1",
        *(f"reported:{r}" for r in reports[8:]),
    ]
    assert list(sim.worlds["b"].cat.categories) == ["low", "mid", "high"]
    table = sim.frequencies()
    assert list(table.index) == reports
    assert table.loc["c1", "probability"] == pytest.approx(sim.reports["c1"].mean())
    p = table.loc["c1", "probability"]
    assert table.loc["c1", "mcse"] == pytest.approx(math.sqrt(p * (1 - p) / N))
    assert set(sim.theta) == {
        "a_probs",
        "b_probs",
        "o_probs",
        "wire_true_positive",
        "wire_false_positive",
        "mod_true_positive",
        "mod_false_positive",
        "tv_true_positive",
        "tv_retraction_if_true",
        "tv_retraction_if_false",
        "c6_if_true",
        "c6_if_false",
    }


def test_function_and_method_agree_and_n_is_checked(small: Scenario) -> None:
    assert simulate(small, 50, seed=1).worlds.equals(small.simulate(50, seed=1).worlds)
    with pytest.raises(ValueError, match="at least one world"):
        small.simulate(0)


# --- random networks against brute-force enumeration --------------------------------


@settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(random_networks(max_facts=4, max_claims=3))
def test_random_networks_report_frequencies_match_brute_force(net: RandomNetwork) -> None:
    s = Scenario.model_validate(net.data)
    reports = simulate(s, N, seed=0).reports
    for c in s.claims:  # a silence is observed as a report not made
        if c.silent:
            reports[c.id] = ~reports[c.id]
    everything = reports.all(axis=1)
    z_all, _ = brute_force(net)
    assert_binomial(int(everything.sum()), N, z_all, "all reports")
    roots = relay_roots(s.claims)
    for oc, data in zip(net.claims, net.data["claims"], strict=True):
        if oc.kind == "relay":  # made exactly where its original was (and counts nothing)
            assert reports[oc.id].equals(reports[roots[oc.id]].rename(oc.id)), oc.id
            continue
        sub = RandomNetwork({**net.data, "claims": [data]}, net.nodes, [oc], net.reliability)
        z, _ = brute_force(sub)
        ids = [c for c in reports.columns if c == oc.id or c.startswith(f"{oc.id}~")]
        assert_binomial(int(reports[ids].all(axis=1).sum()), N, z, oc.id)

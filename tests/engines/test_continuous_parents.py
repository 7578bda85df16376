"""Continuous facts with discrete parents, derived facts and threshold nodes (issue 13).

The exact engine against brute force: scipy's adaptive ``quad``/``dblquad`` over the
continuous facts, enumeration over the discrete ones, on random small models (seeded).
Claims take explicit fixed likelihoods and reported numbers ``informative: 1``, so that
the brute force needs no source rates.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from scenarios.engines.simulate import simulate
from scenarios.errors import ScenarioError
from scenarios.spec import elicit
from scenarios.spec.nodes import Fact
from scenarios.spec.scenario import Scenario

TOL = 1e-8
QUAD = {"epsabs": 1e-14, "epsrel": 1e-11, "limit": 200}


def _dist(kind: str, prior: dict, support: list | None = None) -> stats.rv_continuous:
    return elicit.distribution(Fact(kind=kind, prior=prior, support=support)).dist


def _integrate(f, lo: float, hi: float, points: list[float], **options) -> float:
    """∫ f over [lo, hi], split at points (and at the finite ends' neighbourhood)."""
    edges = sorted({lo, hi, *(p for p in points if lo < p < hi)})
    opts = {**QUAD, **options}
    return sum(integrate.quad(f, a, b, **opts)[0] for a, b in itertools.pairwise(edges))


def _table_model(seed: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 4))
    states = [f"s{i}" for i in range(k)]
    probs = rng.dirichlet(np.ones(k) * 2)
    positive = bool(rng.integers(2))
    rows, dists = [], {}
    for s in states:
        lo = float(rng.uniform(5, 30))
        hi = lo * float(rng.uniform(1.3, 2.5))
        rows.append({"when": {"w": s}, "between": [lo, hi]})
        dists[s] = _dist("continuous", {"between": [lo, hi]}, [0, None] if positive else None)
    t_claim = float(rng.uniform(10, 40))
    t_out = float(rng.uniform(10, 40))
    lik = {"if_true": float(rng.uniform(0.6, 0.95)), "if_false": float(rng.uniform(0.05, 0.4))}
    value = float(rng.uniform(10, 40))
    sd = float(rng.uniform(0.1, 0.4)) if positive else float(rng.uniform(2, 8))
    spec = {
        "title": f"table {seed}",
        "facts": {
            "w": {
                "kind": "categorical",
                "states": states,
                "prior": {"probs": dict(zip(states, map(float, probs), strict=True))},
            },
            "x": {
                "kind": "continuous",
                "support": [0, None] if positive else None,
                "prior": {"given": ["w"], "table": rows},
            },
        },
        "outcomes": {
            "o": {
                "kind": "categorical",
                "prior": {
                    "cases": {"low": f"x < {t_out}", "mid": f"x < {t_out + 5}", "high": "otherwise"}
                },
            },
        },
        "claims": [
            {"id": "c1", "text": "t", "proposition": f"x > {t_claim}", "likelihood": lik},
            {
                "id": "n1",
                "text": "t",
                "reported": {"fact": "x", "value": value, "sd": sd, "informative": 1},
            },
        ],
    }
    if not positive:
        del spec["facts"]["x"]["support"]

    def likelihood(x: float) -> float:
        c = lik["if_true"] if x > t_claim else lik["if_false"]
        if positive:
            n = stats.norm.pdf(math.log(value), math.log(x), sd) if x > 0 else 0.0
        else:
            n = stats.norm.pdf(value, x, sd)
        return c * n

    cuts = [t_claim, t_out, t_out + 5, value]
    expected: dict[str, float] = {}
    z = 0.0
    mass = {"low": 0.0, "mid": 0.0, "high": 0.0}
    post_w = {}
    mean = 0.0
    for s, p in zip(states, probs, strict=True):
        d = dists[s]
        lo, hi = (0.0, np.inf) if positive else (-np.inf, np.inf)
        q = [float(v) for v in d.ppf([1e-12, 1 - 1e-12])]
        lo, hi = max(lo, q[0]), min(hi, q[1])
        pts = [*cuts, *d.ppf([0.01, 0.5, 0.99])]

        def f(x, d=d):
            return d.pdf(x) * likelihood(x)

        zs = p * _integrate(f, lo, hi, pts)
        post_w[s] = zs
        z += zs
        mass["low"] += p * _integrate(f, lo, min(t_out, hi), pts)
        mass["mid"] += p * _integrate(f, max(t_out, lo), min(t_out + 5, hi), pts)
        mean += p * _integrate(lambda x, f=f: x * f(x), lo, hi, pts)
    expected = {**{f"o={k}": v / z for k, v in mass.items()}}
    expected["o=high"] = 1 - expected["o=low"] - expected["o=mid"]
    expected.update({f"w={s}": v / z for s, v in post_w.items()})
    expected["mean x"] = mean / z
    return spec, expected


@pytest.mark.parametrize("seed", range(6))
def test_table_fact_and_cases_match_brute_force(seed: int) -> None:
    spec, expected = _table_model(seed)
    post = Scenario.model_validate(spec).update(intervals=False)
    got = {
        f"o={s}": float(post.scenarios.loc[("o", s), "probability"]) for s in ("low", "mid", "high")
    }
    got.update(
        {
            f"w={s}": float(post.facts.loc[("w", s), "probability"])
            for s in Scenario.model_validate(spec).facts["w"].state_names
        }
    )
    got["mean x"] = float(post.quantities.loc["x", "mean"])
    for key, want in expected.items():
        scale = 1.0 if not key.startswith("mean") else abs(want)
        assert abs(got[key] - want) <= TOL * scale, (key, got[key], want)


def _normal_pdf(x: float, mu: float, sd: float) -> float:
    return math.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


class _LogNormal:
    """A scipy LogNormal's pdf in plain floats (scipy's per-call cost would make nested
    quad take minutes); ppf and median from scipy."""

    def __init__(self, dist: stats.rv_continuous) -> None:
        self.dist = dist
        self.sigma = float(dist.args[0] if dist.args else dist.kwds["s"])
        self.mu = math.log(float(dist.kwds.get("scale", 1.0)))

    def pdf(self, x: float) -> float:
        if x <= 0:
            return 0.0
        return _normal_pdf(math.log(x), self.mu, self.sigma) / x

    def ppf(self, q):
        return self.dist.ppf(q)

    def median(self) -> float:
        return float(self.dist.median())


def _derived_model(seed: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(100 + seed)
    op = ["a * b", "a + b", "a / b", "max(a, b) - 2"][seed % 4]
    a_range = sorted(rng.uniform(5, 30, 2) * [1, 1.8])
    b_range = sorted(rng.uniform(0.2, 0.9, 2) * [1, 1.5])
    a_prior = {"between": [float(a_range[0]), float(a_range[1])]}
    b_prior = {"between": [float(b_range[0]), float(b_range[1])]}
    da = _LogNormal(_dist("continuous", a_prior, [0, None]))
    db = _LogNormal(_dist("continuous", b_prior, [0, None]))
    fn = {
        "a * b": lambda a, b: a * b,
        "a + b": lambda a, b: a + b,
        "a / b": lambda a, b: a / b,
        "max(a, b) - 2": lambda a, b: max(a, b) - 2,
    }[op]
    # a broad report of the derived value (a smooth likelihood) and a threshold on a
    d_med = fn(da.median(), db.median())
    value = float(d_med * rng.uniform(0.8, 1.2))
    sd = float(abs(d_med) * 0.5) + 1.0
    t_a = float(da.ppf(rng.uniform(0.2, 0.8)))
    t_d = float(d_med * rng.uniform(0.9, 1.1))  # a threshold on d, which is reported
    spec = {
        "title": f"derived {seed}",
        "facts": {
            "a": {"kind": "continuous", "support": [0, None], "prior": a_prior},
            "b": {"kind": "continuous", "support": [0, None], "prior": b_prior},
            "d": {"kind": "continuous", "prior": {"derived": op}},
        },
        "outcomes": {
            "big_a": {"kind": "binary", "prior": {"when": f"a > {t_a}"}},
            "big_d": {"kind": "binary", "prior": {"when": f"d > {t_d!r}"}},
        },
        "claims": [
            {
                "id": "n1",
                "text": "t",
                "reported": {"fact": "d", "value": value, "sd": sd, "informative": 1},
            },
        ],
    }
    positive = op != "max(a, b) - 2"

    def lik(a: float, b: float) -> float:
        v = fn(a, b)
        if positive:
            return _normal_pdf(math.log(value), math.log(v), sd)
        return _normal_pdf(value, v, sd)

    a_lo, a_hi = (float(v) for v in da.ppf([1e-13, 1 - 1e-13]))
    b_lo, b_hi = (float(v) for v in db.ppf([1e-13, 1 - 1e-13]))

    def crossing(a: float) -> list[float]:
        """Where d = t_d as b varies (the threshold's step in the inner integral)."""
        bs = np.geomspace(b_lo, b_hi, 200)
        gap = [fn(a, b) - t_d for b in bs]
        return [
            optimize.brentq(lambda b: fn(a, b) - t_d, bs[i], bs[i + 1], xtol=1e-14)
            for i in range(len(bs) - 1)
            if gap[i] * gap[i + 1] < 0
        ]

    def inner(a: float, g) -> float:
        pts = [*db.ppf([0.01, 0.5, 0.99]), a, *crossing(a)]
        return _integrate(lambda b: db.pdf(b) * g(a, b), b_lo, b_hi, pts)

    def outer(g, lo=a_lo, hi=a_hi) -> float:
        pts = [t_a, t_d + 2, *da.ppf([0.01, 0.5, 0.99])]
        return _integrate(lambda a: da.pdf(a) * inner(a, g), lo, hi, pts)

    z = outer(lik)
    expected = {
        "big_a": outer(lik, t_a, a_hi) / z,
        "big_d": outer(lambda a, b: lik(a, b) * (fn(a, b) > t_d)) / z,
        "mean d": outer(lambda a, b: fn(a, b) * lik(a, b)) / z,
        "mean a": outer(lambda a, b: a * lik(a, b)) / z,
    }
    return spec, expected


@pytest.mark.parametrize("seed", range(4))
def test_derived_fact_matches_brute_force(seed: int) -> None:
    spec, expected = _derived_model(seed)
    post = Scenario.model_validate(spec).update(intervals=False)
    got = {
        "big_a": float(post.scenarios.loc[("big_a", "true"), "probability"]),
        "big_d": float(post.scenarios.loc[("big_d", "true"), "probability"]),
        "mean d": float(post.quantities.loc["d", "mean"]),
        "mean a": float(post.quantities.loc["a", "mean"]),
    }
    for key, want in expected.items():
        scale = 1.0 if key.startswith("big") else abs(want)
        assert abs(got[key] - want) <= TOL * scale, (key, got[key], want)


def test_threshold_outcome_is_the_prior_tail_without_claims() -> None:
    s = Scenario.model_validate(
        {
            "title": "wins",
            "facts": {"share": {"kind": "probability", "prior": {"between": [0.46, 0.56]}}},
            "outcomes": {"wins": {"kind": "binary", "prior": {"when": "share > 0.5"}}},
        }
    )
    want = float(_dist("probability", {"between": [0.46, 0.56]}).sf(0.5))
    got = float(s.update().scenarios.loc[("wins", "true"), "probability"])
    assert abs(got - want) < 1e-12


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"d": {"kind": "continuous", "prior": {"derived": "nope * 2"}}}, "unknown fact 'nope'"),
        (
            {
                "d": {"kind": "continuous", "prior": {"derived": "hq * 2"}},
                "hq": {"kind": "binary", "prior": {"p": 0.5}},
            },
            "'hq' is binary",
        ),
        (
            {
                "d": {"kind": "continuous", "prior": {"derived": "e + 1"}},
                "e": {"kind": "continuous", "prior": {"derived": "d - 1"}},
            },
            "cycle",
        ),
        (
            {
                "a": {"kind": "continuous", "prior": {"between": [-1, 1]}},
                "d": {"kind": "continuous", "prior": {"derived": "1 / a"}},
            },
            "which can be 0",
        ),
        (
            {
                "a": {"kind": "continuous", "prior": {"between": [1, 2]}},
                "t": {
                    "kind": "continuous",
                    "prior": {"given": ["a"], "default": {"between": [1, 2]}},
                },
            },
            "'a' is continuous: a table's parents are discrete",
        ),
        (
            {
                "h": {"kind": "binary", "prior": {"p": 0.5}},
                "t": {"kind": "binary", "prior": {"when": "h > 0.5"}},
            },
            "'h' is discrete",
        ),
        (
            {
                "a": {"kind": "continuous", "prior": {"between": [1, 2]}},
                "t": {"kind": "categorical", "prior": {"cases": {"x": "a < 1", "y": "a < 2"}}},
            },
            "the last 'otherwise'",
        ),
        (
            {"a": {"kind": "continuous", "prior": {"derived": "__import__('os')"}}},
            "cannot call '__import__'",
        ),
    ],
)
def test_bad_dependent_facts_are_refused_naming_the_field(facts: dict, message: str) -> None:
    spec = {
        "title": "bad",
        "facts": facts,
        "outcomes": {"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
    }
    with pytest.raises((ScenarioError, ValueError), match=message):
        Scenario.model_validate(spec)


# --- adaptive quadrature and quantiles ---------------------------------------------


def _far_rows() -> dict:
    """A table fact whose rows lie far apart: its nodes are laid for their mixture."""
    return {
        "title": "far rows",
        "facts": {
            "w": {"kind": "binary", "prior": {"p": 0.2}},
            "x": {
                "kind": "continuous",
                "support": [0, None],
                "prior": {
                    "given": ["w"],
                    "table": [{"when": {"w": True}, "between": [40, 42]}],
                    "default": {"between": [5, 50]},
                },
            },
        },
        "outcomes": {"o": {"kind": "binary", "prior": {"when": "x > 41.5"}}},
    }


def test_adaptive_quadrature_meets_its_tolerance_where_the_fixed_rule_does_not() -> None:
    s = Scenario.model_validate(_far_rows())
    rows = {
        "true": _dist("continuous", {"between": [40, 42]}, [0, None]),
        "false": _dist("continuous", {"between": [5, 50]}, [0, None]),
    }
    want = 0.2 * rows["true"].sf(41.5) + 0.8 * rows["false"].sf(41.5)
    fixed = s.update(intervals=False, quadrature_tolerance=None)
    adaptive = s.update(intervals=False)
    err_fixed = abs(float(fixed.scenarios.loc[("o", "true"), "probability"]) - want)
    err_adaptive = abs(float(adaptive.scenarios.loc[("o", "true"), "probability"]) - want)
    assert err_adaptive <= TOL < err_fixed
    assert adaptive.settings["quadrature_tolerance"] == 1e-8


def test_quantiles_are_accurate_to_the_tolerance() -> None:
    # a root fact with a reported number: quantiles of the posterior by scipy root finding
    spec = {
        "title": "quantiles",
        "facts": {
            "x": {"kind": "continuous", "support": [0, None], "prior": {"between": [10, 60]}}
        },
        "outcomes": {"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
        "claims": [
            {
                "id": "n",
                "text": "t",
                "reported": {"fact": "x", "value": 22, "sd": 0.15, "informative": 1},
            }
        ],
    }
    d = _dist("continuous", {"between": [10, 60]}, [0, None])

    def f(x: float) -> float:
        return float(d.pdf(x)) * _normal_pdf(math.log(22), math.log(x), 0.15)

    lo, hi = (float(v) for v in d.ppf([1e-13, 1 - 1e-13]))
    pts = [15.0, 22.0, 30.0]
    z = _integrate(f, lo, hi, pts)
    post = Scenario.model_validate(spec).update(intervals=False)
    for level, column in ((0.05, "q05"), (0.5, "median"), (0.95, "q95")):
        want = optimize.brentq(
            lambda t, level=level: _integrate(f, lo, t, pts) / z - level, 12.0, 40.0, xtol=1e-13
        )
        got = float(post.quantities.loc["x", column])
        assert abs(got - want) <= TOL * want, (column, got, want)


# --- simulate and the full engine ---------------------------------------------------


def test_simulate_draws_rows_by_parent_and_evaluates_derived_facts() -> None:
    spec, _ = _derived_model(0)
    spec["claims"] = []
    sim = simulate(Scenario.model_validate(spec), 2000, seed=3)
    w = sim.worlds
    assert np.allclose(w["d"], w["a"] * w["b"])
    assert (
        (w["big_a"] == "true")
        == (w["a"] > float(spec["outcomes"]["big_a"]["prior"]["when"].split(">")[1]))
    ).all()
    s = Scenario.model_validate(_far_rows())
    w = simulate(s, 4000, seed=4).worlds
    near = w.loc[w["w"] == "true", "x"]
    assert near.between(35, 47).all()  # drawn from the narrow row, not the mixture
    assert ((w["o"] == "true") == (w["x"] > 41.5)).all()


def test_generative_model_has_derived_and_threshold_nodes() -> None:
    pytest.importorskip("pymc")
    spec, _ = _derived_model(1)
    model = Scenario.model_validate(spec).to_pymc()
    names = set(model.named_vars)
    assert {"a", "b", "d", "big_a"} <= names
    s = Scenario.model_validate(_far_rows())
    assert "x_row" in s.to_pymc().named_vars


@pytest.mark.slow
def test_full_engine_agrees_within_four_mcse() -> None:
    spec, expected = _derived_model(0)
    post = Scenario.model_validate(spec).update(
        engine="pymc", draws=500, tune=500, chains=2, seed=5
    )
    # outcome probabilities are Rao-Blackwellised: exact given theta (none here)
    assert (
        abs(float(post.scenarios.loc[("big_a", "true"), "probability"]) - expected["big_a"]) < 1e-6
    )
    ess = float(post.diagnostics.loc["min_ess_bulk", "value"])
    for fact, key in (("d", "mean d"), ("a", "mean a")):
        row = post.quantities.loc[fact]
        mcse = float(row["sd"]) / math.sqrt(ess)
        assert abs(float(row["mean"]) - expected[key]) <= 4 * mcse, (fact, row["mean"])


def test_export_gives_a_table_fact_its_parents() -> None:
    from scenarios.engines.export import to_network

    net = to_network(Scenario.model_validate(_far_rows()), quadrature_nodes=8)
    by_name = {v.name: v for v in net.variables}
    assert by_name["x"].parents == ("w",)
    rows = np.asarray(by_name["x"].table, dtype=float).reshape(2, -1)
    assert np.allclose(rows.sum(axis=1), 1.0)


def test_a_derived_fact_over_too_large_a_grid_is_refused_naming_it(monkeypatch) -> None:
    from scenarios.engines import dependent
    from scenarios.errors import TooCostlyError

    spec, _ = _derived_model(1)
    monkeypatch.setattr(dependent, "MAX_DERIVED_TABLE", 1000)
    with pytest.raises(
        TooCostlyError, match=r"facts\.d\.prior\.derived: the value over \['a', 'b'\]"
    ):
        Scenario.model_validate(spec).update(intervals=False)


# --- thresholds on derived facts, to the tolerance (engines/crossings.py) -------------


def _cdf(dist: stats.rv_continuous, positive: bool) -> tuple:
    """Pure-float pdf and cdf of a Normal or LogNormal prior (scipy per call is slow)."""
    if positive:
        sigma = float(dist.args[0] if dist.args else dist.kwds["s"])
        mu = math.log(float(dist.kwds.get("scale", 1.0)))
    else:
        mu, sigma = float(dist.mean()), float(dist.std())

    def pdf(x: float) -> float:
        if positive:
            return _normal_pdf(math.log(x), mu, sigma) / x if x > 0 else 0.0
        return _normal_pdf(x, mu, sigma)

    def cdf(x: float) -> float:
        if positive:
            if x <= 0:
                return 0.0
            if x == math.inf:
                return 1.0
            x = math.log(x)
        return 0.5 * math.erfc(-(x - mu) / (sigma * math.sqrt(2)))

    return pdf, cdf


INF = math.inf
# expression, positive inputs, the input integrated by cdf, {d < t} as intervals of that
# input given the others (hand-derived), and where the rest has kinks
DERIVED_OPS = {
    "a + b": (False, "b", lambda v, t: [(-INF, t - v["a"])], lambda t: []),
    "a * b": (True, "b", lambda v, t: [(0.0, t / v["a"])], lambda t: []),
    "a / b": (True, "b", lambda v, t: [(v["a"] / t, INF)], lambda t: []),
    "max(a, b) - 2": (
        True,
        "b",
        lambda v, t: [(0.0, t + 2)] if v["a"] < t + 2 else [],
        lambda t: [t + 2],
    ),
    "min(a, b)": (
        False,
        "b",
        lambda v, t: [(-INF, INF)] if v["a"] < t else [(-INF, t)],
        lambda t: [t],
    ),
    "a + b - c": (False, "c", lambda v, t: [(v["a"] + v["b"] - t, INF)], lambda t: []),
    "a * b / c": (True, "c", lambda v, t: [(v["a"] * v["b"] / t, INF)], lambda t: []),
    "min(a + b, c)": (
        False,
        "a",
        lambda v, t: [(-INF, INF)] if v["c"] < t else [(-INF, t - v["b"])],
        lambda t: [t],
    ),
}


def _threshold_model(op: str, claims: str, seed: int) -> tuple[dict, dict]:
    """Random priors, a categorical threshold outcome on ``d = op``, brute-force answers.

    ``claims``: ``"prior"`` none; ``"claims"`` a proposition about the cdf-integrated
    input (a step) and a reported number about the other one (a smooth likelihood), or
    with three inputs a proposition about the last other one (a number's window of
    segments would make the table over three axes too large); ``"steps"`` propositions
    about both inputs (every input has a step: the engine's kink edges).
    """
    rng = np.random.default_rng(1000 + seed)
    positive, inner, region, kinks = DERIVED_OPS[op]
    names = sorted({"a", "b", "c"} & set(op))
    others = [n for n in names if n != inner]
    priors, dists = {}, {}
    for n in names:
        if positive:
            lo = float(rng.uniform(1, 6))
            prior = {"between": [lo, lo * float(rng.uniform(1.5, 3))]}
        else:
            lo = float(rng.uniform(-3, 3))
            prior = {"between": [lo, lo + float(rng.uniform(1, 4))]}
        priors[n] = prior
        dists[n] = _dist("continuous", prior, [0, None] if positive else None)
    pdfs = {n: _cdf(dists[n], positive) for n in names}
    # thresholds of d between its prior's 20% and 80% points
    draws = {n: dists[n].rvs(size=4000, random_state=rng) for n in names}
    d_draws = [_evaluate_op(op, {n: draws[n][i] for n in names}) for i in range(4000)]
    t1, t2 = sorted(float(v) for v in np.quantile(d_draws, rng.uniform(0.2, 0.8, 2)))
    facts = {
        n: {
            "kind": "continuous",
            "prior": priors[n],
            **({"support": [0, None]} if positive else {}),
        }
        for n in names
    }
    facts["d"] = {"kind": "continuous", "prior": {"derived": op}}
    spec = {
        "title": f"threshold on {op}",
        "facts": facts,
        "outcomes": {
            "o": {
                "kind": "categorical",
                "prior": {
                    "cases": {"low": f"d < {t1!r}", "mid": f"d < {t2!r}", "high": "otherwise"}
                },
            }
        },
        "claims": [],
    }
    first = others[-1]
    value = (
        float(dists[first].median() * rng.uniform(0.85, 1.15))
        if positive
        else float(dists[first].median() + rng.uniform(-0.5, 0.5) * dists[first].std())
    )
    sd = 0.25 if positive else float(0.7 * dists[first].std())
    t_in = float(dists[inner].ppf(rng.uniform(0.3, 0.7)))
    lik = {"if_true": float(rng.uniform(0.6, 0.95)), "if_false": float(rng.uniform(0.05, 0.4))}
    lik2 = {"if_true": float(rng.uniform(0.6, 0.95)), "if_false": float(rng.uniform(0.05, 0.4))}
    # with three inputs a proposition (an edge) rather than a number (a window of
    # segments) about the first: the table over the three axes stays small
    number = len(others) == 1 and claims == "claims"
    t_first = float(dists[first].ppf(rng.uniform(0.3, 0.7)))
    if claims != "prior":
        spec["claims"] = [
            {"id": "p1", "text": "t", "proposition": f"{inner} > {t_in!r}", "likelihood": lik},
            {"id": "p2", "text": "u", "proposition": f"{first} < {t_first!r}", "likelihood": lik2}
            if not number
            else {
                "id": "n1",
                "text": "t",
                "reported": {"fact": first, "value": value, "sd": sd, "informative": 1},
            },
        ]

    def weight(n: str, x: float) -> float:
        out = pdfs[n][0](x)
        if claims != "prior" and n == first and number:
            out *= (
                _normal_pdf(math.log(value), math.log(x), sd)
                if positive
                else _normal_pdf(value, x, sd)
            )
        elif claims != "prior" and n == first:
            out *= lik2["if_true"] if x < t_first else lik2["if_false"]
        return out

    cdf_in = pdfs[inner][1]

    def inner_mass(lo: float, hi: float) -> float:
        """The inner input's prior times its claim's likelihood over [lo, hi]."""
        if hi <= lo:
            return 0.0
        if claims == "prior":
            return cdf_in(hi) - cdf_in(lo)
        above = max(cdf_in(hi) - cdf_in(max(lo, t_in)), 0.0)
        below = max(cdf_in(min(hi, t_in)) - cdf_in(lo), 0.0)
        return lik["if_true"] * above + lik["if_false"] * below

    ranges = {n: [float(v) for v in dists[n].ppf([1e-13, 1 - 1e-13])] for n in others}
    splits = {n: [float(v) for v in dists[n].ppf([0.01, 0.5, 0.99])] for n in others}
    splits[first].append(t_first)

    def below(t: float) -> float:
        """∫ over the other inputs of their weights times the inner mass where d < t."""

        def j(v: dict) -> float:
            return sum(inner_mass(lo, hi) for lo, hi in region(v, t))

        if len(others) == 1:
            (x,) = others
            return _integrate(
                lambda u: weight(x, u) * j({x: u}), *ranges[x], [*splits[x], *kinks(t)]
            )
        x, y = others

        def outer(u: float) -> float:
            # relative 1e-10 inside (of a probability asked to 1e-8): seconds, not minutes
            return weight(x, u) * _integrate(
                lambda w: weight(y, w) * j({x: u, y: w}),
                *ranges[y],
                [*splits[y], *kinks(t)],
                epsabs=1e-12,
                epsrel=1e-9,
            )

        return _integrate(outer, *ranges[x], [*splits[x], *kinks(t)], epsabs=1e-12, epsrel=1e-10)

    # quadpack may warn of roundoff near 1e-14: far below the 1e-8 asked of the engine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        z = math.prod(
            _integrate(lambda u, n=n: weight(n, u), *ranges[n], splits[n]) for n in others
        ) * inner_mass(-INF, INF)
        g1, g2 = below(t1) / z, below(t2) / z

    def cdf(t: float) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            return below(t) / z

    return spec, {"low": g1, "mid": g2 - g1, "high": 1 - g2, "cdf": cdf}


def _evaluate_op(op: str, values: dict) -> float:
    from scenarios.spec.expressions import parse_expression

    return float(parse_expression(op).evaluate(values))


@pytest.mark.parametrize(
    ("op", "claims"),
    [(op, c) for op in DERIVED_OPS for c in ("prior", "claims")]
    + [(op, "steps") for op in ("a + b", "a * b", "a / b", "max(a, b) - 2")],
)
def test_threshold_on_a_derived_fact_matches_brute_force(op: str, claims: str) -> None:
    seed = list(DERIVED_OPS).index(op) * 3 + ("prior", "claims", "steps").index(claims)
    spec, expected = _threshold_model(op, claims, seed)
    post = Scenario.model_validate(spec).update(intervals=False)
    for state in ("low", "mid", "high"):
        got, want = float(post.scenarios.loc[("o", state), "probability"]), expected[state]
        assert abs(got - want) <= TOL, (state, got, want)


@pytest.mark.parametrize(
    ("derived", "when", "message"),
    [
        ("min(a, b) + c", "d > 1", "a min/max combined with another fact"),
        ("a + b", "d > 1 and a > 0", None),  # a plain comparison of an input: fine
        ("a + b", "d > 1 or e > 0", "two different combinations of several facts"),
    ],
)
def test_a_threshold_no_quadrature_follows_is_refused_naming_the_field(
    derived: str, when: str, message: str | None
) -> None:
    from scenarios.errors import TooCostlyError

    facts = {n: {"kind": "continuous", "prior": {"between": [-1, 1]}} for n in "abc"}
    facts["d"] = {"kind": "continuous", "prior": {"derived": derived}}
    facts["e"] = {"kind": "continuous", "prior": {"derived": "a - b"}}
    spec = {
        "title": "kinks",
        "facts": facts,
        "outcomes": {"o": {"kind": "binary", "prior": {"when": when}}},
    }
    s = Scenario.model_validate(spec)
    if message is None:  # P(a + b > 1, a > 0), a and b iid Normal
        d = _dist("continuous", {"between": [-1, 1]})
        want = integrate.quad(lambda a: d.pdf(a) * d.sf(1 - a), 0, 12, **QUAD)[0]
        got = float(s.update(intervals=False).scenarios.loc[("o", "true"), "probability"])
        assert abs(got - want) <= TOL
        return
    with pytest.raises(TooCostlyError, match=rf"outcomes\.o\.prior\.when: .*{message}"):
        s.update(intervals=False)


@pytest.mark.parametrize("op", ["a + b", "a * b", "a / b"])
def test_quantiles_of_a_derived_fact_are_accurate_to_the_tolerance(op: str) -> None:
    # accurate in probability: the brute-force CDF at each quantile is its level
    levels = {0.05: "q05", 0.5: "median", 0.95: "q95"}
    seed = list(DERIVED_OPS).index(op) * 3 + 1
    spec, expected = _threshold_model(op, "claims", seed)
    post = Scenario.model_validate(spec).update(intervals=False)
    for level, column in levels.items():
        got = float(post.quantities.loc["d", column])
        assert abs(expected["cdf"](got) - level) <= TOL, (column, got)

"""Exports round-trip: pgmpy's and pyAgrum's readers give the exact engine's marginals.

Every shipped scenario and random small networks (hypothesis) are exported with
:func:`scenarios.engines.export.to_network`, written as BIF, XMLBIF and XDSL, read back by
pgmpy (variable elimination) and pyAgrum (lazy propagation) with every ``reported_*``
node observed ``true``, and each discrete fact's and outcome's marginal compared:

- ``rates="mean"`` against the exact engine on :func:`rates_at_means` of the scenario
  (the same model with every uncertain rate fixed at its mean), to 1e-9;
- ``rates="quadrature"`` against the exact engine on the scenario itself, and on random
  networks against the brute-force oracle (rates integrated in closed form), to 1e-9.

pyAgrum's BIF reader parses numbers as float32, so its BIF round trip is held to 1e-6;
its XDSL reader lays multi-parent tables out with the first parent varying fastest
(pgmpy and GeNIe: the last), which a strict xfail records.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from scenarios import Scenario
from scenarios.engines.exact import update_exact
from scenarios.engines.export import RATES, rates_at_means, to_network
from scenarios.engines.network import Network
from scenarios.io import example, load
from scenarios.io.data import examples
from scenarios.io.networks import SUFFIXES, DiscreteNetwork, to_bif, to_xdsl, to_xmlbif
from tests.engines.oracle import brute_force
from tests.strategies import RandomNetwork, random_networks

pgmpy = pytest.importorskip("pgmpy")
gum = pytest.importorskip("pyagrum")

TOL = 1e-9
#: pyAgrum's BIF reader rounds every number to float32 (relative 6e-8).
FLOAT32_TOL = 1e-6

WRITERS = {"bif": to_bif, "xmlbif": to_xmlbif, "xdsl": to_xdsl}
Marginals = dict[str, np.ndarray]


def _exported(net: DiscreteNetwork, fmt: str, folder: Path) -> Path:
    path = folder / f"net{SUFFIXES[fmt]}"
    path.write_text(WRITERS[fmt](net), encoding="utf-8")
    return path


def pgmpy_marginals(net: DiscreteNetwork, fmt: str, names: Iterable[str]) -> Marginals:
    """P(name | every report observed true) by pgmpy, in the exported state order."""
    from pgmpy.inference import VariableElimination
    from pgmpy.readwrite import BIFReader, XDSLReader, XMLBIFReader

    with tempfile.TemporaryDirectory() as folder:
        path = _exported(net, fmt, Path(folder))
        reader = {"bif": BIFReader, "xmlbif": XMLBIFReader, "xdsl": XDSLReader}[fmt]
        model = reader(str(path)).get_model()
    states = {v.name: v.states for v in net.variables}
    out = {}
    for name in names:
        # a fresh engine per query: pgmpy keeps state between queries (recipe)
        q = VariableElimination(model).query(
            [name], evidence=net.evidence, show_progress=False, elimination_order="MinFill"
        )
        got = dict(zip(q.state_names[name], np.asarray(q.values, dtype=float), strict=True))
        out[name] = np.array([got[s] for s in states[name]])
    return out


def pyagrum_marginals(net: DiscreteNetwork, fmt: str, names: Iterable[str]) -> Marginals:
    """P(name | every report observed true) by pyAgrum, in the exported state order."""
    with tempfile.TemporaryDirectory() as folder:
        bn = gum.loadBN(str(_exported(net, fmt, Path(folder))))
    engine = gum.LazyPropagation(bn)
    engine.setEvidence(net.evidence)
    engine.makeInference()
    states = {v.name: v.states for v in net.variables}
    out = {}
    for name in names:
        labels = list(bn.variable(name).labels())
        values = np.asarray(engine.posterior(name).tolist(), dtype=float)
        out[name] = np.array([values[labels.index(s)] for s in states[name]])
    return out


def exact_marginals(s: Scenario) -> Marginals:
    post = update_exact(s, intervals=False)
    out = {}
    for frame in (post.scenarios, post.facts):
        for name in frame.index.get_level_values(0).unique():
            out[name] = frame.loc[name, "probability"].to_numpy()
    return out


def assert_same(got: Marginals, want: Marginals, tol: float, where: str) -> None:
    assert set(got) == set(want), where
    for name in want:
        np.testing.assert_allclose(
            got[name], want[name], rtol=0, atol=tol, err_msg=f"{where}: {name}"
        )


def _expected(s: Scenario, rates: str) -> Marginals:
    return exact_marginals(rates_at_means(s) if rates == "mean" else s)


# --- what the export holds ------------------------------------------------------------------


def test_rates_at_means_fixes_every_rate_at_its_mean() -> None:
    s = load(example())
    before = Network(s)
    after = Network(rates_at_means(s))
    assert before.rate_params and not after.rate_params
    for key, pair in before.sources.items():
        for old, new in zip(pair, after.sources[key], strict=True):
            assert new.fixed and new.mean == pytest.approx(old.mean, abs=1e-15), old.name


def test_every_report_is_an_observed_binary_child() -> None:
    s = load(example())
    net = to_network(s)
    reports = [v for v in net.variables if v.name.startswith("reported_")]
    evidence = [e for e in Network(s).evidence]
    assert len(reports) == len(evidence) == len(net.evidence)
    for v in reports:
        assert v.states == ("false", "true") and v.observed == "true" and v.parents
        # P(reported = true | parents) is a likelihood: within [0, 1], not a distribution
        assert np.all((v.table[..., 1] >= 0.0) & (v.table[..., 1] <= 1.0))


def test_a_fixed_rate_report_is_f_plus_w_t_minus_f() -> None:
    # a one-fact scenario, one graded claim with a hedge: the table is the written formula
    s = Scenario.model_validate(
        {
            "title": "t",
            "sources": {"wire": {"true_positive": {"mean": 0.8}, "false_positive": {"mean": 0.1}}},
            "facts": {"f": {"kind": "binary", "prior": {"p": 0.3}}},
            "outcomes": {"o": {"kind": "binary", "exhaustive": "y/n", "prior": {"p": 0.5}}},
            "claims": [
                {
                    "id": "c",
                    "text": "f",
                    "proposition": "f == true",
                    "source": "wire",
                    "hedge": "allegedly",
                }
            ],
        }
    )
    (report,) = [v for v in to_network(s).variables if v.observed]
    w = 0.5  # allegedly
    assert report.parents == ("f",)
    np.testing.assert_allclose(report.table[:, 1], [0.1, 0.1 + w * (0.8 - 0.1)], atol=1e-15)


def test_unknown_rates_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="rates: expected one of"):
        to_network(load(example()), rates="median")


# --- every shipped file ---------------------------------------------------------------------


def _tol(s: Scenario) -> float:
    """TOL, or 1e-4 for a file with a threshold on a derived fact: the engine gives each
    node a share of its weight there (a quadrature weight, slightly negative near a
    crossing), which the export clips to a table of probabilities: its answers are then
    those of the grid (Pennsylvania's pa_margin within 4e-5), not the tolerance's."""
    from scenarios.spec.priors import DerivedPrior, ThresholdPrior

    derived = {n for n, node in s.nodes.items() if isinstance(node.prior, DerivedPrior)}
    on_derived = any(
        isinstance(node.prior, ThresholdPrior) and set(node.prior.facts) & derived
        for node in s.nodes.values()
    )
    return 1e-4 if on_derived else TOL


@pytest.mark.parametrize("rates", RATES)
@pytest.mark.parametrize("name", examples())
def test_shipped_files_round_trip_through_pyagrum(name: str, rates: str) -> None:
    s = load(example(name))
    net = to_network(s, rates=rates)
    want = _expected(s, rates)
    assert_same(pyagrum_marginals(net, "xmlbif", want), want, _tol(s), f"{name} xmlbif")
    tol = max(FLOAT32_TOL, _tol(s))
    assert_same(pyagrum_marginals(net, "bif", want), want, tol, f"{name} bif")


@pytest.mark.parametrize("fmt", ["xmlbif", "xdsl"])
@pytest.mark.parametrize("name", examples())
def test_shipped_files_round_trip_through_pgmpy(name: str, fmt: str) -> None:
    s = load(example(name))
    want = _expected(s, "mean")
    assert_same(pgmpy_marginals(to_network(s), fmt, want), want, _tol(s), f"{name} {fmt}")


@pytest.mark.slow
# Pennsylvania's derived fact is a table over both inputs' quadrature nodes: its BIF
# round trip through pgmpy's text reader takes minutes, so its other formats stand in
@pytest.mark.parametrize("name", [n for n in examples() if not n.startswith("pennsylvania")])
def test_shipped_files_round_trip_through_pgmpy_bif_and_quadrature(name: str) -> None:
    # pgmpy's BIF parser takes tens of seconds on the long quadrature tables
    s = load(example(name))
    for rates in RATES:
        net = to_network(s, rates=rates)
        want = _expected(s, rates)
        for fmt in ("bif", "xmlbif", "xdsl"):
            assert_same(pgmpy_marginals(net, fmt, want), want, TOL, f"{name} {rates} {fmt}")


@pytest.mark.xfail(
    strict=True,
    reason="pyAgrum 3.3.1 reads XDSL tables with the first parent varying fastest; GeNIe "
    "and pgmpy with the last",
)
def test_pyagrum_reads_xdsl_as_genie_does() -> None:
    s = load(example())
    want = _expected(s, "mean")
    assert_same(pyagrum_marginals(to_network(s), "xdsl", want), want, TOL, "xdsl")


def test_pyagrum_reads_xdsl_of_single_parent_tables() -> None:
    # where no table has two parents, the layouts agree: the rest of the file is read right
    s = Scenario.model_validate(
        {
            "title": "chain",
            "sources": {"wire": {"grade": "B"}},
            "facts": {
                "a": {
                    "kind": "categorical",
                    "states": ["low", "mid", "high"],
                    "prior": {"probs": {"low": 0.2, "mid": 0.5, "high": 0.3}},
                },
                "b": {
                    "kind": "binary",
                    "prior": {
                        "given": ["a"],
                        "table": [
                            {"when": {"a": "low"}, "p": 0.1},
                            {"when": {"a": "mid"}, "p": 0.5},
                            {"when": {"a": "high"}, "p": 0.8},
                        ],
                    },
                },
            },
            "outcomes": {
                "o": {
                    "kind": "binary",
                    "exhaustive": "y/n",
                    "prior": {
                        "given": ["b"],
                        "table": [
                            {"when": {"b": "false"}, "p": 0.3},
                            {"when": {"b": "true"}, "p": 0.9},
                        ],
                    },
                }
            },
            "claims": [
                {"id": "c1", "text": "b", "proposition": "b == true", "source": "wire"},
                {"id": "c2", "text": "a", "proposition": "a != low", "source": "wire"},
            ],
        }
    )
    net = to_network(s)
    assert max(len(v.parents) for v in net.variables) == 1
    want = _expected(s, "mean")
    assert_same(pyagrum_marginals(net, "xdsl", want), want, TOL, "xdsl")


# --- random small networks ------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks(max_facts=4, max_claims=3))
def test_random_networks_round_trip(case: RandomNetwork) -> None:
    s = Scenario.model_validate(case.data)
    z, oracle = brute_force(case)
    assume(z > 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. a claim graded "probably true" flagged
        want_mean = exact_marginals(rates_at_means(s))
    # rates integrated: the brute-force oracle, not the engine, is the reference
    want_quad = {name: np.asarray(p, dtype=float) for name, p in oracle.items()}
    assert_same(
        pyagrum_marginals(to_network(s, rates="mean"), "xmlbif", want_mean),
        want_mean,
        TOL,
        "pyagrum mean",
    )
    quad = to_network(s, rates="quadrature")
    assert_same(pyagrum_marginals(quad, "xmlbif", want_quad), want_quad, TOL, "pyagrum quad")
    assert_same(pgmpy_marginals(quad, "xdsl", want_quad), want_quad, TOL, "pgmpy quad")


def test_fewer_quadrature_nodes_match_the_engine_run_with_as_many() -> None:
    s = load(example())
    net = to_network(s, quadrature_nodes=8)
    troops = next(v for v in net.variables if v.name == "troops")
    post = update_exact(rates_at_means(s), intervals=False, quadrature_nodes=8)
    want = {
        name: post.scenarios.loc[name, "probability"].to_numpy()
        for name in post.scenarios.index.get_level_values(0).unique()
    }
    got = pyagrum_marginals(net, "xmlbif", want)
    assert len(troops.states) < len(to_network(s).variables[0].states)
    assert_same(got, want, TOL, "8 nodes")


def test_observed_facts_and_awkward_names_round_trip() -> None:
    # observe() and state names that are not identifiers ("<5", "5-10") survive the trip
    s = Scenario.model_validate(
        {
            "title": "names",
            "sources": {"wire": {"grade": "C"}},
            "facts": {
                "size": {
                    "kind": "categorical",
                    "states": ["<5", "5-10", ">10"],
                    "prior": {"probs": {"<5": 0.5, "5-10": 0.3, ">10": 0.2}},
                },
                "b": {
                    "kind": "binary",
                    "prior": {
                        "given": ["size"],
                        "table": [
                            {"when": {"size": "<5"}, "p": 0.1},
                            {"when": {"size": "5-10"}, "p": 0.5},
                            {"when": {"size": ">10"}, "p": 0.8},
                        ],
                    },
                },
            },
            "outcomes": {
                "o": {
                    "kind": "binary",
                    "exhaustive": "y/n",
                    "prior": {
                        "given": ["b", "size"],
                        "table": [
                            {"when": {"b": b, "size": z}, "p": p}
                            for (b, z), p in zip(
                                [(b, z) for b in ("false", "true") for z in ("<5", "5-10", ">10")],
                                [0.1, 0.2, 0.3, 0.6, 0.7, 0.9],
                                strict=True,
                            )
                        ],
                    },
                }
            },
            "claims": [
                {"id": "c1", "text": "b", "proposition": "b == true", "source": "wire"},
                {
                    "id": "c2",
                    "text": "s",
                    "proposition": "size != '<5'",
                    "source": "wire",
                    "denied_by": "wire",
                },
            ],
        }
    ).observe(b=True)
    for rates in RATES:
        net = to_network(s, rates=rates)
        size = next(v for v in net.variables if v.name == "size")
        assert size.states == ("n_5", "n_5_10", "n_10")
        assert size.properties["states"] == "<5, 5-10, >10"
        want = _expected(s, rates)
        assert_same(pyagrum_marginals(net, "xmlbif", want), want, TOL, rates)
        assert_same(pgmpy_marginals(net, "xmlbif", want), want, TOL, rates)


def test_quadrature_rates_are_nodes_at_the_engines_gauss_jacobi_rule() -> None:
    from scenarios.engines.uncertain import rate_quadrature

    s = load(example())
    net = Network(s)
    exported = {v.name: v for v in to_network(s, rates="quadrature").variables}
    checked = 0
    for key, pair in net.sources.items():
        for param in pair:
            nodes, weights = rate_quadrature(param, len(net.claims_of(key)))
            if param.fixed or len(nodes) == 1:
                assert param.name not in exported  # a constant: folded into the reports
                continue
            v = exported[param.name]
            values = [float(x) for x in v.properties["values"].split(", ")]
            np.testing.assert_array_equal(values, nodes)
            np.testing.assert_allclose(v.table, weights / weights.sum(), rtol=0, atol=1e-15)
            checked += 1
    assert checked > 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks(max_facts=4, max_claims=3))
def test_random_networks_round_trip_through_pgmpy_bif(case: RandomNetwork) -> None:
    # pgmpy's BIF parser is slow (pyparsing): fewer examples
    s = Scenario.model_validate(case.data)
    z, oracle = brute_force(case)
    assume(z > 0.0)
    want = {name: np.asarray(p, dtype=float) for name, p in oracle.items()}
    got = pgmpy_marginals(to_network(s, rates="quadrature"), "bif", want)
    assert_same(got, want, TOL, "pgmpy bif quadrature")

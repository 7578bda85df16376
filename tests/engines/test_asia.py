"""The classic 'asia' network in our format against pgmpy's variable elimination.

``tests/data/asia.yaml`` was generated once from pgmpy's shipped
``utils/example_models/asia.bif.gz`` (``dysp``, a leaf, is the outcome). Here the BIF is
read again with pgmpy, so the comparison also checks the YAML.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

pgmpy = pytest.importorskip("pgmpy")

from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.readwrite import BIFReader  # noqa: E402

import scenarios  # noqa: E402
from scenarios import Scenario  # noqa: E402

ASIA_YAML = Path(__file__).parents[1] / "data" / "asia.yaml"
ASIA_BIF = Path(pgmpy.__file__).parent / "utils" / "example_models" / "asia.bif.gz"
TOL = 1e-9


@pytest.fixture(scope="module")
def bif_model():
    return BIFReader(string=gzip.decompress(ASIA_BIF.read_bytes()).decode()).get_model()


@pytest.fixture(scope="module")
def asia() -> Scenario:
    return scenarios.load(ASIA_YAML)


def test_yaml_is_the_bif(asia: Scenario, bif_model) -> None:
    assert set(asia.nodes) == set(bif_model.nodes())
    assert list(asia.outcomes) == ["dysp"]
    for cpd in bif_model.get_cpds():
        node = asia.nodes[cpd.variable]
        assert node.state_names == tuple(cpd.state_names[cpd.variable])
        assert node.parents == tuple(cpd.variables[1:])


def _posterior_table(post) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for frame in (post.facts, post.scenarios):
        for (name, state), p in frame["probability"].items():
            out.setdefault(name, {})[state] = float(p)
    return out


def _compare(got: dict[str, dict[str, float]], infer, evidence: dict, virtual=None) -> None:
    for name, probs in got.items():
        if name in evidence:
            assert probs == pytest.approx(
                {s: float(s == evidence[name]) for s in probs}, abs=TOL
            ), name
            continue
        factor = infer.query(
            [name], evidence=evidence or None, virtual_evidence=virtual, show_progress=False
        )
        expected = {s: float(factor.get_value(**{name: s})) for s in probs}
        assert probs == pytest.approx(expected, abs=TOL), name


EVIDENCE = [
    pytest.param({}, id="none"),
    pytest.param({"asia": "yes", "xray": "yes"}, id="asia+xray"),
    pytest.param({"xray": "yes"}, id="xray"),
    pytest.param({"either": "no"}, id="not-either"),
    pytest.param({"tub": "yes", "smoke": "yes", "xray": "no"}, id="tub+smoke+clear-xray"),
    pytest.param({"lung": "yes", "bronc": "no"}, id="lung-not-bronc"),
    pytest.param({"asia": "no", "smoke": "yes", "xray": "yes", "either": "yes"}, id="four"),
    pytest.param({"smoke": "no", "bronc": "yes", "tub": "no", "lung": "no"}, id="explained"),
]


@pytest.mark.parametrize("evidence", EVIDENCE)
def test_hard_evidence_matches_pgmpy(asia: Scenario, bif_model, evidence: dict) -> None:
    post = asia.observe(**evidence).update(intervals=False)
    got = _posterior_table(post)
    assert set(got) == set(bif_model.nodes())
    _compare(got, VariableElimination(bif_model), evidence)


SOFT = [
    pytest.param([("lung", "yes", 0.8, 0.1)], {}, id="lung"),
    pytest.param([("lung", "yes", 0.8, 0.1)], {"xray": "yes"}, id="lung+xray"),
    pytest.param(
        [("either", "no", 0.3, 0.9), ("smoke", "yes", 0.6, 0.2)],
        {"asia": "yes"},
        id="either+smoke+asia",
    ),
    pytest.param([("tub", "yes", 1.0, 0.05)], {"xray": "no"}, id="tub-certain-if-true"),
]


def _virtual(bif_model, var: str, state: str, if_true: float, if_false: float) -> TabularCPD:
    states = bif_model.get_cpds(var).state_names[var]
    values = [[if_true if s == state else if_false] for s in states]
    return TabularCPD(var, len(states), values, state_names={var: states})


@pytest.mark.parametrize("concentration", [None, 12.0])
@pytest.mark.parametrize(("soft", "evidence"), SOFT)
def test_soft_evidence_matches_pgmpy_virtual_evidence(
    asia: Scenario, bif_model, soft: list, evidence: dict, concentration: float | None
) -> None:
    s = asia.observe(**evidence) if evidence else asia
    virtual = []
    for i, (var, state, if_true, if_false) in enumerate(soft):
        likelihood = {"if_true": if_true, "if_false": if_false}
        if concentration is not None:
            likelihood["concentration"] = concentration  # the point answer uses the means
        s = s.with_claim(
            {
                "id": f"soft{i}",
                "text": f"{var} is {state}",
                "proposition": f'{var} == "{state}"',
                "likelihood": likelihood,
            }
        )
        virtual.append(_virtual(bif_model, var, state, if_true, if_false))
    post = s.update(intervals=False)
    # pgmpy keeps virtual evidence on the inference object: a fresh one per query
    got = _posterior_table(post)
    for name, probs in got.items():
        _compare({name: probs}, VariableElimination(bif_model), evidence, virtual)

"""Reading classic networks: ``scenarios.io.bif.from_bif`` against pgmpy's own inference.

The network is pgmpy's shipped ``asia.bif.gz``, read by our loader as plain BIF (unpacked
into a temporary folder), as gzipped BIF and as XMLBIF (written by pgmpy); every marginal,
with and without evidence, must equal pgmpy's variable elimination to 1e-9.
"""

from __future__ import annotations

import gzip
import re
import warnings
from pathlib import Path

import pytest

pgmpy = pytest.importorskip("pgmpy")

from pgmpy.inference import VariableElimination  # noqa: E402
from pgmpy.readwrite import BIFReader, XMLBIFWriter  # noqa: E402

from scenarios import Scenario, ScenarioError  # noqa: E402
from scenarios.io import bif  # noqa: E402
from scenarios.io.bif import from_bif, node_name  # noqa: E402

ASIA_GZ = Path(pgmpy.__file__).parent / "utils" / "example_models" / "asia.bif.gz"
TOL = 1e-9

SMALL = """\
network unknown {
}
variable Lung-Cancer {
  type discrete [ 2 ] { yes, no };
}
variable 2nd {
  type discrete [ 3 ] { a, b, c };
}
probability ( Lung-Cancer ) {
  table 0.3, 0.7;
}
probability ( 2nd | Lung-Cancer ) {
  (yes) 0.2, 0.3, 0.5;
  (no) 0.6, 0.3, LAST;
}
"""


@pytest.fixture(scope="module")
def asia_bif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bif") / "asia.bif"
    path.write_bytes(gzip.decompress(ASIA_GZ.read_bytes()))
    return path


@pytest.fixture(scope="module")
def model():
    return BIFReader(string=gzip.decompress(ASIA_GZ.read_bytes()).decode()).get_model()


def marginals(s: Scenario, evidence: dict[str, str]) -> dict[str, dict[str, float]]:
    post = s.observe(**evidence).update(intervals=False) if evidence else s.update(intervals=False)
    out: dict[str, dict[str, float]] = {}
    for frame in (post.facts, post.scenarios):
        for (name, state), p in frame["probability"].items():
            out.setdefault(name, {})[state] = float(p)
    return out


EVIDENCE = [
    pytest.param({}, id="none"),
    pytest.param({"asia": "yes"}, id="asia"),
    pytest.param({"smoke": "yes", "xray": "yes"}, id="smoke+xray"),
    pytest.param({"either": "no", "bronc": "yes"}, id="either+bronc"),
    pytest.param({"tub": "no", "lung": "no", "xray": "yes"}, id="explained-away"),
]


@pytest.mark.parametrize("evidence", EVIDENCE)
def test_marginals_equal_pgmpy_variable_elimination(asia_bif: Path, model, evidence) -> None:
    s = from_bif(asia_bif, outcomes=["dysp"])  # claims (observations) are about facts
    got = marginals(s, evidence)
    assert set(got) == set(model.nodes())
    infer = VariableElimination(model)
    for name, probs in got.items():
        if name in evidence:
            assert probs == pytest.approx(
                {st: float(st == evidence[name]) for st in probs}, abs=TOL
            )
            continue
        factor = infer.query([name], evidence=evidence or None, show_progress=False)
        expected = {st: float(factor.get_value(**{name: st})) for st in probs}
        assert set(probs) == set(expected)
        assert probs == pytest.approx(expected, abs=TOL), name


def test_structure_and_tables_are_the_networks(asia_bif: Path, model) -> None:
    s = from_bif(asia_bif)
    assert s.title == "asia"
    assert not s.claims
    # the leaves are the outcomes by default
    assert set(s.outcomes) == {"dysp", "xray"}
    for cpd in model.get_cpds():
        node = s.nodes[cpd.variable]
        assert node.state_names == tuple(cpd.state_names[cpd.variable])
        assert node.parents == tuple(cpd.variables[1:])
    lung = s.facts["lung"].prior
    row = next(r for r in lung.table if r.when["smoke"] == "yes")
    assert dict(row.probs) == pytest.approx({"yes": 0.1, "no": 0.9}, abs=1e-12)


def test_gzipped_and_plain_files_give_the_same_scenario(asia_bif: Path) -> None:
    gz, plain = from_bif(ASIA_GZ), from_bif(asia_bif)
    assert gz.title == plain.title == "asia"
    assert gz.description == "Bayesian network read from asia.bif.gz"
    assert gz.facts == plain.facts
    assert {n: o.prior for n, o in gz.outcomes.items()} == {
        n: o.prior for n, o in plain.outcomes.items()
    }


def test_xmlbif_gives_the_same_scenario(asia_bif: Path, model, tmp_path: Path) -> None:
    path = tmp_path / "asia.xml"
    XMLBIFWriter(model).write(str(path))
    xml = from_bif(path, outcomes=["dysp"])
    plain = from_bif(asia_bif, outcomes=["dysp"])
    assert set(xml.nodes) == set(plain.nodes)
    a, b = marginals(xml, {"asia": "yes"}), marginals(plain, {"asia": "yes"})
    assert set(a) == set(b)
    for name in a:
        assert a[name] == pytest.approx(b[name], abs=TOL), name


def test_chosen_outcomes_and_title(asia_bif: Path) -> None:
    s = from_bif(asia_bif, outcomes=["either", "xray", "dysp"], title="Chest clinic")
    assert s.title == "Chest clinic"
    assert set(s.outcomes) == {"either", "xray", "dysp"}
    assert set(s.facts) == {"asia", "tub", "smoke", "lung", "bronc"}
    assert s.outcomes["either"].exhaustive == "the states of 'either' in asia.bif"
    with pytest.raises(KeyError, match=r"no node\(s\) \['nope'\]"):
        from_bif(asia_bif, outcomes=["dysp", "nope"])
    # an outcome cannot have a fact below it: the scenario says which
    with pytest.raises(
        ScenarioError,
        match=r"facts\.either\.prior: a fact cannot depend on "
        r"outcome 'lung'",
    ):
        from_bif(asia_bif, outcomes=["lung", "dysp"])


def test_node_names_become_identifiers(tmp_path: Path) -> None:
    path = tmp_path / "small.bif"
    path.write_text(SMALL.replace("LAST", "0.1"))  # 0.6 + 0.3 + 0.1 is 1 - 1e-16: no warning
    s = from_bif(path)
    assert list(s.facts) == ["Lung_Cancer"]
    assert list(s.outcomes) == ["n_2nd"]
    assert s.outcomes["n_2nd"].parents == ("Lung_Cancer",)
    assert s.outcomes["n_2nd"].description == "node '2nd' of small.bif"
    assert [node_name(n) for n in ("asia", "Lung-Cancer", "2nd", "a b.c", "_x")] == [
        "asia",
        "Lung_Cancer",
        "n_2nd",
        "a_b_c",
        "_x",
    ]


def test_nearly_normalised_tables_are_renormalised_with_one_warning(tmp_path: Path) -> None:
    path = tmp_path / "small.bif"
    path.write_text(SMALL.replace("LAST", "0.1000005"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module="pgmpy.*")
        s = from_bif(path)
    ours = [w for w in caught if "renormalised" in str(w.message)]
    assert len(ours) == 1
    assert re.search(
        r"small\.bif: renormalised the tables of 1 node\(s\).*\(e\.g\. 2nd\)", str(ours[0].message)
    )
    row = next(r for r in s.outcomes["n_2nd"].prior.table if r.when["Lung_Cancer"] == "no")
    assert sum(row.probs.values()) == pytest.approx(1.0, abs=1e-15)


def test_a_table_that_does_not_sum_to_one_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "small.bif"
    path.write_text(SMALL.replace("LAST", "0.2"))  # the second column sums to 1.1
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="pgmpy.*")
        with pytest.raises(ValueError, match=r"a column of 2nd's table sums to 1\.1$"):
            from_bif(path)


def test_files_are_read_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ScenarioError, match="expected a regular file, got a folder"):
        from_bif(tmp_path)
    garbage = tmp_path / "garbage.bif.gz"
    garbage.write_bytes(b"not gzip at all")
    with pytest.raises(ScenarioError, match=r"(?s)garbage\.bif\.gz: .*not a gzip file"):
        from_bif(garbage)
    # a small file that unpacks to more than the limit is refused, not unpacked whole
    bomb = tmp_path / "bomb.bif.gz"
    bomb.write_bytes(gzip.compress(b" " * 100_000))
    monkeypatch.setattr(bif, "MAX_NETWORK_BYTES", 10_000)
    with pytest.raises(ScenarioError, match=r"unpacks to more than 10,000 bytes"):
        from_bif(bomb)
    big = tmp_path / "big.bif"
    big.write_bytes(b" " * 20_000)
    with pytest.raises(ScenarioError, match=r"(?s)big\.bif: .*larger than 10,000 bytes"):
        from_bif(big)

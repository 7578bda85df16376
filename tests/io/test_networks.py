"""Writing discrete networks: what readers get back, what is refused, how files are written.

A hand-made network with awkward numbers (1e-300, 0.1 + 0.2, 1/3) and a node of two
parents is written in each format and read back by pgmpy and pyAgrum: every table must
come back bit for bit (pyAgrum's BIF reader: to float32).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from scenarios.io.networks import (
    FORMATS,
    SUFFIXES,
    DiscreteNetwork,
    Variable,
    format_of,
    identifiers,
    to_bif,
    write_network,
)

A = Variable("a", ("x", "y"), (), np.array([1 / 3, 2 / 3]))
C = Variable("c", ("p", "q", "r"), (), np.array([0.1 + 0.2, 0.5, 0.2 - 1e-17]))
B = Variable(
    "b",
    ("no", "yes"),
    ("a", "c"),
    np.array(
        [[[1e-300, 1 - 1e-300], [0.2, 0.8], [0.3, 0.7]], [[0.4, 0.6], [1 / 7, 6 / 7], [1.0, 0.0]]]
    ),
    "two parents",
    {"values": "1.5, 2.5"},
)
R = Variable(
    "reported_b", ("false", "true"), ("b",), np.array([[0.9, 0.1], [0.25, 0.75]]), observed="true"
)
NET = DiscreteNetwork('awkward, "quoted" <title>', (A, C, B, R))


def _normalised(v: Variable) -> np.ndarray:
    return np.asarray(v.table, dtype=float)


def _pgmpy_tables(path: Path, fmt: str) -> dict[str, np.ndarray]:
    from pgmpy.readwrite import BIFReader, XDSLReader, XMLBIFReader

    reader = {"bif": BIFReader, "xmlbif": XMLBIFReader, "xdsl": XDSLReader}[fmt]
    model = reader(str(path)).get_model()
    out = {}
    for cpd in model.get_cpds():
        var = next(v for v in NET.variables if v.name == cpd.variable)
        # pgmpy: (own states, parent combinations); ours: (*parents, own)
        values = np.asarray(cpd.get_values(), dtype=float)
        assert list(cpd.variables[1:]) == list(var.parents)
        assert [str(s) for s in cpd.state_names[var.name]] == list(var.states)
        out[var.name] = values.T.reshape(_normalised(var).shape)
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_pgmpy_reads_every_table_bit_for_bit(fmt: str, tmp_path: Path) -> None:
    pytest.importorskip("pgmpy")
    path = write_network(NET, tmp_path / f"n{SUFFIXES[fmt]}")
    tables = _pgmpy_tables(path, fmt)
    for v in NET.variables:
        np.testing.assert_array_equal(tables[v.name], _normalised(v), err_msg=f"{fmt} {v.name}")


@pytest.mark.parametrize(("fmt", "rtol"), [("xmlbif", 0.0), ("bif", 6e-8)])
def test_pyagrum_reads_every_table(fmt: str, rtol: float, tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum")
    bn = gum.loadBN(str(write_network(NET, tmp_path / f"n{SUFFIXES[fmt]}")))
    for v in NET.variables:
        cpt = bn.cpt(v.name)
        assert list(bn.variable(v.name).labels()) == list(v.states)
        assert {cpt.variable(i).name() for i in range(1, cpt.nbrDim())} == set(v.parents)
        for combo in np.ndindex(*_normalised(v).shape):
            at = {v.name: v.states[combo[-1]]}
            for parent, i in zip(v.parents, combo[:-1], strict=True):
                at[parent] = next(u for u in NET.variables if u.name == parent).states[i]
            want = _normalised(v)[combo]
            got = cpt[at]
            if fmt == "bif" and want < 1e-38:  # below float32's smallest normal
                assert got == pytest.approx(0.0, abs=1e-38)
                continue
            assert got == pytest.approx(want, rel=rtol, abs=0.0), (fmt, v.name, combo)


def test_bif_keeps_properties_and_evidence_as_comments() -> None:
    text = to_bif(NET)
    assert "    // values = 1.5, 2.5" in text
    assert "    // observed = true" in text
    assert "property" not in text  # pyAgrum's BIF reader refuses properties
    assert text.startswith('network "awkward, _quoted_ <title>" {\n')  # quotes made safe


def test_evidence_lists_the_observed_variables() -> None:
    assert NET.evidence == {"reported_b": "true"}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ((Variable("1a", ("x", "y"), (), np.array([0.5, 0.5])),), "new identifier"),
        ((Variable("_a", ("x", "y"), (), np.array([0.5, 0.5])),), "new identifier"),
        ((A, A), "new identifier"),
        ((Variable("table", ("x", "y"), (), np.array([0.5, 0.5])),), "new identifier"),
        ((Variable("a", ("x", "x"), (), np.array([0.5, 0.5])),), "distinct identifiers"),
        ((Variable("a", ("x", "y z"), (), np.array([0.5, 0.5])),), "distinct identifiers"),
        ((Variable("b", ("x", "y"), ("a",), np.eye(2)), A), "not earlier variables"),
        ((A, Variable("b", ("x", "y"), ("a",), np.array([0.5, 0.5]))), "shape"),
        ((Variable("a", ("x", "y"), (), np.array([1.5, -0.5])),), ">= 0"),
        ((Variable("a", ("x", "y"), (), np.array([np.nan, 0.5])),), "finite"),
        ((Variable("a", ("x", "y"), (), np.array([0.5, 0.5 + 1e-8])),), "misses 1 by 1e-08"),
        ((Variable("a", ("x", "y"), (), np.array([0.5, 0.5]), observed="z"),), "observed"),
    ],
)
def test_a_malformed_network_is_refused_naming_the_variable(
    variables: tuple[Variable, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as info:
        DiscreteNetwork("n", variables)
    assert "variable" in str(info.value)


def test_identifiers_are_distinct_and_safe() -> None:
    raw = ["a b", "a_b", "a-b", "Table", "2x", "ok", "ok", "_x"]
    got = identifiers(raw)
    assert len(set(got)) == len(got)
    assert got == ["a_b", "a_b_2", "a_b_3", "Table_", "n_2x", "ok", "ok_2", "n_x"]


def test_format_of_suffixes() -> None:
    assert {s: format_of(f"x{s}") for s in SUFFIXES.values()} == {
        ".bif": "bif",
        ".bifxml": "xmlbif",
        ".xdsl": "xdsl",
    }
    assert format_of("x.xml") == "xmlbif" and format_of("x.yaml") is None


def test_write_network_never_replaces_a_file_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "mine.bif"
    path.write_text("my own notes")
    with pytest.raises(FileExistsError):
        write_network(NET, path)
    assert path.read_text() == "my own notes"
    write_network(NET, path, overwrite=True)
    assert path.read_text() == to_bif(NET)
    assert sorted(os.listdir(tmp_path)) == ["mine.bif"]  # no temporary left behind


def test_write_network_needs_a_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot tell the format"):
        write_network(NET, tmp_path / "net.txt")
    with pytest.raises(ValueError, match="unknown format 'dsl'"):
        write_network(NET, tmp_path / "net.bif", "dsl")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_readers_accept_any_text_in_titles_and_descriptions(fmt: str, tmp_path: Path) -> None:
    gum = pytest.importorskip("pyagrum")
    from pgmpy.readwrite import BIFReader, XDSLReader, XMLBIFReader

    odd = Variable(
        "a", ("x", "y"), (), np.array([0.25, 0.75]), "café – “quoted” <b> & ;}", {"values": "é; }"}
    )
    net = DiscreteNetwork('Évian "x" & <y> {z}', (odd,))
    path = write_network(net, tmp_path / f"n{SUFFIXES[fmt]}")
    reader = {"bif": BIFReader, "xmlbif": XMLBIFReader, "xdsl": XDSLReader}[fmt]
    assert reader(str(path)).get_model().get_cpds("a").get_values().ravel().tolist() == [0.25, 0.75]
    assert gum.loadBN(str(path)).cpt("a").tolist() == [0.25, 0.75]

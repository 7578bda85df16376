"""Planning: grid keys checked against every file, the cartesian product, variant ids."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

import scenarios
from scenarios import sweeps
from scenarios.spec.overrides import OverrideError, apply_overrides, check_override
from scenarios.sweeps import GridError, Variant
from scenarios.sweeps.plan import read_priors

from .helpers import WAGNER


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"army_strike.p": [0.1]}, "army_strike.p: no fact or outcome 'army_strike'; known:"),
        ({"army_strikes.q": [0.1]}, "army_strikes.q: Probabilities has no field 'q'"),
        ({"troops.between": [20, 40]}, "troops.between: the file's value is a list"),
        (
            {"troops.between.2": [1]},
            "troops.between.2: 'between.2' is not an item of a list of 2 (use an index 0-1)",
        ),
        ({"troops.between.x": [1]}, "'between.x' is not an item of a list of 2"),
        ({"army_strikes.p.x": [1]}, "army_strikes.p.x: 'p' is a number, with no fields"),
        ({"mutiny_end.logit.nope.x": [1]}, "the prior has no field 'logit'"),
        ({"army_strikes": [0.3]}, "army_strikes: a whole prior is an object"),
        ({"army_strikes.p": ["high"]}, "the file's value is a number (0.3), got text"),
        ({"army strikes": [0.3]}, "'army strikes': expected NODE or NODE.FIELD"),
        ({"army_strikes.p": []}, "army_strikes.p: no values"),
        ({"army_strikes.p": [float("nan")]}, "army_strikes.p: expected a finite number"),
    ],
)
def test_plan_refuses_bad_keys_naming_them(grid: dict, message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)) as info:
        sweeps.plan(WAGNER, grid)
    # the override module's errors reach the caller as the sweep's: one header, exit code 2
    assert type(info.value) is GridError
    assert str(info.value).startswith("sweep grid: 1 problem")


def test_plan_lists_every_problem_at_once_with_the_file() -> None:
    with pytest.raises(GridError) as info:
        sweeps.plan(WAGNER, {"nope.p": [0.1], "army_strikes.p": [0.2], "troops.x": [1]})
    assert len(info.value.problems) == 2
    text = str(info.value)
    assert "wagner-2023-06-23.yaml: nope.p" in text
    assert "wagner-2023-06-23.yaml: troops.x" in text


def test_plan_refuses_bad_options() -> None:
    with pytest.raises(GridError, match="engine: expected one of"):
        sweeps.plan(WAGNER, engine="magic")
    with pytest.raises(GridError, match="seeds: expected integers"):
        sweeps.plan(WAGNER, seeds="1.5")
    with pytest.raises(GridError, match="seeds: expected integers"):
        sweeps.plan(WAGNER, seeds=[-1])
    with pytest.raises(GridError, match="draws: expected a positive integer"):
        sweeps.plan(WAGNER, draws=0)
    with pytest.raises(scenarios.ScenarioError, match=r"no/such\.yaml") as info:
        sweeps.plan("no/such.yaml")
    assert not isinstance(info.value, GridError)  # a missing file is not a grid problem


def test_plan_reads_files_with_the_bounded_reader(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 5_000_001)
    with pytest.raises(scenarios.ScenarioError, match="larger than 5,000,000 bytes"):
        sweeps.plan(big)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(WAGNER.read_bytes() + "# caf\xe9\n".encode("latin-1"))
    with pytest.raises(scenarios.ScenarioError, match="expected UTF-8 text"):
        sweeps.plan(latin)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(scenarios.ScenarioError, match=r"a folder with no \.yaml scenario files"):
        sweeps.plan(empty)


def test_plan_is_the_cartesian_product_for_every_file_and_seed(tmp_path: Path) -> None:
    other = tmp_path / "member.yaml"
    other.write_bytes(WAGNER.read_bytes().replace(b"p: 0.3\n", b"p: 0.4\n", 1))
    variants = sweeps.plan(
        [WAGNER, other],
        {"army_strikes.p": "0.1:0.3:3", "troops.between": [[20, 40], [25, 50]]},
        seeds=[1, 2],
    )
    assert len(variants) == 2 * 3 * 2 * 2
    assert [v.priors for v in variants[:12]] == [str(WAGNER.resolve())] * 12
    first = variants[0]
    assert dict(first.overrides) == {"army_strikes.p": 0.1, "troops.between": (20, 40)}
    assert [v.seed for v in variants[:4]] == [1, 2, 1, 2]
    assert variants[0].priors_sha256 != variants[-1].priors_sha256
    # the file's own seed by default; a folder stands for its YAML files
    assert {v.seed for v in sweeps.plan(WAGNER)} == {scenarios.load(WAGNER).seed}
    assert len(sweeps.plan(tmp_path)) == 1
    # the same file twice is one variant
    assert len(sweeps.plan([WAGNER, WAGNER])) == 1
    # one seed as an int
    assert [v.seed for v in sweeps.plan(WAGNER, seeds=9)] == [9]


def test_variant_id_is_the_sha256_of_its_canonical_json() -> None:
    (v,) = sweeps.plan(WAGNER, {"army_strikes.p": [0.2], "troops.between.0": [20]}, seeds=[7])
    expected = {
        "draws": None,
        "engine": "exact",
        "overrides": {"army_strikes.p": 0.2, "troops.between.0": 20},
        "priors": str(WAGNER.resolve()),
        "priors_sha256": hashlib.sha256(WAGNER.read_bytes()).hexdigest(),
        "seed": 7,
    }
    text = json.dumps(expected, sort_keys=True, separators=(",", ":"))
    assert v.variant_id == hashlib.sha256(text.encode()).hexdigest()
    same = Variant(
        v.priors, v.priors_sha256, {"troops.between.0": 20, "army_strikes.p": 0.2}, seed=7
    )
    assert same == v and same.variant_id == v.variant_id and hash(same) == hash(v)
    assert Variant.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    assert Variant(v.priors, v.priors_sha256, dict(v.overrides), seed=8).variant_id != v.variant_id
    with pytest.raises(GridError, match="seed: expected an integer"):
        Variant(v.priors, v.priors_sha256, seed=-1)
    with pytest.raises(GridError, match="priors_sha256: expected 64 hex digits"):
        Variant(v.priors, "abc")
    with pytest.raises(AttributeError):  # frozen
        v.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        v.overrides["army_strikes.p"] = 0.9  # type: ignore[index]


def test_a_variant_lists_every_bad_field_as_a_grid_error() -> None:
    sha = "0" * 64
    with pytest.raises(GridError) as info:
        Variant("", sha, {"army strikes": 1, "x.p": float("inf")}, engine="magic", draws=0)
    text = str(info.value)
    assert text.startswith("sweep grid: 5 problems")
    for part in (
        "priors: expected a file path",
        "engine: expected one of",
        "draws: expected a positive integer",
        "'army strikes': expected NODE or NODE.FIELD",
        "x.p: expected a finite number, got inf",
    ):
        assert part in text
    with pytest.raises(GridError, match="overrides: expected a mapping"):
        Variant("/w.yaml", sha, [("x.p", 1)])  # type: ignore[arg-type]


def test_read_priors_checks_the_planned_sha256(tmp_path: Path) -> None:
    priors = tmp_path / "w.yaml"
    priors.write_bytes(WAGNER.read_bytes())
    (v,) = sweeps.plan(priors)
    assert read_priors(v) == WAGNER.read_bytes()
    priors.write_bytes(WAGNER.read_bytes() + b"\n")
    with pytest.raises(scenarios.ScenarioError, match="has changed since the sweep was planned"):
        read_priors(v)
    priors.unlink()
    with pytest.raises(scenarios.ScenarioError, match="cannot read the file") as info:
        read_priors(v)
    assert info.value.file == str(priors)


# --- check_override and apply_overrides, as the sweep uses them ----------------------------


@pytest.fixture(scope="module")
def wagner() -> scenarios.Scenario:
    return scenarios.load(WAGNER)


@pytest.mark.parametrize(
    ("key", "values", "message"),
    [
        # unknown node
        ("army_strike.p", [0.1], "army_strike.p: no fact or outcome 'army_strike'; known: troops"),
        # unknown field, on a node and deeper in a prior
        ("army_strikes.q", [0.1], "army_strikes.q: Probabilities has no field 'q'; its fields"),
        ("mutiny_end.logit.nope.x", [1], "the prior has no field 'logit'; it has"),
        # an index out of range, or not an index
        ("troops.between.2", [1], "'between.2' is not an item of a list of 2 (use an index 0-1)"),
        ("troops.between.-1", [1], "'between.-1' is not an item of a list of 2"),
        # wrong kind: the file's value is a number, a list, or the whole prior an object
        ("army_strikes.p", [0.2, "high"], "the file's value is a number (0.3), got text"),
        ("army_strikes.p", [[0.2]], "the file's value is a number (0.3), got list"),
        ("troops.between", [20], "the file's value is a list ([8.0, 60.0]), got number"),
        ("troops.between", [20], "or change one item as troops.between.0"),
        ("army_strikes", [0.3], 'a whole prior is an object such as {"p": 0.3}, got 0.3'),
        # a field of a number
        ("army_strikes.p.x", [1], "army_strikes.p.x: 'p' is a number, with no fields"),
        # not a key at all
        ("army strikes", [1], "'army strikes': expected NODE or NODE.FIELD"),
    ],
)
def test_check_override_names_the_key_and_what_is_wrong(
    wagner: scenarios.Scenario, key: str, values: list, message: str
) -> None:
    with pytest.raises(OverrideError, match=re.escape(message)) as info:
        check_override(wagner, key, values)
    assert type(info.value) is OverrideError  # the spec's error; plan() makes it a GridError
    assert str(info.value).startswith("overrides: 1 problem")


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("army_strikes.p", [0.2, 0.9]),
        ("army_strikes.p", [None]),  # null removes a field: any kind
        ("army_strikes.concentration", [2, 8]),
        ("troops.between", [[20, 40], (25, 50)]),
        ("troops.between.0", [20]),
        ("army_strikes", [{"p": 0.5}]),
        ("army_strikes.p", []),  # the key alone
    ],
)
def test_check_override_accepts_what_the_file_has(
    wagner: scenarios.Scenario, key: str, values: list
) -> None:
    check_override(wagner, key, values)  # raises nothing
    if values:
        assert sweeps.plan(WAGNER, {key: values})  # and the plan takes it


def test_apply_overrides_keeps_other_fields_and_null_removes_one(
    wagner: scenarios.Scenario,
) -> None:
    s2, priors = apply_overrides(
        wagner, {"army_strikes.concentration": None, "troops.between.1": 60}
    )
    low, high = wagner.facts["troops"].prior.between  # the file's range
    assert priors == {"army_strikes": {"p": 0.3}, "troops": {"between": [low, 60], "mass": 0.9}}
    assert s2.facts["army_strikes"].prior.concentration is None
    assert s2.facts["troops"].prior.between == (low, 60.0)
    assert wagner.facts["troops"].prior.between == (low, high)  # the original is untouched
    # a node's object is merged first (the file's concentration kept), then its fields
    _, priors = apply_overrides(wagner, {"army_strikes.p": 0.9, "army_strikes": {"p": 0.1}})
    concentration = wagner.facts["army_strikes"].prior.concentration
    assert concentration is not None
    assert priors == {"army_strikes": {"p": 0.9, "concentration": concentration}}


def test_a_variant_scenario_is_the_file_with_its_overrides() -> None:
    (v,) = sweeps.plan(WAGNER, {"army_strikes.p": [0.6], "troops.between.1": [70]})
    s = v.scenario()
    low = scenarios.load(WAGNER).facts["troops"].prior.between[0]  # kept from the file
    assert s.facts["army_strikes"].prior.p == 0.6
    assert s.facts["troops"].prior.between == (low, 70.0)
    (bad,) = sweeps.plan(WAGNER, {"army_strikes.p": [1.5]})
    with pytest.raises(scenarios.ScenarioError, match=r"facts\.army_strikes\.prior\.p") as info:
        bad.scenario()
    assert "wagner-2023-06-23.yaml with overrides" in str(info.value)


def test_a_plan_is_lazy_exact_and_in_order() -> None:
    grid = {"army_strikes.p": [0.2, 0.4, 0.2, 0.6], "troops.between.0": [20, 25]}
    p = sweeps.plan(WAGNER, grid, seeds=[1, 2, 3])
    assert isinstance(p, sweeps.Plan)
    listed = list(p)
    assert len(p) == len(listed) == 3 * 2 * 3  # the repeated 0.2 counts once
    assert len({v.variant_id for v in listed}) == len(listed)
    assert [p[i] for i in range(len(p))] == listed
    assert p[-1] == listed[-1] and p[2:5] == listed[2:5]
    assert [
        (v.overrides["army_strikes.p"], v.overrides["troops.between.0"], v.seed) for v in listed[:4]
    ] == [(0.2, 20, 1), (0.2, 20, 2), (0.2, 20, 3), (0.2, 25, 1)]
    with pytest.raises(IndexError, match="the plan has 18 variants"):
        p[18]
    with pytest.raises(TypeError, match="plan indices must be integers"):
        p["0"]  # type: ignore[index]
    again = sweeps.Plan.from_dict(json.loads(json.dumps(p.to_dict())))
    assert list(again) == listed
    assert "18 variants" in repr(p)


def test_the_limit_is_checked_from_the_sizes_before_reading_files(tmp_path: Path) -> None:
    from scenarios.sweeps.plan import MAX_VARIANTS, count_variants

    assert MAX_VARIANTS == 100_000
    assert count_variants(3, [10, 20], 2) == 1200
    missing = tmp_path / "missing.yaml"
    grid = {"army_strikes.p": "0:1:1000", "troops.between.0": "1:30:1000"}
    with pytest.raises(GridError, match=r"1,000,000 variants .* limit of 100,000"):
        sweeps.plan(missing, grid)  # refused before the missing file is even opened
    (tmp_path / "copy.yaml").write_bytes(WAGNER.read_bytes())
    with pytest.raises(GridError, match=r"the plan has 6 variants \(2 files x 3 values x 1 seed"):
        sweeps.plan([WAGNER, tmp_path], {"army_strikes.p": [0.1, 0.2, 0.3]}, max_variants=5)
    assert len(sweeps.plan([WAGNER, tmp_path], {"army_strikes.p": [0.1, 0.2]}, max_variants=4)) == 4

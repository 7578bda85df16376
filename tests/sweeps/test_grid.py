"""The grid language: values from text and Python, grids from options and files, seeds."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from scenarios import sweeps
from scenarios.errors import ScenarioError
from scenarios.spec.overrides import OverrideError
from scenarios.sweeps import GridError
from scenarios.sweeps.grid import MAX_VALUES, grid_values, plain

from .helpers import WAGNER


def test_parse_values_ranges_lists_and_json() -> None:
    assert sweeps.parse_values("0.05:0.95:5") == [0.05, 0.275, 0.5, 0.725, 0.95]
    assert sweeps.parse_values("0.1:0.3:3") == [0.1, 0.2, 0.3]  # not 0.30000000000000004
    assert sweeps.parse_values("2:2:1") == [2.0]
    assert sweeps.parse_values("0.1, 0.2,true,null,Normal") == [0.1, 0.2, True, None, "Normal"]
    assert sweeps.parse_values("[[20, 40], [25, 50]]") == [[20, 40], [25, 50]]
    assert len(sweeps.parse_values("0:1:40")) == 40
    assert sweeps.parse_seeds("1:4:4") == [1, 2, 3, 4]
    assert sweeps.parse_seeds("3,1,3") == [3, 1]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("-1:1e0:3", [-1.0, 0.0, 1.0]),  # signs and exponents
        ("1:0:3", [1.0, 0.5, 0.0]),  # downwards
        (" 0 : 1 : 2 ", [0.0, 1.0]),  # spaces around the parts
        (".5:1.5:2", [0.5, 1.5]),  # no leading zero
        ("0:1", ["0:1"]),  # two parts is not a range: one text value
        ('"0.3"', ["0.3"]),  # JSON text stays text
        ('[{"p": 0.3}, {"p": 0.4}]', [{"p": 0.3}, {"p": 0.4}]),  # whole priors
        ("Normal", ["Normal"]),
        ("-0.5", [-0.5]),
    ],
)
def test_parse_values_language(text: str, values: list) -> None:
    assert sweeps.parse_values(text) == values


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no values"),
        ("   ", "no values"),
        (f"0:1:{MAX_VALUES + 1}", f"COUNT must be between 1 and {MAX_VALUES}"),
        ("[]", "expected a non-empty JSON array"),
        ("[0.1, ", "starts with '[' but is not a JSON array"),
        (",0.1", "empty value between commas"),
    ],
)
def test_parse_values_errors_name_the_entry(text: str, message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)) as info:
        sweeps.parse_values(text, name="army_strikes.p")
    assert all(str(p).startswith("army_strikes.p") for p in info.value.problems)


def test_grid_values_from_python() -> None:
    assert grid_values("k", range(20, 31, 5)) == [20, 25, 30]
    assert grid_values("k", np.array([0.1, 0.2])) == [0.1, 0.2]
    assert grid_values("k", (0.1, 0.2)) == [0.1, 0.2]
    assert grid_values("k", 0.3) == [0.3]  # a single value
    assert grid_values("k", {"p": 0.3}) == [{"p": 0.3}]  # a single whole prior
    assert grid_values("k", "0.1:0.3:3") == [0.1, 0.2, 0.3]
    values = grid_values("k", [np.float64(0.5), (np.int64(20), 40)])
    assert values == [0.5, [20, 40]]
    assert [type(v) for v in values] == [float, list]  # plain Python, not numpy
    assert type(values[1][0]) is int


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "k: no values"),
        (np.array([]), "k: no values"),
        ([float("nan")], "k: expected a finite number, got nan"),
        ([np.float64("inf")], "k: expected a finite number, got inf"),
        ([{1: 0.3}], "k: keys must be text, got 1"),
        ([{"p": float("nan")}], "k.p: expected a finite number"),
        ([{0.3}], "k: expected numbers, text, lists or objects, got set"),
    ],
)
def test_grid_values_refuse_what_is_not_plain_data(values: object, message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)):
        grid_values("k", values)


def test_plain_keeps_json_data() -> None:
    data = {"p": 0.3, "between": [20, 40], "note": None, "on": True, "kind": "Normal"}
    assert plain(data, "k") == data
    assert plain(np.bool_(True), "k") is True


def test_parse_grid_and_grid_file(tmp_path: Path) -> None:
    grid = sweeps.parse_grid(["army_strikes.p=0.2,0.4", "troops.between=[[20, 40], [25, 50]]"])
    assert grid == {"army_strikes.p": [0.2, 0.4], "troops.between": [[20, 40], [25, 50]]}
    f = tmp_path / "grid.yaml"
    f.write_text("army_strikes.p: '0.1:0.3:3'\ntroops.between.0: [20, 25]\n")
    assert sweeps.parse_grid(["elite_cohesion.concentration=4,16"], file=f) == {
        "army_strikes.p": [0.1, 0.2, 0.3],
        "troops.between.0": [20, 25],
        "elite_cohesion.concentration": [4, 16],
    }
    as_json = tmp_path / "grid.json"
    as_json.write_text('{"army_strikes.p": [0.2, 0.4], "army_strikes.concentration": 8}')
    assert sweeps.parse_grid(file=as_json) == {
        "army_strikes.p": [0.2, 0.4],
        "army_strikes.concentration": [8],
    }
    assert sweeps.parse_grid("army_strikes.p=0.1") == {"army_strikes.p": [0.1]}  # one text
    assert sweeps.parse_grid() == {}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["army_strikes.p"], "expected NAME=VALUES"),
        (["=0.1"], "expected NAME=VALUES"),
        (["army_strikes.p="], "army_strikes.p: no values"),
        (["army_strikes.p=0:1:0"], "COUNT must be between 1"),
        (["army_strikes.p=[0.1,"], "not a JSON array"),
        (["army_strikes.p=0.1,,0.2"], "empty value between commas"),
        (["army_strikes.p=0.1", "army_strikes.p=0.2"], "army_strikes.p: given more than once"),
    ],
)
def test_parse_grid_errors_name_the_entry(items: list[str], message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)):
        sweeps.parse_grid(items)


def test_parse_grid_lists_every_problem_at_once() -> None:
    with pytest.raises(GridError) as info:
        sweeps.parse_grid(["army_strikes.p", "troops.between.0=", "army_loyalty.concentration=8"])
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("sweep grid: 2 problems")


def test_grid_file_errors(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text("army_strikes.p: [0.1]\narmy_strikes.p: [0.2]\n")
    with pytest.raises(GridError, match="duplicate key"):
        sweeps.parse_grid(file=dup)
    seq = tmp_path / "seq.yaml"
    seq.write_text("- 0.1\n")
    with pytest.raises(GridError, match="expected a mapping of grid name to values"):
        sweeps.parse_grid(file=seq)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(GridError, match="expected a mapping of grid name to values"):
        sweeps.parse_grid(file=empty)
    numbers = tmp_path / "numbers.yaml"
    numbers.write_text("1: [0.1]\n")
    with pytest.raises(GridError, match="grid names must be text, got 1"):
        sweeps.parse_grid(file=numbers)
    # the file's reader names the file (it was "cannot read the grid file" before io.files)
    missing = tmp_path / "missing.yaml"
    with pytest.raises(GridError, match="cannot read the file") as info:
        sweeps.parse_grid(file=missing)
    assert info.value.file == str(missing)
    # a bad entry of the file names the file and the entry
    bad = tmp_path / "bad.yaml"
    bad.write_text("army_strikes.p: []\n")
    with pytest.raises(GridError, match=re.escape(f"{bad}: army_strikes.p: no values")):
        sweeps.parse_grid(file=bad)


def test_a_grid_file_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "grid.fifo"
    os.mkfifo(fifo)
    with pytest.raises(GridError, match="expected a regular file, got a FIFO"):
        sweeps.parse_grid(file=fifo)


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ("1.5", "got 1.5"),
        ([-1], "got -1"),
        ([2**32], f"got {2**32}"),
        ([True], "got True"),
        ("x", "got 'x'"),
        ([float("nan")], "got nan"),
        ([], "got 'none'"),
    ],
)
def test_parse_seeds_refuses_what_is_not_a_seed(seeds: object, message: str) -> None:
    with pytest.raises(
        GridError, match=re.escape(f"seeds: expected integers 0 <= seed < 2**32, {message}")
    ):
        sweeps.parse_seeds(seeds)  # type: ignore[arg-type]


def test_parse_seeds_accepts_integers_in_every_form() -> None:
    assert sweeps.parse_seeds("0:9:10") == list(range(10))
    assert sweeps.parse_seeds("[7, 2]") == [7, 2]
    assert sweeps.parse_seeds([4.0, np.int64(5)]) == [4, 5]
    assert sweeps.parse_seeds([2**32 - 1]) == [2**32 - 1]


def test_grid_errors_are_override_and_scenario_errors() -> None:
    with pytest.raises(GridError) as info:
        sweeps.parse_grid(["nope"])
    assert isinstance(info.value, OverrideError) and isinstance(info.value, ScenarioError)
    assert info.value.messages[0].startswith("--grid 'nope': expected NAME=VALUES")


def test_a_text_value_for_a_number_is_refused_by_the_plan() -> None:
    # "0:1" is not a range (two parts): it is text, and the file's p is a number
    with pytest.raises(GridError, match=re.escape("the file's value is a number (0.3), got text")):
        sweeps.plan(WAGNER, sweeps.parse_grid(["army_strikes.p=0:1"]))

"""Update options, checked once for every engine before any engine runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios.errors import OptionError
from scenarios.spec.registry import MAX_DRAWS, OPTIONS, check_options, unknown_option


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("seed", [None, 0, 2**32 - 1, np.uint32(7)], [-1, 2**32, "abc", 1.0, True]),
        ("draws", [1, MAX_DRAWS, np.int64(50)], [0, -3, MAX_DRAWS + 1, 2.5, "10", False]),
        ("tune", [0, 500], [-1, 0.5]),
        ("chains", [1, 4], [0, None]),
        ("cores", [None, 1], [0, "2"]),
        ("quadrature_nodes", [1, 24], [0, -2, "many", 24.0]),
        ("interval", [0.5, 0.9, np.float32(0.8), 1e-9], [0, 1, 1.5, -1, math.nan, math.inf, "0.9"]),
        ("target_accept", [0.8], [1.0, 0.0]),
        ("intervals", [True, False], [1, "yes", None]),
        ("progressbar", [False], [0]),
        ("sampler", ["nutpie", "pymc"], ["stan", 1]),
    ],
)
def test_each_option_takes_its_values_and_names_itself_when_refusing(
    name: str, good: list, bad: list
) -> None:
    assert name in OPTIONS
    for value in good:
        checked = check_options({name: value})[name]
        assert checked == value or (value is None and checked is None)
        assert type(checked) in (int, float, bool, str, type(None))
    for value in bad:
        with pytest.raises(OptionError) as caught:
            check_options({name: value})
        assert caught.value.problems[0].path == (name,)
        assert "expected" in caught.value.problems[0].message


def test_every_bad_option_is_listed_at_once_and_others_pass_through() -> None:
    with pytest.raises(OptionError) as caught:
        check_options({"draws": 0, "seed": "x", "interval": 0.9, "new_engine_option": object()})
    assert [p.path for p in caught.value.problems] == [("draws",), ("seed",)]
    marker = object()
    assert check_options({"new_engine_option": marker})["new_engine_option"] is marker


def test_an_engines_unexpected_keyword_becomes_a_located_error() -> None:
    err = TypeError("update_pymc() got an unexpected keyword argument 'quadrature_nodes'")
    located = unknown_option(err, "pymc", {"quadrature_nodes": 8})
    assert located is not None
    assert located.messages == ("quadrature_nodes: unknown option of the 'pymc' engine",)
    # a TypeError about something else, or about a name not given, is left alone
    assert unknown_option(TypeError("unsupported operand"), "exact", {"x": 1}) is None
    assert unknown_option(err, "pymc", {"draws": 8}) is None

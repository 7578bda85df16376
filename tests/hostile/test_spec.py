"""Hostile scenario files for the format (issue 14, items 4, 10 and 15).

Every file in ``corpus/spec/`` states its expected outcome on its first line:

- ``# expect: finite``: valid; ``update`` with intervals gives finite probabilities
  and intervals in [0, 1], and no failed finiteness diagnostic;
- ``# expect: refused WHERE``: a located :class:`ScenarioError` whose problems name
  ``WHERE`` (a field path, or ``line N`` for a YAML error);
- ``# expect: states F,...``: valid, and fact ``f`` keeps exactly these state names.

A property test then mutates the shipped examples' numbers to extremes (1e-300, 1e300,
5,000-digit integers, 0, tiny concentrations) with intervals on: every outcome is a
located error from validation or a finite posterior.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scenarios
from scenarios.errors import (
    ImpossibleEvidenceError,
    PriorDataConflictWarning,
    SamplingWarning,
    ScenarioError,
    TooCostlyError,
)
from scenarios.io import from_dict, load, loads
from scenarios.io.yamlfile import dump_yaml, read_yaml
from tests.conftest import tally

CORPUS = Path(__file__).parent / "corpus" / "spec"
FILES = sorted(CORPUS.glob("*.yaml"))
DRAWS = 400


def expectation(path: Path) -> tuple[str, str]:
    """The ``# expect: KIND REST`` line of a corpus file."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} states no expected outcome"
    kind, _, rest = first.removeprefix("# expect: ").partition(" ")
    return kind, rest


def check_finite(post: scenarios.Posterior) -> None:
    """Finite numbers in [0, 1], ordered intervals, no failed finiteness check."""
    for frame in (post.scenarios, post.facts, post.prior_scenarios, post.prior_facts):
        values = frame[["probability", "lower", "upper"]].to_numpy()
        assert np.isfinite(values).all(), frame
        assert (values >= 0).all() and (values <= 1 + 1e-12).all(), frame
        # (the mean of a two-humped g need not lie inside its equal-tailed interval)
        assert (frame["lower"] <= frame["upper"]).all(), frame
        sums = frame["probability"].groupby(level=0).sum()
        np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    assert not {"non_finite_values", "non_finite_draws"} & set(post.diagnostics.index)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_file_has_its_expected_outcome(path: Path) -> None:
    kind, rest = expectation(path)
    if kind == "refused":
        with pytest.raises(ScenarioError) as info:
            load(path)
        assert info.value.file == str(path)
        where = [".".join(map(str, p.path)) for p in info.value.problems]
        assert any(w.startswith(rest) for w in where), (where, str(info.value))
        tally("spec corpus (items 4, 10, 15)", 1, {"refused, located": 1})
        return
    scenario = load(path)
    if kind == "states":
        assert scenario.facts["f"].state_names == tuple(rest.split(","))
        # and they survive a save and a load
        assert loads(scenarios.dumps(scenario)).facts["f"].state_names == tuple(rest.split(","))
        tally("spec corpus (items 4, 10, 15)", 1, {"names kept": 1})
        return
    assert kind == "finite", kind
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)
        post = scenario.update(draws=DRAWS)
    check_finite(post)
    tally("spec corpus (items 4, 10, 15)", 1, {"finite posterior": 1})


def test_every_corpus_file_states_an_outcome() -> None:
    kinds = Counter(expectation(p)[0] for p in FILES)
    assert set(kinds) == {"finite", "refused", "states"}, kinds
    assert len(FILES) >= 25


# --- the shipped examples, numbers mutated to extremes, intervals on ---------------------

EXAMPLES = {name: read_yaml(scenarios.example(name)) for name in scenarios.examples()}
EXTREMES: list[Any] = [
    1e-300, 1e300, -1e300, 10**5000, 10**400, 0, 0.0, -0.0, 1, 1e-9, 1e-12, 1e-4, 1e-3,
    2e-9, 1e12, 1 - 1e-12, 5e-324, 2.2e-308, -1e-300, 0.999999999999, 4300,
]  # fmt: skip


def numeric_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every number in a document (booleans excluded)."""
    if isinstance(node, dict):
        return [q for k, v in node.items() for q in numeric_paths(v, (*path, k))]
    if isinstance(node, list):
        return [q for i, v in enumerate(node) for q in numeric_paths(v, (*path, i))]
    if isinstance(node, int | float) and not isinstance(node, bool):
        return [path]
    return []


PATHS = {name: numeric_paths(doc) for name, doc in EXAMPLES.items()}
SCALES = ("concentration", "mass", "sd", "p", "mean", "between", "quantiles", "weight")


def mutated(name: str, changes: list[tuple[int, Any]]) -> dict[str, Any]:
    """A copy of an example with numbers replaced: (index into its numeric paths, value)."""
    doc = copy.deepcopy(EXAMPLES[name])
    for index, value in changes:
        path = PATHS[name][index % len(PATHS[name])]
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return doc


def outcome(doc: dict[str, Any]) -> str:
    """Validate then update with intervals; anything but a located error or a finite
    posterior fails the test."""
    try:
        scenario = from_dict(doc)
    except ScenarioError as exc:
        assert exc.problems and all(p.message and p.path for p in exc.problems), str(exc)
        return "refused, located"
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("ignore", SamplingWarning)
            warnings.simplefilter("always", PriorDataConflictWarning)
            post = scenario.update(draws=200)
    except ImpossibleEvidenceError as exc:
        assert exc.claims, str(exc)
        return "impossible evidence, named"
    except TooCostlyError as exc:
        assert "engine='pymc'" in str(exc)
        return "too costly, refused with the estimate"
    check_finite(post)
    if any(issubclass(w.category, PriorDataConflictWarning) for w in seen):
        # a mutated number far from its prior: named, and its diagnostic fails
        assert not post.diagnostics.loc["prior_data_conflict", "ok"]
        return "finite posterior, prior-data conflict named"
    return "finite posterior"


numbers = st.one_of(
    st.sampled_from(EXTREMES),
    st.floats(min_value=1e-300, max_value=1e-3),
    st.floats(allow_nan=False, allow_infinity=False),
)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(sorted(EXAMPLES)),
    changes=st.lists(st.tuples(st.integers(0, 10_000), numbers), min_size=1, max_size=3),
    scales_only=st.booleans(),
)
def test_extreme_numbers_in_the_examples_give_a_located_error_or_a_finite_posterior(
    name: str, changes: list[tuple[int, Any]], scales_only: bool
) -> None:
    if scales_only:  # aim at the fields whose extremes broke the numerics
        scale_paths = [i for i, p in enumerate(PATHS[name]) if set(map(str, p)) & set(SCALES)]
        changes = [(scale_paths[i % len(scale_paths)], v) for i, v in changes]
    result = outcome(mutated(name, changes))
    tally("spec: example numbers mutated to extremes, intervals on", 1, {result: 1})


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("value", [1e-9, 1e-6, 1e-4, 1e-3], ids=lambda v: f"{v:g}")
def test_every_concentration_of_an_example_at_a_tiny_value_gives_finite_intervals(
    name: str, value: float
) -> None:
    doc = copy.deepcopy(EXAMPLES[name])
    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            for key in node:
                if key == "concentration":
                    node[key] = value
                    found += 1
                else:
                    walk(node[key])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    assert found, "the example has no concentration to shrink"
    result = outcome(doc)
    assert result == "finite posterior", result
    tally("spec: example concentrations all tiny, intervals on", 1, {result: 1})


def test_a_number_of_5000_digits_in_yaml_text_is_a_located_error() -> None:
    doc = mutated("wagner-2023-06-23", [])
    doc.pop("seed", None)
    text = dump_yaml(doc).replace("title:", f"seed: {'7' * 5000}\ntitle:", 1)
    with pytest.raises(ScenarioError, match="5,000 characters") as info:
        loads(text, "big.yaml")
    assert info.value.problems[0].path[0].startswith("line ")
    tally("spec: huge numbers as text", 1, {"refused, located": 1})


def test_a_huge_integer_given_in_python_is_described_not_printed() -> None:
    doc = mutated("wagner-2023-06-23", [])
    doc["seed"] = -(10**5000)
    with pytest.raises(ScenarioError, match="an integer of about 5,000 digits"):
        from_dict(doc)
    tally("spec: huge numbers as text", 1, {"refused, located": 1})


def test_nan_and_infinity_written_in_yaml_are_refused_where_they_stand() -> None:
    for value in (".nan", ".inf", "-.inf", "1e999"):
        text = f"""
title: t
facts:
  f: {{kind: binary, prior: {{p: 0.5, concentration: {value}}}}}
outcomes:
  o: {{kind: binary, exhaustive: y/n, prior: {{p: 0.5}}}}
"""
        with pytest.raises(ScenarioError) as info:
            loads(text)
        assert [p.path for p in info.value.problems] == [
            ("facts", "f", "prior", "concentration")
        ], str(info.value)
    assert math.isinf(float("1e999"))
    tally("spec: huge numbers as text", 4, {"refused, located": 4})

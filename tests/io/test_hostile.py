"""Hostile scenario files: every input ends in our own located error, or a valid scenario.

Counts of inputs tried are reported at the end of the test run (see conftest.py).
"""

from __future__ import annotations

import copy
import math
import random
import warnings
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
    ScenarioError,
    TooCostlyError,
)
from scenarios.io import from_dict, loads
from scenarios.io.yamlfile import read_yaml
from tests.conftest import tally

PRIORS = [scenarios.example(name) for name in scenarios.examples()]
NASTY_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    1.5,
    -0.0,
    1e308,
    -1e308,
    1e-320,
    math.nan,
    math.inf,
    -math.inf,
    "",
    " ",
    "x" * 10_000,
    "ünïcødé ✓",
    "\x00",
    "\u202e",
    "1e999",
    [],
    {},
    [1, 2],
    {"a": 1},
    "!!python/object/apply:os.system ['true']",
    10**400,
]


def outcome_of(text_or_data: Any) -> str:
    """Load and update; return what happened. Anything but our errors fails the test."""
    try:
        s = loads(text_or_data) if isinstance(text_or_data, str) else from_dict(text_or_data)
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError must list its problems"
        for problem in exc.problems:
            assert problem.message
        return "refused"
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", PriorDataConflictWarning)
            post = s.update(intervals=False)
    except ImpossibleEvidenceError as exc:
        # a conflict needs claims, and the message names them
        assert exc.claims, str(exc)
        assert all(c in str(exc) for c in exc.claims), str(exc)
        return "impossible"
    except TooCostlyError as exc:
        assert "engine='pymc'" in str(exc)
        return "too costly"
    for w in seen:  # only the named conflict may warn, and its diagnostic then fails
        assert issubclass(w.category, PriorDataConflictWarning), str(w.message)
        assert not post.diagnostics.loc["prior_data_conflict", "ok"]
    values = post.scenarios[["probability", "lower", "upper"]].to_numpy()
    assert np.isfinite(values).all(), "a posterior must never hold NaN or infinity"
    sums = post.scenarios["probability"].groupby(level=0).sum()
    assert np.allclose(sums, 1.0)
    return "accepted"


def mutate(data: Any, rng: random.Random) -> Any:
    """One random structural mutation somewhere in a nested document."""
    data = copy.deepcopy(data)
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k in list(node):
                paths.append((node, k))
                walk(node[k])
        elif isinstance(node, list):
            for i in range(len(node)):
                paths.append((node, i))
                walk(node[i])

    walk(data)
    parent, key = rng.choice(paths)
    action = rng.randrange(6)
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1:
        parent[key] = rng.choice(NASTY_VALUES)
    elif action == 2 and isinstance(parent, dict):
        parent[f"{key}_extra" if isinstance(key, str) else "extra"] = parent[key]
    elif action == 3 and isinstance(parent[key], str):
        parent[key] = parent[key][::-1]  # unknown names, states, sources
    elif action == 4 and isinstance(parent[key], int | float) and not isinstance(parent[key], bool):
        parent[key] = rng.choice([-parent[key], parent[key] * 1e6, parent[key] + 1, math.nan])
    else:
        parent[key] = copy.deepcopy(rng.choice(paths)[0])  # graft another subtree
    return data


@pytest.mark.parametrize("path", PRIORS, ids=[p.stem for p in PRIORS])
def test_mutated_priors_files(path: Path) -> None:
    base = read_yaml(path)
    rng = random.Random(path.stem)
    seen: dict[str, int] = {}
    for _ in range(300):
        data = base
        for _ in range(rng.randint(1, 3)):
            data = mutate(data, rng)
        result = outcome_of(data)
        seen[result] = seen.get(result, 0) + 1
    tally(f"mutated copies of {path.name}", sum(seen.values()), seen)
    assert seen.get("refused", 0) > 0


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "title",
                    "facts",
                    "outcomes",
                    "claims",
                    "sources",
                    "kind",
                    "prior",
                    "p",
                    "probs",
                    "states",
                    "given",
                    "table",
                    "when",
                    "proposition",
                    "source",
                    "id",
                    "text",
                    "between",
                    "mass",
                    "reliability",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents)
def test_random_documents(doc: Any) -> None:
    tally("random documents (hypothesis)", 1, {outcome_of(doc): 1})


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_random_text(text: str) -> None:
    tally("random YAML text (hypothesis)", 1, {outcome_of(text): 1})


HOSTILE_TEXTS = {
    "alias bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ),
    "python object tag": "title: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "python name tag": "title: !!python/name:os.system\n",
    "binary tag": "title: !!binary aGVsbG8=\nfacts: {}\noutcomes: {}\n",
    "deep nesting": "title: " + "[" * 5000 + "]" * 5000 + "\n",
    "huge number": "title: t\nfacts: {a: {kind: binary, prior: {p: 1e999}}}\noutcomes: {}\n",
    "duplicate keys": "title: t\ntitle: u\nfacts: {}\noutcomes: {}\n",
    "tabs and nulls": "title:\t\x00\n",
    "not a mapping": "- just\n- a list\n",
    "empty": "",
    "cycle": "title: t\nfacts:\n  a: {kind: binary, prior: {given: [b], default: {p: 0.5}}}\n"
    "  b: {kind: binary, prior: {given: [a], default: {p: 0.5}}}\n"
    "outcomes: {o: {kind: binary, exhaustive: x, prior: {p: 0.5}}}\n",
    "unknown state in claim": "title: t\nfacts: {a: {kind: binary, prior: {p: 0.5}}}\n"
    "outcomes: {o: {kind: binary, exhaustive: x, prior: {given: [a], default: {p: 0.5}}}}\n"
    "sources: {s: {grade: B}}\nclaims: [{id: c, text: t, proposition: a == maybe, source: s}]\n",
}


@pytest.mark.parametrize("name", list(HOSTILE_TEXTS))
def test_hostile_texts(name: str, tmp_path: Path) -> None:
    marker = Path("/tmp/pwned")
    existed = marker.exists()
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE_TEXTS[name], encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        scenarios.load(path)
    assert str(path) in str(info.value)
    assert marker.exists() == existed, "loading a file must never run code"
    tally("hand-written hostile files", 1, {"refused": 1})


def test_contradictory_claims_are_named_never_nan() -> None:
    s = scenarios.load(scenarios.default_priors())
    s = s.observe(hq_seized=True).with_claim(
        {
            "id": "no_hq",
            "text": "HQ not seized",
            "proposition": "not hq_seized",
            "status": "confirmed",
        }
    )
    with pytest.raises(ImpossibleEvidenceError) as info:
        s.update()
    assert set(info.value.claims) == {"observed_hq_seized", "no_hq"}
    tally("impossible evidence injected", 1, {"named": 1})


def _save_into(folder: str) -> str:
    return str(scenarios.save(scenarios.load(scenarios.default_priors()), folder))


def test_simultaneous_saves_make_distinct_files(tmp_path: Path) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    existing = tmp_path / "mine.yaml"
    existing.write_text("# a forecaster's own notes\n", encoding="utf-8")
    # spawned, not forked: this process may have threads by now (JAX's, numba's)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=spawn) as pool:
        paths = list(pool.map(_save_into, [str(tmp_path)] * 12))
    assert len(set(paths)) == 12, "two saves at the same moment must not share a file"
    for p in paths:
        assert scenarios.load(p) == scenarios.load(scenarios.default_priors())
    assert existing.read_text(encoding="utf-8") == "# a forecaster's own notes\n"
    with pytest.raises(FileExistsError):
        scenarios.save(scenarios.load(scenarios.default_priors()), existing)
    assert existing.read_text(encoding="utf-8") == "# a forecaster's own notes\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    tally("simultaneous saves (4 processes)", 13, {"distinct file": 12, "refused overwrite": 1})

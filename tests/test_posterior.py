"""A posterior's tables built on first access (``Deferred``) against tables built at once.

The exact engine gives a posterior without draws its tables as :class:`Deferred`. Here
every table of such a posterior is compared with the table the engine builds when
``Deferred`` is replaced by a builder that runs at once (the eager posterior of before):
the same values bit for bit, dtypes, index and attrs; reading the tables in any order, a
pickle, a copy or a repr changes none of it.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pgmpy
import pytest

import scenarios
from scenarios.engines import exact
from scenarios.io.bif import from_bif
from scenarios.posterior import Deferred, Posterior, state_table

MODELS = Path(pgmpy.__file__).parent / "utils" / "example_models"
TABLES = (
    "scenarios",
    "facts",
    "quantities",
    "prior_scenarios",
    "prior_facts",
    "prior_quantities",
    "diagnostics",
    "claims",
)


class Eager:
    """Stands in for ``Deferred`` in the engine: builds the table at once."""

    def __new__(cls, build: Any, args: tuple = (), finite: bool = False) -> Any:
        return build(*args)


def classic(name: str) -> scenarios.Scenario:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return from_bif(MODELS / f"{name}.bif.gz")


def cases() -> list[tuple[str, scenarios.Scenario, dict[str, Any]]]:
    out = []
    for name in scenarios.examples():
        s = scenarios.load(scenarios.example(name))
        out.append((name, s, {"intervals": False}))
    wagner = scenarios.load(scenarios.example())
    out.append(("wagner observed", wagner.observe(hq_seized=True), {"intervals": False}))
    out.append(("earthquake", classic("earthquake").observe(Alarm="True"), {}))
    asia = classic("asia")
    out.append(("asia", asia, {}))
    out.append(("asia observed", asia.observe(smoke="yes", xray="no"), {}))
    out.append(("alarm observed", classic("alarm").observe(HR="HIGH", PRESS="LOW"), {}))
    return out


CASES = cases()
IDS = [c[0] for c in CASES]


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    assert list(a.dtypes) == list(b.dtypes), name
    assert a.index.names == b.index.names, name
    assert a.attrs == b.attrs, name
    # bit for bit, NaN where NaN (assert_frame_equal treats NaN as equal to NaN)
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.int64), y.view(np.int64)), (name, column)


def assert_same_posterior(a: Posterior, b: Posterior) -> None:
    for name in TABLES:
        assert_same_table(getattr(a, name), getattr(b, name), name)
    assert np.array_equal(a.log_evidence, b.log_evidence, equal_nan=True)
    assert a.warnings == b.warnings
    assert a.interval == b.interval
    assert dict(a.settings) == dict(b.settings)


def eager_update(
    monkeypatch: pytest.MonkeyPatch, s: scenarios.Scenario, **options: Any
) -> Posterior:
    with monkeypatch.context() as m:
        m.setattr(exact, "Deferred", Eager)
        post = s.update(**options)
    assert not any(isinstance(v, Deferred) for v in vars(post).values())
    return post


@pytest.mark.parametrize(("name", "scenario", "options"), CASES, ids=IDS)
def test_deferred_tables_equal_eager_ones(
    monkeypatch: pytest.MonkeyPatch, name: str, scenario: scenarios.Scenario, options: dict
) -> None:
    lazy = scenario.update(**options)
    eager = eager_update(monkeypatch, scenario, **options)
    assert_same_posterior(lazy, eager)
    assert repr(lazy) == repr(eager)
    assert lazy._repr_html_() == eager._repr_html_()
    assert lazy.compare().equals(eager.compare())


@pytest.mark.parametrize(("name", "scenario", "options"), CASES[-3:], ids=IDS[-3:])
def test_tables_wait_for_first_access(
    name: str, scenario: scenarios.Scenario, options: dict
) -> None:
    post = scenario.update(**options)
    held = vars(post)
    # nothing uncertain, no draws: nothing built until read
    assert all(isinstance(held[t], Deferred) for t in TABLES), name
    claims = post.claims
    assert post.claims is claims  # built once, kept
    assert not isinstance(held["claims"], Deferred)
    assert isinstance(held["scenarios"], Deferred)  # the others still wait


@pytest.mark.parametrize(("name", "scenario", "options"), CASES, ids=IDS)
def test_reading_order_changes_nothing(
    name: str, scenario: scenarios.Scenario, options: dict
) -> None:
    first = scenario.update(**options)
    for table in reversed(TABLES):  # claims first, scenarios last
        getattr(first, table)
    second = scenario.update(**options)  # after the first's tables were built
    assert_same_posterior(second, first)
    third = scenario.update(**options)
    assert repr(third) == repr(first)  # the scenarios table first, through repr
    assert_same_posterior(third, first)


@pytest.mark.parametrize(("name", "scenario", "options"), CASES, ids=IDS)
def test_pickle_and_copy_carry_every_table(
    monkeypatch: pytest.MonkeyPatch, name: str, scenario: scenarios.Scenario, options: dict
) -> None:
    eager = eager_update(monkeypatch, scenario, **options)
    lazy = scenario.update(**options)
    back = pickle.loads(pickle.dumps(lazy))
    assert not any(isinstance(v, Deferred) for v in vars(back).values())
    assert_same_posterior(back, eager)
    assert repr(back) == repr(eager)
    assert_same_posterior(copy.deepcopy(scenario.update(**options)), eager)
    assert_same_posterior(copy.copy(scenario.update(**options)), eager)


def test_posterior_stays_frozen_and_replaceable() -> None:
    post = classic("asia").observe(smoke="yes").update()
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.claims = pd.DataFrame()  # type: ignore[misc]
    other = dataclasses.replace(post, seed=5)
    assert other.facts.attrs["seed"] == 5
    assert other.facts["probability"].equals(post.facts["probability"])


def test_threads_reading_one_table_get_one_table() -> None:
    post = classic("alarm").observe(HR="HIGH").update()
    got: list[pd.DataFrame] = []
    barrier = threading.Barrier(4)

    def read() -> None:
        barrier.wait()
        got.append(post.facts)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(frame is got[0] for frame in got)


def test_deferred_not_finite_is_checked_at_once() -> None:
    """A table not promised finite is built (and checked) when the posterior is made."""
    bad = Deferred(state_table, ({"o": np.array([np.nan, 0.7])}, {"o": ["no", "yes"]}))
    good = state_table({"o": np.array([0.3, 0.7])}, {"o": ["no", "yes"]})
    empty = pd.DataFrame()
    post = Posterior(
        scenario=scenarios.load(scenarios.example()),
        engine="exact",
        seed=1,
        scenarios=bad,
        facts=good,
        quantities=empty,
        prior_scenarios=good.copy(),
        prior_facts=good.copy(),
        prior_quantities=empty,
    )
    assert not isinstance(vars(post)["scenarios"], Deferred)
    assert post.warnings == ["non_finite_values: 3 (want 0)"]
    assert post.scenarios.attrs["seed"] == 1

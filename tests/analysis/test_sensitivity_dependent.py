"""Sensitivity of models with a continuous table, a derived fact and threshold outcomes.

Each row's two probabilities are recomputed here from the scenario with the moved prior
written out by hand (``with_prior`` and a full exact update), not through the tornado.
"""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

import scenarios
from scenarios import Scenario
from scenarios.analysis import sensitivity

YAML = """
title: Delivery
sources: {dispatcher: {grade: B}}
facts:
  weather:
    kind: categorical
    states: {calm: Calm sea, storm: A storm in the strait}
    prior: {probs: {calm: 0.7, storm: 0.3}}
  base_days: {kind: continuous, unit: days, prior: {between: [10, 20]}}
  delay:
    kind: continuous
    unit: days
    prior:
      given: [weather]
      table:
        - {when: {weather: calm}, between: [0, 2]}
      default: {distribution: Normal, parameters: {mu: 5, sigma: 2}}
  total_days: {kind: continuous, unit: days, prior: {derived: "base_days + delay * 1.5"}}
outcomes:
  late:
    kind: binary
    exhaustive: yes or no
    prior: {when: "total_days > 18"}
  band:
    states: {short: under 14 days, medium: 14 to 20 days, long: more than 20 days}
    prior: {cases: {short: "total_days < 14", medium: "total_days <= 20", long: otherwise}}
claims:
  - id: eta
    text: The dispatcher expects about 16 days.
    source: dispatcher
    reported: {fact: base_days, value: 16, sd: 2}
"""

TARGET = ("late", "true")


@pytest.fixture(scope="module")
def delivery() -> Scenario:
    return scenarios.loads(YAML)


def _p(s: Scenario) -> float:
    return float(s.update(intervals=False).scenarios.loc[TARGET, "probability"])


def _row(table: pd.DataFrame, name: str, parameter: str) -> pd.Series:
    rows = table[(table["name"] == name) & (table["parameter"] == parameter)]
    assert len(rows) == 1, (name, parameter, table[["name", "parameter"]].to_string())
    return rows.iloc[0]


def test_each_case_of_a_continuous_table_is_one_row(delivery: Scenario) -> None:
    table = sensitivity(delivery, TARGET).table
    # definitions are not judgements: no row for the formula or the lines by default
    assert not set(table["name"]) & {"total_days", "late", "band"}
    calm = _row(table, "delay", "90% range | weather=calm")
    other = _row(table, "delay", "90% range | other rows")
    # the calm row, between 0 and 2 (a Normal, the fact has no support), shifted by 1
    assert (calm["low"], calm["high"]) == ("-1 to 1", "1 to 3")
    lo, hi = stats.norm(5, 2).ppf([0.05, 0.95])
    half = (hi - lo) / 2
    prior = delivery.facts["delay"].prior.model_dump(exclude_none=True)

    def with_calm(b: list[float]) -> Scenario:
        rows = [{"when": {"weather": "calm"}, "between": b, "mass": 0.9, "family": "Normal"}]
        return delivery.with_prior("delay", {**prior, "table": rows})

    def with_default(b: list[float]) -> Scenario:
        default = {"between": b, "mass": 0.9, "family": "Normal"}
        return delivery.with_prior("delay", {**prior, "default": default})

    assert calm["p_low"] == pytest.approx(_p(with_calm([-1, 1])), abs=1e-9)
    assert calm["p_high"] == pytest.approx(_p(with_calm([1, 3])), abs=1e-9)
    assert other["p_low"] == pytest.approx(_p(with_default([lo - half, hi - half])), abs=1e-9)
    assert other["p_high"] == pytest.approx(_p(with_default([lo + half, hi + half])), abs=1e-9)
    assert calm["swing"] == pytest.approx(abs(calm["p_high"] - calm["p_low"]), abs=1e-15)
    # a longer delay makes lateness likelier, in either case of the weather
    assert calm["p_high"] > calm["p_low"] and other["p_high"] > other["p_low"]


def test_lines_and_formula_numbers_are_rows_only_when_asked(delivery: Scenario) -> None:
    table = sensitivity(delivery, TARGET, definitions=True).table
    line = _row(table, "late", "line total_days > 18")
    low, high = float(line["low"]), float(line["high"])
    assert low < 18 < high and high - 18 == pytest.approx(18 - low)
    assert line["p_low"] == pytest.approx(
        _p(delivery.with_prior("late", {"when": f"total_days > {low!r}"})), abs=1e-9
    )
    assert line["p_high"] == pytest.approx(
        _p(delivery.with_prior("late", {"when": f"total_days > {high!r}"})), abs=1e-9
    )
    assert line["p_low"] > line["p_high"]  # a higher line is crossed less often
    number = _row(table, "total_days", "number 1.5 in base_days + delay * 1.5")
    assert (number["low"], number["high"]) == ("1.2", "1.875")
    for col, value in (("p_low", "1.2"), ("p_high", "1.875")):
        moved = delivery.with_prior("total_days", {"derived": f"base_days + delay * {value}"})
        assert number[col] == pytest.approx(_p(moved), abs=1e-9)
    # the lines of the other outcome do not move this one
    for parameter in ("line total_days < 14", "line total_days <= 20"):
        row = _row(table, "band", parameter)
        assert row["p_low"] == pytest.approx(row["p_high"], abs=1e-12)

"""A report's parameters, without a kernel: checked as data, overrides applied the one
way the library edits a prior, nothing ever evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scenarios
from scenarios.io.files import sha256_file
from scenarios.spec.overrides import apply_overrides
from scenarios.views import report
from scenarios.views.report import ParameterError, parse_overrides, report_inputs

from ..conftest import tally

WAGNER = scenarios.default_priors()
OVERRIDE = {"hq_seized": {"p": 0.6}}


def test_report_inputs_default_and_hash() -> None:
    inputs = report_inputs()
    assert inputs.path == WAGNER.resolve()
    assert inputs.sha256 == sha256_file(WAGNER)
    assert inputs.seed is None and inputs.draws == 4000 and inputs.engine == "exact"
    assert inputs.parameters() == {
        "priors": str(WAGNER.resolve()),
        "overrides": "{}",
        "engine": "exact",
        "seed": -1,
        "draws": 4000,
    }
    assert set(inputs.parameters()) == set(report.PARAMETERS)


def test_overrides_are_applied_with_with_prior() -> None:
    inputs = report_inputs(overrides=json.dumps(OVERRIDE), seed=5)
    expected = scenarios.load(WAGNER).with_prior("hq_seized", {"p": 0.6})
    assert inputs.scenario == expected
    assert inputs.overrides == OVERRIDE
    assert report_inputs(overrides=OVERRIDE).scenario == expected  # a mapping works too


def test_a_dotted_override_changes_one_field_as_sweeps_do() -> None:
    inputs = report_inputs(overrides='{"army_strikes.p": 0.4}')
    wagner = scenarios.load(WAGNER)
    expected, _ = apply_overrides(wagner, {"army_strikes.p": 0.4})
    assert inputs.scenario == expected
    prior = inputs.scenario.facts["army_strikes"].prior
    assert (
        prior.p == 0.4 and prior.concentration == wagner.facts["army_strikes"].prior.concentration
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"overrides": "not json"}, "overrides: not valid JSON"),
        ({"overrides": "[1, 2]"}, "overrides: expected an object"),
        ({"overrides": '{"hq_seized": 0.6}'}, r"overrides\.hq_seized: expected a prior"),
        ({"overrides": '{"no_such_fact": {"p": 0.5}}'}, "no fact or outcome 'no_such_fact'"),
        ({"overrides": '{"army_strikes.q": 0.5}'}, "army_strikes.q: Probabilities has no field"),
        ({"overrides": "__import__('os').system('true')"}, "not valid JSON"),
        ({"engine": "magic"}, "engine: expected one of"),
        ({"engine": 'exact"; import os'}, "engine: expected one of"),
        ({"seed": "3"}, "seed: expected an integer"),
        ({"seed": True}, "seed: expected an integer"),
        ({"seed": 2**40}, "seed: expected"),
        ({"draws": 0}, "draws: expected"),
        ({"draws": 10.5}, "draws: expected an integer"),
        ({"priors": 42}, "priors: expected a file path"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match) as info:
        report_inputs(**kwargs)
    assert isinstance(info.value, scenarios.ScenarioError)  # one exception base


def test_override_with_a_bad_prior_names_the_field() -> None:
    with pytest.raises(scenarios.ScenarioError, match=r"facts\.hq_seized\.prior") as info:
        report_inputs(overrides={"hq_seized": {"p": 1.5}})
    assert not isinstance(info.value, ParameterError)  # a bad value, not a bad parameter
    assert "with overrides" in str(info.value)


@pytest.mark.parametrize(
    "priors",
    [
        "x'); __import__('os').system('touch MARKER') #",
        'a"\nimport os\nos.system("touch MARKER")\n"',
        "bad\x00path",
        "/no/such/dir/file.yaml",
        "/dev/zero",
    ],
)
def test_a_priors_value_is_only_ever_a_path(
    priors: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(scenarios.ScenarioError, match="cannot read the priors file"):
        report_inputs(priors)
    assert not (tmp_path / "MARKER").exists()
    tally("report parameters carrying code (checked before a kernel)", 1, {"passed as data": 1})


def test_parse_overrides_examples() -> None:
    assert parse_overrides(None) == {} == parse_overrides("") == parse_overrides("{}")
    assert parse_overrides('{"a": {"p": 0.1}}') == {"a": {"p": 0.1}}
    assert parse_overrides({"a.p": 0.1}) == {"a.p": 0.1}


def test_a_node_override_merges_into_the_prior_and_keeps_its_concentration() -> None:
    """The README's `-p overrides '{"army_strikes": {"p": 0.6}}'` keeps `concentration`."""
    wagner = scenarios.load(WAGNER)
    kept = wagner.facts["army_strikes"].prior.concentration
    assert kept is not None
    inputs = report_inputs(overrides='{"army_strikes": {"p": 0.6}}')
    prior = inputs.scenario.facts["army_strikes"].prior
    assert prior.p == 0.6 and prior.concentration == kept
    dotted = report_inputs(overrides='{"army_strikes.p": 0.6}').scenario
    assert inputs.scenario == dotted  # the same edit as the dotted path
    # null removes a field; an object of another form replaces the prior
    dropped = report_inputs(overrides='{"army_strikes": {"concentration": null}}').scenario
    assert dropped.facts["army_strikes"].prior.concentration is None
    assert dropped.facts["army_strikes"].prior.p == wagner.facts["army_strikes"].prior.p
    table = report_inputs(overrides=json.dumps(OVERRIDE)).scenario
    assert table == wagner.with_prior("hq_seized", {"p": 0.6})

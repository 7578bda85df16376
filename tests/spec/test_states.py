"""State names: kept as written, and refused when two would be taken for each other."""

from __future__ import annotations

import pytest

from scenarios.errors import ScenarioError
from scenarios.io import dumps, loads
from scenarios.io.yamlfile import dump_yaml, parse_yaml
from scenarios.spec.propositions import state_matches
from scenarios.spec.validation import look_alike_states, state_skeleton

TEMPLATE = """
title: states
facts:
  f:
    kind: categorical
    states: [{states}]
    prior: {{probs: {{{probs}}}}}
outcomes:
  o: {{kind: binary, exhaustive: y/n, prior: {{given: [f], default: {{p: 0.5}}}}}}
"""


def scenario_text(states: list[str]) -> str:
    probs = ", ".join(f"{s}: {1 / len(states)!r}" for s in states)
    return TEMPLATE.format(states=", ".join(states), probs=probs)


@pytest.mark.parametrize(
    "written",
    [["010", "020"], ["1:30", "2:45"], ["0x1F", "0x20"], ["1_000", "2_000"], ["0o17", "0o20"],
     ["1e3", "2e3"], [".5", "1.50"], ["+7", "-7"], ["yes", "no"], ["on", "off"], ["y", "n"],
     ["Yes", "No"], ["2021-03-25", "later"], ["2021-3-5 1:02:03", "2021-03-05T10:00:00Z"]],
)  # fmt: skip
def test_a_state_keeps_the_text_it_was_written_as(written: list[str]) -> None:
    s = loads(scenario_text(written))
    assert s.facts["f"].state_names == tuple(written)
    assert set(s.facts["f"].prior.probs) == set(written)
    again = loads(dumps(s))  # and through a save
    assert again.facts["f"].state_names == tuple(written)


def test_numbers_in_number_fields_follow_yaml_1_2() -> None:
    assert parse_yaml("[010, 0o10, 0x10, 1e3, .5, -.inf]")[:5] == [10, 8, 16, 1000.0, 0.5]
    # YAML 1.1 forms that are text in 1.2: a number field refuses them, located
    assert parse_yaml("[1:30, 1_000, 0b11]") == ["1:30", "1_000", "0b11"]
    text = scenario_text(["a", "b"]).replace(
        "prior: {probs:", "prior: {concentration: 1:30, probs:"
    )
    with pytest.raises(ScenarioError) as info:
        loads(text)
    assert info.value.problems[0].path == ("facts", "f", "prior", "concentration")


def test_written_numbers_dump_as_written_and_text_that_looks_like_one_is_quoted() -> None:
    data = parse_yaml("a: [010, 1e3, '1e3', 'yes', 7]")
    assert dump_yaml(data) == "a:\n- 010\n- 1e3\n- '1e3'\n- 'yes'\n- 7\n"
    assert parse_yaml(dump_yaml(data)) == data


@pytest.mark.parametrize(
    ("states", "why"),
    [
        (["none", "n\u043ene"], "look alike"),  # Cyrillic o
        (["PAUSE", "P\u0410USE"], "look alike"),  # Cyrillic capital A
        (["HOT", "\u0397\u039f\u03a4"], "look alike"),  # Greek capitals
        (["copy", "\u0441\u043e\u0440\u0443"], "look alike"),  # all Cyrillic
        (["Yes", "yes"], "look alike"),
        (["no deal", "no  deal"], "look alike"),
        (["deal", " deal"], "look alike"),
        (["A", "\uff21"], "look alike"),  # full-width
        (["office", "o\ufb03ce"], "look alike"),  # ligature
        (["ok", "o\u200bk"], "look alike"),  # zero-width space
        (["caf\u00e9", "cafe\u0301"], "look alike"),  # composed / decomposed
        (["STRASSE", "stra\u00dfe"], "look alike"),  # case folding
        (["1", "1.0"], "same number"),
        (["10", "010"], "same number"),
        (["1e3", "1000"], "same number"),
        (["\u200b", "a"], "no visible character"),
    ],
)
def test_look_alike_states_are_a_located_error(states: list[str], why: str) -> None:
    messages = list(look_alike_states(states))
    assert len(messages) == 1 and why in messages[0], messages
    quoted = [f'"{s}"' for s in [*states, "other"]]
    with pytest.raises(ScenarioError) as info:
        loads(scenario_text(quoted))
    assert [p.path for p in info.value.problems] == [("facts", "f", "states")]
    assert why in info.value.problems[0].message


@pytest.mark.parametrize(
    "states",
    [["none", "some"], ["1", "2", "10"], ["a b", "ab"], ["copy", "cope"], ["мир", "war"],
     ["nan", "inf"], ["a_b", "a-b"], ["Москва", "Киев"], ["2021-3-5", "2021-03-05T10:00:00Z"]],
)  # fmt: skip
def test_distinct_states_pass(states: list[str]) -> None:
    assert list(look_alike_states(states)) == []
    assert len({state_skeleton(s) for s in states}) == len(states)


def test_a_proposition_cannot_name_two_states() -> None:
    # what the same-number rule prevents: c == 1 would match both
    assert state_matches(1.0, "1") and state_matches(1.0, "1.0")
    text = scenario_text(['"1"', '"1.0"', '"2"']) + (
        "claims:\n  - {id: c, text: one, proposition: 'f == 1', status: confirmed}\n"
    )
    with pytest.raises(ScenarioError, match="same number"):
        loads(text)

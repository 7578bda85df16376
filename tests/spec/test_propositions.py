"""The proposition language of claims: what parses to what, and where errors point.

Restored from the parser's own tests (emptied in e254e5b), with the two bugs they
marked fixed since (parser errors now give a position and name brackets, not token
kinds), and extended: thresholds, negation, precedence, positions in untrimmed text,
and what a scenario accepts of each form.
"""

from __future__ import annotations

import re

import pytest

from scenarios import ScenarioError, loads
from scenarios.spec.propositions import Atom, parse_proposition, state_matches


def atoms(text: str) -> tuple[tuple[Atom, ...], ...]:
    return parse_proposition(text).clauses


T = True  # a bare fact name means "== true"

VALID = {
    # a binary fact, and negation
    "hq": ((Atom("hq", "==", T),),),
    "not hq": ((Atom("hq", "==", T, negated=True),),),
    # categorical states
    "resistance == none": ((Atom("resistance", "==", "none"),),),
    "putin_location != moscow": ((Atom("putin_location", "!=", "moscow"),),),
    "resistance in [none, token]": ((Atom("resistance", "in", ("none", "token")),),),
    "resistance in [none]": ((Atom("resistance", "in", ("none",)),),),
    "resistance not in [none, 'token']": (
        (Atom("resistance", "in", ("none", "token"), negated=True),),
    ),
    "not resistance in [none]": ((Atom("resistance", "in", ("none",), negated=True),),),
    "not resistance not in [none]": ((Atom("resistance", "in", ("none",), negated=False),),),
    "not resistance == none": ((Atom("resistance", "==", "none", negated=True),),),
    'cause == "foreign agents"': ((Atom("cause", "==", "foreign agents"),),),
    "cause == 'terror attack'": ((Atom("cause", "==", "terror attack"),),),
    "region == rostov-on-don": ((Atom("region", "==", "rostov-on-don"),),),
    "f == true": ((Atom("f", "==", "true"),),),
    'f == ""': ((Atom("f", "==", ""),),),
    # numbers: a state named by a number, or a threshold
    "level == 3": ((Atom("level", "==", 3.0),),),
    "level in [1, '2']": ((Atom("level", "in", (1.0, "2")),),),
    "troops > 30": ((Atom("troops", ">", 30.0),),),
    "troops >= 25.5": ((Atom("troops", ">=", 25.5),),),
    "troops < -1e3": ((Atom("troops", "<", -1000.0),),),
    "troops <= .5": ((Atom("troops", "<=", 0.5),),),
    "troops >= +2.5e-3": ((Atom("troops", ">=", 0.0025),),),
    "troops>30": ((Atom("troops", ">", 30.0),),),
    "not troops > 30": ((Atom("troops", ">", 30.0, negated=True),),),
    # whitespace anywhere
    "  hq   and   troops>=25  ": ((Atom("hq", "==", T), Atom("troops", ">=", 25.0)),),
    "resistance in[none,token]": ((Atom("resistance", "in", ("none", "token")),),),
    # precedence: 'and' binds tighter than 'or'; 'not' applies to one comparison
    "a and b or c": ((Atom("a", "==", T), Atom("b", "==", T)), (Atom("c", "==", T),)),
    "a or b and c": ((Atom("a", "==", T),), (Atom("b", "==", T), Atom("c", "==", T))),
    "a and b or c and d": (
        (Atom("a", "==", T), Atom("b", "==", T)),
        (Atom("c", "==", T), Atom("d", "==", T)),
    ),
    "not a and b": ((Atom("a", "==", T, negated=True), Atom("b", "==", T)),),
    "a or not b or c == x": (
        (Atom("a", "==", T),),
        (Atom("b", "==", T, negated=True),),
        (Atom("c", "==", "x"),),
    ),
}


@pytest.mark.parametrize(("text", "expected"), VALID.items(), ids=VALID.keys())
def test_valid_forms(text: str, expected) -> None:
    assert atoms(text) == expected


def test_facts_are_listed_in_order_of_first_mention() -> None:
    assert parse_proposition("b and a or b and c").facts == ("b", "a", "c")


def test_parse_is_cached_and_values_are_immutable() -> None:
    p = parse_proposition("resistance in [none, token]")
    assert parse_proposition("resistance in [none, token]") is p
    with pytest.raises(AttributeError):
        p.clauses[0][0].fact = "other"  # type: ignore[misc]


# (text, 1-based character where reading has to stop; len + 1 means "the end")
INVALID = [
    ("f = 3", 3),
    ("f & g", 3),
    ("(f)", 1),
    ("f ~ 3", 3),
    ("f == 'abc", 6),
    ("f ==", 5),
    ("== f", 1),
    ("f g", 3),
    ("f and", 6),
    ("f in a", 6),
    ("f in [a", 8),
    ("f in []", 7),
    ("f in [a,]", 9),
    ("f in [a b]", 9),
    ("f == [a]", 6),
    ("f or or g", 6),
    ("3 > f", 1),
    ("and", 1),
    ("not", 4),
    ("not not f", 5),
    ("f not g", 7),
    ("f > > 3", 5),
    # positions count in the text as written, leading and trailing blanks included
    ("   f & g", 6),
    ("  f g  ", 5),
    ("f ==   ", 5),
]


@pytest.mark.parametrize(("text", "at"), INVALID, ids=[t for t, _ in INVALID])
def test_errors_say_where_reading_stopped(text: str, at: int) -> None:
    with pytest.raises(ValueError) as info:
        parse_proposition(text)
    message = str(info.value)
    found = re.search(r"at character (\d+) of (.*)", message)
    assert found, message
    assert int(found.group(1)) == at, message
    assert found.group(2).startswith(repr(text)), message  # the text as given


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("f in a", "expected '['"),
        ("f in [a", "expected ']'"),
        ("f ==", "expected a state or a number"),
        ("== f", "expected a fact name"),
        ("f g", "expected 'and', 'or' or the end"),
        ("f not g", "expected 'in'"),
        ("f = 3", "cannot read '= 3'"),
    ],
)
def test_errors_say_what_was_expected_in_words(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)) as info:
        parse_proposition(text)
    assert not re.search(r"\b(lbr|rbr|comma|op|num|str)\b", str(info.value))


def test_errors_say_what_was_found() -> None:
    with pytest.raises(ValueError, match=r"\(found 'or'\)"):
        parse_proposition("f or or g")
    with pytest.raises(ValueError, match=r"\(found the end\)"):
        parse_proposition("f and")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(text: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_proposition(text)


@pytest.mark.parametrize("value", [None, 3])
def test_not_text(value: object) -> None:
    with pytest.raises(ValueError, match="expected a proposition"):
        parse_proposition(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "state", "matches"),
    [
        (True, "true", True),
        (True, "false", False),
        (False, "false", True),
        ("armed", "armed", True),
        ("armed", "Armed", False),
        (3.0, "3", True),
        (3.0, "3.0", True),
        (3.0, "03", True),
        (3.0, "3.5", False),
        (3.0, "three", False),
        ("3", "3.0", False),  # a quoted state is matched as text
    ],
)
def test_state_matches(value: object, state: str, matches: bool) -> None:
    assert state_matches(value, state) is matches  # type: ignore[arg-type]


# --- propositions in a scenario ------------------------------------------------------

LEVELS = """\
title: Levels
facts:
  level: {kind: categorical, states: [1, 2, 3], prior: {probs: {1: 0.2, 2: 0.3, 3: 0.5}}}
  f: {kind: binary, prior: {p: 0.4}}
  troops: {kind: continuous, support: [0, null], prior: {between: [25, 50]}}
outcomes:
  o: {kind: binary, exhaustive: yes or no, prior: {p: 0.5}}
sources:
  wire: {grade: B}
claims:
  - {id: c, text: level three, proposition: "PROPOSITION", source: wire}
"""


def with_proposition(text: str):
    return loads(LEVELS.replace("PROPOSITION", text))


def test_numeric_state_names_quoted() -> None:
    s = with_proposition("level == '3'")
    assert s.facts["level"].state_names == ("1", "2", "3")
    post = s.update(intervals=False)
    assert post.facts.loc[("level", "3"), "probability"] > 0.5


@pytest.mark.parametrize(
    ("unquoted", "quoted"),
    [
        ("level == 3", "level == '3'"),
        ("level in [1, 2]", "level in ['1', '2']"),
        ("level != 3.0", "level != '3'"),
    ],
)
def test_numeric_state_names_unquoted(unquoted: str, quoted: str) -> None:
    # an unquoted number names the state written as that number
    a = with_proposition(unquoted).update(intervals=False)
    b = with_proposition(quoted).update(intervals=False)
    assert a.facts.equals(b.facts)
    assert not a.facts.equals(a.prior_facts)


@pytest.mark.parametrize(
    ("proposition", "moves"),
    [
        ("f", "up"),
        ("not f", "down"),
        ("f == true", "up"),
        ("f != true", "down"),
        ("f in [false]", "down"),
        ("f not in [false]", "up"),
    ],
)
def test_negation_moves_belief_the_other_way(proposition: str, moves: str) -> None:
    post = with_proposition(proposition).update(intervals=False)
    before = post.prior_facts.loc[("f", "true"), "probability"]
    after = post.facts.loc[("f", "true"), "probability"]
    assert (after > before) if moves == "up" else (after < before)


@pytest.mark.parametrize(
    ("above", "below"),
    [("troops > 40", "troops <= 40"), ("troops >= 30", "troops < 30")],
)
def test_thresholds_on_a_continuous_fact(above: str, below: str) -> None:
    prior = with_proposition("f").update(intervals=False).prior_quantities.loc["troops", "mean"]
    up = with_proposition(above).update(intervals=False).quantities.loc["troops", "mean"]
    down = with_proposition(below).update(intervals=False).quantities.loc["troops", "mean"]
    assert down < prior < up


def test_precedence_changes_the_answer() -> None:
    # 'f or level == 1 and troops > 40' is 'f or (level == 1 and troops > 40)':
    # it holds whenever f does, so it moves f up more than '(f or level == 1) and ...'
    grouped_right = with_proposition("f or level == 1 and troops > 40")
    grouped_left = with_proposition("f and troops > 40 or level == 1 and troops > 40")
    p_right = grouped_right.update(intervals=False).facts.loc[("f", "true"), "probability"]
    p_left = grouped_left.update(intervals=False).facts.loc[("f", "true"), "probability"]
    assert p_right != pytest.approx(p_left, abs=1e-6)


@pytest.mark.parametrize(
    ("proposition", "message"),
    [
        ("troops == 30", r"'troops' is continuous: compare it with a number using > >= < <="),
        ("troops > x", r"'troops' is continuous: compare it with a number"),
        ("troops > '30'", r"'troops' is continuous: compare it with a number"),
        ("f > 1", r"'f' is binary: compare it with ==, != or in, not >"),
        ("level >= 2", r"'level' is categorical: compare it with ==, != or in, not >="),
        ("level == 4", r"unknown state 4\.0 of 'level'; states are \['1', '2', '3'\]"),
        ("level in [1, nope]", r"unknown state 'nope' of 'level'"),
        ("o", r"'o' is an outcome: claims are about facts"),
        ("g and f", r"'g' is unknown; facts are \['f', 'level', 'troops'\]"),
        ("f and", r"claims\.0\.proposition: .*expected a fact name at character 6"),
    ],
)
def test_what_a_scenario_refuses(proposition: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=r"claims\.0\.proposition: ") as info:
        with_proposition(proposition)
    assert re.search(message, str(info.value)), str(info.value)


@pytest.mark.parametrize(
    ("text", "known", "want"),
    [
        ("hq", {"hq": "true"}, True),
        ("not hq", {"hq": "true"}, False),
        ("r in [none, token]", {"r": "token"}, True),
        ("r not in [none, token]", {"r": "token"}, False),
        ("troops > 30", {"troops": "31.5"}, True),
        ("troops <= 30", {"troops": 31.5}, False),
        ("level == 2", {"level": "2"}, True),
        ("hq and troops > 30", {"hq": "true"}, None),  # troops unknown
        ("hq and troops > 30", {"hq": "false"}, False),  # settled by hq alone
        ("hq or troops > 30", {"troops": "40"}, True),
        ("hq or troops > 30", {"troops": "20"}, None),
        ("hq or troops > 30", {"hq": "false", "troops": "20"}, False),
    ],
)
def test_evaluate_settles_what_the_known_facts_settle(text: str, known: dict, want) -> None:
    from scenarios.spec.propositions import evaluate

    assert evaluate(text, known) is want

"""Scenario files: round trips, safe saving, and an error for every way a file can be wrong.

Broken example files live in ``tests/data/bad/``; each test asserts that the message
names the file, the field path and what was expected.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scenarios
from scenarios import Scenario, ScenarioError, dumps, load, loads, save
from scenarios.io.files import MAX_BYTES
from tests.strategies import RandomNetwork, random_networks

PRIORS = [scenarios.example(name) for name in scenarios.examples()]
BAD = Path(__file__).parents[1] / "data" / "bad"

SMALL = """\
title: Coin
facts:
  f: {kind: binary, prior: {p: 0.5}}
outcomes:
  o: {kind: binary, exhaustive: yes or no, prior: {p: 0.3}}
"""


def rich_scenario() -> Scenario:
    """Every part of the format at least once."""
    return Scenario(
        title='Rich: ünïcode — "quotes", yes, null, 1.5, #hash, a: b',
        as_of=datetime(2023, 6, 23, 20, 0, tzinfo=UTC),
        description="line one\nline two\n\nafter a blank line",
        report={
            "title": "Evening report",
            "url": "https://example.org/r",
            "published": datetime(2023, 6, 23, 18, 0, tzinfo=timezone(timedelta(hours=3))),
        },
        seed=42,
        reliability={
            "grades": {
                "B": {
                    "true_positive": {"mean": 0.85, "concentration": 10},
                    "false_positive": {"mean": 0.1},
                }
            },
            "hedge": {"supposedly": 0.55},
            "retraction": {
                "if_true": {"mean": 0.05, "concentration": 20},
                "if_false": {"mean": 0.3},
            },
            "digits": {2: 0.35},
        },
        sources={
            "wire": {"name": "Wire", "grade": "B", "note": "usually reliable"},
            "blog": {
                "true_positive": {"mean": 0.6, "concentration": 4},
                "false_positive": {"mean": 0.4, "concentration": 4},
                "retraction": {
                    "if_true": {"mean": 0.01},
                    "if_false": {"mean": 0.2, "concentration": 5},
                },
            },
        },
        facts={
            "answer": {
                "kind": "categorical",
                "states": {"yes": "Yes it is", "no": "No"},
                "prior": {"probs": {"yes": 0.3, "no": 0.7}, "concentration": 3},
            },
            "level": {
                "kind": "categorical",
                "states": ["1", "2", "3"],
                "prior": {"probs": {"1": 0.2, "2": 0.3, "3": 0.5}},
            },
            "troops": {
                "kind": "continuous",
                "unit": "thousand",
                "support": (0, None),
                "prior": {"between": (25, 50), "mass": 0.8},
                "reasoning": "the report's range",
                "cites": "between 25,000 and 50,000",
            },
            "share": {
                "kind": "probability",
                "prior": {"quantiles": {0.1: 0.2, 0.5: 0.4, 0.9: 0.7}},
            },
            "temperature": {
                "kind": "continuous",
                "prior": {"distribution": "Normal", "parameters": {"mu": 0, "sigma": 2}},
            },
            "escalates": {
                "kind": "binary",
                "states": {"true": "escalates", "false": "not"},
                "prior": {
                    "logit": {
                        "intercept": -1,
                        "terms": [
                            {"fact": "troops", "coef": 0.5, "center": 30, "scale": 5},
                            {"fact": "answer", "state": "yes", "coef": 1.2},
                        ],
                    }
                },
            },
        },
        outcomes={
            "end": {
                "kind": "categorical",
                "states": ["deal", "force", "other"],
                "other": "other",
                "question": "How does it end?",
                "prior": {
                    "given": ["escalates"],
                    "concentration": 20,
                    "table": [
                        {
                            "when": {"escalates": True},
                            "probs": {"deal": 0.2, "force": 0.5, "other": 0.3},
                        }
                    ],
                    "default": {"probs": {"deal": 0.6, "force": 0.1, "other": 0.3}},
                },
            },
            "still_there": {
                "kind": "binary",
                "exhaustive": "yes or no",
                "prior": {"logit": {"intercept": 0.5, "terms": []}},
            },
        },
        claims=[
            {
                "id": "c1",
                "text": "it escalates",
                "proposition": "escalates",
                "source": "wire",
                "time": datetime(2023, 6, 23, 21, 0, tzinfo=UTC),
                "hedge": "supposedly",
                "information": 2,
                "cites": "sentence 3",
                "hindsight": True,
            },
            {
                "id": "c2",
                "text": "many",
                "proposition": "troops > 30",
                "source": "blog",
                "status": "disputed",
                "disputed_by": ["wire"],
                "denied_by": {
                    "source": "blog",
                    "time": datetime(2023, 6, 23, 19, 0, tzinfo=UTC),
                    "hedge": "supposedly",
                    "text": "blog takes it back",
                    "cites": "s4",
                },
            },
            {
                "id": "c3",
                "text": "25 thousand",
                "reported": {"fact": "troops", "value": 25, "sd": 0.2, "bias": 0.1},
                "source": "wire",
            },
            {
                "id": "c4",
                "text": "yes",
                "proposition": "answer == yes",
                "likelihood": {"if_true": 0.9, "if_false": 0.2, "concentration": 10},
            },
            {
                "id": "c5",
                "text": "low",
                "proposition": "level in ['1', '2']",
                "status": "confirmed",
            },
            {
                "id": "c6",
                "text": "naive time",
                "proposition": "not escalates",
                "source": "wire",
                "time": datetime(2023, 6, 23, 22, 30),
                "weight": 0.3,
                "status": "retracted",
                "retracted": {"at": datetime(2023, 6, 23, 23, 0), "note": "an old photo"},
                "hindsight": True,
            },
        ],
    )


# --- round trips --------------------------------------------------------------------


@pytest.mark.parametrize("path", PRIORS, ids=[p.name for p in PRIORS])
def test_priors_files_round_trip(path: Path, tmp_path: Path) -> None:
    s = load(path)
    assert loads(dumps(s)) == s
    assert load(save(s, tmp_path / "copy.yaml")) == s
    # and the text is a fixed point
    assert dumps(loads(dumps(s))) == dumps(s)


QUOTED = [p for p in PRIORS if p.name.startswith(("wagner", "ever-given", "pennsylvania"))]


@pytest.mark.parametrize("path", QUOTED, ids=[p.name for p in QUOTED])
def test_shipped_claims_quote_their_sources_verbatim(path: Path) -> None:
    # no text the source does not contain: a claim's text is part of the sentence it cites
    s = load(path)
    quoted = [c for c in s.claims if c.cites is not None]
    assert quoted
    for c in quoted:
        assert c.text in c.cites, (c.id, c.text)


def test_rich_scenario_round_trips(tmp_path: Path) -> None:
    s = rich_scenario()
    text = dumps(s)
    assert loads(text) == s
    assert load(save(s, tmp_path / "rich.yaml")) == s
    back = loads(text)
    assert back.as_of == s.as_of and back.as_of.utcoffset() == timedelta(0)
    assert back.report.published.utcoffset() == timedelta(hours=3)
    assert back.facts["level"].state_names == ("1", "2", "3")
    assert back.facts["answer"].state_names == ("yes", "no")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_networks())
def test_random_scenarios_round_trip(net: RandomNetwork) -> None:
    s = Scenario.model_validate(net.data)
    assert loads(dumps(s)) == s


def test_table_of_defaults_round_trips() -> None:
    s = loads(SMALL).with_prior("o", {"given": ["f"], "table": [], "default": {"p": 0.4}})
    assert loads(dumps(s)) == s


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x85")),
    text=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x85"), min_size=1),
)
def test_any_text_round_trips(title: str, text: str) -> None:
    s = loads(SMALL).replace(title=title, description=text).with_source("s", grade="C")
    s = s.with_claim({"id": "c", "text": text, "cites": text, "proposition": "f", "source": "s"})
    assert loads(dumps(s)) == s


def test_next_line_character_round_trips() -> None:
    s = loads(SMALL).replace(description="a\x85b")
    assert loads(dumps(s)).description == "a\x85b"


# --- saving -------------------------------------------------------------------------


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_save_never_overwrites(tmp_path: Path) -> None:
    s = loads(SMALL)
    target = tmp_path / "mine.yaml"
    save(s, target)
    before = target.read_bytes()
    with pytest.raises(FileExistsError, match=re.escape(str(target))):
        save(s.replace(title="Other"), target)
    assert target.read_bytes() == before
    assert _listing(tmp_path) == ["mine.yaml"]  # no temporary file left behind
    # unless asked to
    save(s.replace(title="Other"), target, overwrite=True)
    assert load(target).title == "Other"
    assert _listing(tmp_path) == ["mine.yaml"]


def test_save_into_a_directory_makes_new_names(tmp_path: Path) -> None:
    s = loads(SMALL)
    first = save(s, tmp_path)
    second = save(s.replace(title="Coin, edited"), tmp_path)
    third = save(s, tmp_path)
    assert len({first, second, third}) == 3
    assert _listing(tmp_path) == sorted(p.name for p in (first, second, third))
    assert all(p.parent == tmp_path and p.suffix == ".yaml" for p in (first, second, third))
    assert load(first) == s and load(third) == s
    assert load(second).title == "Coin, edited"


def test_saved_file_is_the_yaml_with_a_header(tmp_path: Path) -> None:
    s = loads(SMALL)
    text = save(s, tmp_path / "x.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Coin\n")
    assert text.endswith(dumps(s))


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a failure while writing leaves neither a half file nor a temporary file
    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scenarios.io.files.os, "fsync", broken_fsync)
    target = tmp_path / "new.yaml"
    with pytest.raises(OSError, match="No space left"):
        save(loads(SMALL), target)
    assert _listing(tmp_path) == []

    # ... and a failed overwrite keeps the old file whole
    monkeypatch.undo()
    save(loads(SMALL), target)
    before = target.read_bytes()
    monkeypatch.setattr(scenarios.io.files.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        save(loads(SMALL).replace(title="New"), target, overwrite=True)
    assert target.read_bytes() == before
    assert _listing(tmp_path) == ["new.yaml"]


# --- errors from files --------------------------------------------------------------

# fixture file -> patterns its message must contain (beyond the file name)
BAD_FILES = {
    "not_yaml.yaml": [r"line 4, column 1", r"not valid scenario YAML"],
    "top_level_list.yaml": [r"expected a mapping with title, facts, outcomes, got list"],
    "alias.yaml": [r"line 5, column 6", r"aliases .* not allowed"],
    "duplicate_key.yaml": [r"line 5, column 1", r"duplicate key 'title'"],
    "missing_title.yaml": [r"- title: Field required"],
    "missing_prior.yaml": [r"facts\.f\.prior: Field required"],
    "wrong_type.yaml": [r"facts\.f\.prior\.p: .*valid number", r"'likely'"],
    "facts_not_mapping.yaml": [r"- facts: .*valid dictionary"],
    "unknown_field.yaml": [r"facts\.f\.descripton: Extra inputs are not permitted"],
    "unknown_kind.yaml": [
        r"facts\.f\.kind: .*'binary', 'categorical', 'continuous' or "
        r"'probability'",
        r"'boolean'",
    ],
    "probability_above_one.yaml": [r"facts\.f\.prior\.p: .*less than or equal to 1", r"got 1\.5"],
    "probability_nan.yaml": [r"facts\.f\.prior\.p: ", r"got nan"],
    "range_nan.yaml": [r"facts\.troops\.prior\.between\.0: .*expected a finite number"],
    "coefficient_inf.yaml": [
        r"facts\.g\.prior\.logit\.terms\.0\.coef: "
        r".*expected a finite number, got inf"
    ],
    "probs_not_summing.yaml": [r"facts\.g\.prior\.probs: probabilities must sum to 1, got 1\.1"],
    "unknown_state_in_row.yaml": [
        r"outcomes\.o\.prior\.table\.1\.when\.f: unknown state "
        r"'maybe' of 'f'; states are \['false', 'true'\]"
    ],
    "missing_rows.yaml": [
        r"outcomes\.o\.prior\.table: 1 parent combination\(s\) have no row",
        r"\{'f': 'false'\}",
        r"'default'",
    ],
    "unknown_parent.yaml": [r"outcomes\.o\.prior: unknown parent 'g'"],
    "cycle.yaml": [r"- facts: .*cycle: a -> b -> a"],
    "duplicate_states.yaml": [r"facts\.g\.states: duplicate state names"],
    "unknown_source.yaml": [
        r"claims\.0\.source: unknown source 'nobody'; sources are "
        r"\['wire'\]"
    ],
    "unknown_fact_in_claim.yaml": [
        r"claims\.0\.proposition: 'g' is unknown; facts are "
        r"\['f'\]"
    ],
    "unknown_state_in_claim.yaml": [r"claims\.0\.proposition: unknown state 'maybe' of 'f'"],
    "threshold_on_discrete.yaml": [
        r"claims\.0\.proposition: 'f' is binary: compare it with "
        r"==, != or in"
    ],
    "equals_on_continuous.yaml": [
        r"claims\.0\.proposition: 'troops' is continuous: compare "
        r"it with a number"
    ],
    "claim_on_outcome.yaml": [r"claims\.0\.proposition: 'o' is an outcome"],
    "outcome_not_exhaustive.yaml": [
        r"outcomes\.o: outcome states must be exhaustive",
        r"'other'",
        r"'exhaustive'",
    ],
    "bad_proposition.yaml": [r"claims\.0\.proposition: ", r"expected a state or a number"],
    "duplicate_claim_id.yaml": [r"claims\.1\.id: duplicate claim id 'c' \(also claims\.0\)"],
    "reported_number_on_binary.yaml": [
        r"claims\.0\.reported\.fact: 'f' is binary: a reported "
        r"number needs a continuous fact"
    ],
    "negative_reported_value.yaml": [
        r"claims\.0\.reported\.value: .*expected a reported "
        r"value > 0, got -3"
    ],
    "prior_outside_support.yaml": [
        r"facts\.troops\.prior: Normal has support .*outside the "
        r"fact's support"
    ],
    "range_outside_support.yaml": [r"facts\.troops\.prior: a LogNormal needs positive values"],
}
XFAIL_FILES: dict[str, str] = {}


def test_every_bad_fixture_is_listed() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted([*BAD_FILES, "three_problems.yaml"])


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=XFAIL_FILES[n], strict=True))
        if n in XFAIL_FILES
        else n
        for n in BAD_FILES
    ],
)
def test_bad_file_is_a_located_error(name: str) -> None:
    path = BAD / name
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: \d+ problems?\n") as info:
        load(path)
    message = str(info.value)
    for pattern in BAD_FILES[name]:
        assert re.search(pattern, message), f"{pattern!r} not in:\n{message}"
    assert info.value.file == str(path)
    # the same text without a file name still locates the field
    with pytest.raises(ScenarioError, match=r"^scenario: \d+ problems?\n"):
        loads(path.read_text(encoding="utf-8"))
    with pytest.raises(ScenarioError, match=r"^given\.yaml: "):
        loads(path.read_text(encoding="utf-8"), file="given.yaml")


def test_every_problem_is_listed_at_once() -> None:
    path = BAD / "three_problems.yaml"
    with pytest.raises(ScenarioError, match=rf"^{re.escape(str(path))}: 3 problems\n") as info:
        load(path)
    paths = {".".join(map(str, p.path)) for p in info.value.problems}
    assert paths == {"facts.g.prior.probs", "outcomes.o", "claims.0.source"}


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such.yaml"
    with pytest.raises(
        ScenarioError, match=rf"(?s)^{re.escape(str(path))}: .*cannot read the file"
    ):
        load(path)


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(
        ScenarioError,
        match=rf"(?s)^{re.escape(str(tmp_path))}: .*expected a "
        r"regular file, got a folder",
    ):
        load(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(SMALL.replace("Coin", "Pi\xf1a").encode("latin-1"))
    with pytest.raises(ScenarioError, match=rf"(?s)^{re.escape(str(path))}: .*expected UTF-8 text"):
        load(path)


def test_python_object_tag_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(
        ScenarioError,
        match=rf"(?s)^{re.escape(str(path))}: .*line 1, column 1: "
        r".*python/object/apply:os\.system",
    ):
        load(path)
    nested = tmp_path / "nested.yaml"
    nested.write_text(SMALL + f"description: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ScenarioError, match=r"line 6, column 14"):
        load(nested)
    assert not marker.exists()


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text(SMALL + "# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(
        ScenarioError,
        match=rf"(?s)^{re.escape(str(path))}: .*larger than "
        rf"{MAX_BYTES:,} bytes",
    ):
        load(path)
    with pytest.raises(ScenarioError, match="larger than"):
        loads(path.read_text())


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = SMALL + "description: " + "[" * 20000 + "]" * 20000 + "\n"
    with pytest.raises(ScenarioError):
        loads(text)


def test_nan_and_inf_everywhere_a_number_goes() -> None:
    for bad in (".nan", ".inf", "-.inf"):
        with pytest.raises(ScenarioError, match=r"facts\.f\.prior\.p: "):
            loads(SMALL.replace("p: 0.5", f"p: {bad}"))
        text = SMALL.replace(
            "outcomes:",
            "  x: {kind: continuous, prior: {distribution: Normal, "
            f"parameters: {{mu: {bad}, sigma: 1}}}}}}\noutcomes:",
        )
        with pytest.raises(ScenarioError, match=r"facts\.x\.prior\.parameters\.mu: .*finite"):
            loads(text)


def test_only_true_and_false_are_booleans() -> None:
    # YAML 1.2 style (docs/format.md): true/false name a binary fact's states, yes/no do not
    table = "given: [f], table: [{when: {f: T}, p: 0.9}, {when: {f: F}, p: 0.2}]}"
    s = loads(SMALL.replace("p: 0.3}", table.replace("T", "true").replace("F", "false")))
    assert s.outcomes["o"].prior.table[0].when["f"] == "true"
    with pytest.raises(
        ScenarioError,
        match=r"outcomes\.o\.prior\.table\.0\.when\.f: unknown "
        r"state 'yes' of 'f'; states are \['false', 'true'\]",
    ):
        loads(SMALL.replace("p: 0.3}", table.replace("T", "yes").replace("F", "no")))


def test_categorical_yes_no_states_keep_their_names() -> None:
    text = SMALL.replace(
        "outcomes:",
        "  answer: {kind: categorical, states: [yes, no], prior: {probs: {yes: 0.4, no: 0.6}}}\n"
        "outcomes:",
    )
    s = loads(
        text + "sources: {s: {grade: B}}\n"
        "claims: [{id: c, text: yes, proposition: answer == yes, source: s}]\n"
    )
    assert s.facts["answer"].state_names == ("yes", "no")
    assert dict(s.facts["answer"].prior.probs) == {"yes": 0.4, "no": 0.6}
    assert loads(dumps(s)) == s


def test_priors_files_are_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # the shipped examples are found inside the package, whatever the working folder
    monkeypatch.chdir(tmp_path)
    assert {p.name for p in PRIORS} >= {"wagner-2023-06-23.yaml", "ever-given-2021-03-25.yaml"}
    assert all(p.is_file() for p in PRIORS)


def test_default_priors_is_the_shipped_wagner_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no priors/ folder here: the package's own file is used
    path = scenarios.default_priors()
    assert path == scenarios.example("wagner-2023-06-23")
    assert path.parent.parent.name == "data" and path.parent.name == "priors"
    assert Path(scenarios.__file__).parent in path.parents
    assert load(path).title.startswith("Wagner")
    with pytest.raises(FileNotFoundError, match="wagner-2023-06-23"):
        scenarios.example("no-such-example")

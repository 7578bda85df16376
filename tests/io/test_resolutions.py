"""Resolution files: the shipped one loads; bad ones give errors naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

import scenarios
from scenarios.errors import ScenarioError
from scenarios.io import load_resolution
from scenarios.io.data import example, resolution_for
from scenarios.io.resolutions import resolution_from_dict
from scenarios.spec.resolution import Resolution


def test_the_shipped_wagner_resolution_loads() -> None:
    path = resolution_for(example("wagner-2023-06-23"))
    assert path is not None
    resolution = load_resolution(path)
    assert resolution.outcomes == {"mutiny_end": "negotiated", "putin_in_power": "true"}
    assert resolution.resolved_at is not None and resolution.resolved_at.year == 2023
    assert len(resolution.sources) == 3
    # every resolved outcome is a state of the scenario it resolves
    s = scenarios.load(example("wagner-2023-06-23"))
    for outcome, state in resolution.outcomes.items():
        assert state in s.outcomes[outcome].state_names


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "res.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("title: t\noutcomes: {o: yes}\nresolved: 2023-01-01\n", "resolved", "Extra inputs"),
        ("title: t\n", "outcomes", "Field required"),
        ("title: t\noutcomes: {o: ''}\n", "outcomes.o", "at least 1 item"),
        ("title: t\noutcomes: [a, b]\n", "outcomes", "valid dictionary"),
        ("format: scenarios-resolution/2\ntitle: t\noutcomes: {}\n", "format", "scenarios-res"),
        ("title: t\nresolved_at: someday\noutcomes: {}\n", "resolved_at", "datetime"),
    ],
)
def test_a_bad_field_is_named_with_the_file(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_resolution(path)
    err = info.value
    assert err.file == str(path)
    assert str(err).startswith(f"{path}: ")
    hits = [p for p in err.problems if ".".join(map(str, p.path)) == where]
    assert hits, err.messages
    assert message in hits[0].message


def test_yaml_errors_are_located_by_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "title: t\noutcomes: {o: a}\ntitle: again\n")
    with pytest.raises(ScenarioError, match=r"line 3, column 1: .*duplicate key 'title'") as info:
        load_resolution(path)
    assert info.value.file == str(path)


@pytest.mark.parametrize(
    ("text", "got"), [("- a\n- b\n", "list"), ("just text\n", "str"), ("", "NoneType")]
)
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str, got: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(
        ScenarioError, match=f"expected a mapping with title and outcomes, got {got}"
    ):
        load_resolution(path)


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the file") as info:
        load_resolution(tmp_path / "missing.yaml")
    assert info.value.file == str(tmp_path / "missing.yaml")
    big = write(tmp_path, "title: t\noutcomes: {}\nnotes: " + "x" * 5_000_001 + "\n")
    with pytest.raises(ScenarioError, match="larger than"):
        load_resolution(big)


def test_states_are_text_as_in_scenario_files() -> None:
    r = resolution_from_dict({"title": "t", "outcomes": {"a": True, "b": False, "c": 3}})
    assert r.outcomes == {"a": "true", "b": "false", "c": "3"}
    assert r == Resolution(title="t", outcomes={"a": "true", "b": "false", "c": "3"})

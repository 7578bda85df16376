"""Revisions of a priors file: comments and layout kept, changes noted, resolution kept."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import scenarios
from scenarios.io.data import example, resolution_for
from scenarios.io.revisions import base_stem, revision_path, save_revision

WAGNER = example()
WHEN = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.lstrip().startswith("#")]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A team folder as `scenarios init` lays it out, with the Wagner file and resolution."""
    for folder in ("priors", "resolutions"):
        (tmp_path / folder).mkdir()
    shutil.copy(WAGNER, tmp_path / "priors" / WAGNER.name)
    resolution = resolution_for(WAGNER)
    assert resolution is not None
    shutil.copy(resolution, tmp_path / "resolutions" / resolution.name)
    return tmp_path / "priors" / WAGNER.name


def test_a_revision_keeps_comments_layout_and_its_resolution(team: Path) -> None:
    original = team.read_text()
    s = scenarios.load(team)
    prior = s.facts["army_strikes"].prior
    edited = s.with_prior("army_strikes", {"p": 0.45, "concentration": prior.concentration})
    path, changes = save_revision(edited, team, why="new  satellite\nimages", now=WHEN)
    assert path == team.parent / f"{team.stem}.r2.yaml"
    assert team.read_text() == original  # the opened file is never changed
    text = path.read_text()
    assert scenarios.load(path).facts["army_strikes"].prior.p == 0.45
    assert [str(c) for c in changes] == [f"facts.army_strikes.prior.p: {prior.p} -> 0.45"]
    # every comment of the file is still there; one header line is added
    kept = _comments(original)
    assert len(kept) > 40
    assert [c for c in _comments(text) if c in kept] == kept
    # the note sits beside the number: old value, when, why (one line)
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith("p: 0.45  # r2")]
    assert f"was {prior.p}" in line and "2026-11-30 17:00 UTC" in line
    assert "why: new satellite images" in line
    # lines that did not change are byte for byte the same (beyond the prior's reasoning)
    same = set(original.splitlines()) & set(text.splitlines())
    assert len(same) >= len(set(original.splitlines())) - 12
    # the stale reasoning says it was written for the previous prior
    reasoning = scenarios.load(path).facts["army_strikes"].reasoning or ""
    assert reasoning.startswith("[r2 2026-11-30 17:00 UTC: this reasoning was written for the")
    assert (s.facts["army_strikes"].reasoning or "").split()[-1] in reasoning
    # reopened: the team's resolution still applies
    assert resolution_for(path) == team.parent.parent / "resolutions" / WAGNER.name
    # a second revision of the revision is r3, of the same base
    again, _ = save_revision(scenarios.load(path), path, why="nothing", now=WHEN)
    assert again.name == f"{team.stem}.r3.yaml"
    assert resolution_for(again) == resolution_for(path)


def test_names_and_an_unchanged_scenario(tmp_path: Path) -> None:
    assert base_stem("a.r12") == "a" and base_stem("a.r") == "a.r" and base_stem("a") == "a"
    assert revision_path("x/a.yaml", tmp_path) == tmp_path / "a.r2.yaml"
    (tmp_path / "a.r7.yaml").write_text("")
    (tmp_path / "ab.r9.yaml").write_text("")  # another file's revision
    assert revision_path("x/a.r2.yaml", tmp_path) == tmp_path / "a.r8.yaml"
    path, changes = save_revision(scenarios.load(WAGNER), WAGNER, tmp_path, now=WHEN)
    assert changes == [] and path.name == f"{WAGNER.stem}.r2.yaml"
    assert "no value changed" in path.read_text().splitlines()[0]
    assert scenarios.load(path) == scenarios.load(WAGNER)


def test_an_explorer_save_is_a_revision_with_the_reason(team: Path) -> None:
    from scenarios.views.explorer import Explorer

    ex = Explorer(team)
    assert ex.priors_dir == team.parent
    ex.controls["prior:army_strikes"].box.value = "45%"
    ex.why.value = "a second video"
    path = ex.save()
    assert path is not None and path.name == f"{team.stem}.r2.yaml"
    assert "1 value changed" in ex.saved_label.value
    assert "why: a second video" in path.read_text()
    reopened = Explorer(path)
    assert reopened.model.resolution_path == resolution_for(team)
    assert reopened.scenario.facts["army_strikes"].prior.p == 0.45

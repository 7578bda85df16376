"""The command line: exit codes scripts rely on, and what it prints."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scenarios
from scenarios.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main


def test_update_prints_the_default_scenario_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["update"]) == EXIT_OK
    out = capsys.readouterr().out
    post = scenarios.load(scenarios.default_priors()).update()
    for outcome, state in post.scenarios.index:
        assert state in out
    first = post.scenarios["probability"].iloc[0]
    assert f"{first:.3f}" in out
    assert f"seed {post.seed}" in out


def test_validate_reports_problems_with_file_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nfacts: {a: {kind: binary, prior: {p: 1.5}}}\noutcomes: {}\n")
    assert main(["validate", str(bad)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "facts.a.prior.p" in err


def test_validate_accepts_every_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted((Path(__file__).parents[1] / "priors").glob("*.yaml"))
    assert files
    for path in files:
        assert main(["validate", str(path)]) == EXIT_OK
    assert "valid" in capsys.readouterr().out


def test_missing_file_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["update", "no/such/file.yaml"]) == EXIT_INVALID
    assert "no/such/file.yaml" in capsys.readouterr().err


def test_bad_usage_exits_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["update", "--engine", "magic"])
    assert info.value.code == EXIT_USAGE


def test_installed_entry_point_has_help() -> None:
    exe = shutil.which("scenarios", path=str(Path(sys.executable).parent))
    assert exe is not None, "the scenarios command is not installed in this environment"
    for command in ([], ["update"], ["validate"]):
        done = subprocess.run([exe, *command, "--help"], capture_output=True, text=True, check=True)
        assert "usage: scenarios" in done.stdout

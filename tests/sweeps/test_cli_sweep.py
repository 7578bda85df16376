"""The ``scenarios sweep`` command: output, exit codes, usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scenarios.cli
from scenarios import sweeps
from scenarios.cli import EXIT_FAILED, EXIT_INVALID, EXIT_OK, EXIT_USAGE, main

from .helpers import DRAWS, WAGNER, comparable, small_plan


def test_cli_sweep_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["sweep", str(WAGNER), "--grid", "army_strikes.p=0.2,0.6", "--draws", str(DRAWS)]
    args += ["--seeds", "1", "--out", str(out), "--scheduler", "serial"]
    assert main([*args, "--grid", "troops.between.0=20,30"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "sweep: 4 variants: 4 ok, 0 failed (4 computed, 0 already done)" in captured.out
    assert f"results: {out / 'results.parquet'}" in captured.out
    table = sweeps.read_results(out)
    serial = sweeps.run_sweep(
        small_plan(bad=False), tmp_path / "api", scheduler="serial", progress=False
    )
    assert comparable(table).equals(comparable(serial))

    # a failed variant: exit 5, and the reason on stderr
    assert main([*args, "--grid", "troops.between.0=20,60"]) == 5
    captured = capsys.readouterr()
    assert "2 ok, 2 failed (2 computed, 2 already done)" in captured.out
    assert "lower < upper" in captured.err

    assert main([*args, "--grid", "troops.between.0=20,30", "--dry-run"]) == EXIT_OK
    assert "4 variants from 1 file" in capsys.readouterr().out


def test_cli_sweep_grid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grid = tmp_path / "grid.yaml"
    grid.write_text("army_strikes.p: '0.2:0.6:3'\n")
    args = ["sweep", "--grid-file", str(grid), "--grid", "troops.between.0=20,30"]
    assert main([*args, "--dry-run", "--out", str(tmp_path / "out")]) == EXIT_OK
    assert "6 variants from 1 file" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()  # a dry run writes nothing


def test_cli_sweep_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ["--out", str(tmp_path / "out"), "--scheduler", "serial"]
    assert main(["sweep", "--grid", "army_strike.p=0.1", *out]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "army_strike.p: no fact or outcome 'army_strike'" in err
    assert err.startswith("scenarios sweep: error: sweep grid: 1 problem")
    assert main(["sweep", "--grid", "army_strikes.p", *out]) == EXIT_USAGE
    assert "expected NAME=VALUES" in capsys.readouterr().err
    assert main(["sweep", "--workers", "0", *out]) == EXIT_USAGE
    assert main(["sweep", "--seeds", "x", *out]) == EXIT_USAGE
    assert main(["sweep", "--grid-file", str(tmp_path / "none.yaml"), *out]) == EXIT_USAGE
    assert "cannot read the file" in capsys.readouterr().err
    assert main(["sweep", "no/such.yaml", *out]) == EXIT_INVALID
    assert "no/such.yaml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as info:  # argparse's own usage errors
        main(["sweep", "--engine", "magic", *out])
    assert info.value.code == EXIT_USAGE


def test_cli_sweep_held_folder_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code = main(["sweep", "--out", str(out), "--scheduler", "serial", "-q"])
    assert code == EXIT_FAILED  # a SweepError, though it is a ScenarioError (exit 1)
    assert "scenarios sweep: 1 problem\n  - another sweep is writing to" in capsys.readouterr().err


def test_cli_sweep_help_documents_exit_codes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", "sweep", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = " ".join(done.stdout.split())
    assert "Exit codes" in text and "5 some variants failed" in text
    assert "5: ``sweep`` ran, but some variants failed" in (scenarios.cli.__doc__ or "")

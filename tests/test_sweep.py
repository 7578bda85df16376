"""Sweeps: grid parsing, variant ids, failures recorded, resume, Dask equals serial, the CLI.

The Dask tests start a real ``distributed.LocalCluster`` (2 worker processes of one
thread, on 127.0.0.1) and the resume test kills a real ``scenarios sweep`` process with
SIGKILL; both are marked slow and bounded by timeouts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

import scenarios
from scenarios import sweep
from scenarios.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from scenarios.sweep import GridError, SweepError, Variant

WAGNER = scenarios.default_priors()
DRAWS = 300  # enough for intervals, fast
#: Columns that depend on the run, not on the inputs.
VOLATILE = ["elapsed", "report"]
DASK_TIMEOUT = 180.0


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=VOLATILE).reset_index(drop=True)


def _small_plan(bad: bool = True) -> list[Variant]:
    values = [0.2, 0.6, 1.5] if bad else [0.2, 0.6]
    return sweep.plan(
        WAGNER, {"army_strikes.p": values, "troops.between.0": [20, 30]}, seeds=[1], draws=DRAWS
    )


def _by_hand(p: float, low: float, seed: int) -> pd.DataFrame:
    """The same variant without the sweep machinery: with_prior on the loaded file."""
    s = scenarios.load(WAGNER)
    s = s.with_prior("army_strikes", {"p": p, "concentration": 5})
    s = s.with_prior("troops", {"between": [low, 50], "mass": 0.9})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scenarios.SamplingWarning)  # few draws: low ESS
        return s.update(seed=seed, draws=DRAWS).scenarios


# --- grid syntax -----------------------------------------------------------------------------


def test_parse_values_ranges_lists_and_json() -> None:
    assert sweep.parse_values("0.05:0.95:5") == [0.05, 0.275, 0.5, 0.725, 0.95]
    assert sweep.parse_values("0.1:0.3:3") == [0.1, 0.2, 0.3]  # not 0.30000000000000004
    assert sweep.parse_values("2:2:1") == [2.0]
    assert sweep.parse_values("0.1, 0.2,true,null,Normal") == [0.1, 0.2, True, None, "Normal"]
    assert sweep.parse_values("[[20, 40], [25, 50]]") == [[20, 40], [25, 50]]
    assert len(sweep.parse_values("0:1:40")) == 40
    assert sweep.parse_seeds("1:4:4") == [1, 2, 3, 4]
    assert sweep.parse_seeds("3,1,3") == [3, 1]


def test_parse_grid_and_grid_file(tmp_path: Path) -> None:
    grid = sweep.parse_grid(["army_strikes.p=0.2,0.4", "troops.between=[[20, 40], [25, 50]]"])
    assert grid == {"army_strikes.p": [0.2, 0.4], "troops.between": [[20, 40], [25, 50]]}
    f = tmp_path / "grid.yaml"
    f.write_text("army_strikes.p: '0.1:0.3:3'\ntroops.between.0: [20, 25]\n")
    assert sweep.parse_grid(["elite_cohesion.concentration=4,16"], file=f) == {
        "army_strikes.p": [0.1, 0.2, 0.3],
        "troops.between.0": [20, 25],
        "elite_cohesion.concentration": [4, 16],
    }


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["army_strikes.p"], "expected NAME=VALUES"),
        (["=0.1"], "expected NAME=VALUES"),
        (["army_strikes.p="], "army_strikes.p: no values"),
        (["army_strikes.p=0:1:0"], "COUNT must be between 1"),
        (["army_strikes.p=[0.1,"], "not a JSON array"),
        (["army_strikes.p=0.1,,0.2"], "empty value between commas"),
        (["army_strikes.p=0.1", "army_strikes.p=0.2"], "army_strikes.p: given more than once"),
    ],
)
def test_parse_grid_errors_name_the_entry(items: list[str], message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)):
        sweep.parse_grid(items)


def test_grid_file_errors(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text("army_strikes.p: [0.1]\narmy_strikes.p: [0.2]\n")
    with pytest.raises(GridError, match="duplicate key"):
        sweep.parse_grid(file=dup)
    seq = tmp_path / "seq.yaml"
    seq.write_text("- 0.1\n")
    with pytest.raises(GridError, match="expected a mapping of grid name to values"):
        sweep.parse_grid(file=seq)
    with pytest.raises(GridError, match="cannot read the grid file"):
        sweep.parse_grid(file=tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"army_strike.p": [0.1]}, "army_strike.p: no fact or outcome 'army_strike'; known:"),
        ({"army_strikes.q": [0.1]}, "army_strikes.q: Probabilities has no field 'q'"),
        ({"troops.between": [20, 40]}, "troops.between: the file's value is a list"),
        (
            {"troops.between.2": [1]},
            "troops.between.2: 'between.2' is not an item of a list of 2 (use an index 0-1)",
        ),
        ({"troops.between.x": [1]}, "'between.x' is not an item of a list of 2"),
        ({"army_strikes.p.x": [1]}, "army_strikes.p.x: 'p' is a number, with no fields"),
        ({"mutiny_end.logit.nope.x": [1]}, "the prior has no field 'logit.nope'"),
        ({"army_strikes": [0.3]}, "army_strikes: a whole prior is an object"),
        ({"army_strikes.p": ["high"]}, "the file's value is a number (0.3), got text"),
        ({"army strikes": [0.3]}, "'army strikes': expected NODE or NODE.FIELD"),
        ({"army_strikes.p": []}, "army_strikes.p: no values"),
        ({"army_strikes.p": [float("nan")]}, "army_strikes.p: expected a finite number"),
    ],
)
def test_plan_refuses_bad_keys_naming_them(grid: dict, message: str) -> None:
    with pytest.raises(GridError, match=re.escape(message)):
        sweep.plan(WAGNER, grid)


def test_plan_lists_every_problem_at_once_with_the_file() -> None:
    with pytest.raises(GridError) as info:
        sweep.plan(WAGNER, {"nope.p": [0.1], "army_strikes.p": [0.2], "troops.x": [1]})
    assert len(info.value.problems) == 2
    text = str(info.value)
    assert "wagner-2023-06-23.yaml: nope.p" in text
    assert "wagner-2023-06-23.yaml: troops.x" in text


def test_plan_refuses_bad_options() -> None:
    with pytest.raises(GridError, match="engine: expected one of"):
        sweep.plan(WAGNER, engine="magic")
    with pytest.raises(GridError, match="seeds: expected integers"):
        sweep.plan(WAGNER, seeds="1.5")
    with pytest.raises(GridError, match="seeds: expected integers"):
        sweep.plan(WAGNER, seeds=[-1])
    with pytest.raises(GridError, match="draws: expected a positive integer"):
        sweep.plan(WAGNER, draws=0)
    with pytest.raises(scenarios.ScenarioError, match=r"no/such\.yaml"):
        sweep.plan("no/such.yaml")


def test_plan_is_the_cartesian_product_for_every_file_and_seed(tmp_path: Path) -> None:
    other = tmp_path / "member.yaml"
    other.write_bytes(WAGNER.read_bytes().replace(b"p: 0.3\n", b"p: 0.4\n", 1))
    variants = sweep.plan(
        [WAGNER, other],
        {"army_strikes.p": "0.1:0.3:3", "troops.between": [[20, 40], [25, 50]]},
        seeds=[1, 2],
    )
    assert len(variants) == 2 * 3 * 2 * 2
    assert [v.priors for v in variants[:12]] == [str(WAGNER.resolve())] * 12
    first = variants[0]
    assert dict(first.overrides) == {"army_strikes.p": 0.1, "troops.between": (20, 40)}
    assert [v.seed for v in variants[:4]] == [1, 2, 1, 2]
    assert variants[0].priors_sha256 != variants[-1].priors_sha256
    # the file's own seed by default; a folder stands for its YAML files
    assert {v.seed for v in sweep.plan(WAGNER)} == {scenarios.load(WAGNER).seed}
    assert len(sweep.plan(tmp_path)) == 1
    # the same file twice is one variant
    assert len(sweep.plan([WAGNER, WAGNER])) == 1


def test_variant_id_is_the_sha256_of_its_canonical_json() -> None:
    (v,) = sweep.plan(WAGNER, {"army_strikes.p": [0.2], "troops.between.0": [20]}, seeds=[7])
    expected = {
        "draws": None,
        "engine": "exact",
        "overrides": {"army_strikes.p": 0.2, "troops.between.0": 20},
        "priors": str(WAGNER.resolve()),
        "priors_sha256": hashlib.sha256(WAGNER.read_bytes()).hexdigest(),
        "seed": 7,
    }
    text = json.dumps(expected, sort_keys=True, separators=(",", ":"))
    assert v.variant_id == hashlib.sha256(text.encode()).hexdigest()
    same = Variant(
        v.priors, v.priors_sha256, {"troops.between.0": 20, "army_strikes.p": 0.2}, seed=7
    )
    assert same == v and same.variant_id == v.variant_id and hash(same) == hash(v)
    assert Variant.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    assert Variant(v.priors, v.priors_sha256, dict(v.overrides), seed=8).variant_id != v.variant_id
    with pytest.raises(GridError, match="seed: expected an integer"):
        Variant(v.priors, v.priors_sha256, seed=-1)
    with pytest.raises(GridError, match="priors_sha256: expected 64 hex digits"):
        Variant(v.priors, "abc")
    with pytest.raises(AttributeError):  # frozen
        v.seed = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        v.overrides["army_strikes.p"] = 0.9  # type: ignore[index]


def test_apply_overrides_keeps_other_fields_and_null_removes_one() -> None:
    s = scenarios.load(WAGNER)
    s2, priors = sweep.apply_overrides(
        s, {"army_strikes.concentration": None, "troops.between.1": 60}
    )
    assert priors == {"army_strikes": {"p": 0.3}, "troops": {"between": [25.0, 60], "mass": 0.9}}
    assert s2.facts["army_strikes"].prior.concentration is None
    assert s2.facts["troops"].prior.between == (25.0, 60.0)
    assert s.facts["troops"].prior.between == (25.0, 50.0)  # the original is untouched
    # a whole prior first, then a field of the same node
    _, priors = sweep.apply_overrides(s, {"army_strikes.p": 0.9, "army_strikes": {"p": 0.1}})
    assert priors == {"army_strikes": {"p": 0.9}}


# --- running (serial: no Dask) ---------------------------------------------------------------


def test_failing_variants_are_recorded_and_the_others_run(tmp_path: Path) -> None:
    variants = sweep.plan(
        WAGNER,
        {"army_strikes.p": [0.2, 1.5], "troops.between.0": [20, 60]},
        seeds=[1],
        draws=DRAWS,
    )
    table = sweep.run_sweep(variants, tmp_path / "out", scheduler="serial", progress=False)
    assert list(table.columns) == list(sweep.COLUMNS)
    assert table.attrs["variants"] == 4 and table.attrs["ok"] == 1 and table.attrs["failed"] == 3
    ok = table[table["status"] == "ok"]
    assert json.loads(ok["overrides"].iloc[0]) == {"army_strikes.p": 0.2, "troops.between.0": 20}
    assert ok["error"].isna().all()
    expected = _by_hand(0.2, 20, 1)
    assert ok[["probability", "lower", "upper"]].to_numpy().tolist() == (
        expected[["probability", "lower", "upper"]].to_numpy().tolist()
    )
    assert ok["outcome"].tolist() == [o for o, _ in expected.index]
    errors = table[table["status"] == "error"].set_index("overrides")["error"]
    assert len(errors) == 3  # one row per failed variant
    p_bad = errors['{"army_strikes.p":1.5,"troops.between.0":20}']
    assert "facts.army_strikes.prior.p" in p_bad and "got 1.5" in p_bad
    assert "wagner-2023-06-23.yaml with overrides" in p_bad
    range_bad = errors['{"army_strikes.p":0.2,"troops.between.0":60}']
    assert "facts.troops.prior" in range_bad and "needs lower < upper" in range_bad
    assert table.loc[table["status"] == "error", "probability"].isna().all()
    # the parquet file holds the same table
    assert _comparable(sweep.read_results(tmp_path / "out")).equals(_comparable(table))
    # every failed variant has its part: a rerun does not try them again
    assert len(list((tmp_path / "out" / "parts").glob("*.parquet"))) == 4


def test_rows_carry_their_inputs_and_provenance(tmp_path: Path) -> None:
    (v,) = sweep.plan(WAGNER, {"army_strikes.p": [0.6]}, seeds=[3], draws=DRAWS)
    table = sweep.run_sweep([v], tmp_path, scheduler="serial", progress=False)
    row = table.iloc[0]
    assert row["variant_id"] == v.variant_id
    assert row["priors"] == str(WAGNER.resolve())
    assert row["priors_sha256"] == hashlib.sha256(WAGNER.read_bytes()).hexdigest()
    assert (row["engine"], row["seed"], row["draws"]) == ("exact", 3, DRAWS)
    assert row["scenarios_version"] == scenarios.__version__
    assert row["scenario_sha256"] == scenarios.scenario_hash(v.scenario())
    assert row["elapsed"] > 0
    assert Variant.from_row(row) == v
    assert Variant.from_row(row.to_dict()) == v
    assert table.attrs["interval"].startswith("90% equal-tailed")
    # without draws (the engine's default): null in the table, None in the variant
    (w,) = sweep.plan(WAGNER, {"army_strikes.p": [0.6]}, seeds=[3])
    row = sweep.run_variant(w).iloc[0]
    assert pd.isna(row["draws"]) and Variant.from_row(row) == w


def test_resume_skips_finished_variants(tmp_path: Path) -> None:
    variants = _small_plan()
    out = tmp_path / "out"
    first = sweep.run_sweep(variants, out, scheduler="serial", progress=False)
    assert first.attrs["computed"] == 6
    parts = {p: p.stat().st_mtime_ns for p in (out / "parts").glob("*.parquet")}
    assert len(parts) == 6
    again = sweep.run_sweep(variants, out, scheduler="serial", progress=False)
    assert (again.attrs["computed"], again.attrs["skipped"]) == (0, 6)
    assert {p: p.stat().st_mtime_ns for p in parts} == parts
    assert _comparable(again).equals(_comparable(first))
    # a lost part is computed again, and only it
    lost = out / "parts" / f"{variants[0].variant_id}.parquet"
    lost.unlink()
    third = sweep.run_sweep(variants, out, scheduler="serial", progress=False)
    assert third.attrs["computed"] == 1 and lost.exists()
    assert _comparable(third).equals(_comparable(first))
    # --retry-failed runs the failed ones (army_strikes.p = 1.5) again, not the others
    retried = sweep.run_sweep(variants, out, scheduler="serial", progress=False, retry_failed=True)
    assert retried.attrs["computed"] == 2
    # a sweep over part of the plan gives a table of those variants only, in plan order
    sub = sweep.run_sweep(variants[3:1:-1], out, scheduler="serial", progress=False)
    assert sub["variant_id"].drop_duplicates().tolist() == [
        variants[3].variant_id,
        variants[2].variant_id,
    ]


def test_a_corrupt_part_is_removed_and_reported(tmp_path: Path) -> None:
    variants = _small_plan(bad=False)[:2]
    sweep.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    part = tmp_path / "parts" / f"{variants[0].variant_id}.parquet"
    part.write_bytes(b"not parquet")
    table = sweep.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    assert table.attrs["failed"] == 1 and not part.exists()
    assert "unreadable" in table.loc[0, "error"]
    table = sweep.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    assert table.attrs["failed"] == 0 and table.attrs["computed"] == 1


def test_a_changed_file_fails_its_variants_instead_of_mixing_numbers(tmp_path: Path) -> None:
    priors = tmp_path / "w.yaml"
    shutil.copy(WAGNER, priors)
    variants = sweep.plan(priors, {"army_strikes.p": [0.2]}, draws=DRAWS)
    priors.write_bytes(WAGNER.read_bytes().replace(b"p: 0.3\n", b"p: 0.35\n", 1))
    table = sweep.run_sweep(variants, tmp_path / "out", scheduler="serial", progress=False)
    assert table.attrs["failed"] == 1
    assert "has changed since the sweep was planned" in table.loc[0, "error"]
    assert not list((tmp_path / "out" / "parts").glob("*.parquet"))  # retried next time
    with pytest.raises(scenarios.ScenarioError, match="has changed since"):
        variants[0].scenario()


def test_two_sweeps_cannot_write_one_folder(tmp_path: Path) -> None:
    import fcntl

    with open(tmp_path / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SweepError, match="another sweep is writing to"):
            sweep.run_sweep(_small_plan()[:1], tmp_path, scheduler="serial", progress=False)


def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "CONNECT_TIMEOUT", 2.0)
    start = time.monotonic()
    with pytest.raises(SweepError, match=r"cannot connect to the Dask scheduler at tcp://127"):
        sweep.run_sweep(_small_plan()[:1], tmp_path, scheduler="tcp://127.0.0.1:9", progress=False)
    assert time.monotonic() - start < 30
    with pytest.raises(GridError, match="workers applies to the local cluster only"):
        sweep.run_sweep(
            _small_plan()[:1], tmp_path, scheduler="tcp://127.0.0.1:9", workers=2, progress=False
        )


# --- the command line ------------------------------------------------------------------------


def test_cli_sweep_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["sweep", str(WAGNER), "--grid", "army_strikes.p=0.2,0.6", "--draws", str(DRAWS)]
    args += ["--seeds", "1", "--out", str(out), "--scheduler", "serial"]
    assert main([*args, "--grid", "troops.between.0=20,30"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "sweep: 4 variants: 4 ok, 0 failed (4 computed, 0 already done)" in captured.out
    assert f"results: {out / 'results.parquet'}" in captured.out
    table = sweep.read_results(out)
    serial = sweep.run_sweep(
        _small_plan(bad=False), tmp_path / "api", scheduler="serial", progress=False
    )
    assert _comparable(table).equals(_comparable(serial))

    # a failed variant: exit 5, and the reason on stderr
    assert main([*args, "--grid", "troops.between.0=20,60"]) == 5
    captured = capsys.readouterr()
    assert "2 ok, 2 failed (2 computed, 2 already done)" in captured.out
    assert "lower < upper" in captured.err

    assert main([*args, "--grid", "troops.between.0=20,30", "--dry-run"]) == EXIT_OK
    assert "4 variants from 1 file" in capsys.readouterr().out


def test_cli_sweep_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ["--out", str(tmp_path / "out"), "--scheduler", "serial"]
    assert main(["sweep", "--grid", "army_strike.p=0.1", *out]) == EXIT_USAGE
    assert "army_strike.p: no fact or outcome 'army_strike'" in capsys.readouterr().err
    assert main(["sweep", "--grid", "army_strikes.p", *out]) == EXIT_USAGE
    assert "expected NAME=VALUES" in capsys.readouterr().err
    assert main(["sweep", "--workers", "0", *out]) == EXIT_USAGE
    assert main(["sweep", "--seeds", "x", *out]) == EXIT_USAGE
    assert main(["sweep", "no/such.yaml", *out]) == EXIT_INVALID
    assert "no/such.yaml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_sweep_help_documents_exit_codes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scenarios.cli", "sweep", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    text = " ".join(done.stdout.split())
    assert "Exit codes" in text and "5 some variants failed" in text
    assert "5: ``sweep`` ran, but some variants failed" in (scenarios.cli.__doc__ or "")


# --- Dask ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_local_cluster_results_equal_serial_runs(tmp_path: Path) -> None:
    variants = _small_plan()
    start = time.monotonic()
    dask = sweep.run_sweep(
        variants,
        tmp_path / "dask",
        workers=2,
        batch_size=2,
        progress=False,
        timeout=DASK_TIMEOUT,
    )
    took = time.monotonic() - start
    serial = sweep.run_sweep(variants, tmp_path / "serial", scheduler="serial", progress=False)
    assert dask.attrs["workers"] == 2 and dask.attrs["computed"] == 6
    pd.testing.assert_frame_equal(_comparable(dask), _comparable(serial), check_exact=True)
    # and both equal updates done by hand, variant by variant
    for v in variants:
        rows = dask[dask["variant_id"] == v.variant_id]
        p, low = v.overrides["army_strikes.p"], v.overrides["troops.between.0"]
        if p > 1:
            assert rows["status"].tolist() == ["error"]
            assert "facts.army_strikes.prior.p" in rows["error"].iloc[0]
            continue
        expected = _by_hand(p, low, 1)
        assert rows["probability"].tolist() == expected["probability"].tolist()
        assert rows["lower"].tolist() == expected["lower"].tolist()
    assert took < DASK_TIMEOUT


@pytest.mark.slow
def test_the_command_points_at_an_existing_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        args = ["sweep", "--grid", "army_strikes.p=0.2,0.6", "--grid", "troops.between.0=20,30"]
        args += ["--seeds", "1", "--draws", str(DRAWS), "--out", str(tmp_path / "out")]
        assert main([*args, "--scheduler", address, "--timeout", str(DASK_TIMEOUT)]) == EXIT_OK
        assert main([*args, "--scheduler", address, "--workers", "2"]) == EXIT_USAGE
        assert len(cluster.scheduler.workers) == 2  # the cluster is left running
    captured = capsys.readouterr()
    assert "4 ok, 0 failed (4 computed, 0 already done)" in captured.out
    assert "workers applies to the local cluster only" in captured.err
    serial = sweep.run_sweep(
        _small_plan(bad=False), tmp_path / "serial", scheduler="serial", progress=False
    )
    pd.testing.assert_frame_equal(
        _comparable(sweep.read_results(tmp_path / "out")), _comparable(serial), check_exact=True
    )


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_killed_sweep_resumes_without_recomputing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    grid = "army_strikes.p=0.05:0.95:40"
    command = [sys.executable, "-m", "scenarios.cli", "sweep", "--grid", grid, "--draws", "1000"]
    command += ["--workers", "2", "--batch-size", "1", "--out", str(out), "-q"]

    def parts() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for p in (out / "parts").glob("*.parquet")}

    # SIGTERM: the command stops its cluster and exits 143; finished variants are kept
    code, log = _run_until(command, out, 3, signal.SIGTERM, tmp_path / "term.log")
    assert code == 128 + signal.SIGTERM, log
    assert "terminated; finished variants are kept" in log
    first = parts()
    assert 3 <= len(first) < 40, len(first)
    # SIGKILL of the resumed run: no clean-up at all
    code, log = _run_until(command, out, len(first) + 3, signal.SIGKILL, tmp_path / "kill.log")
    assert code == -signal.SIGKILL, log
    assert not (out / "results.parquet").exists()
    second = parts()
    assert {p: second[p] for p in first} == first  # not recomputed
    assert len(first) + 3 <= len(second) < 40, len(second)

    rerun = subprocess.run(command[:-1], capture_output=True, text=True, timeout=DASK_TIMEOUT)
    assert rerun.returncode == EXIT_OK, rerun.stderr
    assert f"({40 - len(second)} computed, {len(second)} already done)" in rerun.stdout
    assert {p: t for p, t in parts().items() if p in second} == second  # not recomputed
    assert len(parts()) == 40
    assert not list((out / "parts").glob(".*"))  # no temporary file left behind

    variants = sweep.plan(None, {"army_strikes.p": "0.05:0.95:40"}, draws=1000)
    serial = sweep.run_sweep(variants, tmp_path / "serial", scheduler="serial", progress=False)
    resumed = sweep.read_results(out)
    pd.testing.assert_frame_equal(_comparable(resumed), _comparable(serial), check_exact=True)


def _run_until(
    command: list[str], out: Path, parts: int, signum: int, log: Path
) -> tuple[int, str]:
    """Start the sweep, send ``signum`` once ``parts`` parts exist; its exit code and output.

    Also checks that the local cluster's worker processes are gone afterwards (they watch
    their parent, so they exit even when it is killed with SIGKILL).
    """
    with open(log, "wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=sink, start_new_session=True)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + DASK_TIMEOUT
        while len(list((out / "parts").glob("*.parquet"))) < parts:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "no part written in time"
            workers |= _descendants(proc.pid)
            time.sleep(0.02)
        workers |= _descendants(proc.pid)
        proc.send_signal(signum)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert workers, "the local cluster's worker processes were not seen"
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = [p for p in workers if _alive(p)]
    for p in survivors:  # never leave them behind, whatever the assertion says
        os.kill(p, signal.SIGKILL)
    assert not survivors, f"worker processes outlived the sweep: {survivors}"
    return proc.returncode, log.read_text()


@pytest.mark.slow
def test_sweep_with_reports(tmp_path: Path) -> None:
    (v,) = sweep.plan(WAGNER, {"army_strikes.p": [0.6]}, seeds=[2], draws=DRAWS)
    table = sweep.run_sweep([v], tmp_path, scheduler="serial", report=True, progress=False)
    assert table.attrs["ok"] == 1, table["error"].iloc[0]
    html = Path(table["report"].iloc[0])
    assert html == tmp_path / "reports" / f"{v.variant_id}.html"
    assert html.exists() and html.with_suffix(".ipynb").exists()
    from scenarios.views.report import read_report

    data = read_report(html)
    assert data["provenance"]["seed"] == 2
    numbers = {(r["variable"], r["state"]): r["probability"] for r in data["scenarios"]}
    for _, row in table.iterrows():
        assert numbers[(row["outcome"], row["state"])] == pytest.approx(row["probability"])

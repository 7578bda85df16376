"""Real Dask: a LocalCluster equals serial runs, an existing cluster, a killed sweep, reports.

These start real ``distributed.LocalCluster`` processes (2 workers of one thread, on
127.0.0.1), kill a real ``scenarios sweep`` process, or start Jupyter kernels: all are
marked slow. No test asserts how long anything takes; every wait is bounded
(``DASK_TIMEOUT``) so that a hang fails with a message instead of blocking the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from scenarios import sweeps
from scenarios.cli import EXIT_OK, EXIT_USAGE, main
from tests.processes import alive, descendants

from .helpers import DASK_TIMEOUT, DRAWS, WAGNER, by_hand, comparable, small_plan


@pytest.mark.slow
def test_local_cluster_results_equal_serial_runs(tmp_path: Path) -> None:
    variants = small_plan()
    dask = sweeps.run_sweep(
        variants,
        tmp_path / "dask",
        workers=2,
        batch_size=2,
        progress=False,
        timeout=DASK_TIMEOUT,  # a hang raises SweepError rather than blocking
    )
    serial = sweeps.run_sweep(variants, tmp_path / "serial", scheduler="serial", progress=False)
    assert dask.attrs["workers"] == 2 and dask.attrs["computed"] == 6
    pd.testing.assert_frame_equal(comparable(dask), comparable(serial), check_exact=True)
    # and both equal updates done by hand, variant by variant
    for v in variants:
        rows = dask[dask["variant_id"] == v.variant_id]
        p, low = v.overrides["army_strikes.p"], v.overrides["troops.between.0"]
        if p > 1:
            assert rows["status"].tolist() == ["error"]
            assert "facts.army_strikes.prior.p" in rows["error"].iloc[0]
            continue
        expected = by_hand(p, low, 1)
        assert rows["probability"].tolist() == expected["probability"].tolist()
        assert rows["lower"].tolist() == expected["lower"].tolist()


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
    serial = sweeps.run_sweep(
        small_plan(bad=False), tmp_path / "serial", scheduler="serial", progress=False
    )
    pd.testing.assert_frame_equal(
        comparable(sweeps.read_results(tmp_path / "out")), comparable(serial), check_exact=True
    )


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

    try:
        rerun = subprocess.run(command[:-1], capture_output=True, text=True, timeout=DASK_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the resumed sweep did not end within {DASK_TIMEOUT:g} s: {exc.stderr!r}")
    assert rerun.returncode == EXIT_OK, rerun.stderr
    assert f"({40 - len(second)} computed, {len(second)} already done)" in rerun.stdout
    assert {p: t for p, t in parts().items() if p in second} == second  # not recomputed
    assert len(parts()) == 40
    assert not list((out / "parts").glob(".*"))  # no temporary file left behind

    variants = sweeps.plan(None, {"army_strikes.p": "0.05:0.95:40"}, draws=1000)
    serial = sweeps.run_sweep(variants, tmp_path / "serial", scheduler="serial", progress=False)
    resumed = sweeps.read_results(out)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(serial), check_exact=True)


def _run_until(
    command: list[str], out: Path, parts: int, signum: int, log: Path
) -> tuple[int, str]:
    """Start the sweep, send ``signum`` once ``parts`` parts exist; its exit code and output.

    Also checks that the local cluster's worker processes are gone afterwards (they watch
    their parent, so they exit even when it is killed with SIGKILL). Every wait is bounded
    and fails with a message; none is a claim about speed.
    """
    with open(log, "wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=sink, start_new_session=True)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + DASK_TIMEOUT
        while len(list((out / "parts").glob("*.parquet"))) < parts:
            assert proc.poll() is None, log.read_text()
            if time.monotonic() > deadline:
                pytest.fail(f"hung: fewer than {parts} parts after {DASK_TIMEOUT:g} s")
            workers |= descendants(proc.pid)
            time.sleep(0.02)
        workers |= descendants(proc.pid)
        proc.send_signal(signum)
        proc.wait(timeout=DASK_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert workers, "the local cluster's worker processes were not seen"
    deadline = time.monotonic() + DASK_TIMEOUT
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = [p for p in workers if alive(p)]
    for p in survivors:  # never leave them behind, whatever the assertion says
        os.kill(p, signal.SIGKILL)
    assert not survivors, f"worker processes outlived the sweep: {survivors}"
    return proc.returncode, log.read_text()


@pytest.mark.slow
def test_sweep_with_reports(tmp_path: Path) -> None:
    (v,) = sweeps.plan(WAGNER, {"army_strikes.p": [0.6]}, seeds=[2], draws=DRAWS)
    table = sweeps.run_sweep([v], tmp_path, scheduler="serial", report=True, progress=False)
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
    # with reports, a variant counts as done only when its report exists too
    html.unlink()
    again = sweeps.run_sweep([v], tmp_path, scheduler="serial", report=True, progress=False)
    assert again.attrs["computed"] == 1 and html.exists()

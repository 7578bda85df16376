"""Running sweeps here (serial): failures recorded, provenance, resume, changed files.

The real Dask clusters are in ``test_dask.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import scenarios
from scenarios import sweeps
from scenarios.sweeps import GridError, SweepError, Variant

from .helpers import DRAWS, WAGNER, by_hand, comparable, small_plan


def test_failing_variants_are_recorded_and_the_others_run(tmp_path: Path) -> None:
    variants = sweeps.plan(
        WAGNER,
        {"army_strikes.p": [0.2, 1.5], "troops.between.0": [20, 60]},
        seeds=[1],
        draws=DRAWS,
    )
    table = sweeps.run_sweep(variants, tmp_path / "out", scheduler="serial", progress=False)
    assert list(table.columns) == list(sweeps.COLUMNS)
    assert table.attrs["variants"] == 4 and table.attrs["ok"] == 1 and table.attrs["failed"] == 3
    ok = table[table["status"] == "ok"]
    assert json.loads(ok["overrides"].iloc[0]) == {"army_strikes.p": 0.2, "troops.between.0": 20}
    assert ok["error"].isna().all()
    expected = by_hand(0.2, 20, 1)
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
    assert comparable(sweeps.read_results(tmp_path / "out")).equals(comparable(table))
    # every failed variant has its part: a rerun does not try them again
    assert len(list((tmp_path / "out" / "parts").glob("*.parquet"))) == 4


def test_rows_carry_their_inputs_and_provenance(tmp_path: Path) -> None:
    (v,) = sweeps.plan(WAGNER, {"army_strikes.p": [0.6]}, seeds=[3], draws=DRAWS)
    table = sweeps.run_sweep([v], tmp_path, scheduler="serial", progress=False)
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
    (w,) = sweeps.plan(WAGNER, {"army_strikes.p": [0.6]}, seeds=[3])
    row = sweeps.run_variant(w).iloc[0]
    assert pd.isna(row["draws"]) and Variant.from_row(row) == w


def test_a_variant_without_a_seed_runs_with_the_files(tmp_path: Path) -> None:
    (planned,) = sweeps.plan(WAGNER, {"army_strikes.p": [0.6]}, draws=DRAWS)
    v = Variant(planned.priors, planned.priors_sha256, dict(planned.overrides), draws=DRAWS)
    row = sweeps.run_variant(v).iloc[0]
    assert row["status"] == "ok" and row["seed"] == scenarios.load(WAGNER).seed
    assert row["probability"] == sweeps.run_variant(planned).iloc[0]["probability"]


def test_resume_skips_finished_variants(tmp_path: Path) -> None:
    variants = small_plan()
    out = tmp_path / "out"
    first = sweeps.run_sweep(variants, out, scheduler="serial", progress=False)
    assert first.attrs["computed"] == 6
    parts = {p: p.stat().st_mtime_ns for p in (out / "parts").glob("*.parquet")}
    assert len(parts) == 6
    again = sweeps.run_sweep(variants, out, scheduler="serial", progress=False)
    assert (again.attrs["computed"], again.attrs["skipped"]) == (0, 6)
    assert {p: p.stat().st_mtime_ns for p in parts} == parts
    assert comparable(again).equals(comparable(first))
    # a lost part is computed again, and only it
    lost = out / "parts" / f"{variants[0].variant_id}.parquet"
    lost.unlink()
    third = sweeps.run_sweep(variants, out, scheduler="serial", progress=False)
    assert third.attrs["computed"] == 1 and lost.exists()
    assert comparable(third).equals(comparable(first))
    # --retry-failed runs the failed ones (army_strikes.p = 1.5) again, not the others
    retried = sweeps.run_sweep(variants, out, scheduler="serial", progress=False, retry_failed=True)
    assert retried.attrs["computed"] == 2
    # a sweep over part of the plan gives a table of those variants only, in plan order
    sub = sweeps.run_sweep(variants[3:1:-1], out, scheduler="serial", progress=False)
    assert sub["variant_id"].drop_duplicates().tolist() == [
        variants[3].variant_id,
        variants[2].variant_id,
    ]


def test_a_changed_file_fails_its_variants_instead_of_mixing_numbers(tmp_path: Path) -> None:
    priors = tmp_path / "w.yaml"
    shutil.copy(WAGNER, priors)
    variants = sweeps.plan(priors, {"army_strikes.p": [0.2]}, draws=DRAWS)
    priors.write_bytes(WAGNER.read_bytes().replace(b"p: 0.3\n", b"p: 0.35\n", 1))
    table = sweeps.run_sweep(variants, tmp_path / "out", scheduler="serial", progress=False)
    assert table.attrs["failed"] == 1
    assert "has changed since the sweep was planned" in table.loc[0, "error"]
    assert not list((tmp_path / "out" / "parts").glob("*.parquet"))  # retried next time
    with pytest.raises(scenarios.ScenarioError, match="has changed since"):
        variants[0].scenario()
    assert "has changed since" in sweeps.run_variant(variants[0]).loc[0, "error"]


def test_a_removed_file_fails_its_variants_and_is_retried_when_back(tmp_path: Path) -> None:
    priors = tmp_path / "w.yaml"
    shutil.copy(WAGNER, priors)
    variants = sweeps.plan(priors, {"army_strikes.p": [0.2, 0.4]}, draws=DRAWS)
    priors.unlink()
    out = tmp_path / "out"
    table = sweeps.run_sweep(variants, out, scheduler="serial", progress=False)
    assert table.attrs["failed"] == 2
    assert table["error"].str.contains("cannot read the file").all()
    assert table["error"].str.startswith("ScenarioError: ").all()
    shutil.copy(WAGNER, priors)
    table = sweeps.run_sweep(variants, out, scheduler="serial", progress=False)
    assert (table.attrs["ok"], table.attrs["computed"]) == (2, 2)


def test_bad_run_options_are_grid_errors(tmp_path: Path) -> None:
    one = small_plan()[:1]
    with pytest.raises(GridError, match="batch_size: expected a positive integer"):
        sweeps.run_sweep(one, tmp_path, scheduler="serial", batch_size=0)
    with pytest.raises(GridError, match="workers: expected a positive integer"):
        sweeps.run_sweep(one, tmp_path, workers=0)
    with pytest.raises(TypeError, match="run_sweep takes Variant objects"):
        sweeps.run_sweep([one[0].to_dict()], tmp_path)  # type: ignore[list-item]
    assert not (tmp_path / "parts").exists()  # nothing was written


def test_a_sweep_past_its_timeout_stops_and_a_rerun_resumes(tmp_path: Path) -> None:
    variants = small_plan(bad=False)
    with pytest.raises(SweepError, match="did not finish within 0 s") as info:
        sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False, timeout=0)
    assert "running it again resumes" in str(info.value)
    table = sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    assert table.attrs["ok"] == 4


def test_an_unreachable_scheduler_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scenarios.sweeps import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)
    with pytest.raises(
        SweepError, match=r"no answer from the Dask scheduler at tcp://127\.0\.0\.1:9 within 2 s"
    ):  # it gave up after CONNECT_TIMEOUT, not the default minute
        sweeps.run_sweep(small_plan()[:1], tmp_path, scheduler="tcp://127.0.0.1:9", progress=False)
    with pytest.raises(GridError, match="workers applies to the local cluster only"):
        sweeps.run_sweep(
            small_plan()[:1], tmp_path, scheduler="tcp://127.0.0.1:9", workers=2, progress=False
        )

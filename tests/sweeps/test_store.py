"""The output folder: atomic parts with normal permissions, the results file, the lock."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scenarios
from scenarios import sweeps
from scenarios.io.files import umask
from scenarios.sweeps import SweepError
from scenarios.sweeps.store import COLUMNS, INTERVAL, locked, read_part, to_table, write_table

from .helpers import comparable, small_plan


def test_saved_files_have_normal_permissions(tmp_path: Path) -> None:
    variants = small_plan(bad=False)[:2]
    sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    want = 0o666 & ~umask()  # what open() gives, not mkstemp's 0600
    files = [tmp_path / "results.parquet", tmp_path / "sweep.json"]
    files += sorted((tmp_path / "parts").glob("*.parquet"))
    assert len(files) == 4
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == want, f
    assert not list(tmp_path.rglob(".*.tmp"))  # no temporary file left behind


def test_the_results_file_records_the_interval_and_versions(tmp_path: Path) -> None:
    variants = small_plan(bad=False)[:2]
    table = sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    meta = json.loads(pq.read_schema(tmp_path / "results.parquet").metadata[b"scenarios.sweep"])
    assert meta["interval"] == INTERVAL and meta["variants"] == 2
    assert meta["versions"]["scenarios"] == scenarios.__version__
    listed = json.loads((tmp_path / "sweep.json").read_text())  # a list: one per variant
    assert [v["variant_id"] for v in listed["variants"]] == [v.variant_id for v in variants]
    assert (
        sweeps.Variant.from_dict(
            {k: v for k, v in listed["variants"][0].items() if k != "variant_id"}
        )
        == variants[0]
    )
    whole = small_plan(bad=False)  # a Plan: written as its files, grid and seeds
    sweeps.run_sweep(whole, tmp_path / "plan", scheduler="serial", progress=False)
    saved = json.loads((tmp_path / "plan" / "sweep.json").read_text())["plan"]
    assert saved["variants"] == len(whole) == 4
    again = sweeps.Plan.from_dict(saved)
    assert [v.variant_id for v in again] == [v.variant_id for v in whole]
    # read back from the folder or from the file: the same table
    assert comparable(sweeps.read_results(tmp_path)).equals(comparable(table))
    assert comparable(sweeps.read_results(tmp_path / "results.parquet")).equals(comparable(table))


def test_a_part_from_another_version_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"variant_id": ["v"], "p": [0.5]}), path)
    assert read_part(path) is None
    write_table(to_table([{"variant_id": "v", "probability": 0.5}]), path)
    part = read_part(path)
    assert part is not None and part.column_names == list(COLUMNS)


def test_a_corrupt_part_is_removed_and_reported(tmp_path: Path) -> None:
    variants = small_plan(bad=False)[:2]
    sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    part = tmp_path / "parts" / f"{variants[0].variant_id}.parquet"
    part.write_bytes(b"not parquet")
    table = sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    assert table.attrs["failed"] == 1 and not part.exists()
    assert "unreadable" in table.loc[0, "error"]
    table = sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    assert table.attrs["failed"] == 0 and table.attrs["computed"] == 1


def test_two_sweeps_cannot_write_one_folder(tmp_path: Path) -> None:
    import fcntl

    with open(tmp_path / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SweepError, match="another sweep is writing to") as info:
            sweeps.run_sweep(small_plan()[:1], tmp_path, scheduler="serial", progress=False)
    assert isinstance(info.value, scenarios.ScenarioError)  # one exception base
    assert str(info.value).startswith("sweep: 1 problem")
    assert not (tmp_path / "parts" / f"{small_plan()[0].variant_id}.parquet").exists()
    with locked(tmp_path):  # released: it can be taken again
        pass


def test_stale_temporary_parts_are_removed_under_the_lock(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    stale = parts / ".abc.parquet.x1y2.tmp"  # as a killed write_atomic leaves it
    stale.write_bytes(b"half a file")
    sweeps.run_sweep(small_plan(bad=False)[:1], tmp_path, scheduler="serial", progress=False)
    assert not stale.exists()


def test_results_are_written_in_row_groups_in_the_plans_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scenarios.sweeps import store

    monkeypatch.setattr(store, "ROW_GROUP", 3)  # every variant has 4 rows: a group each
    variants = small_plan(bad=True)  # 6 variants, 2 of them failing (one row each)
    table = sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    meta = pq.ParquetFile(tmp_path / "results.parquet").metadata
    assert meta.num_row_groups > 1 and meta.num_rows == len(table)
    ids = list(dict.fromkeys(table["variant_id"]))
    assert ids == [v.variant_id for v in variants]
    assert (table.attrs["ok"], table.attrs["failed"]) == (4, 2)


def test_read_table_refuses_what_is_not_a_regular_parquet_file(tmp_path: Path) -> None:
    import os

    from scenarios.sweeps.store import read_table

    fifo = tmp_path / "results.parquet"
    os.mkfifo(fifo)
    with pytest.raises(scenarios.ScenarioError, match="expected a regular parquet file"):
        read_table(fifo)
    text = tmp_path / "text.parquet"
    text.write_text("not parquet")
    with pytest.raises(scenarios.ScenarioError, match="not a readable parquet file"):
        read_table(text)


def test_remove_stale_removes_only_the_sweeps_temporaries(tmp_path: Path) -> None:
    from scenarios.sweeps.store import remove_stale

    (tmp_path / "parts").mkdir()
    ours = [tmp_path / ".sweep.json.abc.tmp", tmp_path / "parts" / ".x.parquet.y.tmp"]
    theirs = [tmp_path / ".other.tmp", tmp_path / "sweep.json"]
    for path in ours + theirs:
        path.write_text("x")
    assert sorted(remove_stale(tmp_path)) == sorted(ours)
    assert all(p.exists() for p in theirs) and not any(p.exists() for p in ours)

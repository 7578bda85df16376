"""5. The default report, end to end: ``scenarios report`` as a user types it.

Each run is a new process (``scenarios report -o DIR -q``: the Wagner scenario, exact
engine, papermill running notebooks/report.ipynb in a fresh Jupyter kernel, HTML export).
Peak memory is the largest summed resident set of the whole process tree (the CLI, the
kernel and anything they start), polled every 50 ms with psutil; shared pages count once
per process, so it is an upper bound.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.common import (
    GB,
    Context,
    GroupResult,
    at_most,
    fmt_time,
    median,
    not_measured,
    supervise,
)

NAME = "report"
TITLE = "5. The default report end to end (scenarios report)"
MEMORY_TARGET = 2 * GB


def _command(out_dir: Path) -> list[str]:
    script = Path(sys.executable).parent / "scenarios"
    if script.exists():
        return [str(script), "report", "-o", str(out_dir), "-q"]
    code = "import sys; from scenarios.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "report", "-o", str(out_dir), "-q"]


def run(ctx: Context) -> GroupResult:
    result = GroupResult(NAME, TITLE)
    try:
        from scenarios.views.report import build_report  # noqa: F401
    except ImportError as exc:
        why = f"skipped: scenarios.views.report.build_report is not there yet ({exc})"
        result.notes.append(why)
        result.targets.append(
            not_measured(NAME, "peak memory of the default report", "<= 2 GB", why)
        )
        return result
    runs = ctx.pick(1, 3)
    rows = []
    for i in range(runs):
        out_dir = Path(tempfile.mkdtemp(prefix="report-", dir=ctx.tmp))
        ctx.log(f"{NAME}: run {i + 1}/{runs}")
        run = supervise(_command(out_dir), timeout=900, mem_limit=8 * GB)
        html = sorted(out_dir.glob("*.html"))
        rows.append(
            {
                "run": i + 1,
                "exit code": run.returncode,
                "wall": run.wall,
                "peak RSS (tree)": run.peak_rss,
                "html": f"{html[0].name} ({html[0].stat().st_size / 1024:.0f} KB)"
                if html
                else "none",
                "status": run.status or ("ok" if run.returncode == 0 else "failed"),
            }
        )
        if run.returncode != 0 or run.status:
            result.notes.append(f"run {i + 1} failed: {run.stderr.strip()[-1500:]}")
        shutil.rmtree(out_dir, ignore_errors=True)
    ok = [r for r in rows if r["status"] == "ok"]
    shown = pd.DataFrame(rows)
    shown["wall"] = [fmt_time(x) for x in shown["wall"]]
    shown["peak RSS (tree)"] = [f"{x / GB:.2f} GB" for x in shown["peak RSS (tree)"]]
    result.tables.append(("Runs of `scenarios report -o DIR -q` (each a new process)", shown))
    if not ok:
        result.targets.append(
            not_measured(NAME, "peak memory of the default report", "<= 2 GB", "every run failed")
        )
        return result
    wall = median([r["wall"] for r in ok])
    peak = max(r["peak RSS (tree)"] for r in ok)
    result.targets.append(
        at_most(
            NAME,
            "peak memory of the default report (largest run)",
            peak,
            MEMORY_TARGET,
            "B",
            note=f"wall time, median of {len(ok)}: {fmt_time(wall)}",
        )
    )
    return result

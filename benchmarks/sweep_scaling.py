"""Sweep throughput (variants per second) against the number of local Dask workers.

Run from the repository root::

    .venv/bin/python -m benchmarks.sweep_scaling            # 240 variants, 3 repeats
    .venv/bin/python -m benchmarks.sweep_scaling --quick    # 60 variants, 2 repeats
    .venv/bin/python -m benchmarks.sweep_scaling --no-save  # print only

The same Wagner variants (``army_strikes.p`` x ``troops.between.1``, exact engine,
default draws) are run by ``scenarios.sweeps.run_sweep`` in this process without Dask
(``serial``), and on local clusters of 1 and 2 worker processes (one thread each). Both
clusters are started first and kept warm (every worker has imported the library), then
the configurations run alternately, the order flipping every repetition, each into a
fresh output folder, so that the load of a shared machine falls on all of them alike.
The figure is the median wall time of ``run_sweep`` (planning excluded; writing the part
files and ``results.parquet`` included); the ratio column divides by the 1-worker median.
Every configuration's table is checked equal to the serial one (``elapsed`` aside).

The result is printed as markdown and appended to ``benchmarks/RESULTS.md`` under a
"Sweeps" heading with the machine, date and versions.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _variants(n_p: int, n_upper: int) -> list[Any]:
    from scenarios import sweeps

    return sweeps.plan(
        None, {"army_strikes.p": f"0.05:0.95:{n_p}", "troops.between.1": f"40:80:{n_upper}"}
    )


def _comparable(table: Any) -> Any:
    return table.drop(columns=["elapsed", "report"]).reset_index(drop=True)


def _markdown(frame: Any) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.sweep_scaling",
        description=("Variants per second of scenarios sweeps against local Dask worker count."),
    )
    parser.add_argument("--quick", action="store_true", help="60 variants, 2 repeats")
    parser.add_argument("--repeats", type=int, default=None, help="repetitions (default 3)")
    parser.add_argument("--no-save", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md", help="file")
    args = parser.parse_args(argv)

    for key in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[key] = "1"  # before numpy loads here; workers inherit it (and Dask sets it)
    import pandas as pd

    import scenarios
    from scenarios import sweeps
    from scenarios.sweeps.cluster import dask_client

    n_p, n_upper = (12, 5) if args.quick else (24, 10)
    repeats = args.repeats or (2 if args.quick else 3)
    variants = _variants(n_p, n_upper)
    n = len(variants)
    load_before = _load()
    started = datetime.now(UTC)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    log(f"sweep_scaling: {n} variants, {repeats} repeats; load average {load_before}")

    clients: dict[int, Any] = {}
    startup: dict[int, float] = {}
    with contextlib.ExitStack() as stack:
        # the local clusters run_sweep would start, kept open for every repetition
        for w in (1, 2):
            t0 = time.perf_counter()
            client, _ = stack.enter_context(dask_client(None, w))
            client.wait_for_workers(w, timeout=120)
            # warm: every worker imports the library and parses the file once
            with tempfile.TemporaryDirectory() as tmp:
                sweeps.run_sweep(
                    variants[: 2 * w], tmp, scheduler=client, progress=False, batch_size=1
                )
            startup[w] = time.perf_counter() - t0
            clients[w] = client
            log(f"  cluster of {w} worker(s) started and warm in {startup[w]:.1f} s")
        # quiet the clusters' closing (runs first on the way out: last in, first out)
        stack.callback(lambda: logging.getLogger("distributed").setLevel(logging.ERROR))

        configs: dict[str, tuple[Any, int, int | None]] = {
            "serial (this process, no Dask)": ("serial", 1, None),
            "local cluster, 1 worker": (clients[1], 1, None),
            "local cluster, 2 workers": (clients[2], 2, None),
            "local cluster, 2 workers, batch 1": (clients[2], 2, 1),
        }
        times: dict[str, list[float]] = {name: [] for name in configs}
        tables: dict[str, Any] = {}
        names = list(configs)
        for r in range(repeats):
            for name in names if r % 2 == 0 else names[::-1]:
                scheduler, _, batch = configs[name]
                with tempfile.TemporaryDirectory() as tmp:
                    t0 = time.perf_counter()
                    table = sweeps.run_sweep(
                        variants,
                        tmp,
                        scheduler=scheduler,
                        progress=False,
                        batch_size=batch,
                        timeout=1800,
                    )
                    times[name].append(time.perf_counter() - t0)
                assert table.attrs["computed"] == n and table.attrs["failed"] == 0
                tables.setdefault(name, table)
                log(f"  repeat {r + 1}/{repeats}: {name}: {times[name][-1]:.1f} s")

    reference = _comparable(tables[names[0]])
    equal = all(_comparable(t).equals(reference) for t in tables.values())
    one = statistics.median(times["local cluster, 1 worker"])
    rows = []
    for name, (_, workers, batch) in configs.items():
        med = statistics.median(times[name])
        auto = sweeps.auto_batch_size(n, workers)
        rows.append(
            {
                "configuration": name,
                "workers": workers if name != names[0] else 0,
                "variants per task": "-" if name == names[0] else (batch or auto),
                "median s": f"{med:.2f}",
                "min-max s": f"{min(times[name]):.2f}-{max(times[name]):.2f}",
                "variants/s": f"{n / med:.1f}",
                "speed vs 1 worker": f"{one / med:.2f}x",
            }
        )
    frame = pd.DataFrame(rows)
    two = statistics.median(times["local cluster, 2 workers"])
    per_variant = statistics.median(times[names[0]]) / n

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    text = "\n".join(
        [
            f"## Sweeps — {started:%Y-%m-%d %H:%M} UTC",
            "",
            "`.venv/bin/python -m benchmarks.sweep_scaling"
            + (" --quick" if args.quick else "")
            + "`: variants per second of "
            "`scenarios.sweeps.run_sweep` against local Dask worker count.",
            "",
            f"- Machine: {platform.node()}, {_cpu_model()}, {cpus} CPUs available, "
            f"{platform.system()} {platform.release()}; load average (1, 5, 15 min) "
            f"{load_before} before, {_load()} after (a shared machine).",
            f"- Versions: python {platform.python_version()}, scenarios {scenarios.__version__} "
            f"(git {_git()}), dask {_version('dask')}, distributed {_version('distributed')}, "
            f"numpy {_version('numpy')}, pandas {_version('pandas')}, "
            f"pyarrow {_version('pyarrow')}.",
            f"- Workload: {n} variants of the Wagner file (army_strikes.p 0.05:0.95:{n_p} x "
            f"troops.between.1 40:80:{n_upper}), exact engine, default draws (4000), the file's "
            f"seed; {repeats} repetitions per configuration, run alternately; each into a fresh "
            "output folder (part files and results.parquet written).",
            "",
            _markdown(frame),
            "",
            f"- **Target (issue 15): two workers >= 1.8x one: {one / two:.2f}x, "
            f"{'met' if one / two >= 1.8 else 'NOT MET'}** (variants per second, medians of "
            f"{repeats} runs; BLAS pinned to one thread here and in the workers); "
            f"serial: {per_variant * 1000:.0f} ms per variant in this process.",
            f"- Cluster start-up (not in the times above): 1 worker {startup[1]:.1f} s, "
            f"2 workers {startup[2]:.1f} s, including each worker's first import of the "
            "library.",
            f"- Every configuration's table equals the serial one (elapsed aside): "
            f"{'yes' if equal else 'NO'}.",
            "",
        ]
    )
    print(text)
    if not args.no_save:
        with open(args.results, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
        log(f"appended to {args.results}")
    return 0 if equal else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared machinery: side-by-side timing, isolated subprocesses, targets, tables, machine info.

Every comparison is timed *side by side*: competitors run alternately in the same loop
(the order flips every repetition), so that a neighbour's test run slows both alike, and
the reported figure is the ratio of their medians.
"""

from __future__ import annotations

import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
GB = 1 << 30


# --- results ------------------------------------------------------------------------------


@dataclass
class Target:
    """One target of the issue: what was measured, what was wanted, whether it was met."""

    group: str
    name: str
    measured: float | None
    unit: str
    want: str
    met: bool | None  # None: not measured (skipped, infeasible, failed)
    margin: str = ""
    note: str = ""

    def row(self) -> dict[str, Any]:
        status = {True: "met", False: "NOT MET", None: "n/a"}[self.met]
        return {
            "group": self.group,
            "target": self.name,
            "measured": fmt_value(self.measured, self.unit),
            "want": self.want,
            "status": status,
            "margin": self.margin,
            "note": self.note,
        }


def at_most(
    group: str, name: str, value: float | None, limit: float, unit: str, note: str = ""
) -> Target:
    """A target ``value <= limit``; the margin says by how much it is met or missed."""
    want = f"<= {fmt_value(limit, unit)}"
    if value is None or not math.isfinite(value):
        return Target(group, name, value, unit, want, None, "", note)
    met = value <= limit
    if value == 0:
        margin = "inf headroom"
    elif met:
        margin = f"{limit / value:.2g}x headroom"
    else:
        margin = f"{value / limit:.3g}x over"
    return Target(group, name, value, unit, want, met, margin, note)


def at_least(
    group: str, name: str, value: float | None, limit: float, unit: str, note: str = ""
) -> Target:
    """A target ``value >= limit``."""
    want = f">= {fmt_value(limit, unit)}"
    if value is None or not math.isfinite(value):
        return Target(group, name, value, unit, want, None, "", note)
    met = value >= limit
    if limit == 0:
        margin = ""
    elif met:
        margin = f"{value / limit:.3g}x the target"
    else:
        margin = f"{limit / value:.3g}x short" if value > 0 else "nothing measured"
    return Target(group, name, value, unit, want, met, margin, note)


def not_measured(group: str, name: str, want: str, why: str) -> Target:
    """A target that could not be measured (say why)."""
    return Target(group, name, None, "", want, None, "", why)


@dataclass
class GroupResult:
    """What one benchmark group hands back to the runner."""

    name: str
    title: str
    targets: list[Target] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profile: str | None = None
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Context:
    """Run-wide settings and what groups share (``artifacts``: e.g. exact answers)."""

    quick: bool = False
    seed: int = 20240601
    artifacts: dict[str, Any] = field(default_factory=dict)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="scenarios-bench-")))
    verbose: bool = True

    def log(self, message: str) -> None:
        if self.verbose:
            stamp = datetime.now().strftime("%H:%M:%S")
            print(f"[{stamp}] {message}", file=sys.stderr, flush=True)

    def pick(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full


# --- formatting ---------------------------------------------------------------------------


def fmt_value(value: float | None, unit: str) -> str:
    """A number with its unit; times in ``s`` are shown in s, ms or µs as fits."""
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if unit == "s":
        return fmt_time(value)
    if unit == "x":
        return f"{value:.3g}x"
    if unit == "B":
        return f"{value / GB:.2f} GB" if value >= GB / 10 else f"{value / (1 << 20):.0f} MB"
    if unit in ("", "count"):
        return f"{value:.4g}"
    return f"{value:.4g} {unit}"


def fmt_time(seconds: float | None) -> str:
    """Seconds as ``1.23 s``, ``4.56 ms`` or ``7.8 µs``."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def markdown(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """A DataFrame as a GitHub markdown table (no dependency on ``tabulate``)."""
    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame

    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            if not math.isfinite(v):
                return "—" if math.isnan(v) else str(v)
            return format(float(v), floatfmt)
        return str(v).replace("|", "\\|").replace("\n", " ")

    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


# --- timing -------------------------------------------------------------------------------


def side_by_side(
    fns: Mapping[str, Callable[[int], Any]], repeats: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Time competitors alternately: repetition ``i`` calls every ``fn(i)`` once.

    The order of the competitors reverses every repetition. ``warmup`` untimed rounds
    first (imports, caches, JIT). Returns the list of seconds per competitor.
    """
    names = list(fns)
    for w in range(warmup):
        for name in names:
            fns[name](-1 - w)
    times: dict[str, list[float]] = {n: [] for n in names}
    for i in range(repeats):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            fn = fns[name]
            t0 = time.perf_counter()
            fn(i)
            times[name].append(time.perf_counter() - t0)
        if i % 50 == 49:
            gc.collect()
    return times


def median(values: Sequence[float]) -> float:
    """Median, NaN when empty."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.median(vals) if vals else float("nan")


def spread(values: Sequence[float]) -> str:
    """Interquartile range as text, for the 'how noisy was it' column."""
    vals = sorted(v for v in values if v is not None and math.isfinite(v))
    if len(vals) < 2:
        return ""
    q1, q3 = np.quantile(vals, [0.25, 0.75])
    return f"{fmt_time(float(q1))} – {fmt_time(float(q3))}"


def timing_rows(times: Mapping[str, Sequence[float]], reference: str) -> pd.DataFrame:
    """One row per competitor: median, IQR, n and ratio to ``reference``'s median."""
    ref = median(times[reference])
    rows = []
    for name, ts in times.items():
        m = median(ts)
        rows.append(
            {
                "variant": name,
                "median": fmt_time(m),
                "IQR": spread(ts),
                "n": len(ts),
                f"time / {reference}": m / ref if ref > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def profile_top(fn: Callable[[], Any], calls: int, limit: int = 18) -> str:
    """cProfile of ``calls`` calls of ``fn``: the top functions by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(limit)
    text = out.getvalue()
    # keep the table, not pstats' preamble of file names
    start = text.find("   ncalls")
    return f"{calls} calls\n" + (text[start:] if start >= 0 else text).rstrip()


# --- isolated runs ------------------------------------------------------------------------


@dataclass
class Isolated:
    """The outcome of :func:`run_isolated`."""

    status: str  # ok, timeout, memory, error
    value: Any = None
    error: str = ""
    wall: float = float("nan")
    peak_rss: float = float("nan")  # bytes, whole process tree (psutil polling)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def why(self) -> str:
        if self.status == "timeout":
            return f"not feasible: timed out after {self.wall:.0f} s"
        if self.status == "memory":
            last = [line for line in self.error.strip().splitlines() if line.strip()][-1:]
            detail = f": {last[0].strip()[:160]}" if last else ""
            return (
                f"not feasible: out of memory (resident peak seen {self.peak_rss / GB:.1f} GB)"
                f"{detail}"
            )
        if self.status == "error":
            last = self.error.strip().splitlines()[-1:] or ["?"]
            return f"failed: {last[0][:160]}"
        return ""


def partial(value: Any) -> None:
    """Inside an isolated run: record what is known so far (kept if the run is killed)."""
    path = os.environ.get("BENCH_PARTIAL")
    if path:
        Path(path).write_text(json.dumps(value, default=float))


def fresh_cache_env(tmp: Path) -> dict[str, str]:
    """Environment giving a process empty PyTensor, numba (nutpie) caches: a cold start."""
    base = Path(tempfile.mkdtemp(prefix="cold-", dir=tmp))
    (base / "pytensor").mkdir()
    (base / "numba").mkdir()
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    flags = ",".join(f for f in (flags, f"compiledir={base / 'pytensor'}") if f)
    return {"PYTENSOR_FLAGS": flags, "NUMBA_CACHE_DIR": str(base / "numba")}


@dataclass
class Supervised:
    """A finished (or killed) command: how it ended, how long, how much memory."""

    status: str | None  # None: ended by itself; "timeout" or "memory": killed
    returncode: int
    wall: float
    peak_rss: float
    stdout: str
    stderr: str


def supervise(
    cmd: Sequence[str],
    *,
    timeout: float,
    mem_limit: int,
    env: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    poll: float = 0.05,
) -> Supervised:
    """Run ``cmd`` under a time limit and a memory limit; track its tree's peak memory.

    The process gets ``RLIMIT_AS = mem_limit`` (a huge allocation fails at once) and is
    killed with its process group when the summed resident memory of its process tree
    (psutil, every ``poll`` s; shared pages counted in every process: an upper bound)
    passes ``mem_limit`` or when ``timeout`` seconds pass.
    """
    import psutil

    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), full_env.get("PYTHONPATH", "")) if p
    )

    def limit() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
        start_new_session=True,
    )
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream: Any) -> None:
        chunks[name] = stream.read() if stream else b""

    readers = [
        threading.Thread(target=drain, args=("out", proc.stdout), daemon=True),
        threading.Thread(target=drain, args=("err", proc.stderr), daemon=True),
    ]
    for r in readers:
        r.start()
    peak = 0
    status = None
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            rss = 0
            for p in tree:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        if peak > mem_limit:
            status = "memory"
        elif time.perf_counter() - t0 > timeout:
            status = "timeout"
        if status:
            _kill_group(proc)
            break
        time.sleep(poll)
    proc.wait()
    wall = time.perf_counter() - t0
    _kill_group(proc)  # a kernel or other grandchild left behind
    for r in readers:
        r.join(timeout=5)
    return Supervised(
        status,
        proc.returncode,
        wall,
        float(peak),
        chunks.get("out", b"").decode(errors="replace"),
        chunks.get("err", b"").decode(errors="replace"),
    )


def run_isolated(
    func: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    timeout: float = 600.0,
    mem_limit: int = 8 * GB,
    env: Mapping[str, str] | None = None,
) -> Isolated:
    """Call ``module:function(**kwargs)`` in a new Python process and return its value.

    Limits as in :func:`supervise`. The value must be JSON; a function may record
    partial results with :func:`partial`, which are kept if the process is killed.
    """
    spec_dir = Path(tempfile.mkdtemp(prefix="scenarios-bench-job-"))
    try:
        out = spec_dir / "out.json"
        spec = spec_dir / "spec.json"
        spec.write_text(json.dumps({"func": func, "kwargs": dict(kwargs or {}), "out": str(out)}))
        run = supervise(
            [sys.executable, "-m", "benchmarks._worker", str(spec)],
            timeout=timeout,
            mem_limit=mem_limit,
            env=env,
        )
        part = out.with_suffix(".partial.json")
        known = json.loads(part.read_text()) if part.exists() else None
        status = run.status
        if status is None:
            if out.exists():
                result = json.loads(out.read_text())
                if "value" in result:
                    return Isolated("ok", result["value"], "", run.wall, run.peak_rss)
                kind = "memory" if result.get("type") == "MemoryError" else "error"
                return Isolated(kind, known, result.get("error", ""), run.wall, run.peak_rss)
            status = "error"
            if run.returncode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
                # std::bad_alloc from a C extension under RLIMIT_AS ends as an abort
                status = "memory" if "alloc" in run.stderr.lower() else "error"
        return Isolated(status, known, run.stderr[-4000:], run.wall, run.peak_rss)
    finally:
        shutil.rmtree(spec_dir, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the process group we started (its id is the child's pid)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- machine ------------------------------------------------------------------------------


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, str]:
    """Where and with what the numbers were measured."""
    import psutil

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        uname = subprocess.run(
            ["uname", "-a"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        uname = " ".join(platform.uname())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        commit = f"{commit}{' + uncommitted changes in src/' if dirty else ''}"
    except OSError:
        commit = "unknown"
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "src").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "uname": uname,
        "cpu": cpu,
        "cores": f"{os.cpu_count()} logical ({psutil.cpu_count(logical=False)} physical)",
        "memory": f"{psutil.virtual_memory().total / GB:.1f} GB",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "git": commit,
        "sha256 of src/**/*.py (the code measured)": digest.hexdigest()[:16],
    }
    return info


def library_versions() -> dict[str, str]:
    """Versions of Python, this library and everything a number here depends on."""
    import scenarios

    out = dict(scenarios.versions())
    for name in ("numba", "opt_einsum", "pgmpy", "pyagrum", "psutil", "papermill", "pydantic"):
        out[name] = _version(name)
    return out

"""Run the benchmark suite, print the results and append them to ``benchmarks/RESULTS.md``.

Usage (from the repository root)::

    .venv/bin/python -m benchmarks.run              # everything (~15-25 min)
    .venv/bin/python -m benchmarks.run --quick      # smoke test (~2-4 min)
    .venv/bin/python -m benchmarks.run --only classic --only scaling
    .venv/bin/python benchmarks/run.py --quick --no-save

Groups: interactive, full, scaling, classic, report, accuracy (in that order; accuracy
reuses what the earlier groups computed and computes the rest itself), explorer (the
explorer's latency in Chromium via JupyterLab: benchmarks/explorer_latency.py).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import time
import traceback
import warnings
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from benchmarks.common import (
    BENCH,
    Context,
    GroupResult,
    library_versions,
    machine_info,
    markdown,
    not_measured,
)

#: Groups whose module is named otherwise.
MODULES = {"explorer": "explorer_latency"}
GROUPS = ("interactive", "full", "scaling", "classic", "report", "accuracy", "explorer")


def run_group(name: str, ctx: Context) -> GroupResult:
    module = importlib.import_module(f"benchmarks.{MODULES.get(name, name)}")
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = module.run(ctx)
    except Exception as exc:  # one broken group must not lose the others' numbers
        result = GroupResult(name, getattr(module, "TITLE", name))
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-3000:]}"
        result.targets.append(not_measured(name, "(whole group)", "", f"group failed: {exc}"))
    result.seconds = time.perf_counter() - t0
    return result


def render(results: list[GroupResult], info: dict, versions: dict, args: argparse.Namespace) -> str:
    mode = "quick (smoke test: fewer repetitions, smaller cases)" if args.quick else "full"
    lines = [f"## Run of {info['date']} ({mode})", ""]
    lines += [f"- **{k}**: {v}" for k, v in info.items() if k != "date"]
    lines.append(f"- **load average at end**: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    lines.append(f"- **command**: `{' '.join(['python -m benchmarks.run', *sys.argv[1:]])}`")
    lines.append("- **versions**: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    lines += ["", "### Targets", ""]
    rows = [t.row() for r in results for t in r.targets]
    lines.append(markdown(pd.DataFrame(rows)) if rows else "(no targets measured)")
    for r in results:
        lines += ["", f"### {r.title}", "", f"_{r.seconds:.0f} s_", ""]
        if r.error:
            lines += ["**The group failed:**", "", "```", r.error.strip(), "```", ""]
        for title, frame in r.tables:
            lines += [f"**{title}**", "", markdown(frame), ""]
        if r.notes:
            lines += [f"- {n}" for n in r.notes]
            lines.append("")
        if r.profile:
            lines += ["<details><summary>profile</summary>", "", "```", r.profile, "```", ""]
            lines += ["</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: ~2-4 minutes")
    parser.add_argument(
        "--only", action="append", choices=GROUPS, help="run only this group (repeatable)"
    )
    parser.add_argument("--no-save", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of every random choice")
    parser.add_argument(
        "--results", type=Path, default=BENCH / "RESULTS.md", help="file to append to"
    )
    args = parser.parse_args(argv)
    ctx = Context(quick=args.quick, seed=args.seed)
    info = machine_info()
    versions = library_versions()
    chosen = [g for g in GROUPS if not args.only or g in args.only]
    results = []
    for name in chosen:
        ctx.log(f"== {name}")
        results.append(run_group(name, ctx))
        ctx.log(f"== {name} done in {results[-1].seconds:.0f} s")
    shutil.rmtree(ctx.tmp, ignore_errors=True)  # cold compile caches, report folders
    text = render(results, info, versions, args)
    print(text)
    if not args.no_save:
        path = args.results
        if not path.exists():
            path.write_text("# Benchmark results\n\nAppended by `python -m benchmarks.run`.\n\n")
        with path.open("a") as fh:
            fh.write("\n" + text)
        ctx.log(f"appended to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

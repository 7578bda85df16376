"""``scenarios sweep``: update many variants (files x a grid of priors x seeds) on Dask."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from scenarios.cli.common import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_USAGE,
    EXIT_VARIANTS_FAILED,
    Signalled,
    signals_raise,
)

__all__ = ["add_parser", "duration", "run"]


def add_parser(sub: Any) -> None:
    """Add ``sweep`` to the command line (``sub``: argparse's subparsers)."""
    sweep = sub.add_parser(
        "sweep",
        help="update many variants (files x a grid of priors x seeds) on Dask; one table",
        description="Update every variant (each scenario file, with each combination of the "
        "grid's prior values, with each seed) on dask.distributed, with a progress bar, and "
        "write one tidy table, DIR/results.parquet: a row per (variant, outcome, state) "
        "with the variant's inputs, or a row with the error of a failed variant. Each "
        "finished variant is kept in DIR/parts/, so running the same command again after a "
        "kill resumes where it stopped. See docs/sweeps.md.",
        epilog="Grid: NAME is a fact or outcome, then a field of its prior as in the file "
        "(army_strikes.p, troops.between, troops.between.0, "
        "mutiny_end.anchors.1.probs.suppressed); VALUES is START:STOP:COUNT (evenly spaced, "
        "ends included), v1,v2,... or a JSON array ('[[20, 40], [25, 50]]'). Example, 1,000 "
        "variants: scenarios sweep --grid army_strikes.p=0.05:0.95:40 "
        "--grid troops.between.0=15:35:5 --grid troops.between.1=40:80:5. A plan of more "
        "than 100,000 variants is refused before anything is planned (exit 2) unless "
        "--max-variants allows it. "
        "Exit codes: 0 every variant ok; 1 invalid or missing scenario file; 2 usage or a "
        "bad grid; 4 the cluster could not be started or reached, or --timeout passed; "
        "5 some variants failed; 130/143 interrupted (finished variants are kept).",
    )
    sweep.add_argument(
        "priors",
        nargs="*",
        type=Path,
        help="scenario files or folders of them (default: the built-in Wagner scenario)",
    )
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="a prior field and its values, e.g. army_strikes.p=0.05:0.95:40 (repeatable; "
        "the variants are the cartesian product)",
    )
    sweep.add_argument(
        "--grid-file", type=Path, default=None, help="YAML mapping NAME: [values] or 'a:b:n'"
    )
    sweep.add_argument("--engine", choices=["exact", "pymc"], default="exact", help="engine")
    sweep.add_argument(
        "--seeds",
        default=None,
        help="seeds, e.g. 1,2,3 or 1:10:10 (each multiplies the variants; default: each "
        "file's seed)",
    )
    sweep.add_argument("--draws", type=int, default=None, help="draws (default: the engine's)")
    sweep.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("sweep-results"),
        help="output folder (default: sweep-results); a rerun resumes in it",
    )
    sweep.add_argument(
        "--scheduler",
        default=None,
        help="an existing Dask scheduler (tcp://host:port, or a scheduler .json file), or "
        "'serial' (this process, no Dask); default: a local cluster",
    )
    sweep.add_argument(
        "--workers", type=int, default=None, help="local cluster workers (default: CPUs)"
    )
    sweep.add_argument(
        "--batch-size", type=int, default=None, help="variants per Dask task (default: auto)"
    )
    sweep.add_argument(
        "--report", action="store_true", help="also write each variant's HTML report (slow)"
    )
    sweep.add_argument(
        "--retry-failed", action="store_true", help="run variants that failed before again"
    )
    sweep.add_argument(
        "--timeout", type=float, default=None, help="give up after this many seconds (exit 4)"
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="print the plan (how many variants) and stop"
    )
    sweep.add_argument(
        "--max-variants",
        type=int,
        default=None,
        metavar="N",
        help="most variants allowed (default 100,000); a bigger plan is refused (exit 2)",
    )
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(run=run)


def duration(seconds: float) -> str:
    """``75.2`` -> ``1m15.2s``; under a minute, ``12.3 s``."""
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s" if minutes else f"{secs:.1f} s"


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios sweep`` on parsed arguments; returns the exit code."""
    import scenarios
    from scenarios import sweeps
    from scenarios.sweeps.cluster import default_workers

    for flag, value in (
        ("--workers", args.workers),
        ("--batch-size", args.batch_size),
        ("--draws", args.draws),
        ("--max-variants", args.max_variants),
    ):
        if value is not None and value < 1:
            print(f"scenarios sweep: error: {flag} {value}: expected >= 1", file=sys.stderr)
            return EXIT_USAGE
    try:
        grid = sweeps.parse_grid(args.grid, file=args.grid_file)
        seeds = sweeps.parse_seeds(args.seeds) if args.seeds is not None else None
        variants = sweeps.plan(
            args.priors or None,
            grid,
            engine=args.engine,
            seeds=seeds,
            draws=args.draws,
            max_variants=args.max_variants or sweeps.MAX_VARIANTS,
        )
    except sweeps.GridError as exc:  # before ScenarioError, its base: a usage error
        print(f"scenarios sweep: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (scenarios.ScenarioError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    files = len(variants.files)  # the plan makes its variants on demand: none made here
    if args.dry_run:
        print(f"{len(variants)} variants from {files} file{'s' * (files != 1)}; first ones:")
        for v in variants[:5]:
            print(
                f"  {v.variant_id[:12]}  {Path(v.priors).name}  {v.overrides_json}  seed {v.seed}"
            )
        return EXIT_OK
    quiet = args.quiet
    if not quiet:
        n = args.workers or default_workers()
        where = args.scheduler or f"a local cluster of {n} worker{'s' * (n != 1)}"
        print(f"sweep: {len(variants)} variants on {where}; output in {args.out}", file=sys.stderr)
    try:
        with signals_raise([signal.SIGTERM]):
            table = sweeps.run_sweep(
                variants,
                args.out,
                scheduler=args.scheduler,
                workers=args.workers,
                report=args.report,
                progress=not quiet,
                batch_size=args.batch_size,
                retry_failed=args.retry_failed,
                timeout=args.timeout,
            )
    except sweeps.GridError as exc:
        print(f"scenarios sweep: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sweeps.SweepError as exc:  # the cluster, the folder's lock, the timeout
        print(f"scenarios {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyboardInterrupt, Signalled) as exc:
        print(
            f"scenarios sweep: {'terminated' if isinstance(exc, Signalled) else 'interrupted'}"
            f"; finished variants are kept in {args.out / 'parts'}: run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 128 + exc.signum if isinstance(exc, Signalled) else EXIT_SIGINT
    a = table.attrs
    rate = f", {a['computed'] / a['seconds']:.1f} variants/s" if a["computed"] else ""
    print(
        f"sweep: {a['variants']} variants: {a['ok']} ok, {a['failed']} failed "
        f"({a['computed']} computed, {a['skipped']} already done) in "
        f"{duration(a['seconds'])}{rate}"
    )
    if a["failed"]:
        errors = table[table["status"] != "ok"].drop_duplicates("variant_id")
        for _, row in errors.head(5).iterrows():
            first = str(row["error"]).splitlines()
            detail = first[-1].strip() if first else ""
            print(
                f"  failed {row['variant_id'][:12]} {row['overrides']}: {detail}", file=sys.stderr
            )
        if len(errors) > 5:
            print(
                f"  ... and {len(errors) - 5} more (the error column of the table)", file=sys.stderr
            )
    print(f"results: {a['path']}")
    return EXIT_VARIANTS_FAILED if a["failed"] else EXIT_OK

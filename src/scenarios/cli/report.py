"""``scenarios report``: run the report notebook with papermill and write the HTML report."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from scenarios.cli.common import (
    EXIT_DIAGNOSTICS,
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_USAGE,
    Signalled,
    UsageError,
    add_priors_argument,
    print_scenarios,
    seed_number,
    signals_raise,
)

__all__ = ["add_parser", "print_report_table", "report_options", "run"]


def add_parser(sub: Any) -> None:
    """Add ``report`` to the command line (``sub``: argparse's subparsers)."""
    report = sub.add_parser(
        "report",
        help="run the report notebook (papermill) and write an HTML report",
        description="Run the report notebook shipped in the package on a scenario file with "
        "papermill and write "
        "DIR/NAME.html (code hidden) and the executed DIR/NAME.ipynb, atomically: an "
        "interrupted or failed run leaves the previous report intact. The same inputs give "
        "the same numbers; the report records its inputs, their hashes and the versions.",
        epilog="Parameters: priors (path), overrides (JSON object: fact -> fields merged into "
        "its prior, or fact.field -> value), engine, seed (-1: the file's), draws. Examples: "
        "scenarios report; scenarios report priors/wagner-2023-06-23.yaml "
        '-p overrides \'{"army_strikes": {"p": 0.6}}\' -p seed 3 (keeps the file\'s '
        "concentration; writes NAME--HASH.html beside the plain report, never over it). "
        "A priors file whose name starts with '-' is given as ./-x.yaml or after --. "
        "Exit codes: 0 ok; 1 invalid or unreadable scenario file; 2 usage; 3 failed "
        "diagnostics (--strict); 4 the notebook or its kernel failed, or the report could "
        "not be written (-o is a file or read-only, disk full; the previous report is kept); "
        "130/143 interrupted.",
    )
    add_priors_argument(report)
    report.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        default=[],
        help="a notebook parameter (priors, overrides, engine, seed, draws); VALUE is read as "
        "JSON when it parses, else as text (priors is always text)",
    )
    report.add_argument(
        "-o", "--out-dir", type=Path, default=Path("reports"), help="folder (default: reports)"
    )
    report.add_argument(
        "--name",
        default=None,
        help="file name without extension (default: the priors file's; with overrides, "
        "plus --HASH of them)",
    )
    report.add_argument("--engine", choices=["exact", "pymc"], default=None, help="engine")
    report.add_argument(
        "--seed", type=seed_number, default=None, help="seed, 0 to 2**32-1; -1 or none: the file's"
    )
    report.add_argument(
        "--notebook", type=Path, default=None, help="another report notebook (same parameters)"
    )
    report.add_argument(
        "--strict", action="store_true", help="exit with code 3 when a diagnostic fails"
    )
    report.add_argument("-q", "--quiet", action="store_true", help="no progress bar or table")
    report.set_defaults(run=run)


def report_options(args: argparse.Namespace) -> dict[str, Any]:
    """``build_report`` keyword arguments from PRIORS, ``-p`` pairs and the flags."""
    from scenarios.views.report import PARAMETERS

    given: dict[str, Any] = {}
    for name, text in args.parameter:
        if name not in PARAMETERS:
            raise UsageError(
                f"-p {name}: unknown parameter; the report takes {', '.join(PARAMETERS)}"
            )
        if name in given:
            raise UsageError(f"-p {name} is given twice")
        if name == "priors":
            value: Any = text  # a path is text, even "123"
        else:
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text
        given[name] = value
    for name, flag in (("priors", args.priors), ("engine", args.engine), ("seed", args.seed)):
        if flag is not None:
            if name in given:
                raise UsageError(f"{name} is given both as an argument and as -p {name}")
            given[name] = flag
    priors = given.get("priors")
    seed = given.get("seed")
    return {
        "priors": None if priors in (None, "") else priors,
        "overrides": given.get("overrides"),
        "engine": given.get("engine", "exact"),
        "seed": None if seed == -1 else seed,
        "draws": given.get("draws"),
    }


def print_report_table(data: dict[str, Any]) -> None:
    """Print a written report's scenario table, as ``update`` prints its own."""
    prov = data["provenance"]
    rows = [
        (r["variable"], r["state"], r["probability"], r["lower"], r["upper"])
        for r in data["scenarios"]
    ]
    print_scenarios(data["title"], prov["engine"], prov["seed"], data["interval"], rows)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios report`` on parsed arguments; returns the exit code."""
    import scenarios
    from scenarios.views import report

    try:
        options = report_options(args)
    except UsageError as exc:
        print(f"scenarios report: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    progress = not args.quiet and sys.stderr.isatty()
    try:
        # Ctrl-C too: as the default KeyboardInterrupt it lets asyncio's runner (papermill's
        # kernel client) cancel a task, which a client can swallow and wait for the cell
        with signals_raise([signal.SIGTERM, signal.SIGINT]):
            html = report.build_report(
                **options,
                out_dir=args.out_dir,
                name=args.name,
                progress=progress,
                notebook=args.notebook,
            )
    # ParameterError and ReportError are ScenarioErrors: caught first, for their exit codes
    except report.ParameterError as exc:
        print(f"scenarios report: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except report.ReportError as exc:
        if len(exc.problems) == 1:  # one line: the path, then what went wrong
            where = f"{exc.file}: " if exc.file else ""
            print(f"scenarios report: {where}{exc.problems[0]}", file=sys.stderr)
        else:
            print(f"scenarios report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except scenarios.ImpossibleEvidenceError as exc:
        print(f"impossible evidence: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (scenarios.ScenarioError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:  # writing the report: build_report names most of these itself
        where = f" {exc.filename}" if exc.filename else ""
        print(f"scenarios report: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("scenarios report: interrupted; no report written", file=sys.stderr)
        return EXIT_SIGINT
    except Signalled as exc:
        how = "interrupted" if exc.signum == signal.SIGINT else "terminated"
        print(f"scenarios report: {how}; no report written", file=sys.stderr)
        return 128 + exc.signum
    data = report.read_report(html)
    if not args.quiet:
        print_report_table(data)
    for w in data["warnings"]:
        print(f"WARNING {w}", file=sys.stderr)
    print(f"report: {html}")
    print(f"notebook: {html.with_suffix('.ipynb')}")
    if args.strict and data["warnings"]:
        return EXIT_DIAGNOSTICS
    return EXIT_OK

"""``scenarios draft``: a draft scenario file from a news report, for a forecaster to edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scenarios.cli.common import EXIT_INVALID, EXIT_OK, published_time
from scenarios.errors import ScenarioError

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``draft`` to the command line (``sub``: argparse's subparsers)."""
    draft = sub.add_parser(
        "draft",
        help="draft a scenario file from a news report, for a forecaster to edit",
        description="Read a plain-text report and write a draft scenario file: a candidate "
        "claim per reporting sentence (quoted verbatim) with its attribution, hedge, "
        "denials and times, a continuous fact per number, a source per actor; every item "
        "marked draft: with the rules that found it. Rule-based, offline.",
        epilog="Exit codes: 0 ok; 1 the report cannot be read or the output exists (use "
        "--overwrite) or cannot be written; 2 usage.",
    )
    draft.add_argument("report", type=Path, metavar="REPORT", help="the report, plain text")
    draft.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="where to write (default: REPORT with the suffix .yaml; '-': standard output)",
    )
    draft.add_argument(
        "--published",
        type=published_time,
        default=None,
        help="when the report was published, ISO 8601 (default: the end of the first date "
        "it gives, read as UTC)",
    )
    draft.add_argument("--title", default=None, help="the scenario's title")
    draft.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    draft.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios draft`` on parsed arguments; returns the exit code."""
    from scenarios.drafting import draft_yaml
    from scenarios.io.files import read_text, write_atomic
    from scenarios.io.scenario_files import loads
    from scenarios.spec.drafts import undecided

    try:
        text = read_text(args.report)
    except (OSError, ScenarioError) as exc:
        print(f"scenarios draft: cannot read {args.report}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    out = args.out if args.out is not None else args.report.with_suffix(".yaml")
    yaml_text = draft_yaml(text, published=args.published, title=args.title, file=str(args.report))
    if str(out) == "-":
        sys.stdout.write(yaml_text)
        return EXIT_OK
    if out.exists() and not args.overwrite:
        print(
            f"scenarios draft: {out} exists; not overwritten (use --overwrite or -o)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        write_atomic(out, yaml_text, overwrite=args.overwrite)
    except OSError as exc:
        print(f"scenarios draft: cannot write {out}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    scenario = loads(yaml_text, str(out))
    print(
        f"wrote {out}: {len(scenario.claims)} candidate claims, {len(scenario.facts)} facts, "
        f"{len(scenario.sources)} sources; {len(undecided(scenario))} items to decide. "
        f"Next: scenarios validate {out}"
    )
    return EXIT_OK

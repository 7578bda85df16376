"""``scenarios update``: update a scenario on its claims and print the table."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from scenarios.cli.common import (
    EXIT_DIAGNOSTICS,
    EXIT_OK,
    add_engine_arguments,
    add_priors_argument,
    draws_number,
    interval_mass,
    load_scenario,
    print_scenarios,
    print_table,
    rows_of,
)
from scenarios.errors import SamplingWarning

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``update`` to the command line (``sub``: argparse's subparsers)."""
    update = sub.add_parser("update", help="update a scenario on its claims and print the table")
    add_priors_argument(update)
    add_engine_arguments(update)
    update.add_argument(
        "--draws", type=draws_number, default=None, help="draws (intervals / NUTS), 1 to 10,000,000"
    )
    update.add_argument(
        "--interval",
        type=interval_mass,
        default=0.9,
        help="credible mass, strictly between 0 and 1 (default 0.9)",
    )
    update.add_argument("--facts", action="store_true", help="also print fact marginals")
    update.add_argument(
        "--strict", action="store_true", help="exit with code 3 when a diagnostic fails"
    )
    update.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios update`` on parsed arguments; returns the exit code."""
    scenario = load_scenario(args.priors)
    options: dict[str, Any] = {"interval": args.interval}
    if args.seed is not None and args.seed != -1:  # -1: the file's seed, as for reports
        options["seed"] = args.seed
    if args.draws is not None:
        options["draws"] = args.draws
    if args.engine == "pymc":
        options["progressbar"] = sys.stderr.isatty()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)  # printed below instead
        post = scenario.update(engine=args.engine, **options)
    console = print_scenarios(
        post.scenario.title, post.engine, post.seed, post.interval, rows_of(post.scenarios)
    )
    if args.facts:
        print_table(console, "Facts", rows_of(post.facts))
        if not post.quantities.empty:
            console.print(post.quantities.to_string(float_format=lambda v: f"{v:.3f}"))
    for w in post.warnings:
        console.print(f"[bold red]WARNING[/bold red] {w}")
    if args.strict and post.warnings:
        return EXIT_DIAGNOSTICS
    return EXIT_OK

"""The ``scenarios`` command line.

Exit codes: 0 success; 1 the scenario is invalid or its evidence impossible; 2 the
command line is wrong; 3 the result has failed diagnostics (with ``--strict``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_DIAGNOSTICS = 0, 1, 2, 3


def _priors_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "priors",
        nargs="?",
        type=Path,
        default=None,
        help="scenario file (default: the built-in Wagner scenario, priors/wagner-2023-06-23.yaml)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scenarios",
        description="Bayesian scenario modelling: cited priors, graded claims, scenario "
        "probabilities with credible intervals.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check a scenario file and list every problem")
    _priors_arg(validate)

    update = sub.add_parser("update", help="update a scenario on its claims and print the table")
    _priors_arg(update)
    update.add_argument(
        "--engine",
        choices=["exact", "pymc"],
        default="exact",
        help="exact (default, fast) or pymc (full NUTS sampling)",
    )
    update.add_argument(
        "--seed", type=int, default=None, help="seed of all random draws (default: the file's seed)"
    )
    update.add_argument("--draws", type=int, default=None, help="draws (intervals / NUTS)")
    update.add_argument("--interval", type=float, default=0.9, help="credible mass (default 0.9)")
    update.add_argument("--facts", action="store_true", help="also print fact marginals")
    update.add_argument(
        "--strict", action="store_true", help="exit with code 3 when a diagnostic fails"
    )
    return parser


def _load(path: Path | None):
    import scenarios

    return scenarios.load(path if path is not None else scenarios.default_priors())


def _print_posterior(post, show_facts: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()

    def render(frame, title: str) -> None:
        table = Table(title=title, title_justify="left")
        for col in ("variable", "state", "probability", "lower", "upper"):
            table.add_column(col, justify="right" if col not in ("variable", "state") else "left")
        last = None
        for (var, state), row in frame.iterrows():
            table.add_row(
                "" if var == last else var,
                state,
                f"{row.probability:.3f}",
                f"{row.lower:.3f}",
                f"{row.upper:.3f}",
            )
            last = var
        console.print(table)

    s = post.scenario
    console.print(
        f"[bold]{s.title}[/bold]  (engine {post.engine}, seed {post.seed}; "
        f"lower/upper: {post.interval})"
    )
    render(post.scenarios, "Scenario probabilities")
    if show_facts:
        render(post.facts, "Facts")
        if not post.quantities.empty:
            console.print(post.quantities.to_string(float_format=lambda v: f"{v:.3f}"))
    for w in post.warnings:
        console.print(f"[bold red]WARNING[/bold red] {w}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    import scenarios

    args = _parser().parse_args(argv)
    try:
        scenario = _load(args.priors)
    except scenarios.ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    if args.command == "validate":
        print(
            f"{args.priors or scenarios.default_priors()}: valid — {len(scenario.facts)} facts, "
            f"{len(scenario.outcomes)} outcomes, {len(scenario.claims)} claims, "
            f"{len(scenario.sources)} sources"
        )
        return EXIT_OK
    options: dict = {"interval": args.interval}
    if args.seed is not None:
        options["seed"] = args.seed
    if args.draws is not None:
        options["draws"] = args.draws
    if args.engine == "pymc":
        options["progressbar"] = sys.stderr.isatty()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scenarios.SamplingWarning)  # printed below instead
            post = scenario.update(engine=args.engine, **options)
    except scenarios.ImpossibleEvidenceError as exc:
        print(f"impossible evidence: {exc}", file=sys.stderr)
        return EXIT_INVALID
    _print_posterior(post, args.facts)
    if args.strict and post.warnings:
        return EXIT_DIAGNOSTICS
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())

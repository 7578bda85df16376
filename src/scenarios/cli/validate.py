"""``scenarios validate``: check a scenario file and list every problem."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from scenarios.cli.common import EXIT_OK, add_priors_argument, load_scenario
from scenarios.io import default_priors

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = ["add_parser", "print_anchor_fits", "run"]


def add_parser(sub: Any) -> None:
    """Add ``validate`` to the command line (``sub``: argparse's subparsers)."""
    validate = sub.add_parser("validate", help="check a scenario file and list every problem")
    add_priors_argument(validate)
    validate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios validate`` on parsed arguments; returns the exit code."""
    scenario = load_scenario(args.priors)
    print(
        f"{args.priors or default_priors()}: valid — {len(scenario.facts)} facts, "
        f"{len(scenario.outcomes)} outcomes, {len(scenario.claims)} claims, "
        f"{len(scenario.sources)} sources"
    )
    from scenarios.engines.exact import exact_plan

    print(exact_plan(scenario).describe())
    print_anchor_fits(scenario)
    from scenarios.spec.drafts import undecided

    todo = undecided(scenario)
    if todo:
        kinds = {}
        for place, _ in todo:
            kinds[place.split(".")[0]] = kinds.get(place.split(".")[0], 0) + 1
        counts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        print(f"{len(todo)} items still marked draft ({counts}); to decide:")
        for place, what in todo:
            print(f"  - {place}: {what}")
    return EXIT_OK


def print_anchor_fits(scenario: Scenario) -> None:
    """One line per link stated as anchor cases, and every case its fit misses."""
    from scenarios.spec.links import anchor_notes, fit_anchors, link_context
    from scenarios.spec.priors import AnchorPrior

    for name, node in scenario.nodes.items():
        if isinstance(node.prior, AnchorPrior):
            fit = fit_anchors(node.prior, link_context(scenario.nodes, name, continuous=False))
            print(
                f"{name}: link fitted to {len(node.prior.anchors)} anchor cases, "
                f"largest miss {max(fit.misfit):.3f}"
            )
    for note in anchor_notes(scenario):
        print(f"  note: {note}")

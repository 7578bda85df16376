"""``scenarios export``: the scenario as a discrete Bayesian network (BIF, XMLBIF, XDSL)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scenarios.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    add_priors_argument,
    load_scenario,
)
from scenarios.io import default_priors

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``export`` to the command line (``sub``: argparse's subparsers)."""
    from scenarios.io.networks import SUFFIXES

    export = sub.add_parser(
        "export",
        help="write the scenario as a Bayesian network: BIF, XMLBIF or GeNIe's XDSL",
        description="Write the scenario as a discrete Bayesian network with point tables "
        "(for pgmpy, pyAgrum, GeNIe, bnlearn...), atomically. Each claim is a node "
        "reported_<id>, observed true, whose table is the claim's likelihood (virtual "
        "evidence: set it as evidence before querying); continuous facts are nodes over "
        "their quadrature nodes. Uncertain source rates enter at their means (--rates "
        "mean) or as nodes over their quadrature (--rates quadrature: the marginals are "
        "then the exact engine's). See docs/export.md.",
        epilog="Default OUT: the scenario file's name with "
        + ", ".join(f"{s} ({f})" for f, s in SUFFIXES.items())
        + ", in the current folder. An existing OUT is kept unless --force. Exit codes: 0 "
        "written; 1 invalid or missing scenario file; 2 usage; 4 OUT could not be "
        "written (exists without --force, is the scenario file itself, a folder or "
        "read-only; nothing is changed).",
    )
    add_priors_argument(export)
    export.add_argument(
        "--to",
        choices=sorted(SUFFIXES),
        default=None,
        help="format (default: from OUT's suffix, .bif, .bifxml/.xml or .xdsl)",
    )
    export.add_argument("-o", "--out", type=Path, default=None, help="the file to write")
    export.add_argument(
        "--rates",
        choices=["mean", "quadrature"],
        default="mean",
        help="uncertain rates at their prior means (default), or as quadrature nodes",
    )
    export.add_argument("--force", action="store_true", help="replace an existing OUT")
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios export`` on parsed arguments; returns the exit code."""
    from scenarios.engines.export import to_network
    from scenarios.io.networks import SUFFIXES, format_of, write_network

    fmt = args.to
    if fmt is None and args.out is not None:
        fmt = format_of(args.out)
    if fmt is None:
        print(
            "scenarios export: give --to bif|xmlbif|xdsl (or an OUT ending in .bif, .bifxml, "
            ".xml or .xdsl)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    source = args.priors if args.priors is not None else default_priors()
    scenario = load_scenario(args.priors)
    out = args.out if args.out is not None else Path(Path(source).stem + SUFFIXES[fmt])
    if out.resolve() == Path(source).resolve():
        print(f"scenarios export: {out} is the scenario file itself; not written", file=sys.stderr)
        return EXIT_FAILED
    net = to_network(scenario, rates=args.rates)
    try:
        write_network(net, out, fmt, overwrite=args.force)
    except FileExistsError:
        print(f"scenarios export: {out} exists; kept (--force replaces it)", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"scenarios export: cannot write {out}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    reports = len(net.evidence)
    rates = "at their prior means" if args.rates == "mean" else "as quadrature nodes"
    print(
        f"wrote {out} ({fmt}): {len(net.variables)} variables, {reports} claim "
        f"node{'s' * (reports != 1)} reported_* to set to 'true'; uncertain rates {rates}"
    )
    return EXIT_OK

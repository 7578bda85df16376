"""``scenarios init``: a starter folder (priors, resolutions, notebooks) for a team's events."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scenarios.cli.common import EXIT_INVALID, EXIT_OK
from scenarios.io.data import DEFAULT_EXAMPLE, init

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``init`` to the command line (``sub``: argparse's subparsers)."""
    init = sub.add_parser(
        "init",
        help="write a starter folder: priors, resolutions, notebooks",
        description="Copy the shipped example priors files, their resolutions and the "
        "notebooks into DIR/priors, DIR/resolutions and DIR/notebooks (created if missing), "
        "to start a team's own events from. A file already there is kept, never overwritten.",
        epilog="Exit codes: 0 ok (including when every file was already there); 1 DIR cannot "
        "be written; 2 usage.",
    )
    init.add_argument("folder", type=Path, metavar="DIR", help="the folder to write into")
    init.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios init`` on parsed arguments; returns the exit code."""
    import tempfile

    # what a full starter is, to tell the files kept (already there) from those written
    with tempfile.TemporaryDirectory() as fresh:
        starter = [path.relative_to(fresh) for path in init(fresh)]
    try:
        written = init(args.folder)
    except OSError as exc:
        print(f"scenarios init: cannot write {args.folder}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    kept = [args.folder / rel for rel in starter if args.folder / rel not in written]
    for path in written:
        print(f"wrote {path}")
    for path in kept:
        print(f"kept  {path} (already there; not overwritten)")
    print(
        f"{args.folder}: {len(written)} file{'s' * (len(written) != 1)} written, "
        f"{len(kept)} kept. Next: scenarios validate "
        f"{args.folder / 'priors' / DEFAULT_EXAMPLE}.yaml"
    )
    return EXIT_OK

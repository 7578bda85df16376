"""``scenarios dashboard``: serve the explorer notebook as a Voila app (127.0.0.1, token)."""

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
    EXIT_USAGE,
    Signalled,
    add_priors_argument,
    signals_raise,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``dashboard`` to the command line (``sub``: argparse's subparsers)."""
    dashboard = sub.add_parser(
        "dashboard",
        help="serve the Wagner explorer notebook as a Voila app (127.0.0.1, token)",
        description="Serve the Wagner explorer notebook shipped in the package with Voila on "
        "127.0.0.1 only, "
        "behind a random token, with PRIORS as its scenario (SCENARIOS_PRIORS_FILE), and "
        "print the URL (token included). Stop it with Ctrl-C.",
        epilog="Exit codes: 0 served and stopped; 1 invalid scenario; 2 usage; 4 the server "
        "failed to start or died.",
    )
    add_priors_argument(dashboard)
    dashboard.add_argument(
        "--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)"
    )
    dashboard.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    dashboard.add_argument("--notebook", type=Path, default=None, help="another notebook to serve")
    dashboard.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``scenarios dashboard`` on parsed arguments; returns the exit code."""
    import scenarios
    from scenarios.views import dashboard

    try:
        priors = (args.priors or scenarios.default_priors()).resolve()
        scenarios.load(priors)
    except (scenarios.ScenarioError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    try:
        with signals_raise([signal.SIGTERM]):
            code = dashboard.serve(
                priors,
                notebook=args.notebook,
                port=args.port,
                open_browser=not args.no_browser,
                show=sys.stderr.isatty(),
            )
    except ValueError as exc:
        print(f"scenarios dashboard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, dashboard.DashboardError) as exc:
        print(f"scenarios dashboard: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyboardInterrupt, Signalled):
        print("scenarios dashboard: stopping", file=sys.stderr)
        return EXIT_OK
    print(f"scenarios dashboard: the server stopped (exit code {code})", file=sys.stderr)
    return EXIT_FAILED

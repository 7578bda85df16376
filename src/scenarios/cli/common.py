"""What the commands of :mod:`scenarios.cli` share: exit codes, argument types, output.

The argument types check a value as :meth:`Scenario.update` checks the same option, so a
bad ``--seed`` gets the library's own words (exit 2, through argparse).
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.io import default_priors, load

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.spec.scenario import Scenario

__all__ = [
    "EXIT_DIAGNOSTICS",
    "EXIT_FAILED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGPIPE",
    "EXIT_SIGTERM",
    "EXIT_USAGE",
    "EXIT_VARIANTS_FAILED",
    "Row",
    "Signalled",
    "UsageError",
    "add_engine_arguments",
    "add_priors_argument",
    "checked",
    "draws_number",
    "interval_mass",
    "load_scenario",
    "print_scenarios",
    "print_table",
    "priors_file",
    "published_time",
    "rows_of",
    "seed_number",
    "signals_raise",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_DIAGNOSTICS, EXIT_FAILED = 0, 1, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM
EXIT_VARIANTS_FAILED = 5
#: A reader that closed our output early (``scenarios validate F | head``): as a shell would.
EXIT_SIGPIPE = 128 + 13


def checked(option: str, text: str, parse: Callable[[str], Any]) -> Any:
    """``text`` parsed, then checked as :meth:`Scenario.update` checks ``option``."""
    from scenarios.spec.registry import OPTIONS

    try:
        value = parse(text)
    except ValueError:
        value = text
    try:
        return OPTIONS[option](value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace(" str ", " ")) from None


def seed_number(text: str) -> int:
    """``--seed``: 0 <= N < 2**32, or -1 for the scenario file's seed (as ``-p seed -1``)."""
    if text.strip() == "-1":
        return -1
    try:
        return checked("seed", text, int)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number in [0, 4,294,967,295], or -1 (the file's seed), got {text!r}"
        ) from None


def draws_number(text: str) -> int:
    """``--draws``: a whole number in [1, 10,000,000]."""
    return checked("draws", text, int)


def interval_mass(text: str) -> float:
    """``--interval``: a credible mass strictly between 0 and 1."""
    return checked("interval", text, float)


def published_time(text: str) -> Any:
    """``--published``: an ISO 8601 date-time, read as UTC when it has no zone."""
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 date-time such as 2023-06-23T21:00Z, got {text!r}"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def priors_file(text: str) -> Path:
    """A scenario file named on the command line; a shipped example's bare name is its file.

    A file or folder of that name in the working folder wins, so nothing a user has is
    shadowed by an example.
    """
    from scenarios.io.data import example, examples

    path = Path(text)
    if not path.exists() and text in examples():
        return example(text)
    return path


def add_priors_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """Add the ``PRIORS`` argument: a file, or a shipped example's name."""
    parser.add_argument(
        "priors",
        nargs=None if required else "?",
        type=priors_file,
        default=None,
        help="scenario file, or the name of a shipped example (e.g. pennsylvania-2024-11-05)"
        + ("" if required else " (default: the built-in Wagner scenario, wagner-2023-06-23)")
        + "; a name starting with '-': ./-x.yaml, or -- before it",
    )


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine`` and ``--seed``."""
    parser.add_argument(
        "--engine",
        choices=["exact", "pymc"],
        default="exact",
        help="exact (default, fast) or pymc (full NUTS sampling)",
    )
    parser.add_argument(
        "--seed",
        type=seed_number,
        default=None,
        help="seed of all random draws, 0 to 2**32-1 (default, or -1: the file's seed)",
    )


class UsageError(Exception):
    """A command-line mistake argparse cannot see (exit code 2)."""


class Signalled(BaseException):
    """SIGTERM (or SIGINT) turned into an exception, so that clean-up code runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def signals_raise(signums: Sequence[int]) -> Iterator[None]:
    """Within the block, the given signals raise :class:`Signalled` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Signalled(signum)

    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def load_scenario(path: Path | None) -> Scenario:
    """The scenario file named on the command line, or the built-in one."""
    return load(path if path is not None else default_priors())


Row = tuple[str, str, float, float, float]  # variable, state, probability, lower, upper


def print_scenarios(title: str, engine: str, seed: int, interval: str, rows: Iterable[Row]) -> Any:
    """Print the title line and the scenario table; returns the console, for more."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich exits 1 (our "invalid"): let main say 141
            raise BrokenPipeError

    console = _Console()
    console.print(f"[bold]{title}[/bold]  (engine {engine}, seed {seed}; lower/upper: {interval})")
    print_table(console, "Scenario probabilities", rows)
    return console


def print_table(console: Any, title: str, rows: Iterable[Row]) -> None:
    """A probability table, each variable named on its first row only."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("variable", "state", "probability", "lower", "upper"):
        table.add_column(col, justify="left" if col in ("variable", "state") else "right")
    last = None
    for variable, state, probability, lower, upper in rows:
        table.add_row(
            "" if variable == last else variable,
            state,
            f"{probability:.3f}",
            f"{lower:.3f}",
            f"{upper:.3f}",
        )
        last = variable
    console.print(table)


def rows_of(frame: pd.DataFrame) -> list[Row]:
    """The rows of a posterior table (``scenarios`` or ``facts``), for :func:`print_table`."""
    return [
        (variable, state, row.probability, row.lower, row.upper)
        for (variable, state), row in frame.iterrows()
    ]

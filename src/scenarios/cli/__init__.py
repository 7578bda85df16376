"""The ``scenarios`` command line (also ``python -m scenarios``): one module per command.

Commands::

    scenarios update    [PRIORS] [--engine exact|pymc] [--seed N] [--facts] [--strict]
    scenarios validate  [PRIORS]
    scenarios draft     REPORT.txt [-o OUT.yaml] [--published TIME] [--title T] [--overwrite]
    scenarios init      DIR
    scenarios report    [PRIORS] [-p NAME VALUE ...] [-o DIR] [--engine E] [--seed N] [--strict]
    scenarios dashboard [PRIORS] [--port N] [--no-browser]
    scenarios sweep     [PRIORS ...] [--grid NAME=VALUES ...] [--grid-file FILE] [--seeds S]
                        [--engine E] [--out DIR] [--scheduler ADDRESS] [--workers N] [--report]
                        [--max-variants N] [--dry-run]
    scenarios export    [PRIORS] --to bif|xmlbif|xdsl [-o OUT] [--rates mean|quadrature] [--force]

Without ``PRIORS`` every command uses the built-in Wagner scenario, shipped in the
package (:func:`scenarios.io.data.example`), so every command works from any folder;
``PRIORS`` may also be a shipped example's name (``scenarios report pennsylvania-2024-11-05``;
:func:`scenarios.io.data.examples`) when no file of that name is in the working folder.
``draft REPORT.txt`` reads a news report and writes a draft scenario file next to
nothing else (``REPORT.yaml`` beside the report, or ``-o``; ``-o -`` prints it), every item
marked ``draft`` for a forecaster to edit (see ``docs/draft.md``); it never overwrites a
file unless ``--overwrite``. ``validate`` lists the items still marked draft.
``init DIR`` writes a starter folder for a team's own events (``DIR/priors``,
``DIR/resolutions``, ``DIR/notebooks``, copied from the package) and never overwrites a
file. ``report`` runs the report notebook with papermill and prints where the HTML was
written; ``dashboard`` serves the Wagner explorer notebook with Voila on 127.0.0.1,
behind a random token, and prints its URL (token included). ``sweep`` updates every
variant of the files and the grid on Dask (a local cluster, or ``--scheduler
tcp://host:port``) with a progress bar, resumes a killed sweep, and writes
``DIR/results.parquet`` (see ``docs/sweeps.md``). ``export`` writes the scenario as a
discrete Bayesian network for pgmpy, pyAgrum, GeNIe and the like (see ``docs/export.md``).

Exit codes (scripts can rely on them):

- 0: success (for ``dashboard``: the server ran and was stopped with Ctrl-C or SIGTERM);
- 1: the scenario file is missing or invalid, or its claims cannot all hold (for
  ``init``: the folder cannot be written);
- 2: the command line is wrong (unknown option, bad ``-p`` parameter, a value out of
  range such as ``--draws 0``, ``--interval 1.5`` or ``--seed -2``; ``--seed -1`` means the
  file's seed, as ``-p seed -1`` does);
- 3: with ``--strict``, a diagnostic failed (the table or report is still produced);
- 4: the report notebook failed in its kernel (or the kernel died), or the report could
  not be written (``-o`` names a file or a read-only folder, the disk is full: the message
  names the path, and the previous report is left intact and matching), or the dashboard
  server failed to start, or the sweep's Dask cluster could not be started or reached
  (or ``--timeout`` passed), or ``export`` could not write its file (it exists without
  ``--force``, is the scenario file itself, or its folder is missing or read-only);
- 5: ``sweep`` ran, but some variants failed (each is a row with its error in the table);
- 141: the reader of the output went away (``scenarios validate F | head``), as a shell
  reports SIGPIPE;
- 130 / 143: ``report`` was interrupted by SIGINT (Ctrl-C) / SIGTERM; the previous
  report, if any, is left intact and no partial file is written. ``sweep`` keeps the
  variants that finished; the same command resumes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from scenarios.cli import dashboard, draft, export, report, starter, sweep, update, validate
from scenarios.cli.common import (
    EXIT_DIAGNOSTICS,
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_SIGPIPE,
    EXIT_SIGTERM,
    EXIT_USAGE,
    EXIT_VARIANTS_FAILED,
)
from scenarios.errors import ImpossibleEvidenceError, ScenarioError

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
    "main",
    "parser",
]

#: The commands in the order ``scenarios --help`` lists them.
COMMANDS = (validate, draft, starter, update, report, dashboard, sweep, export)


def parser() -> argparse.ArgumentParser:
    """The command line's parser: each command's module adds its own subcommand."""
    parser = argparse.ArgumentParser(
        prog="scenarios",
        description="Bayesian scenario modelling: cited priors, graded claims, scenario "
        "probabilities with credible intervals.",
        epilog="Exit codes: 0 ok; 1 invalid scenario or impossible evidence (init: the folder "
        "cannot be written); 2 usage; "
        "3 failed diagnostics (--strict); 4 report, dashboard or cluster failed to run, or "
        "the report or export could not be written; "
        "5 some sweep variants failed; 130/143 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``scenarios`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code, as listed in the module docstring (0: success). A wrong command
        line exits through :class:`SystemExit` with code 2, as argparse does.

    Examples
    --------
    >>> main(["validate"])  # doctest: +ELLIPSIS
    /.../wagner-2023-06-23.yaml: valid — 14 facts, 2 outcomes, 16 claims, 4 sources
    exact engine: largest table ... kB, about ... multiply-adds; source rates integrated exactly
    mutiny_end: link fitted to 8 anchor cases, largest miss ...
    0
    >>> main(["validate", "no/such/file.yaml"])
    1
    """
    args = parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except ImpossibleEvidenceError as exc:
        print(f"impossible evidence: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except (ScenarioError, FileNotFoundError) as exc:  # located problems, or no such file
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        # The reader has gone: point stdout at devnull so that flushing at exit cannot
        # raise a second time (the recipe of Python's signal documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_SIGPIPE

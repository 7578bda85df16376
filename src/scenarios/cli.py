"""The ``scenarios`` command line (also ``python -m scenarios``).

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
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import ImpossibleEvidenceError, SamplingWarning, ScenarioError
from scenarios.io import default_priors, load
from scenarios.io.data import DEFAULT_EXAMPLE, init

if TYPE_CHECKING:
    import pandas as pd

    from scenarios.spec.scenario import Scenario

__all__ = ["main"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_DIAGNOSTICS, EXIT_FAILED = 0, 1, 2, 3, 4
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM
EXIT_VARIANTS_FAILED = 5
#: A reader that closed our output early (``scenarios validate F | head``): as a shell would.
EXIT_SIGPIPE = 128 + 13


def _checked(option: str, text: str, parse: Callable[[str], Any]) -> Any:
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


def _seed(text: str) -> int:
    """``--seed``: 0 <= N < 2**32, or -1 for the scenario file's seed (as ``-p seed -1``)."""
    if text.strip() == "-1":
        return -1
    try:
        return _checked("seed", text, int)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number in [0, 4,294,967,295], or -1 (the file's seed), got {text!r}"
        ) from None


def _draws(text: str) -> int:
    """``--draws``: a whole number in [1, 10,000,000]."""
    return _checked("draws", text, int)


def _interval(text: str) -> float:
    """``--interval``: a credible mass strictly between 0 and 1."""
    return _checked("interval", text, float)


def _published(text: str) -> Any:
    from datetime import UTC, datetime

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 date-time such as 2023-06-23T21:00Z, got {text!r}"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _priors_file(text: str) -> Path:
    """A scenario file named on the command line; a shipped example's bare name is its file.

    A file or folder of that name in the working folder wins, so nothing a user has is
    shadowed by an example.
    """
    from scenarios.io.data import example, examples

    path = Path(text)
    if not path.exists() and text in examples():
        return example(text)
    return path


def _priors_arg(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "priors",
        nargs=None if required else "?",
        type=_priors_file,
        default=None,
        help="scenario file, or the name of a shipped example (e.g. pennsylvania-2024-11-05)"
        + ("" if required else " (default: the built-in Wagner scenario, wagner-2023-06-23)")
        + "; a name starting with '-': ./-x.yaml, or -- before it",
    )


def _parser() -> argparse.ArgumentParser:
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

    validate = sub.add_parser("validate", help="check a scenario file and list every problem")
    _priors_arg(validate)

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
        type=_published,
        default=None,
        help="when the report was published, ISO 8601 (default: the end of the first date "
        "it gives, read as UTC)",
    )
    draft.add_argument("--title", default=None, help="the scenario's title")
    draft.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")

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

    update = sub.add_parser("update", help="update a scenario on its claims and print the table")
    _priors_arg(update)
    _engine_args(update)
    update.add_argument(
        "--draws", type=_draws, default=None, help="draws (intervals / NUTS), 1 to 10,000,000"
    )
    update.add_argument(
        "--interval",
        type=_interval,
        default=0.9,
        help="credible mass, strictly between 0 and 1 (default 0.9)",
    )
    update.add_argument("--facts", action="store_true", help="also print fact marginals")
    update.add_argument(
        "--strict", action="store_true", help="exit with code 3 when a diagnostic fails"
    )

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
    _priors_arg(report)
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
        "--seed", type=_seed, default=None, help="seed, 0 to 2**32-1; -1 or none: the file's"
    )
    report.add_argument(
        "--notebook", type=Path, default=None, help="another report notebook (same parameters)"
    )
    report.add_argument(
        "--strict", action="store_true", help="exit with code 3 when a diagnostic fails"
    )
    report.add_argument("-q", "--quiet", action="store_true", help="no progress bar or table")

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
    _priors_arg(dashboard)
    dashboard.add_argument(
        "--port", type=int, default=None, help="port on 127.0.0.1 (default: a free one)"
    )
    dashboard.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    dashboard.add_argument("--notebook", type=Path, default=None, help="another notebook to serve")
    _sweep_args(sub)
    _export_args(sub)
    return parser


def _sweep_args(sub: Any) -> None:
    sweep = sub.add_parser(
        "sweep",
        help="update many variants (files x a grid of priors x seeds) on Dask; one table",
        description="Update every variant (each scenario file, with each combination of the "
        "grid's prior values, with each seed) on dask.distributed, with a progress bar, and "
        "write one tidy table, DIR/results.parquet: a row per (variant, outcome, state) "
        "with the variant's inputs, or a row with the error of a failed variant. Each "
        "finished variant is kept in DIR/parts/, so running the same command again after a "
        "kill resumes where it stopped. See docs/sweeps.md.",
        epilog="Grid: NAME is a fact or outcome, then a field of its prior as in the file "
        "(army_strikes.p, troops.between, troops.between.0, "
        "mutiny_end.anchors.1.probs.suppressed); VALUES is START:STOP:COUNT (evenly spaced, "
        "ends included), v1,v2,... or a JSON array ('[[20, 40], [25, 50]]'). Example, 1,000 "
        "variants: scenarios sweep --grid army_strikes.p=0.05:0.95:40 "
        "--grid troops.between.0=15:35:5 --grid troops.between.1=40:80:5. A plan of more "
        "than 100,000 variants is refused before anything is planned (exit 2) unless "
        "--max-variants allows it. "
        "Exit codes: 0 every variant ok; 1 invalid or missing scenario file; 2 usage or a "
        "bad grid; 4 the cluster could not be started or reached, or --timeout passed; "
        "5 some variants failed; 130/143 interrupted (finished variants are kept).",
    )
    sweep.add_argument(
        "priors",
        nargs="*",
        type=Path,
        help="scenario files or folders of them (default: the built-in Wagner scenario)",
    )
    sweep.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="a prior field and its values, e.g. army_strikes.p=0.05:0.95:40 (repeatable; "
        "the variants are the cartesian product)",
    )
    sweep.add_argument(
        "--grid-file", type=Path, default=None, help="YAML mapping NAME: [values] or 'a:b:n'"
    )
    sweep.add_argument("--engine", choices=["exact", "pymc"], default="exact", help="engine")
    sweep.add_argument(
        "--seeds",
        default=None,
        help="seeds, e.g. 1,2,3 or 1:10:10 (each multiplies the variants; default: each "
        "file's seed)",
    )
    sweep.add_argument("--draws", type=int, default=None, help="draws (default: the engine's)")
    sweep.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("sweep-results"),
        help="output folder (default: sweep-results); a rerun resumes in it",
    )
    sweep.add_argument(
        "--scheduler",
        default=None,
        help="an existing Dask scheduler (tcp://host:port, or a scheduler .json file), or "
        "'serial' (this process, no Dask); default: a local cluster",
    )
    sweep.add_argument(
        "--workers", type=int, default=None, help="local cluster workers (default: CPUs)"
    )
    sweep.add_argument(
        "--batch-size", type=int, default=None, help="variants per Dask task (default: auto)"
    )
    sweep.add_argument(
        "--report", action="store_true", help="also write each variant's HTML report (slow)"
    )
    sweep.add_argument(
        "--retry-failed", action="store_true", help="run variants that failed before again"
    )
    sweep.add_argument(
        "--timeout", type=float, default=None, help="give up after this many seconds (exit 4)"
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="print the plan (how many variants) and stop"
    )
    sweep.add_argument(
        "--max-variants",
        type=int,
        default=None,
        metavar="N",
        help="most variants allowed (default 100,000); a bigger plan is refused (exit 2)",
    )
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _engine_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=["exact", "pymc"],
        default="exact",
        help="exact (default, fast) or pymc (full NUTS sampling)",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=None,
        help="seed of all random draws, 0 to 2**32-1 (default, or -1: the file's seed)",
    )


# --- shared by the commands ----------------------------------------------------------------


class _Usage(Exception):
    """A command-line mistake argparse cannot see (exit code 2)."""


class _Signalled(BaseException):
    """SIGTERM (or SIGINT) turned into an exception, so that clean-up code runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _signals_raise(signums: Sequence[int]) -> Iterator[None]:
    """Within the block, the given signals raise :class:`_Signalled` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Signalled(signum)

    previous = {s: signal.signal(s, handler) for s in signums}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _load(path: Path | None) -> Scenario:
    """The scenario file named on the command line, or the built-in one."""
    return load(path if path is not None else default_priors())


_Row = tuple[str, str, float, float, float]  # variable, state, probability, lower, upper


def _print_scenarios(
    title: str, engine: str, seed: int, interval: str, rows: Iterable[_Row]
) -> Any:
    """Print the title line and the scenario table; returns the console, for more."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich exits 1 (our "invalid"): let main say 141
            raise BrokenPipeError

    console = _Console()
    console.print(f"[bold]{title}[/bold]  (engine {engine}, seed {seed}; lower/upper: {interval})")
    _print_table(console, "Scenario probabilities", rows)
    return console


def _print_table(console: Any, title: str, rows: Iterable[_Row]) -> None:
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


def _rows(frame: pd.DataFrame) -> list[_Row]:
    return [
        (variable, state, row.probability, row.lower, row.upper)
        for (variable, state), row in frame.iterrows()
    ]


# --- validate, update, init ----------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    scenario = _load(args.priors)
    print(
        f"{args.priors or default_priors()}: valid — {len(scenario.facts)} facts, "
        f"{len(scenario.outcomes)} outcomes, {len(scenario.claims)} claims, "
        f"{len(scenario.sources)} sources"
    )
    from scenarios.engines.exact import exact_plan

    print(exact_plan(scenario).describe())
    _print_anchor_fits(scenario)
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


def _print_anchor_fits(scenario: Scenario) -> None:
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


def _draft(args: argparse.Namespace) -> int:
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


def _update(args: argparse.Namespace) -> int:
    scenario = _load(args.priors)
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
    console = _print_scenarios(
        post.scenario.title, post.engine, post.seed, post.interval, _rows(post.scenarios)
    )
    if args.facts:
        _print_table(console, "Facts", _rows(post.facts))
        if not post.quantities.empty:
            console.print(post.quantities.to_string(float_format=lambda v: f"{v:.3f}"))
    for w in post.warnings:
        console.print(f"[bold red]WARNING[/bold red] {w}")
    if args.strict and post.warnings:
        return EXIT_DIAGNOSTICS
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
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


# --- report --------------------------------------------------------------------------------


def _report_options(args: argparse.Namespace) -> dict[str, Any]:
    """``build_report`` keyword arguments from PRIORS, ``-p`` pairs and the flags."""
    from scenarios.views.report import PARAMETERS

    given: dict[str, Any] = {}
    for name, text in args.parameter:
        if name not in PARAMETERS:
            raise _Usage(f"-p {name}: unknown parameter; the report takes {', '.join(PARAMETERS)}")
        if name in given:
            raise _Usage(f"-p {name} is given twice")
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
                raise _Usage(f"{name} is given both as an argument and as -p {name}")
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


def _print_report_table(data: dict[str, Any]) -> None:
    prov = data["provenance"]
    rows = [
        (r["variable"], r["state"], r["probability"], r["lower"], r["upper"])
        for r in data["scenarios"]
    ]
    _print_scenarios(data["title"], prov["engine"], prov["seed"], data["interval"], rows)


def _report(args: argparse.Namespace) -> int:
    import scenarios
    from scenarios.views import report

    try:
        options = _report_options(args)
    except _Usage as exc:
        print(f"scenarios report: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    progress = not args.quiet and sys.stderr.isatty()
    try:
        with _signals_raise([signal.SIGTERM]):
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
    except _Signalled as exc:
        print("scenarios report: terminated; no report written", file=sys.stderr)
        return 128 + exc.signum
    data = report.read_report(html)
    if not args.quiet:
        _print_report_table(data)
    for w in data["warnings"]:
        print(f"WARNING {w}", file=sys.stderr)
    print(f"report: {html}")
    print(f"notebook: {html.with_suffix('.ipynb')}")
    if args.strict and data["warnings"]:
        return EXIT_DIAGNOSTICS
    return EXIT_OK


# --- dashboard -----------------------------------------------------------------------------


def _dashboard(args: argparse.Namespace) -> int:
    import scenarios
    from scenarios.views import dashboard

    try:
        priors = (args.priors or scenarios.default_priors()).resolve()
        scenarios.load(priors)
    except (scenarios.ScenarioError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    try:
        with _signals_raise([signal.SIGTERM]):
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
    except (KeyboardInterrupt, _Signalled):
        print("scenarios dashboard: stopping", file=sys.stderr)
        return EXIT_OK
    print(f"scenarios dashboard: the server stopped (exit code {code})", file=sys.stderr)
    return EXIT_FAILED


# --- sweep ---------------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s" if minutes else f"{secs:.1f} s"


def _sweep(args: argparse.Namespace) -> int:
    import scenarios
    from scenarios import sweeps
    from scenarios.sweeps.cluster import default_workers

    for flag, value in (
        ("--workers", args.workers),
        ("--batch-size", args.batch_size),
        ("--draws", args.draws),
        ("--max-variants", args.max_variants),
    ):
        if value is not None and value < 1:
            print(f"scenarios sweep: error: {flag} {value}: expected >= 1", file=sys.stderr)
            return EXIT_USAGE
    try:
        grid = sweeps.parse_grid(args.grid, file=args.grid_file)
        seeds = sweeps.parse_seeds(args.seeds) if args.seeds is not None else None
        variants = sweeps.plan(
            args.priors or None,
            grid,
            engine=args.engine,
            seeds=seeds,
            draws=args.draws,
            max_variants=args.max_variants or sweeps.MAX_VARIANTS,
        )
    except sweeps.GridError as exc:  # before ScenarioError, its base: a usage error
        print(f"scenarios sweep: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (scenarios.ScenarioError, FileNotFoundError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    files = len(variants.files)  # the plan makes its variants on demand: none made here
    if args.dry_run:
        print(f"{len(variants)} variants from {files} file{'s' * (files != 1)}; first ones:")
        for v in variants[:5]:
            print(
                f"  {v.variant_id[:12]}  {Path(v.priors).name}  {v.overrides_json}  seed {v.seed}"
            )
        return EXIT_OK
    quiet = args.quiet
    if not quiet:
        n = args.workers or default_workers()
        where = args.scheduler or f"a local cluster of {n} worker{'s' * (n != 1)}"
        print(f"sweep: {len(variants)} variants on {where}; output in {args.out}", file=sys.stderr)
    try:
        with _signals_raise([signal.SIGTERM]):
            table = sweeps.run_sweep(
                variants,
                args.out,
                scheduler=args.scheduler,
                workers=args.workers,
                report=args.report,
                progress=not quiet,
                batch_size=args.batch_size,
                retry_failed=args.retry_failed,
                timeout=args.timeout,
            )
    except sweeps.GridError as exc:
        print(f"scenarios sweep: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sweeps.SweepError as exc:  # the cluster, the folder's lock, the timeout
        print(f"scenarios {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyboardInterrupt, _Signalled) as exc:
        print(
            f"scenarios sweep: {'terminated' if isinstance(exc, _Signalled) else 'interrupted'}"
            f"; finished variants are kept in {args.out / 'parts'}: run the same command "
            "again to resume",
            file=sys.stderr,
        )
        return 128 + exc.signum if isinstance(exc, _Signalled) else EXIT_SIGINT
    a = table.attrs
    rate = f", {a['computed'] / a['seconds']:.1f} variants/s" if a["computed"] else ""
    print(
        f"sweep: {a['variants']} variants: {a['ok']} ok, {a['failed']} failed "
        f"({a['computed']} computed, {a['skipped']} already done) in "
        f"{_duration(a['seconds'])}{rate}"
    )
    if a["failed"]:
        errors = table[table["status"] != "ok"].drop_duplicates("variant_id")
        for _, row in errors.head(5).iterrows():
            first = str(row["error"]).splitlines()
            detail = first[-1].strip() if first else ""
            print(
                f"  failed {row['variant_id'][:12]} {row['overrides']}: {detail}", file=sys.stderr
            )
        if len(errors) > 5:
            print(
                f"  ... and {len(errors) - 5} more (the error column of the table)", file=sys.stderr
            )
    print(f"results: {a['path']}")
    return EXIT_VARIANTS_FAILED if a["failed"] else EXIT_OK


# --- export ----------------------------------------------------------------------------------


def _export_args(sub: Any) -> None:
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
    _priors_arg(export)
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


def _export(args: argparse.Namespace) -> int:
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
    scenario = _load(args.priors)
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


# --- main ----------------------------------------------------------------------------------

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _validate,
    "draft": _draft,
    "update": _update,
    "init": _init,
    "report": _report,
    "dashboard": _dashboard,
    "sweep": _sweep,
    "export": _export,
}


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
    args = _parser().parse_args(argv)
    try:
        code = _COMMANDS[args.command](args)
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


if __name__ == "__main__":
    raise SystemExit(main())

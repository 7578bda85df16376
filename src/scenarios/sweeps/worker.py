"""What runs on a Dask worker (or in this process): variants in, rows of the table out.

A task gets plain data only (the variants' dicts and the files' text by sha256), so a
remote worker needs neither the priors files nor the output folder. A variant's own
failure (a refused value, impossible evidence, a failed report) becomes a row with its
error; it never stops the sweep.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import SamplingWarning, ScenarioError
from scenarios.io.files import read_text, sha256_file, write_atomic
from scenarios.io.scenario_files import loads
from scenarios.posterior import scenario_hash
from scenarios.spec.overrides import apply_overrides
from scenarios.sweeps.plan import Variant
from scenarios.sweeps.store import library_version, variant_columns

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = ["message", "run_batch", "run_one", "worker_version"]

_BASES: dict[tuple[str, str], Scenario] = {}  # parsed files in this process
_BASES_MAX = 32


def _base(text: str, sha: str, path: str) -> Scenario:
    """The file's scenario, parsed once per process (by path and sha256)."""
    key = (path, sha)
    if key not in _BASES:
        while len(_BASES) >= _BASES_MAX:
            _BASES.pop(next(iter(_BASES)))
        _BASES[key] = loads(text, path)
    return _BASES[key]


def message(exc: BaseException) -> str:
    """An exception as the ``error`` column writes it: its type, then its text.

    Parameters
    ----------
    exc : BaseException

    Returns
    -------
    str

    Examples
    --------
    >>> message(ValueError("p must be in [0, 1]")), message(KeyboardInterrupt())
    ('ValueError: p must be in [0, 1]', 'KeyboardInterrupt')
    """
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_one(data: Mapping[str, Any], text: str | None, report: bool) -> dict[str, Any]:
    """Run one variant: its rows, and its report when asked; never raises for its failures.

    Parameters
    ----------
    data : mapping
        The variant, as :meth:`Variant.to_dict` gives it.
    text : str or None
        The priors file's text (``None``: it could not be read).
    report : bool
        Also build the variant's HTML report.

    Returns
    -------
    dict
        ``variant_id``; ``rows`` (one per outcome and state, or one error row);
        ``html`` and ``ipynb`` (the report's text, or ``None``).

    Examples
    --------
    >>> from scenarios.sweeps.plan import plan, read_priors
    >>> (v,) = plan(grid={"army_strikes.p": [1.5]})
    >>> result = run_one(v.to_dict(), read_priors(v).decode(), report=False)
    >>> result["rows"][0]["status"], result["rows"][0]["error"].splitlines()[-1]
    ('error', '  - facts.army_strikes.prior.p: Input should be less than or equal to 1 (got 1.5)')
    """
    variant = Variant.from_dict(data)
    start = time.perf_counter()
    head = variant_columns(variant)
    out: dict[str, Any] = {"variant_id": variant.variant_id, "html": None, "ipynb": None}
    try:
        if text is None:
            raise ScenarioError.single((), "the file could not be read", variant.priors)
        base = _base(text, variant.priors_sha256, variant.priors)
        if head["seed"] is None:
            head["seed"] = base.seed
        scenario, priors = apply_overrides(base, variant.overrides, Path(variant.priors).name)
        options: dict[str, Any] = {"seed": head["seed"]}
        if variant.draws is not None:
            options["draws"] = variant.draws
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SamplingWarning)  # in the `warnings` column
            post = scenario.update(engine=variant.engine, **options)
        common = {
            **head,
            "status": "ok",
            "error": None,
            "warnings": "; ".join(post.warnings) or None,
            "scenario_sha256": scenario_hash(scenario),
        }
        rows = [
            {
                **common,
                "outcome": str(outcome),
                "state": str(state),
                "probability": float(row.probability),
                "lower": float(row.lower),
                "upper": float(row.upper),
            }
            for (outcome, state), row in post.scenarios.iterrows()
        ]
        if report:
            try:
                out["html"], out["ipynb"] = _build_report(variant, text, priors, head["seed"])
            except Exception as exc:  # the numbers stand; the report failed
                for r in rows:
                    r["status"], r["error"] = "error", f"report: {message(exc)}"
    except Exception as exc:  # a failed variant is recorded, never stops the sweep
        rows = [{**head, "status": "error", "error": message(exc)}]
    elapsed = time.perf_counter() - start
    for r in rows:
        r["elapsed"] = elapsed
    out["rows"] = rows
    return out


def _build_report(
    variant: Variant, text: str, priors: Mapping[str, Any], seed: int
) -> tuple[str, str]:
    """HTML and notebook text of the variant's report, built in a scratch folder."""
    from scenarios.views.report import build_report  # the one line that names the reports module

    with tempfile.TemporaryDirectory(prefix="scenarios-sweep-") as tmp:
        path = Path(variant.priors)
        try:
            same = sha256_file(path) == variant.priors_sha256
        except ScenarioError:
            same = False
        if not same:  # a worker without the file (remote cluster): the shipped text
            path = Path(tmp) / "priors" / path.name
            path.parent.mkdir()
            write_atomic(path, text)
        html = build_report(
            path,
            overrides=dict(priors),
            engine=variant.engine,
            seed=seed,
            draws=variant.draws,
            out_dir=Path(tmp) / "out",
            name=variant.variant_id,
            progress=False,
        )
        # our own output, not a user's file: bounded generously (charts make it megabytes)
        limit = 512 * 2**20
        return read_text(html, limit), read_text(html.with_suffix(".ipynb"), limit)


def run_batch(
    files: Mapping[str, str], variants: Sequence[Mapping[str, Any]], report: bool
) -> list[dict[str, Any]]:
    """A Dask task: run several variants (see :func:`run_one`).

    Parameters
    ----------
    files : mapping of str to str
        sha256 -> the file's text, for every file the variants need.
    variants : sequence of mapping
        Each as :meth:`Variant.to_dict` gives it.
    report : bool
        Also build each variant's report.

    Returns
    -------
    list of dict
        :func:`run_one`'s result for each variant, in order.

    Examples
    --------
    >>> from scenarios.sweeps.plan import plan, read_priors
    >>> variants = plan(grid={"army_strikes.p": [0.2, 0.6]}, draws=200)
    >>> files = {variants[0].priors_sha256: read_priors(variants[0]).decode()}
    >>> results = run_batch(files, [v.to_dict() for v in variants], report=False)
    >>> [r["rows"][0]["status"] for r in results]
    ['ok', 'ok']
    """
    return [run_one(v, files.get(v["priors_sha256"]), report) for v in variants]


def worker_version() -> str:
    """The library version where this runs (asked of every worker of a cluster).

    Returns
    -------
    str

    Examples
    --------
    >>> worker_version() == library_version()
    True
    """
    return library_version()

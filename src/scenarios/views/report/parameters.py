"""A report's parameters: checked as data, never evaluated, and the scenario they give.

The report notebook's parameters arrive as string and integer literals written by
papermill; :func:`report_inputs` reads the priors file (a path, nothing else), parses
``overrides`` with :func:`json.loads` and checks every type. Overrides are applied the
one way the library edits a prior: :func:`scenarios.spec.overrides.apply_overrides`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.errors import Problem, ScenarioError
from scenarios.views.report.errors import ParameterError

if TYPE_CHECKING:
    from scenarios.spec.scenario import Scenario

__all__ = ["PARAMETERS", "ReportInputs", "parse_overrides", "report_inputs"]

#: The report notebook's parameters and their defaults (its cell tagged ``parameters``).
PARAMETERS: dict[str, str | int] = {
    "priors": "",
    "overrides": "{}",
    "engine": "exact",
    "seed": -1,
    "draws": 4000,
}
_OVERRIDES_EXAMPLE = '\'{"hq_seized": {"p": 0.6}}\''


@dataclass(frozen=True)
class ReportInputs:
    """A report's validated inputs: the scenario to update and how.

    Attributes
    ----------
    priors : str
        The priors value as given (``""``: the built-in default).
    path : pathlib.Path
        The priors file read, absolute.
    sha256 : str
        sha256 of that file's bytes.
    overrides : dict
        The overrides as given (see :func:`parse_overrides`).
    engine : str
    seed : int or None
        ``None``: the file's seed.
    draws : int
    scenario : Scenario
        The file's scenario with the overrides applied.

    Examples
    --------
    >>> report_inputs(seed=3).options()
    {'engine': 'exact', 'seed': 3, 'draws': 4000}
    """

    priors: str
    path: Path
    sha256: str
    overrides: dict[str, Any]
    engine: str
    seed: int | None
    draws: int
    scenario: Scenario = field(repr=False)

    def options(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`Scenario.update`, as the report updates its scenario.

        Returns
        -------
        dict

        Examples
        --------
        >>> report_inputs(engine="pymc", draws=500).options()
        {'engine': 'pymc', 'seed': None, 'draws': 500}
        """
        return {"engine": self.engine, "seed": self.seed, "draws": self.draws}

    def parameters(self) -> dict[str, str | int]:
        """The notebook parameters that reproduce these inputs (plain strings and ints).

        Returns
        -------
        dict
            One value per key of :data:`PARAMETERS`; the file's seed is ``-1`` and the
            overrides are JSON text, as papermill passes them.

        Examples
        --------
        >>> params = report_inputs(overrides={"army_strikes.p": 0.4}).parameters()
        >>> params["overrides"], params["seed"]
        ('{"army_strikes.p": 0.4}', -1)
        """
        return {
            "priors": str(self.path),
            "overrides": json.dumps(self.overrides, sort_keys=True),
            "engine": self.engine,
            "seed": -1 if self.seed is None else self.seed,
            "draws": self.draws,
        }


def parse_overrides(value: str | Mapping[str, Any] | None) -> dict[str, Any]:
    """Overrides as a mapping of fact or outcome name (or dotted field path) -> value.

    A plain name takes a whole prior object (``{"hq_seized": {"p": 0.6}}``); a dotted
    key, as in sweeps, changes one field and keeps the others
    (``{"hq_seized.p": 0.6}``, see :mod:`scenarios.spec.overrides`).

    Parameters
    ----------
    value : str, mapping or None
        JSON text, a mapping, or ``None``/``""`` (none).

    Returns
    -------
    dict

    Raises
    ------
    ParameterError
        If the text is not JSON, not an object, or a plain name's value is not an object.

    Examples
    --------
    >>> parse_overrides('{"hq_seized": {"p": 0.6}}')
    {'hq_seized': {'p': 0.6}}
    >>> parse_overrides('{"army_strikes.p": 0.4}')
    {'army_strikes.p': 0.4}
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ParameterError.single(
                ("overrides",),
                f"not valid JSON ({exc.msg} at character {exc.pos}); expected an object of "
                f"fact name -> prior, e.g. {_OVERRIDES_EXAMPLE}",
            ) from None
    if not isinstance(value, Mapping):
        raise ParameterError.single(
            ("overrides",),
            f"expected an object of fact name -> prior, e.g. {_OVERRIDES_EXAMPLE}, "
            f"got {type(value).__name__}",
        )
    problems = []
    for name, prior in value.items():
        if not isinstance(name, str):
            problems.append(Problem(("overrides",), f"expected text keys, got {name!r:.80}"))
        elif "." not in name and not isinstance(prior, Mapping):
            problems.append(
                Problem(
                    ("overrides", name),
                    f'expected a prior object such as {{"p": 0.6}} (or a field path such as '
                    f'"{name}.p"), got {type(prior).__name__} {prior!r:.80}',
                )
            )
    if problems:
        raise ParameterError(problems)
    return {name: (dict(v) if isinstance(v, Mapping) else v) for name, v in value.items()}


def _integer(name: str, value: object, *, low: int, high: int, meaning: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError.single((name,), f"expected an integer ({meaning}), got {value!r:.80}")
    if not low <= value < high:
        raise ParameterError.single((name,), f"expected {meaning}, got {value}")
    return value


def _read(given: str, path: Path) -> tuple[Path, bytes]:
    """The priors file's absolute path and bytes (bounded, regular files only)."""
    from scenarios.io.files import read_bytes

    try:
        path = path.resolve()
        return path, read_bytes(path)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
    except ScenarioError as exc:
        reason = "; ".join(p.message for p in exc.problems)
    raise ScenarioError.single((), f"cannot read the priors file: {reason}", given)


def report_inputs(
    priors: str | os.PathLike[str] | None = None,
    *,
    overrides: str | Mapping[str, Any] | None = None,
    engine: str = "exact",
    seed: int | None = None,
    draws: int | None = None,
) -> ReportInputs:
    """Check a report's parameters and read its priors file.

    Accepts the notebook's forms (``priors=""``, ``seed=-1``, ``overrides`` as JSON text)
    and Python's (``None``, a mapping). Nothing is evaluated: ``priors`` is only ever a
    path, ``overrides`` only ever JSON.

    Parameters
    ----------
    priors : str, path-like or None
        A scenario file; ``None`` or ``""``: :func:`scenarios.default_priors`.
    overrides : str, mapping or None
        Fact or outcome name -> prior, or dotted field path -> value (see
        :func:`parse_overrides`).
    engine : {"exact", "pymc"}
    seed : int or None
        Seed of every random draw; ``None`` or ``-1``: the file's seed.
    draws : int or None
        Draws behind the intervals (exact) or per chain (pymc); ``None``: 4000.

    Returns
    -------
    ReportInputs

    Raises
    ------
    ParameterError
        A parameter of the wrong type or value, or an override naming no fact or field
        (or giving a value of another kind than the file's, see
        :func:`scenarios.spec.overrides.check_override`).
    scenarios.ScenarioError
        The file cannot be read or is not a valid scenario, or an override's value is
        invalid (located, e.g. ``facts.hq_seized.prior.p``).

    Examples
    --------
    >>> inputs = report_inputs(overrides='{"hq_seized": {"p": 0.6}}', seed=3)
    >>> inputs.seed, inputs.path.name
    (3, 'wagner-2023-06-23.yaml')
    """
    from scenarios.engines import ENGINES
    from scenarios.io import default_priors, from_bytes
    from scenarios.io.files import sha256_bytes
    from scenarios.spec.overrides import OverrideError, apply_overrides, check_override

    if priors is None or (isinstance(priors, str) and priors == ""):
        given, path = "", default_priors()
    elif isinstance(priors, str | os.PathLike):
        given, path = os.fspath(priors), Path(priors)
    else:
        raise ParameterError.single(
            ("priors",), f"expected a file path (text), got {type(priors).__name__} {priors!r:.80}"
        )
    if not isinstance(engine, str) or engine not in ENGINES:
        raise ParameterError.single(
            ("engine",), f"expected one of {list(ENGINES)}, got {engine!r:.80}"
        )
    if seed is None or (type(seed) is int and seed == -1):
        seed = None
    else:
        seed = _integer("seed", seed, low=0, high=2**32, meaning="0 <= seed < 2**32, or -1")
    draws = 4000 if draws is None else draws
    draws = _integer("draws", draws, low=1, high=10**7, meaning="a positive number of draws")
    wanted = parse_overrides(overrides)

    path, raw = _read(given, path)
    scenario = from_bytes(raw, str(path))
    try:
        for key, value in wanted.items():
            check_override(scenario, key, [value])
        scenario, _ = apply_overrides(scenario, wanted, str(path))
    except OverrideError as exc:  # an unknown fact or field, a value of the wrong kind
        raise ParameterError([Problem(("overrides",), m) for m in exc.messages]) from None
    return ReportInputs(
        priors=given,
        path=path,
        sha256=sha256_bytes(raw),
        overrides=wanted,
        engine=engine,
        seed=seed,
        draws=draws,
        scenario=scenario,
    )

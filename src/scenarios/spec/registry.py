"""Where a scenario finds its engines, without importing them.

The spec layer sits below the engines, so :meth:`Scenario.update` cannot import
them; engines register themselves here when :mod:`scenarios.engines` is imported
(``import scenarios`` does that), and the scenario looks them up by name. The
generative story (:meth:`Scenario.simulate`, drawing worlds and the reports they
would produce) registers the same way, as the one :func:`simulator`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from scenarios.errors import OptionError, Problem

__all__ = [
    "MAX_DRAWS",
    "OPTIONS",
    "Engine",
    "check_options",
    "engine",
    "engine_names",
    "register",
    "register_simulator",
    "simulator",
    "unknown_option",
]

#: Most draws (or tuning steps) an update takes: more would exhaust memory, not help.
MAX_DRAWS = 10**7


@dataclass(frozen=True)
class Engine:
    """An engine as the scenario sees it.

    Parameters
    ----------
    name : str
        What ``update(engine=...)`` calls it.
    update : callable
        ``update(scenario, **options) -> Posterior``.
    model : callable, optional
        ``model(scenario, **options)``: the engine's own model object (PyMC's ``Model``).
    """

    name: str
    update: Callable[..., Any]
    model: Callable[..., Any] | None = None


_ENGINES: dict[str, Engine] = {}


def register(engine: Engine, *aliases: str) -> None:
    """Make ``engine`` available under its name and ``aliases``.

    Parameters
    ----------
    engine : Engine
    *aliases : str
        Other names for it (e.g. ``"full"`` for ``"pymc"``).

    Examples
    --------
    >>> register(Engine("echo", lambda scenario, **options: options), "same")
    >>> engine("same").update(None, seed=1)
    {'seed': 1}
    >>> _ = _ENGINES.pop("echo"), _ENGINES.pop("same")
    """
    for name in (engine.name, *aliases):
        _ENGINES[name] = engine


def engine_names() -> tuple[str, ...]:
    """Names of the registered engines (aliases included).

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> import scenarios
    >>> {"exact", "pymc"} <= set(engine_names())
    True
    """
    return tuple(_ENGINES)


def engine(name: str) -> Engine:
    """The engine registered as ``name``.

    Parameters
    ----------
    name : str

    Returns
    -------
    Engine

    Raises
    ------
    ValueError
        Naming the engines there are.

    Examples
    --------
    >>> import scenarios
    >>> engine("exact").name
    'exact'
    """
    try:
        return _ENGINES[name]
    except (KeyError, TypeError):
        known = list(_ENGINES) or ["(none registered: import scenarios)"]
        raise ValueError(f"unknown engine {name!r}; expected one of {known}") from None


def _whole(low: int, high: int | None = None, none: str | None = None) -> Callable[[Any], Any]:
    """A check of a whole number in [low, high] (or ``None``, meaning ``none``)."""
    span = f">= {low:,}" if high is None else f"in [{low:,}, {high:,}]"
    expected = f"a whole number {span}" + (f", or None ({none})" if none else "")

    def check(value: Any) -> Any:
        if value is None and none:
            return None
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ValueError(f"expected {expected}, got {type(value).__name__} {value!r:.80}")
        if value < low or (high is not None and value > high):
            raise ValueError(f"expected {expected}, got {value}")
        return int(value)

    return check


def _fraction(value: Any) -> float:
    """A check of a number strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(
            f"expected a number between 0 and 1 (e.g. 0.9), got {type(value).__name__} "
            f"{value!r:.80}"
        )
    if not (math.isfinite(value) and 0 < value < 1):
        raise ValueError(f"expected a number between 0 and 1, exclusive (e.g. 0.9), got {value}")
    return float(value)


def _flag(value: Any) -> bool:
    """A check of ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise ValueError(f"expected True or False, got {type(value).__name__} {value!r:.80}")
    return value


def _sampler(value: Any) -> str:
    """A check of a NUTS sampler's name."""
    if value not in ("nutpie", "pymc") or not isinstance(value, str):
        raise ValueError(f"expected 'nutpie' or 'pymc', got {value!r:.80}")
    return str(value)


#: The update options every engine understands the same way, and their checks: each
#: takes the value and returns it normalised, or raises ``ValueError`` saying what was
#: expected. An engine takes the ones it needs; other names go to the engine unchecked.
OPTIONS: dict[str, Callable[[Any], Any]] = {
    "seed": _whole(0, 2**32 - 1, none="the scenario's seed"),
    "draws": _whole(1, MAX_DRAWS),
    "tune": _whole(0, MAX_DRAWS),
    "chains": _whole(1, 1000),
    "cores": _whole(1, none="one per chain, up to the CPUs"),
    "quadrature_nodes": _whole(1, 10_000),
    "interval": _fraction,
    "target_accept": _fraction,
    "intervals": _flag,
    "progressbar": _flag,
    "sampler": _sampler,
}


def check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Check the options of an update before any engine sees them.

    Every option of :data:`OPTIONS` is checked the same way for every engine, so that a
    bad value is refused with its name and what was expected, never deep in numpy.

    Parameters
    ----------
    options : mapping
        Option name -> value, as given to :meth:`Scenario.update`.

    Returns
    -------
    dict
        The options, numbers as plain Python ``int``/``float``.

    Raises
    ------
    OptionError
        Listing every bad option at once.

    Examples
    --------
    >>> check_options({"seed": 3, "interval": 0.8})
    {'seed': 3, 'interval': 0.8}
    >>> check_options({"draws": 0, "seed": "abc"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.errors.OptionError: update options: 2 problems
      - draws: expected a whole number in [1, 10,000,000], got 0
      - seed: expected a whole number in [0, 4,294,967,295], or None (...), got str 'abc'
    """
    checked: dict[str, Any] = {}
    problems = []
    for name, value in options.items():
        check = OPTIONS.get(name)
        if check is None:
            checked[name] = value
            continue
        try:
            checked[name] = check(value)
        except ValueError as exc:
            problems.append(Problem((name,), str(exc)))
    if problems:
        raise OptionError(problems)
    return checked


_UNEXPECTED = re.compile(r"unexpected keyword argument '([^']+)'")


def unknown_option(
    exc: TypeError, engine_name: str, options: Mapping[str, Any]
) -> OptionError | None:
    """The located error for a ``TypeError`` an engine raised on an option it does not take.

    Parameters
    ----------
    exc : TypeError
        Raised by an engine's ``update``.
    engine_name : str
    options : mapping
        The options it was given.

    Returns
    -------
    OptionError or None
        ``None`` when ``exc`` is not about one of ``options`` (another ``TypeError``).

    Examples
    --------
    >>> err = TypeError("update_exact() got an unexpected keyword argument 'tune'")
    >>> print(unknown_option(err, "exact", {"tune": 10}))
    update options: 1 problem
      - tune: unknown option of the 'exact' engine
    >>> unknown_option(TypeError("unsupported operand"), "exact", {}) is None
    True
    """
    found = _UNEXPECTED.search(str(exc))
    if found is None or found.group(1) not in options:
        return None
    name = found.group(1)
    known = sorted(OPTIONS)
    hint = "" if name in OPTIONS else f"; options include {', '.join(known)}"
    return OptionError.single((name,), f"unknown option of the {engine_name!r} engine{hint}")


_SIMULATOR: dict[str, Callable[..., Any]] = {}


def register_simulator(simulate: Callable[..., Any]) -> None:
    """Make ``simulate`` what :meth:`Scenario.simulate` calls.

    There is one generative story, so one simulator: a second registration replaces the
    first.

    Parameters
    ----------
    simulate : callable
        ``simulate(scenario, n, seed=None) -> Simulation``.

    Examples
    --------
    >>> import scenarios
    >>> before = simulator()
    >>> register_simulator(lambda scenario, n, seed=None: n)
    >>> simulator()(None, 3)
    3
    >>> register_simulator(before)
    """
    _SIMULATOR["simulate"] = simulate


def simulator() -> Callable[..., Any]:
    """The registered simulator.

    Returns
    -------
    callable
        ``simulate(scenario, n, seed=None)``.

    Raises
    ------
    ValueError
        If none is registered (``import scenarios`` registers it).

    Examples
    --------
    >>> import scenarios
    >>> simulator().__name__
    'simulate'
    """
    try:
        return _SIMULATOR["simulate"]
    except KeyError:
        raise ValueError("no simulator registered: import scenarios") from None

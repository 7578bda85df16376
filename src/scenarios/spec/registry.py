"""Where a scenario finds its engines, without importing them.

The spec layer sits below the engines, so :meth:`Scenario.update` cannot import
them; engines register themselves here when :mod:`scenarios.engines` is imported
(``import scenarios`` does that), and the scenario looks them up by name. The
generative story (:meth:`Scenario.simulate`, drawing worlds and the reports they
would produce) registers the same way, as the one :func:`simulator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Engine", "engine", "engine_names", "register", "register_simulator", "simulator"]


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

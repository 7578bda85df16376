"""Engines turn a validated scenario into a posterior.

``exact``: variable elimination and quadrature (fast; what sliders use).
``pymc``: the scenario compiled to PyMC, discrete facts marginalised, NUTS via nutpie.
Both register with :mod:`scenarios.spec.registry` here, so that
:meth:`Scenario.update` finds them by name; each is imported when first used.
``simulate`` (worlds and the reports they would produce, the same generative story run
forwards) registers as the scenario's simulator, for :meth:`Scenario.simulate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scenarios.spec.registry import Engine, register, register_simulator

if TYPE_CHECKING:
    from scenarios.engines.simulate import Simulation
    from scenarios.posterior import Posterior
    from scenarios.spec.scenario import Scenario

__all__ = ["ENGINES", "simulate"]

ENGINES = ("exact", "pymc")


def _exact(scenario: Scenario, **options: Any) -> Posterior:
    from scenarios.engines.exact import update_exact

    return update_exact(scenario, **options)


def _pymc(scenario: Scenario, **options: Any) -> Posterior:
    from scenarios.engines.pymc import update_pymc

    return update_pymc(scenario, **options)


def _pymc_model(scenario: Scenario, **options: Any) -> Any:
    from scenarios.engines.pymc import build_model

    return build_model(scenario, **options)


def simulate(scenario: Scenario, n: int, seed: int | None = None) -> Simulation:
    """Draw ``n`` worlds and their reports: :func:`scenarios.engines.simulate.simulate`.

    Parameters
    ----------
    scenario : Scenario
    n : int
    seed : int, optional

    Returns
    -------
    Simulation

    Examples
    --------
    >>> from scenarios.io import example, load
    >>> simulate(load(example()), 10, seed=0).seed
    0
    """
    from scenarios.engines.simulate import simulate as draw

    return draw(scenario, n, seed)


register(Engine("exact", _exact))
register(Engine("pymc", _pymc, model=_pymc_model), "full")
register_simulator(simulate)

"""Engines turn a validated scenario into a posterior.

``exact``: variable elimination and quadrature (fast; what sliders use).
``pymc``: the scenario compiled to PyMC, discrete facts marginalised, NUTS via nutpie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scenarios.posterior import Posterior
    from scenarios.scenario import Scenario

__all__ = ["ENGINES", "run"]

ENGINES = ("exact", "pymc")


def run(scenario: Scenario, engine: str = "exact", **options: Any) -> Posterior:
    """Update ``scenario`` with the named engine (see :meth:`Scenario.update`)."""
    if engine == "exact":
        from scenarios.engines.exact import update_exact

        return update_exact(scenario, **options)
    if engine in ("pymc", "full"):
        from scenarios.engines.pymc import update_pymc

        return update_pymc(scenario, **options)
    raise ValueError(f"unknown engine {engine!r}; expected one of {list(ENGINES)}")

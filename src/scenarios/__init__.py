"""Bayesian scenario modelling for breaking-news reports.

Load a priors file, update it on its claims, read the scenario probabilities::

    import scenarios
    s = scenarios.load("priors/wagner-2023-06-23.yaml")
    s.update().scenarios                # exact engine
    s.update(engine="pymc").scenarios   # full PyMC model, NUTS via nutpie
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from scenarios.errors import ImpossibleEvidenceError, SamplingWarning, ScenarioError
from scenarios.io import default_priors, dumps, load, loads, save
from scenarios.posterior import Posterior, scenario_hash
from scenarios.scenario import Claim, Fact, Outcome, Scenario, Source

try:
    __version__ = version("scenarios")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Claim",
    "Fact",
    "ImpossibleEvidenceError",
    "Outcome",
    "Posterior",
    "SamplingWarning",
    "Scenario",
    "ScenarioError",
    "Source",
    "__version__",
    "default_priors",
    "dumps",
    "load",
    "loads",
    "save",
    "scenario_hash",
    "versions",
]


def versions() -> dict[str, str]:
    """Versions of this library and of the libraries its numbers depend on."""
    import platform

    out = {"python": platform.python_version(), "scenarios": __version__}
    for name in ("numpy", "scipy", "pandas", "pymc", "pytensor", "pymc-extras", "arviz", "nutpie"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out

"""Bayesian scenario modelling for breaking-news reports.

Load a priors file, update it on its claims, read the scenario probabilities::

    import scenarios
    s = scenarios.load(scenarios.example("wagner-2023-06-23"))
    s.update().scenarios                # exact engine
    s.update(engine="pymc").scenarios   # full PyMC model, NUTS via nutpie

This module is the small public API: the scenario types, the errors, loading and saving
files, the shipped examples and :class:`Posterior`. The rest is imported from where it
lives: ``scenarios.analysis``, ``scenarios.engines.fast``, ``scenarios.io.bif``, the views
and the sweeps. The layers, lowest first (each imports only from those below it; see
``docs/layout.md``): ``errors``, ``spec`` (the file format and validation), ``io``
(files), ``drafting`` (a draft file from a report: :func:`draft`),
``posterior``, ``engines``, ``analysis``, ``views``, ``sweeps``, ``cli``.

Examples
--------
>>> import scenarios
>>> s = scenarios.load(scenarios.example())
>>> post = s.update(seed=1)
>>> post.scenarios.loc["putin_in_power"].index.tolist()
['false', 'true']
>>> round(float(post.scenarios.loc["putin_in_power", "probability"].sum()), 9)
1.0
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import scenarios.engines  # noqa: F401  (registers the engines that Scenario.update finds)
from scenarios.drafting import draft
from scenarios.errors import (
    ImpossibleEvidenceError,
    OptionError,
    Problem,
    SamplingWarning,
    ScenarioError,
)
from scenarios.io import default_priors, dumps, example, examples, init, load, loads, save
from scenarios.posterior import Posterior, scenario_hash, versions
from scenarios.spec.claims import Claim, Source
from scenarios.spec.nodes import Fact, Outcome
from scenarios.spec.scenario import Scenario

try:
    __version__ = version("scenarios")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Claim",
    "Fact",
    "ImpossibleEvidenceError",
    "OptionError",
    "Outcome",
    "Posterior",
    "Problem",
    "SamplingWarning",
    "Scenario",
    "ScenarioError",
    "Source",
    "__version__",
    "default_priors",
    "draft",
    "dumps",
    "example",
    "examples",
    "init",
    "load",
    "loads",
    "save",
    "scenario_hash",
    "versions",
]

"""The explorer: ipywidgets over a scenario, for forecasters in JupyterLab.

Every prior, claim and source of a scenario gets a control; every change goes through
the library (``Scenario.with_prior``, ``with_claim_changed``, ``with_source``), is
re-validated, and is updated at once with the exact engine. The parts, each small:

- :mod:`~scenarios.views.explorer.edits`: what a control means (pure functions);
- :mod:`~scenarios.views.explorer.model`: the edited scenario, its posterior and
  analyses, staleness (no widgets);
- :mod:`~scenarios.views.explorer.controls`: the sliders and dropdowns;
- :mod:`~scenarios.views.explorer.panels`: the scenario view and the analysis tabs;
- :mod:`~scenarios.views.explorer.app`: :class:`Explorer`, which wires them together.

Examples
--------
In a notebook cell::

    import scenarios
    from scenarios.views.explorer import Explorer

    Explorer(scenarios.example())
"""

from __future__ import annotations

from scenarios.views.explorer.app import Explorer
from scenarios.views.explorer.controls import NumberInput, ProbabilityEditor, ProbabilityInput
from scenarios.views.explorer.edits import rescale
from scenarios.views.explorer.model import ANALYSIS_VIEWS, AnalysisResult, ExplorerModel

__all__ = [
    "ANALYSIS_VIEWS",
    "AnalysisResult",
    "Explorer",
    "ExplorerModel",
    "NumberInput",
    "ProbabilityEditor",
    "ProbabilityInput",
    "rescale",
]

"""THE HTML renderers of the library: one per thing shown, for the report and the explorer.

Every renderer returns an HTML fragment made from a jinja2 template in
``scenarios/views/templates/`` with autoescaping: text from a priors file (titles,
claims, state names) can never become markup. What differs between the report and the
explorer is an option, not a second renderer: ``fmt`` (probabilities as ``31.4%`` or
``0.314``, see :func:`scenarios.views.formats.probability`), extra columns (``mcse``,
``exact``), how many rows (``top``), explanations (``notes``).

Stable hooks, for tests and for the browser:

- rows carry ``data-*`` attributes naming what they show: ``data-outcome`` and
  ``data-state`` (scenario table, what-if), ``data-fact``/``data-outcome`` and
  ``data-state`` (comparison), ``data-diagnostic``, ``data-claim``, ``data-source``,
  ``data-step`` and ``data-claim`` (timeline), ``data-rank`` and ``data-name``
  (sensitivity), ``data-outcome``, ``data-rank`` and ``data-fact`` (value of
  information), ``data-outcome`` (score), ``data-report``, ``data-role`` and
  ``data-claim`` (prior predictive check);
- numeric cells have a class naming the number first, then ``num``:
  ``<td class="probability num">``, ``interval``, ``prior``, ``change``, ``mcse``,
  ``exact``, ``posterior``, ``value``, ``moved``, ``p-low``, ``p-high``, ``swing``,
  ``mi``, ``now``, ``observe``, ``intervene``, ``p-resolved``, ``brier``, ``log-score``,
  ``p-made``, ``p-observed``, ``mcse-observed``, ``reported``, ``median``, ``range``,
  ``tail``;
- each table has a class ``scn-table scn-<what>``; each fragment is one
  ``<div class="scn-block ...">``, after the stylesheet unless ``css=False``.

Examples
--------
>>> import scenarios
>>> post = scenarios.load(scenarios.default_priors()).update(intervals=False)
>>> page = scenario_table_html(post, fmt="decimal")
>>> p = post.scenarios.loc[("mutiny_end", "negotiated"), "probability"]
>>> f'<td class="probability num">{p:.3f}</td>' in page
True
"""

from __future__ import annotations

from scenarios.views.html.analysis import (
    REPORT_KINDS,
    TOP_INPUTS,
    predictive_html,
    prior_share_text,
    score_html,
    sensitivity_html,
    timeline_steps_html,
    voi_html,
    what_if_html,
    what_if_summary,
)
from scenarios.views.html.claims import claims_html, claims_table
from scenarios.views.html.links import implied_table_html
from scenarios.views.html.posterior import (
    comparison_html,
    diagnostics_html,
    failed_checks,
    note_html,
    quantities_html,
    scenario_table_html,
    warnings_html,
)
from scenarios.views.html.templates import environment, render, stylesheet

__all__ = [
    "REPORT_KINDS",
    "TOP_INPUTS",
    "claims_html",
    "claims_table",
    "comparison_html",
    "diagnostics_html",
    "environment",
    "failed_checks",
    "implied_table_html",
    "note_html",
    "predictive_html",
    "prior_share_text",
    "quantities_html",
    "render",
    "scenario_table_html",
    "score_html",
    "sensitivity_html",
    "stylesheet",
    "timeline_steps_html",
    "voi_html",
    "warnings_html",
    "what_if_html",
    "what_if_summary",
]

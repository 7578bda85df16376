"""Reproducible reports: the report notebook run by papermill, rendered to HTML.

:func:`build_report` runs the shipped report notebook on a priors file in a real Jupyter
kernel and writes an HTML page and the executed notebook; :func:`read_report` reads a
report's numbers and provenance back. The parts, one concept each:

- :mod:`~scenarios.views.report.parameters`: the notebook's parameters, checked as data
  (:func:`report_inputs`, :class:`ReportInputs`, :func:`parse_overrides`);
- :mod:`~scenarios.views.report.analysis`: what the report computes (:func:`run_update`,
  :func:`run_analysis`, from :mod:`scenarios.analysis`);
- :mod:`~scenarios.views.report.sections`: the sections it shows, from
  :mod:`scenarios.views.html` (the charts are :mod:`scenarios.views.plots`');
- :mod:`~scenarios.views.report.provenance`: its numbers and provenance as JSON
  (:func:`report_data`, :func:`read_report`);
- :mod:`~scenarios.views.report.build`: papermill, the kernel check, nbconvert and the
  atomic writes (:func:`build_report`);
- :mod:`~scenarios.views.report.errors`: :class:`ReportError`, :class:`ParameterError`.

Examples
--------
>>> from scenarios.views.report import build_report, read_report
>>> html = build_report(out_dir="reports")  # doctest: +SKIP
>>> read_report(html)["provenance"]["engine"]  # doctest: +SKIP
'exact'
"""

from scenarios.views.report.analysis import ReportAnalysis, run_analysis, run_update
from scenarios.views.report.build import (
    NOTEBOOK_ONLY_TAG,
    build_report,
    check_kernel,
    check_name,
    check_out_dir,
    kernel_config,
    render_html,
    report_name,
    variant_name,
)
from scenarios.views.report.errors import ParameterError, ReportError
from scenarios.views.report.parameters import (
    PARAMETERS,
    ReportInputs,
    parse_overrides,
    report_inputs,
)
from scenarios.views.report.provenance import (
    DATA_TAG,
    MAX_NOTEBOOK_BYTES,
    NOTEBOOK_SHA256_META,
    REPORT_MIME,
    analysis_data,
    provenance,
    read_report,
    report_data,
)
from scenarios.views.report.sections import (
    BOTTOM_MOVES,
    BOTTOM_WATCH,
    SAMPLING_CAPTION,
    SCORING_HEADING,
    TOP_CHANGES,
    TOP_MOVES,
    TOP_SENSITIVITY,
    TOP_VOI,
    bottom_line_section,
    changes_section,
    claims_section,
    diagnostics_section,
    header_html,
    picture_section,
    provenance_html,
    quantities_section,
    scenarios_section,
    scoring_section,
    sensitivity_section,
    timeline_section,
    voi_section,
)

__all__ = [
    "BOTTOM_MOVES",
    "BOTTOM_WATCH",
    "DATA_TAG",
    "MAX_NOTEBOOK_BYTES",
    "NOTEBOOK_ONLY_TAG",
    "NOTEBOOK_SHA256_META",
    "PARAMETERS",
    "REPORT_MIME",
    "SAMPLING_CAPTION",
    "SCORING_HEADING",
    "TOP_CHANGES",
    "TOP_MOVES",
    "TOP_SENSITIVITY",
    "TOP_VOI",
    "ParameterError",
    "ReportAnalysis",
    "ReportError",
    "ReportInputs",
    "analysis_data",
    "bottom_line_section",
    "build_report",
    "changes_section",
    "check_kernel",
    "check_name",
    "check_out_dir",
    "claims_section",
    "diagnostics_section",
    "header_html",
    "kernel_config",
    "parse_overrides",
    "picture_section",
    "provenance",
    "provenance_html",
    "quantities_section",
    "read_report",
    "render_html",
    "report_data",
    "report_inputs",
    "report_name",
    "run_analysis",
    "run_update",
    "scenarios_section",
    "scoring_section",
    "sensitivity_section",
    "timeline_section",
    "variant_name",
    "voi_section",
]

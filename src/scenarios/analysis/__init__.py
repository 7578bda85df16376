"""What forecasters ask of a posterior: tables and numbers, never pictures or files.

- :mod:`~scenarios.analysis.timeline`: the evidence ledger, report by report, and which
  report moved what.
- :mod:`~scenarios.analysis.records`: resolve claims, carry sources' track records.
- :mod:`~scenarios.analysis.sensitivity`: tornado over priors and evidence, power-scaling.
- :mod:`~scenarios.analysis.voi`: value of information, "what to look for next".
- :mod:`~scenarios.analysis.whatif`: observe versus intervene.
- :mod:`~scenarios.analysis.scoring`: Brier and log scores, forecasters compared, calibration,
  and the calibration of analysts' information digits.
- :mod:`~scenarios.analysis.pooling`: linear and logarithmic pooling of forecasters' files.
- :mod:`~scenarios.analysis.graph`: the model as a graph (sources, reports, facts,
  outcomes) and how far the evidence moved each node, for its picture.

Charts of these results are in :mod:`scenarios.views.plots`; resolution files and the
forecast archive are read and written by :mod:`scenarios.io`.
"""

from scenarios.analysis.graph import ModelGraph, model_graph, report_moves
from scenarios.analysis.pooling import pool
from scenarios.analysis.records import resolve_claim, track_record, with_track_record
from scenarios.analysis.scoring import calibration, compare_forecasters, digit_calibration, score
from scenarios.analysis.sensitivity import PowerScaling, Sensitivity, power_scaling, sensitivity
from scenarios.analysis.timeline import timeline, timeline_moves
from scenarios.analysis.voi import ValueOfInformation, value_of_information
from scenarios.analysis.whatif import what_if

__all__ = [
    "ModelGraph",
    "PowerScaling",
    "Sensitivity",
    "ValueOfInformation",
    "calibration",
    "compare_forecasters",
    "digit_calibration",
    "model_graph",
    "pool",
    "power_scaling",
    "report_moves",
    "resolve_claim",
    "score",
    "sensitivity",
    "timeline",
    "timeline_moves",
    "track_record",
    "value_of_information",
    "what_if",
    "with_track_record",
]

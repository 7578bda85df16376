"""What forecasters ask of a posterior.

- :mod:`~scenarios.analysis.timeline`: the evidence ledger, report by report.
- :mod:`~scenarios.analysis.records`: resolve claims, carry sources' track records.
- :mod:`~scenarios.analysis.sensitivity`: tornado over priors and evidence, power-scaling.
- :mod:`~scenarios.analysis.voi`: value of information, "what to look for next".
- :mod:`~scenarios.analysis.whatif`: observe versus intervene.
- :mod:`~scenarios.analysis.scoring`: resolutions, Brier and log scores, calibration.
- :mod:`~scenarios.analysis.pooling`: linear and logarithmic pooling of forecasters' files.
"""

from scenarios.analysis.pooling import pool
from scenarios.analysis.records import resolve_claim, track_record, with_track_record
from scenarios.analysis.scoring import (
    Resolution,
    archive_forecast,
    calibration,
    compare_forecasters,
    load_archive,
    load_resolution,
    score,
)
from scenarios.analysis.sensitivity import power_scaling, sensitivity
from scenarios.analysis.timeline import timeline
from scenarios.analysis.voi import value_of_information
from scenarios.analysis.whatif import what_if

__all__ = [
    "Resolution",
    "archive_forecast",
    "calibration",
    "compare_forecasters",
    "load_archive",
    "load_resolution",
    "pool",
    "power_scaling",
    "resolve_claim",
    "score",
    "sensitivity",
    "timeline",
    "track_record",
    "value_of_information",
    "what_if",
    "with_track_record",
]

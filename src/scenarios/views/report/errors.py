"""The report's errors: both are :class:`scenarios.ScenarioError`, with its problem list."""

from __future__ import annotations

from scenarios.errors import ScenarioError

__all__ = ["ParameterError", "ReportError"]


class ReportError(ScenarioError):
    """A report could not be built: the notebook failed, or the kernel is not ours.

    The command line exits with 4 on it.

    Examples
    --------
    >>> print(ReportError(["the report notebook failed (cell 3): ValueError: broken"]))
    report: 1 problem
      - the report notebook failed (cell 3): ValueError: broken
    """

    subject = "report"


class ParameterError(ReportError, ValueError):
    """A report parameter has the wrong type or value; each problem names the parameter.

    Raised before anything runs; the command line exits with 2 on it.

    Examples
    --------
    >>> print(ParameterError.single(("seed",), "expected an integer, got '3'"))
    report parameters: 1 problem
      - seed: expected an integer, got '3'
    """

    subject = "report parameters"

"""How questions resolved: the resolution file format.

A resolution file records the state each outcome actually ended in, so that forecasts
can be scored in hindsight (:func:`scenarios.analysis.score`)::

    format: scenarios-resolution/1
    title: How the Wagner mutiny ended
    resolved_at: 2023-06-24T20:00:00Z
    outcomes:
      mutiny_end: negotiated
      putin_in_power: true        # states are text: true/false read as "true"/"false"
    sources: ["Kremlin spokesman, 24 June 2023"]

:func:`scenarios.io.resolutions.load_resolution` reads one from a file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from scenarios.spec.fields import StateName

__all__ = ["RESOLUTION_FORMAT", "Resolution"]

#: The ``format`` tag of a resolution file.
RESOLUTION_FORMAT = "scenarios-resolution/1"


class Resolution(BaseModel):
    """How outcomes resolved: outcome name to the state it ended in.

    Attributes
    ----------
    format : str
        ``"scenarios-resolution/1"``.
    title : str
    scenario : str, optional
        The priors file the questions came from.
    resolved_at : datetime, optional
    outcomes : dict of str to str
        Outcome to resolved state; YAML's ``true``/``false`` and numbers become the
        state names ``"true"``, ``"false"``, ``"3"`` as in scenario files.
    notes : str, optional
    sources : tuple of str
        Where the resolution comes from.

    Examples
    --------
    >>> r = Resolution(title="t", outcomes={"mutiny_end": "negotiated", "putin_in_power": True})
    >>> r.outcomes
    {'mutiny_end': 'negotiated', 'putin_in_power': 'true'}
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["scenarios-resolution/1"] = RESOLUTION_FORMAT
    title: str
    scenario: str | None = None
    resolved_at: datetime | None = None
    outcomes: dict[str, StateName]
    notes: str | None = None
    sources: tuple[str, ...] = ()

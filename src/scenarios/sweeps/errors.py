"""The two errors of a sweep: a wrong grid or option, and a sweep that could not run.

Both are :class:`~scenarios.errors.ScenarioError`: a list of problems, each one line,
optionally naming a file. A :class:`GridError` is also an
:class:`~scenarios.spec.overrides.OverrideError`, so code that edits priors catches
both with one clause.
"""

from __future__ import annotations

from scenarios.errors import ScenarioError
from scenarios.spec.overrides import OverrideError

__all__ = ["GridError", "SweepError"]


class GridError(OverrideError):
    """A grid, an override or a sweep option is wrong; every problem is listed.

    Nothing has run when it is raised (the command exits with code 2).

    Parameters
    ----------
    problems : iterable of Problem or str
        Each names the grid key, option or file it is about.
    file : str, optional
        The grid file, when the problems are in one.

    Examples
    --------
    >>> print(GridError(["army_strike.p: no fact or outcome 'army_strike'"]))
    sweep grid: 1 problem
      - army_strike.p: no fact or outcome 'army_strike'
    """

    subject = "sweep grid"


class SweepError(ScenarioError):
    """A sweep could not run: no cluster, no worker, the folder in use, or the timeout.

    Finished variants are kept in the output folder; running the sweep again resumes
    (the command exits with code 4).

    Parameters
    ----------
    problems : iterable of Problem or str
        Usually one: what stopped the sweep and what to do.
    file : str, optional
        The output folder, when the problem is with it.

    Examples
    --------
    >>> print(SweepError(["cannot connect to the Dask scheduler at tcp://10.0.0.5:8786"]))
    sweep: 1 problem
      - cannot connect to the Dask scheduler at tcp://10.0.0.5:8786
    """

    subject = "sweep"

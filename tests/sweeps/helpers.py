"""What the sweep tests share: the Wagner file, a small plan, the same update by hand."""

from __future__ import annotations

import warnings

import pandas as pd

import scenarios
from scenarios import sweeps
from scenarios.sweeps import Variant

WAGNER = scenarios.default_priors()
DRAWS = 300  # enough for intervals, fast
#: Columns that depend on the run, not on the inputs.
VOLATILE = ["elapsed", "report"]
#: A bound on any one sweep or wait in the Dask tests, so that a hang fails with a message.
DASK_TIMEOUT = 180.0


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    """The table without the columns that change from run to run."""
    return table.drop(columns=VOLATILE).reset_index(drop=True)


def small_plan(bad: bool = True) -> list[Variant]:
    """3 x 2 (or 2 x 2) Wagner variants; with ``bad``, p = 1.5 fails."""
    values = [0.2, 0.6, 1.5] if bad else [0.2, 0.6]
    return sweeps.plan(
        WAGNER, {"army_strikes.p": values, "troops.between.0": [20, 30]}, seeds=[1], draws=DRAWS
    )


def by_hand(p: float, low: float, seed: int) -> pd.DataFrame:
    """The same variant without the sweep machinery: with_prior on the loaded file."""
    s = scenarios.load(WAGNER)
    high = s.facts["troops"].prior.between[1]  # the file's upper end, kept by the sweep
    s = s.with_prior("army_strikes", {"p": p, "concentration": 5})
    s = s.with_prior("troops", {"between": [low, high], "mass": 0.9})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scenarios.SamplingWarning)  # few draws: low ESS
        return s.update(seed=seed, draws=DRAWS).scenarios

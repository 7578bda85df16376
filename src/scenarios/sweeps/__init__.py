"""Sweeps: many variants of scenario files, updated on Dask, in one tidy results table.

A forecasting team runs many variants of a question: every member's priors file, a grid
of priors for sensitivity, every question on a watch list. :func:`plan` turns files and a
grid of prior overrides into a list of :class:`Variant` (the cartesian product, for every
file and seed); :func:`run_sweep` updates every variant on dask.distributed (a local
cluster by default, or an existing one by its scheduler address) and collects one row per
(variant, outcome, state) in ``<out>/results.parquet``.

Each finished variant is written at once to its own part file,
``<out>/parts/<variant_id>.parquet`` (atomically), so a sweep that is killed loses only
the variants in flight, and running it again skips every variant whose part exists. A
variant that fails (an invalid override value, impossible evidence) is recorded as one
row with ``status == "error"`` and its message; the others go on.

Grid keys are dotted paths into a fact's or outcome's prior, as in the file (see
:mod:`scenarios.spec.overrides`, the one way to edit a prior by path)::

    army_strikes.p            the "p" of army_strikes' prior
    troops.between            the whole [low, high] range of troops
    troops.between.0          only its lower end (list items by index)
    mutiny_end.anchors.1.probs.suppressed   one state of an anchor case (the others rescaled)
    army_loyalty              the whole prior, e.g. {"probs": {...}, "concentration": 8}

Other fields of the prior keep the file's values; ``null`` (``None``) removes a field.
See ``docs/sweeps.md``.

The modules, one concept each: :mod:`~scenarios.sweeps.grid` (the grid language:
values, grids, seeds), :mod:`~scenarios.sweeps.plan` (:class:`Variant`, :func:`plan`),
:mod:`~scenarios.sweeps.store` (part files, the results table, the folder lock),
:mod:`~scenarios.sweeps.worker` (running variants where a task lands),
:mod:`~scenarios.sweeps.cluster` (Dask), :mod:`~scenarios.sweeps.progress` and
:mod:`~scenarios.sweeps.run` (:func:`run_sweep`).

Examples
--------
>>> import tempfile
>>> from scenarios import sweeps
>>> sweeps.parse_values("0.1:0.3:3")
[0.1, 0.2, 0.3]
>>> variants = sweeps.plan(grid={"army_strikes.p": [0.2, 0.4]}, seeds=[1, 2], draws=200)
>>> len(variants), dict(variants[0].overrides), variants[0].seed
(4, {'army_strikes.p': 0.2}, 1)
>>> table = sweeps.run_sweep(variants, tempfile.mkdtemp(), scheduler="serial", progress=False)
>>> table.attrs["ok"], sorted(table["outcome"].unique())
(4, ['mutiny_end', 'putin_in_power'])
"""

from __future__ import annotations

from scenarios.sweeps.cluster import auto_batch_size
from scenarios.sweeps.errors import GridError, SweepError
from scenarios.sweeps.grid import parse_grid, parse_seeds, parse_values
from scenarios.sweeps.plan import MAX_VARIANTS, Plan, Variant, plan
from scenarios.sweeps.run import run_sweep, run_variant
from scenarios.sweeps.store import COLUMNS, INTERVAL, read_results

__all__ = [
    "COLUMNS",
    "INTERVAL",
    "MAX_VARIANTS",
    "GridError",
    "Plan",
    "SweepError",
    "Variant",
    "auto_batch_size",
    "parse_grid",
    "parse_seeds",
    "parse_values",
    "plan",
    "read_results",
    "run_sweep",
    "run_variant",
]

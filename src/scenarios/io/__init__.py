"""Files in and out: scenario YAML, shipped examples, bounded reads, atomic writes.

Everything the library reads or writes on disk goes through this package:
:mod:`~scenarios.io.files` (bounded reads, the one atomic writer, hashing),
:mod:`~scenarios.io.yamlfile` (the one YAML reader), :mod:`~scenarios.io.data`
(files shipped in the package), :mod:`~scenarios.io.scenario_files` (priors files),
:mod:`~scenarios.io.resolutions` (how questions resolved) and
:mod:`~scenarios.io.archive` (archived forecasts).
"""

from __future__ import annotations

from scenarios.io.archive import archive_forecast, load_archive
from scenarios.io.data import example, examples, init
from scenarios.io.resolutions import load_resolution
from scenarios.io.scenario_files import (
    default_priors,
    dumps,
    from_bytes,
    from_dict,
    load,
    loads,
    save,
)

__all__ = [
    "archive_forecast",
    "default_priors",
    "dumps",
    "example",
    "examples",
    "from_bytes",
    "from_dict",
    "init",
    "load",
    "load_archive",
    "load_resolution",
    "loads",
    "save",
]

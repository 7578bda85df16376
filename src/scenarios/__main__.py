"""``python -m scenarios``: the ``scenarios`` command line (see :mod:`scenarios.cli`)."""

from __future__ import annotations

from scenarios.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

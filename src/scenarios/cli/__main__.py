"""``python -m scenarios.cli``: the same as ``scenarios`` (see :mod:`scenarios.cli`)."""

from scenarios.cli import main

raise SystemExit(main())

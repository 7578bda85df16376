"""Entry point of an isolated benchmark process (see ``common.run_isolated``).

``python -m benchmarks._worker SPEC.json`` imports ``module:function`` from the spec, calls
it with the spec's keyword arguments and writes ``{"value": ...}`` (or the error) as JSON.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
import warnings
from pathlib import Path


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    module, _, name = spec["func"].partition(":")
    out = Path(spec["out"])
    warnings.simplefilter("ignore")  # library warnings are measured elsewhere, not here
    os.environ["BENCH_PARTIAL"] = str(out.with_suffix(".partial.json"))
    try:
        fn = getattr(importlib.import_module(module), name)
        value = fn(**spec["kwargs"])
        out.write_text(json.dumps({"value": value}, default=float))
    except BaseException as exc:  # report every failure (MemoryError included) to the parent
        out.write_text(
            json.dumps({"type": type(exc).__name__, "error": traceback.format_exc()[-4000:]})
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

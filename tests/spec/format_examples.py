"""The YAML examples of docs/format.md, checked by tests/spec/test_format_examples.py.

Complete files (with a ``title``) are loaded as they are; fragments are merged into a
small base scenario (facts ``hq_seized``, ``resistance``, ``troops``, outcome ``o``,
source ``wire``). Each must load and update without warnings, except examples whose
first line is ``# invalid: <message>``, which must fail with that message.

Also runnable alone: ``.venv/bin/python tests/spec/format_examples.py [docs/format.md]``.
"""

from __future__ import annotations

import copy
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import scenarios
from scenarios.io import from_dict
from scenarios.io.yamlfile import parse_yaml

BASE = parse_yaml(
    """
title: base
facts:
  hq_seized: {kind: binary, prior: {p: 0.5}}
  resistance:
    kind: categorical
    states: [none, token, armed]
    prior: {probs: {none: 0.3, token: 0.4, armed: 0.3}}
  troops:
    kind: continuous
    unit: thousand troops
    support: [0, null]
    prior: {between: [25, 50]}
outcomes:
  o: {kind: binary, exhaustive: yes or no, prior: {p: 0.5}}
sources:
  wire: {grade: B}
"""
)


def build(text: str) -> scenarios.Scenario:
    """Load a complete example, or a fragment merged into the base scenario."""
    data: Any = parse_yaml(text, "example")
    if "title" in data:
        return scenarios.loads(text, "example")
    merged = copy.deepcopy(BASE)
    for key, value in data.items():
        if key == "claims":
            merged.setdefault("claims", []).extend(value)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return from_dict(merged, "example")


def main(path: str = "docs/format.md") -> int:
    """Check the examples of ``path``; return the number that misbehaved."""
    blocks = re.findall(r"```yaml\n(.*?)```", Path(path).read_text(encoding="utf-8"), re.S)
    bad = 0
    for i, text in enumerate(blocks):
        first = text.splitlines()[0]
        expect = first.split("# invalid:", 1)[1].strip() if first.startswith("# invalid:") else None
        try:
            scenario = build(text)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                scenario.update()
        except Exception as exc:  # any failure is reported
            if expect and expect in str(exc):
                print(f"example {i}: fails as expected")
            else:
                bad += 1
                print(f"example {i}: UNEXPECTED {type(exc).__name__}: {exc}")
            continue
        if expect:
            bad += 1
            print(f"example {i}: loaded, but should fail with {expect!r}")
        else:
            print(f"example {i}: ok ({len(scenario.facts)} facts, {len(scenario.claims)} claims)")
    print(f"{len(blocks)} examples, {bad} misbehaved")
    return bad


if __name__ == "__main__":
    sys.exit(1 if main(*sys.argv[1:]) else 0)

"""Every YAML example in the format reference does what the text says."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from .format_examples import build

FORMAT = Path(__file__).parents[2] / "docs" / "format.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", FORMAT.read_text(encoding="utf-8"), re.S)


def test_the_reference_has_examples() -> None:
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize("text", BLOCKS, ids=[f"example{i}" for i in range(len(BLOCKS))])
def test_format_example(text: str) -> None:
    first = text.splitlines()[0]
    if first.startswith("# invalid:"):
        expected = first.split("# invalid:", 1)[1].strip()
        with pytest.raises(Exception, match=re.escape(expected)):
            build(text).update()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(text).update()

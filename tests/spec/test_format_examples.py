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


def _spec_fields() -> list[tuple[str, str]]:
    import importlib
    import inspect
    import pkgutil

    import scenarios.spec
    from scenarios.spec.fields import SpecModel

    out = []
    for info in pkgutil.iter_modules(scenarios.spec.__path__):
        module = importlib.import_module(f"scenarios.spec.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, SpecModel) and cls.__module__ == module.__name__:
                out += [(name, f.alias or key) for key, f in cls.model_fields.items()]
    return out


@pytest.mark.parametrize(("model", "field"), _spec_fields())
def test_every_field_of_the_format_is_in_the_reference(model: str, field: str) -> None:
    # named in code style, alone or as the last part of a dotted path (`logit.intercept`)
    text = FORMAT.read_text(encoding="utf-8")
    assert re.search(rf"`(?:[\w\[\]<>]+\.)*{re.escape(field)}`", text), f"{model}.{field}"


def test_format_python_examples_run() -> None:
    # the page's Python examples run in order, in one namespace, as a reader would paste them
    blocks = re.findall(r"```python\n(.*?)```", FORMAT.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{FORMAT}:python{i}", "exec"), namespace)

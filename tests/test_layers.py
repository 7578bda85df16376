"""The package's import layers: data flows one way, and private names stay private.

Every module of ``src/scenarios`` is parsed with :mod:`ast` (nothing is imported), every
import of ``scenarios.*`` is collected - at module level and inside functions, absolute
and relative; imports under ``if TYPE_CHECKING:`` are left out, being for type checkers
only - and checked against :data:`LAYERS`. The same table, in words, is in
``docs/layout.md``. All violations are reported in one message, so that one run shows
everything left to fix.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import scenarios

#: The layers, lowest first. A module may import from its own layer or a lower one.
#: The layer of a module is that of its first name under ``scenarios``
#: (``scenarios.io.files`` is in ``io``; ``scenarios.views.report.run`` is in ``views``).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("errors", ("errors",)),
    ("spec", ("spec",)),
    ("io", ("io",)),
    ("drafting", ("drafting",)),
    ("posterior", ("posterior",)),
    ("engines", ("engines",)),
    ("analysis", ("analysis",)),
    ("views", ("views",)),
    ("sweeps", ("sweeps",)),
    ("cli", ("cli", "__main__")),
)

#: The public API (``scenarios/__init__.py``) may import anything; importing it (``import
#: scenarios`` or ``from scenarios import load``) from inside the package counts as
#: importing the top, which only ``cli`` may do.
API = "__init__"

#: Imports a layer must not make even where the order allows them, as module prefixes:
#: analysis returns data only (no file access: no ``scenarios.io``; no drawing).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "analysis": ("scenarios.io", "matplotlib"),
}

PACKAGE = "scenarios"

#: An imported name and its local alias: ``from m import name as alias``.
Alias = tuple[str, str | None]


@dataclass(frozen=True)
class Edge:
    """One import: who imports what, where."""

    source: str  # the importing module, dotted
    target: str  # the imported module, dotted ("scenarios" for the package root)
    names: tuple[str, ...]  # names taken from it (``from target import a, b``), or ()
    line: int
    path: str  # the importing file, relative to the package's parent


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST) -> list[ast.AST]:
    """Every node below ``node``, skipping the bodies of ``if TYPE_CHECKING:``."""
    found: list[ast.AST] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, ast.If) and _type_checking(current.test):
            stack.extend(current.orelse)
            continue
        stack.extend(ast.iter_child_nodes(current))
    return found


def _is_submodule(root: Path, dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    base = root / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _imports(tree: ast.AST, source: str, is_package: bool) -> list[tuple[int, str, list[Alias]]]:
    """(line, module, names) of every import in ``tree``, relative ones resolved.

    ``import a.b as c`` gives ``(line, "a.b", [])`` and binds ``c``: its alias is kept as
    ``("", "c")``; ``from a import x, y as z`` gives ``(line, "a", [("x", None), ("y",
    "z")])``. Imports under ``if TYPE_CHECKING:`` are left out.
    """
    found: list[tuple[int, str, list[Alias]]] = []
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(
                    (node.lineno, alias.name, [("", alias.asname)] if alias.asname else [])
                )
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = source.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([module] if module else []))
            found.append((node.lineno, module, [(a.name, a.asname) for a in node.names]))
    return found


@dataclass(frozen=True)
class Module:
    """A parsed module of the package."""

    name: str  # dotted
    path: str  # relative to the package's parent, for messages
    tree: ast.Module
    is_package: bool


def parse_package(root: Path) -> tuple[list[Module], list[str]]:
    """Every module under ``root`` (the package folder), and the files that do not parse."""
    modules, broken = [], []
    for path in sorted(root.rglob("*.py")):
        rel = str(path.relative_to(root.parent))
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        except SyntaxError as exc:
            broken.append(f"{rel}: does not parse: {exc}")
            continue
        modules.append(Module(_module_name(path, root), rel, tree, path.name == "__init__.py"))
    return modules, broken


def _inside(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def collect_edges(root: Path, modules: list[Module], package: str = PACKAGE) -> list[Edge]:
    """Every import of ``package`` made by ``modules`` (parsed from ``root``).

    ``from package.x import y`` where ``package.x.y`` is a module is recorded as an
    import of ``package.x.y``; other names are recorded with their module. Use of a
    private attribute of an imported module (``sweep._default_workers()`` after ``from
    scenarios import sweep``) is recorded as an edge naming that attribute.
    """
    edges: list[Edge] = []
    for mod in modules:
        bound: dict[str, str] = {}  # local name -> the module bound to it
        for line, module, names in _imports(mod.tree, mod.name, mod.is_package):
            if not _inside(module, package):
                continue
            if not names or names[0][0] == "":  # import scenarios.x [as y]
                edges.append(Edge(mod.name, module, (), line, mod.path))
                if names:
                    bound[str(names[0][1])] = module
                continue
            plain = []
            for name, asname in names:
                full = f"{module}.{name}"
                if _is_submodule(root, full):
                    edges.append(Edge(mod.name, full, (), line, mod.path))
                    bound[asname or name] = full
                else:
                    plain.append(name)
            if plain:
                edges.append(Edge(mod.name, module, tuple(plain), line, mod.path))
        for node in _walk(mod.tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in bound
                and _private(node.attr)
            ):
                edges.append(
                    Edge(mod.name, bound[node.value.id], (node.attr,), node.lineno, mod.path)
                )
    return edges


def layer_of(module: str, package: str = PACKAGE) -> str | None:
    """The layer of a dotted module name; ``API`` for the package root; None if undeclared."""
    parts = module.split(".")
    if parts == [package]:
        return API
    for layer, names in LAYERS:
        if parts[1] in names:
            return layer
    return None


def _rank(layer: str) -> int:
    return [name for name, _ in LAYERS].index(layer)


def violations(root: Path, package: str = PACKAGE) -> list[str]:
    """Every breach of the layer rules by the package under ``root``, one line each."""
    modules, problems = parse_package(root)
    for mod in modules:
        if layer_of(mod.name, package) is None:
            problems.append(f"{mod.path}: module {mod.name} is in no declared layer")
    known = {m.name for m in modules} | {package}
    for edge in collect_edges(root, modules, package):
        where = f"{edge.path}:{edge.line}"
        if edge.target not in known:  # e.g. a module that moved: fails only when it runs
            problems.append(f"{where}: {edge.source} imports {edge.target}, which does not exist")
            continue
        private = [n for n in edge.names if _private(n)]
        private += [p for p in edge.target.split(".") if _private(p)]
        if private:
            problems.append(
                f"{where}: {edge.source} uses private {', '.join(private)} of {edge.target}"
            )
        src, dst = layer_of(edge.source, package), layer_of(edge.target, package)
        if src is None or src == API or dst is None:
            continue  # the public API may import anything; undeclared: reported above
        if dst == API:
            if src != "cli":
                problems.append(
                    f"{where}: {edge.source} ({src}) imports the package root "
                    f"({package}), the top layer; import the module that defines the name"
                )
        elif _rank(dst) > _rank(src):
            problems.append(
                f"{where}: {edge.source} ({src}) imports {edge.target} ({dst}), a higher layer"
            )
    for mod in modules:
        for prefix in FORBIDDEN.get(layer_of(mod.name, package) or "", ()):
            for line, module, names in _imports(mod.tree, mod.name, mod.is_package):
                targets = [module] + [f"{module}.{n}" for n, _ in names if n]
                if any(_inside(t, prefix) for t in targets):
                    problems.append(f"{mod.path}:{line}: {mod.name} must not import {prefix}")
    return sorted(problems, key=_by_place)


def _by_place(message: str) -> tuple[str, int]:
    place = message.split(": ", 1)[0]
    path, _, line = place.partition(":")
    return path, int(line) if line.isdigit() else 0


# --- the package ---------------------------------------------------------------------------


def test_the_package_follows_its_layers() -> None:
    root = Path(scenarios.__file__).parent
    problems = violations(root)
    assert not problems, f"{len(problems)} layer violations:\n" + "\n".join(problems)


def test_every_declared_layer_is_in_the_package() -> None:
    # a name in the table that matches nothing (a typo, a package renamed) checks nothing
    root = Path(scenarios.__file__).parent
    missing = [
        name
        for _, names in LAYERS
        for name in names
        if not (root / f"{name}.py").is_file() and not (root / name / "__init__.py").is_file()
    ]
    assert not missing, f"declared in LAYERS but not in {root}: {missing}"


# --- the checker itself, on a small fake package ---------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    pkg = root / PACKAGE
    for name, text in files.items():
        path = pkg / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pkg


CLEAN = {
    "__init__.py": "from scenarios.cli import main\nfrom scenarios.io import load\n",
    "__main__.py": "from scenarios.cli import main\n",
    "errors.py": "class ScenarioError(Exception): ...\n",
    "spec/__init__.py": "",
    "spec/scenario.py": "from scenarios.errors import ScenarioError\n",
    "io/__init__.py": "from .files import write_atomic\n",
    "io/files.py": "from ..errors import ScenarioError\ndef write_atomic(): ...\n",
    "posterior.py": "import numpy\n",
    "engines/__init__.py": "",
    "analysis/__init__.py": "from scenarios.posterior import *\n",
    "views/__init__.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from scenarios.cli import main\n"
        "import matplotlib\n"
    ),
    "sweeps/__init__.py": "def f():\n    from scenarios.views import plots\n",
    "views/plots.py": "",
    "cli.py": "import scenarios\nfrom scenarios import load\n",
}


def test_checker_passes_a_clean_package(tmp_path: Path) -> None:
    assert violations(_write(tmp_path, CLEAN)) == []


def test_checker_reports_every_planted_violation_at_once(tmp_path: Path) -> None:
    planted = dict(CLEAN)
    planted["spec/scenario.py"] = (
        "from scenarios.errors import ScenarioError\n"
        "def update():\n"
        "    from scenarios.engines import exact\n"  # up, inside a function
    )
    planted["engines/exact.py"] = "from scenarios.spec.scenario import _as_prior\n"  # private
    planted["io/files.py"] = "import scenarios\n"  # the root, below cli
    planted["posterior.py"] = "from scenarios import versions\n"  # a name of the root
    planted["analysis/voi.py"] = (
        "import matplotlib.pyplot as plt\n"  # no drawing in analysis
        "from scenarios.io.files import write_atomic\n"  # no files in analysis
        "from ..views import plots\n"  # up, relative
    )
    planted["sweeps/__init__.py"] = (
        "from scenarios import views\ndef f():\n    return views._helper()\n"  # private use
    )
    planted["widgets.py"] = ""  # in no layer
    problems = violations(_write(tmp_path, planted))
    text = "\n".join(problems)
    expected = [
        "scenarios/spec/scenario.py:3: scenarios.spec.scenario (spec) imports "
        "scenarios.engines.exact (engines), a higher layer",
        "scenarios/engines/exact.py:1: scenarios.engines.exact uses private _as_prior",
        "scenarios/io/files.py:1: scenarios.io.files (io) imports the package root",
        "scenarios/posterior.py:1: scenarios.posterior (posterior) imports the package root",
        "scenarios/analysis/voi.py:1: scenarios.analysis.voi must not import matplotlib",
        "scenarios/analysis/voi.py:2: scenarios.analysis.voi must not import scenarios.io",
        "scenarios/analysis/voi.py:3: scenarios.analysis.voi (analysis) imports "
        "scenarios.views.plots (views), a higher layer",
        "scenarios/sweeps/__init__.py:3: scenarios.sweeps uses private _helper of scenarios.views",
        "scenarios/widgets.py: module scenarios.widgets is in no declared layer",
    ]
    for line in expected:
        assert line in text, f"not reported: {line}\n--- got:\n{text}"
    assert len(problems) == len(expected), text


@pytest.mark.parametrize(
    ("files", "ok"),
    [
        ({"spec/a.py": "from scenarios.errors import Problem\n"}, True),
        ({"spec/a.py": "from scenarios.io import load\n"}, False),
        ({"spec/a.py": "import scenarios.io.files\n"}, False),
        ({"spec/a.py": "from scenarios.io import files\n"}, False),
        (
            {
                "spec/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from scenarios.io import load\n"
            },
            True,
        ),
        (
            {"spec/a.py": "import typing\nif typing.TYPE_CHECKING:\n    import scenarios.views\n"},
            True,
        ),
        ({"spec/a.py": "from . import _b\n", "spec/_b.py": ""}, False),  # private module
        ({"spec/a.py": "from .b import _x\n", "spec/b.py": "_x = 1\n"}, False),
        ({"spec/a.py": "from .b import x\n", "spec/b.py": "x = 1\n"}, True),
        ({"views/a.py": "from scenarios.analysis import voi\n", "analysis/voi.py": ""}, True),
        ({"analysis/a.py": "import scenarios.io\n"}, False),
        ({"analysis/a.py": "from scenarios import io\n"}, False),
        ({"analysis/a.py": "def f():\n    from matplotlib import pyplot\n"}, False),
        ({"analysis/a.py": "from scenarios.posterior import Posterior\n"}, True),
        ({"cli.py": "from scenarios import __version__\n"}, True),
        ({"cli.py": "import scenarios.io.files as f\nf._limit\n"}, False),
        ({"cli.py": "from scenarios.io import files as f\nf.write_atomic\n"}, True),
        ({"cli.py": "from scenarios.io import files as f\nf._limit\n"}, False),
        ({"views/a.py": "from scenarios import __version__\n"}, False),
        ({"sweeps/a.py": "def f():\n    from scenarios.reports import build\n"}, False),
    ],
)
def test_checker_on_single_imports(tmp_path: Path, files: dict[str, str], ok: bool) -> None:
    problems = violations(_write(tmp_path, {**CLEAN, **files}))
    assert (problems == []) is ok, problems


def test_docs_state_the_same_order() -> None:
    layout = Path(__file__).parents[1] / "docs" / "layout.md"
    rule = next(
        line.strip() for line in layout.read_text(encoding="utf-8").splitlines() if " < " in line
    )
    assert rule.split(" < ") == [name for name, _ in LAYERS]

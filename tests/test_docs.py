"""The documentation site builds warning-free, offline, with every notebook executed.

``sphinx-build -W`` runs in a subprocess over ``docs/`` into a temporary folder with
``nb_execution_mode=force``, so each notebook (the shipped ones, linked into
``docs/notebooks/``, and the MyST pages with code cells) runs in a fresh kernel and a cell
error fails the build. The format reference's YAML examples are checked by
``tests/spec/test_format_examples.py``; this module checks the site around them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import scenarios
from scenarios.io.data import notebook

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"

# the pages a reader needs (others may be added): the list (getting started,
# format, semantics, the notebooks, the command line, the API reference, the how-tos)
PAGES = [
    "index",
    "getting-started",
    "examples",
    "format",
    "semantics",
    "cli",
    "explorer",
    "sweeps",
    "layout",
    "notebooks/tutorial",
    "notebooks/wagner-explorer",
    "api/index",
    "api/spec",
    "api/io",
    "api/engines",
    "api/analysis",
    "api/views",
    "api/sweeps",
    "howto/add-an-event",
    "howto/score-a-forecast",
    "howto/sweep-on-a-cluster",
]


def executable(page: Path) -> bool:
    """Whether a source page runs code at build time (a notebook or a MyST code-cell page)."""
    if page.suffix == ".ipynb":
        return True
    return "```{code-cell}" in page.read_text(encoding="utf-8")


def docs_files() -> list[Path]:
    """Every file under ``docs/`` (bytecode caches aside: git ignores them)."""
    return sorted(p.relative_to(DOCS) for p in DOCS.rglob("*") if "__pycache__" not in p.parts)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("docs")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "MPLBACKEND": "Agg",
        "PYTHONWARNINGS": "",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("SCENARIOS_PRIORS_FILE", None)
    before = docs_files()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-T",  # a failing cell's traceback in the log, not in a file elsewhere
            "-E",
            "-b",
            "html",
            "-D",
            "nb_execution_mode=force",
            "-d",
            str(out / "doctrees"),
            str(DOCS),
            str(out / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=out,
        timeout=1800,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-6000:]
    assert docs_files() == before, "the build wrote into docs/"
    return out / "html", log


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_page_is_built(site: tuple[Path, str], page: str) -> None:
    path = site[0] / f"{page}.html"
    assert path.is_file(), page
    assert "<h1>" in path.read_text(encoding="utf-8"), f"{page} has no title"


def source_pages() -> list[Path]:
    """The site's pages: every MyST page and notebook under ``docs/`` (not the build)."""
    return sorted(
        p
        for p in [*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")]
        if not {"_build", "_ext"} & set(p.relative_to(DOCS).parts)
    )


@pytest.mark.slow
def test_every_source_page_is_in_the_site(site: tuple[Path, str]) -> None:
    # a page outside every toctree is a warning, so -W already fails on it; this checks
    # that each became a page (a new page needs only a toctree entry, not this list)
    built = {p.relative_to(DOCS).with_suffix("").as_posix() for p in source_pages()}
    assert set(PAGES) <= built, set(PAGES) - built
    missing = [page for page in built if not (site[0] / f"{page}.html").is_file()]
    assert not missing, missing


@pytest.mark.slow
def test_every_notebook_was_executed(site: tuple[Path, str]) -> None:
    html_dir, log = site
    pages = [p for p in source_pages() if executable(p)]
    assert len(pages) >= 4, pages  # the two notebooks and the code-cell pages
    for page in pages:
        assert f"{page}: Executed notebook" in log, f"{page} was not executed"
        built = html_dir / page.relative_to(DOCS).with_suffix(".html")
        text = built.read_text(encoding="utf-8")
        assert 'class="cell_output' in text, f"{page} shows no output"
        assert "Traceback" not in text, f"{page} shows an error"


@pytest.mark.slow
def test_the_shipped_notebooks_are_the_ones_built() -> None:
    # the site links the package's notebooks (no second copy that could drift)
    for name in ("tutorial", "wagner-explorer"):
        link = DOCS / "notebooks" / f"{name}.ipynb"
        assert link.resolve() == notebook(name).resolve(), link


@pytest.mark.slow
def test_the_explorer_renders_without_a_kernel(site: tuple[Path, str]) -> None:
    # the widget's state is saved at execution and embedded: the page shows the controls
    text = (site[0] / "notebooks" / "wagner-explorer.html").read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S
    )
    assert match, "no widget state in the explorer page"
    state = json.loads(match.group(1))["state"]
    models = {m["model_name"] for m in state.values()}
    assert {"FloatSliderModel", "TabModel", "HTMLModel"} <= models, models
    assert "application/vnd.jupyter.widget-view+json" in text
    # and a static snapshot drawn from that state at build time, readable without
    # JavaScript: the scenario table the explorer drew for the shipped file
    start = text.index('<details class="widget-static-snapshot"')
    depth = 0
    for tag in re.finditer(r"<details\b|</details>", text[start:]):
        depth += 1 if tag.group().startswith("<details") else -1
        if depth == 0:
            break
    shown = text[start : start + tag.end()]
    assert "</table>" in shown
    example = scenarios.load(scenarios.example())
    for name, outcome in example.outcomes.items():
        assert name in shown, name
        assert all(str(s) in shown for s in outcome.states), name


@pytest.mark.slow
def test_the_api_reference_has_the_public_api(site: tuple[Path, str]) -> None:
    text = (site[0] / "api" / "index.html").read_text(encoding="utf-8")
    missing = [
        name
        for name in scenarios.__all__
        if not name.startswith("_") and f'id="scenarios.{name}"' not in text
    ]
    assert not missing, missing


@pytest.mark.slow
def test_the_site_fetches_nothing_at_build_time(site: tuple[Path, str]) -> None:
    # no intersphinx, no web fonts: nothing in the build log was downloaded
    log = site[1]
    assert "intersphinx" not in log.lower()
    assert not re.search(r"https?://\S+\.(?:woff2?|ttf|inv)\b", log), log[-2000:]


def test_widget_snapshot_draws_a_saved_state() -> None:
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from widget_snapshot import snapshot
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    state = {
        "tabs": {
            "model_name": "TabModel",
            "state": {
                "children": ["IPY_MODEL_one", "IPY_MODEL_two"],
                "titles": ["First", "Second <b>"],
                "selected_index": 1,
            },
        },
        "one": {"model_name": "HTMLModel", "state": {"value": "<table>t</table>"}},
        "two": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_d", "IPY_MODEL_c"]}},
        "d": {
            "model_name": "DropdownModel",
            "state": {"description": "grade", "_options_labels": ["A", "B"], "index": 1},
        },
        "c": {"model_name": "CheckboxModel", "state": {"description": "on", "value": False}},
    }
    out = snapshot(state, "tabs")
    assert "<details><summary>First</summary><div><table>t</table></div></details>" in out
    assert "<details open><summary>Second &lt;b&gt;</summary>" in out
    assert "grade: <b>B</b>" in out
    assert "☐ on" in out
    assert snapshot(state, "missing") == ""
    assert snapshot({"x": {"model_name": "LayoutModel", "state": {}}}, "x") == ""

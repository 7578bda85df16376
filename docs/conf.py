"""Sphinx configuration of the scenarios documentation site.

Build it (offline, warnings are errors, every notebook executed)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

The markdown pages stay readable on GitHub: they are plain MyST (CommonMark plus
tables), and their ``#anchor`` links are the GitHub-style heading slugs that
``myst_heading_anchors`` reproduces.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
# the site's own extensions (docs/_ext)
sys.path.insert(0, str(HERE / "_ext"))
# the checkout's package first, so the API reference documents the code beside these pages
sys.path.insert(0, str(SRC))
# notebook kernels import the same package
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
)
# figures without a display, as on CI
os.environ.setdefault("MPLBACKEND", "Agg")
# the explorer notebook opens the shipped example, never a file named by the caller's shell
os.environ.pop("SCENARIOS_PRIORS_FILE", None)

import scenarios  # noqa: E402

project = "scenarios"
author = "the scenarios authors"
copyright = "the scenarios authors"
release = scenarios.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "widget_snapshot",  # a static snapshot under every widget (docs/_ext)
]

# the pages
exclude_patterns = ["_build", "_ext", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# MyST: GitHub-style heading anchors (the pages link to `#the-default-tables` etc.),
# $...$ maths, and ::: fences
myst_heading_anchors = 4
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_links_external_new_tab = False

# notebooks: executed at build time ("cache": re-run only when a notebook changes; the
# test suite passes -D nb_execution_mode=force), a cell error fails the build
nb_execution_mode = "cache"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_execution_allow_errors = False
nb_merge_streams = True
# widgets (the explorer) are rendered from the state saved at execution (no kernel)
nb_execution_in_temp = True  # a notebook must not write beside its source

# API reference: numpydoc docstrings, no generated stub files
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# offline: no intersphinx (no inventory fetches), no web fonts, no remote icons
html_theme = "pydata_sphinx_theme"
html_title = f"scenarios {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 4,
    "use_edit_page_button": False,
}
html_static_path: list[str] = []
html_last_updated_fmt = None


def module_sections_as_rubrics(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Turn the numpydoc section headings of a module docstring into rubrics.

    numpydoc formats the docstrings of functions and classes, not of modules: a module's
    ``Examples`` / ``--------`` would become a page section, and two modules' sections
    would share the anchor ``examples``.
    """
    if what != "module":
        return
    for i in range(len(lines) - 1):
        title, rule = lines[i], lines[i + 1]
        if title.strip() and rule.strip() and set(rule.strip()) == {"-"}:
            if len(rule.strip()) == len(title.strip()):
                lines[i], lines[i + 1] = f".. rubric:: {title.strip()}", ""


def setup(app: Any) -> None:  # noqa: D103
    app.connect("autodoc-process-docstring", module_sections_as_rubrics)

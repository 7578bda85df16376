"""Every shipped notebook runs headless under papermill, in a real kernel.

The notebooks shipped in the package (found with :mod:`scenarios.io.data`) are globbed,
so a new notebook is tested as soon as it is added. Each runs
in a fresh folder (a notebook must not depend on, or write into, the checkout) with
``MPLBACKEND=Agg`` set, as on CI.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

from scenarios.io.data import notebook

NOTEBOOKS = sorted(notebook("report").parent.glob("*.ipynb"))


def test_the_notebooks_are_there() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"report.ipynb", "wagner-explorer.ipynb", "tutorial.ipynb"} <= names, names


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_headless(
    notebook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("SCENARIOS_PRIORS_FILE", raising=False)
    before = {p.name for p in notebook.parent.iterdir()}
    nb = papermill.execute_notebook(
        str(notebook),
        str(tmp_path / notebook.name),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
        start_timeout=120,
    )
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in code), "a code cell did not run"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    assert {p.name for p in notebook.parent.iterdir()} == before, "the notebook wrote files"
    assert [p.name for p in tmp_path.iterdir()] == [notebook.name], "it wrote in its folder"
    if notebook.name == "report.ipynb":
        # the report reads as a report: no stderr, and its charts despite MPLBACKEND=Agg
        outputs = [o for c in code for o in c.outputs]
        stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, stderr
        assert sum("image/png" in o.get("data", {}) for o in outputs) >= 2

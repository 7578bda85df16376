"""Building a report: the notebook run by papermill in a checked kernel, rendered to HTML.

:func:`build_report` runs the shipped report notebook (``scenarios.io.data.notebook(
"report")``) on a priors file in a real Jupyter kernel, renders the executed notebook to
HTML without its code (nbconvert), and writes ``<out_dir>/<name>.html`` and the executed
``<name>.ipynb`` together with :func:`scenarios.io.files.write_atomic_all`: a run that
fails or is interrupted, or a write that fails (a full disk, a read-only folder), leaves
the previous pair as it was. The HTML records the sha256 of its notebook
(:data:`~scenarios.views.report.provenance.NOTEBOOK_SHA256_META`), and
:func:`~scenarios.views.report.read_report` refuses a notebook that is not the HTML's.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scenarios.io.files import sha256_bytes, write_atomic_all
from scenarios.views.report.errors import ParameterError, ReportError
from scenarios.views.report.parameters import report_inputs
from scenarios.views.report.provenance import DATA_TAG, NOTEBOOK_SHA256_META

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "NOTEBOOK_ONLY_TAG",
    "build_report",
    "check_kernel",
    "check_name",
    "check_out_dir",
    "kernel_config",
    "render_html",
    "report_name",
]

#: Tag of cells for whoever opens the notebook itself (left out of the HTML).
NOTEBOOK_ONLY_TAG = "notebook-only"
#: Id of the cell where the report's detail starts: from it on, the HTML page folds
#: (``<details class="scn-detail">``), below the bottom line.
DETAIL_CELL_ID = "report-detail"
DETAIL_SUMMARY = (
    "Detail: report by report, what matters most, what to look for next, the claims, "
    "diagnostics and provenance (click to open)"
)

# a letter or digit (any script) first, then letters, digits, '_', '.', '-' and spaces
_NAME = re.compile(r"[^\W_][\w .-]{0,199}")
_NOT_NAME = re.compile(r"[^\w .-]+")
# The lab template without require.js and MathJax from a CDN (the report has neither widgets
# nor maths): the page is self-contained and opening it makes no request to anyone.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
"""


def check_kernel() -> None:
    """Refuse to run when the ``python3`` kernel is not this environment's interpreter.

    Raises
    ------
    ReportError
        There is no ``python3`` kernel, or it runs another Python.

    Examples
    --------
    >>> check_kernel()  # the environment's own kernel
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        raise ReportError.single(
            (),
            "no Jupyter kernel named 'python3': install ipykernel in this environment "
            f"({sys.prefix})",
        ) from None
    exe = spec.argv[0] if spec.argv else ""
    ours = {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"}
    # jupyter_client runs a bare "python" kernel with this interpreter (sys.executable)
    if exe not in ours and Path(exe).resolve() != Path(sys.executable).resolve():
        raise ReportError.single(
            (),
            f"the Jupyter kernel 'python3' ({spec.resource_dir}) runs {exe}, not this "
            f"environment's {sys.executable}; remove that kernelspec or reinstall ipykernel "
            "here, so that reports are computed by the libraries recorded in them",
        )


def kernel_config() -> Any:
    """Kernel settings: encrypt the kernel's loopback traffic (CurveZMQ) when pyzmq can.

    Returns
    -------
    traitlets.config.Config

    Examples
    --------
    >>> type(kernel_config()).__name__
    'Config'
    """
    import zmq
    from traitlets.config import Config

    if zmq.has("curve"):
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


def render_html(nb: nbformat.NotebookNode, title: str) -> str:
    """The executed notebook as one HTML page without code, prompts or the data cell.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    title : str
        The page's ``<title>``.

    Returns
    -------
    str

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Hello")])
    >>> "<title>Greeting</title>" in render_html(nb, "Greeting")
    True
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.HTMLExporter.exclude_input = True
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = {
        DATA_TAG,
        NOTEBOOK_ONLY_TAG,
        "injected-parameters",
        "parameters",
    }
    c.HTMLExporter.template_file = "report.html.j2"
    exporter = HTMLExporter(config=c, extra_loaders=[DictLoader({"report.html.j2": _TEMPLATE})])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return fold_detail(body)


def fold_detail(page: str) -> str:
    """The page with everything from the :data:`DETAIL_CELL_ID` cell on folded.

    The cells are siblings in ``<main>``; the detail's cells go into one
    ``<details class="scn-detail">`` whose summary says what is inside. A page without
    that cell is returned as it is.

    Parameters
    ----------
    page : str
        nbconvert's HTML of the executed report notebook.

    Returns
    -------
    str

    Examples
    --------
    >>> page = '<main><div class="jp-Cell" id="cell-id=a">A</div>'
    >>> page += '<div class="jp-Cell" id="cell-id=report-detail">B</div></main>'
    >>> head, _, folded = fold_detail(page).partition('<details class="scn-detail">')
    >>> head, folded.endswith('B</div></details></main>')
    ('<main><div class="jp-Cell" id="cell-id=a">A</div>', True)
    """
    marker = f'id="cell-id={DETAIL_CELL_ID}"'
    at = page.find(marker)
    end = page.rfind("</main>")
    start = page.rfind("<div", 0, at)
    if at < 0 or start < 0 or end < at:
        return page
    summary = f'<details class="scn-detail"><summary>{DETAIL_SUMMARY}</summary>'
    return page[:start] + summary + page[start:end] + "</details>" + page[end:]


def check_name(name: object) -> str:
    """A report's file name, checked: plain, no folder, no extension.

    Parameters
    ----------
    name : object
        The name asked for (a report parameter, so anything may come).

    Returns
    -------
    str
        ``name``, unchanged.

    Raises
    ------
    ParameterError
        Naming what is allowed.

    Examples
    --------
    >>> check_name("wagner-2023-06-23")
    'wagner-2023-06-23'
    >>> check_name("../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.views.report.errors.ParameterError: report parameters: 1 problem
      - name: expected a plain file name without extension (...), got '../etc/passwd'
    """
    if (
        not isinstance(name, str)
        or not _NAME.fullmatch(name)
        or name.endswith((" ", "."))
        or name.lower().endswith((".html", ".ipynb"))
    ):
        raise ParameterError.single(
            ("name",),
            "expected a plain file name without extension (a letter or digit first, then "
            "letters, digits, spaces, '.', '_', '-'; e.g. 'wagner-2023-06-23'), got "
            f"{name!r:.80}",
        )
    return name


def report_name(stem: str) -> str:
    """A safe report name derived from a priors file's stem (the default name).

    Characters a report name does not take become ``-``; leading ``-``, ``.``, ``_``
    and spaces go (no option-like or hidden file); the text is NFC-normalised, so the
    same name typed two ways gives one report.

    Parameters
    ----------
    stem : str
        The priors file's name without its extension.

    Returns
    -------
    str
        A name :func:`check_name` accepts; ``"report"`` if nothing is left.

    Examples
    --------
    >>> report_name("my scenario"), report_name("wägner"), report_name("-x")
    ('my scenario', 'wägner', 'x')
    >>> report_name("a/b:c"), report_name("...")
    ('a-b-c', 'report')
    """
    name = _NOT_NAME.sub("-", unicodedata.normalize("NFC", stem))
    name = name.lstrip(" .-_")[:200].rstrip(" .-")
    if name.lower().endswith((".html", ".ipynb")):
        head, _, tail = name.rpartition(".")
        name = f"{head}-{tail}"
    return name or "report"


def variant_name(stem: str, overrides: Mapping[str, Any] | None) -> str:
    """The default report name: the file's, plus the overrides' short hash if any.

    A report run with overrides is a variant and never takes the plain report's name:
    its name ends in ``--`` and the first 8 hex digits of the SHA-256 of the overrides'
    canonical JSON (:func:`scenarios.spec.overrides.canonical_json`), so the same
    overrides give the same file and different ones never collide in practice.

    Parameters
    ----------
    stem : str
        The priors file's name without its extension.
    overrides : mapping or None
        The overrides as parsed; empty or ``None``: the plain report.

    Returns
    -------
    str
        A name :func:`check_name` accepts.

    Examples
    --------
    >>> variant_name("wagner-2023-06-23", {})
    'wagner-2023-06-23'
    >>> variant_name("wagner-2023-06-23", {"army_strikes.p": 0.6})
    'wagner-2023-06-23--354c5fd6'
    """
    from scenarios.spec.overrides import canonical_json

    name = report_name(stem)
    if not overrides:
        return name
    digest = sha256_bytes(canonical_json(overrides).encode("utf-8"))[:8]
    return f"{name[:190]}--{digest}"


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """The report folder, created if missing and checked writable before anything runs.

    Parameters
    ----------
    out_dir : str or path-like

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ReportError
        Naming the folder: it is a file, cannot be created, or cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> check_out_dir(tempfile.mkdtemp()).is_dir()
    True
    >>> check_out_dir("/dev/null")
    Traceback (most recent call last):
    ...
    scenarios.views.report.errors.ReportError: /dev/null: 1 problem
      - the report folder is not a folder
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ReportError.single((), "the report folder is not a folder", str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError.single(
            (), f"cannot create the report folder: {exc.strerror or exc}", str(out)
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise ReportError.single(
            (), "cannot write in the report folder: permission denied or read-only", str(out)
        )
    return out


def build_report(
    priors: str | os.PathLike[str] | None = None,
    *,
    overrides: str | Mapping[str, Any] | None = None,
    engine: str = "exact",
    seed: int | None = None,
    draws: int | None = None,
    out_dir: str | os.PathLike[str] = "reports",
    name: str | None = None,
    progress: bool = True,
    notebook: str | os.PathLike[str] | None = None,
) -> Path:
    """Run the report notebook on a priors file and write HTML and the executed notebook.

    Parameters
    ----------
    priors : str, path-like or None
        Scenario file; ``None``: the built-in Wagner scenario.
    overrides : str, mapping or None
        Fact or outcome name -> prior (JSON text or a mapping), e.g.
        ``{"hq_seized": {"p": 0.6}}``, or dotted field path -> value; see
        :func:`scenarios.views.report.parse_overrides`.
    engine : {"exact", "pymc"}
    seed : int or None
        Seed of every random draw; ``None``: the file's seed.
    draws : int or None
        Draws behind the intervals (exact) or per chain (pymc); ``None``: 4000.
    out_dir : str or path-like
        Folder of the report (created if missing).
    name : str, optional
        File name without extension (see :func:`check_name`); default: the priors
        file's stem, made safe by :func:`report_name`, and with overrides a short hash
        of them (:func:`variant_name`), so a variant never replaces the plain report.
    progress : bool
        Show papermill's progress bar (cells executed) on stderr.
    notebook : str or path-like, optional
        Another report notebook taking the same parameters; default: the shipped one,
        ``scenarios.io.data.notebook("report")``.

    Returns
    -------
    pathlib.Path
        The HTML report; the executed notebook is beside it (``.ipynb``).

    Raises
    ------
    ParameterError
        A parameter of the wrong type or value (nothing is run).
    scenarios.ScenarioError
        The priors file (or an override) is invalid (nothing is run).
    scenarios.ImpossibleEvidenceError
        The claims cannot all hold (nothing is run).
    ReportError
        The notebook failed in the kernel (the message has the kernel's error), the
        kernel died, or the report could not be written (the folder is a file or
        read-only, the disk is full), naming the folder. The previous report, if any,
        is left as it was.

    Examples
    --------
    >>> import scenarios
    >>> build_report(scenarios.example("wagner-2023-06-23"), seed=1)  # doctest: +SKIP
    PosixPath('reports/wagner-2023-06-23.html')
    """
    import nbformat

    from scenarios.io.data import notebook as shipped_notebook

    inputs = report_inputs(priors, overrides=overrides, engine=engine, seed=seed, draws=draws)
    name = variant_name(inputs.path.stem, inputs.overrides) if name is None else check_name(name)
    nb_path = Path(notebook) if notebook is not None else shipped_notebook("report")
    if not nb_path.is_file():
        raise ReportError.single((), "report notebook not found", str(nb_path))
    # fail fast, in milliseconds, on claims that cannot all hold
    inputs.scenario.update(engine="exact", intervals=False)
    check_kernel()
    out = check_out_dir(out_dir)  # before the minute of running, not after
    nb = _execute(nb_path, inputs.parameters(), progress)
    page = render_html(nb, f"{inputs.scenario.title} — scenario report")
    raw = nbformat.writes(nb).encode("utf-8")
    meta = f'<meta name="{NOTEBOOK_SHA256_META}" content="{sha256_bytes(raw)}">'
    page = page.replace("<head>", f"<head>\n{meta}", 1)
    html_path, nb_out = out / f"{name}.html", out / f"{name}.ipynb"
    try:
        write_atomic_all({nb_out: raw, html_path: page})
    except OSError as exc:
        raise ReportError.single(
            (),
            f"cannot write the report: {exc.strerror or exc}; the previous report, if any, "
            "is unchanged",
            str(html_path),
        ) from None
    return html_path


def _execute(nb_path: Path, parameters: dict[str, Any], progress: bool) -> Any:
    """Run the notebook with papermill in memory; any failure there is a ReportError."""
    import logging

    import papermill
    from papermill.exceptions import PapermillExecutionError

    # papermill logs a dying kernel before raising; the ReportError below says it once
    quiet = logging.NullHandler()
    logging.getLogger("papermill").addHandler(quiet)
    try:
        return papermill.execute_notebook(
            str(nb_path),
            None,  # nothing is written until the whole notebook has run
            parameters=parameters,
            kernel_name="python3",
            language="python",
            progress_bar=progress,
            start_timeout=120,
            config=kernel_config(),
        )
    except PapermillExecutionError as exc:
        raise ReportError.single(
            (), f"the report notebook failed (cell {exc.exec_count}): {exc.ename}: {exc.evalue}"
        ) from None
    except Exception as exc:  # the kernel died, timed out or did not start
        detail = str(exc).strip().splitlines()
        raise ReportError.single(
            (),
            f"the report kernel failed: {type(exc).__name__}"
            + (f": {detail[0][:200]}" if detail else ""),
        ) from None
    finally:
        logging.getLogger("papermill").removeHandler(quiet)

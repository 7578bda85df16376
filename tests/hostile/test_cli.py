"""Issue 14, items 3 (report inputs), 6, 11, 12 and 13: the command line and its report.

Every case states its expected outcome: an exit code and a fragment of the one message
printed (never a traceback), or the library's own error naming the option or fact.
Exit codes come from the real command in a subprocess where that is cheap (usage
errors, unreadable priors, which fail before any kernel starts). Report writes are
tested in-process with the papermill boundary replaced by a fake that returns an
executed notebook at once, and faults (a full disk, a read-only folder, a dead kernel)
injected at the writer or at papermill; two real runs (marked slow) check a hostile
file name end to end and a kernel killed by SIGKILL.
"""

from __future__ import annotations

import errno
import math
import os
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import papermill
import pytest
from nbclient.exceptions import DeadKernelError
from pydantic import ValidationError

import scenarios
from scenarios.cli import EXIT_FAILED, EXIT_INVALID, EXIT_OK, EXIT_SIGPIPE, EXIT_USAGE, main
from scenarios.errors import OptionError, ScenarioError
from scenarios.io import files
from scenarios.io.files import MAX_BYTES, sha256_bytes
from scenarios.views.report import (
    DATA_TAG,
    NOTEBOOK_SHA256_META,
    REPORT_MIME,
    ReportError,
    build_report,
    check_name,
    read_report,
    report_name,
)
from tests.conftest import tally

WAGNER = scenarios.default_priors()


def _run(*argv: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command line (``python -m scenarios``), with this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": str(Path(scenarios.__file__).parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "scenarios", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text, text


# --- item 11: usage errors exit 2 with a located message -------------------------------------

USAGE = [
    (["update", "--seed", "-2"], "argument --seed"),
    (["update", "--seed", "abc"], "argument --seed"),
    (["update", "--seed", "4294967296"], "argument --seed"),
    (["update", "--draws", "0"], "argument --draws: expected a whole number in [1,"),
    (["update", "--draws", "-3"], "argument --draws: expected a whole number in [1,"),
    (["update", "--draws", "2.5"], "argument --draws"),
    (["update", "--interval", "1.5"], "argument --interval: expected a number between 0 and 1"),
    (["update", "--interval", "-1"], "argument --interval: expected a number between 0 and 1"),
    (["update", "--interval", "nan"], "argument --interval: expected a number between 0 and 1"),
    (["update", "--interval", "inf"], "argument --interval"),
    (["update", "--interval", "0"], "argument --interval"),
    (["update", "--interval", "1"], "argument --interval"),
    (["report", "--seed", "-5"], "argument --seed"),
    (["report", "-p", "seed", "-2"], "seed: expected"),
    (["report", "-p", "draws", "0"], "draws: expected"),
]


@pytest.mark.parametrize(("argv", "message"), USAGE, ids=[" ".join(a) for a, _ in USAGE])
def test_usage_errors_exit_2_with_a_located_message(
    argv: list[str], message: str, tmp_path: Path
) -> None:
    done = _run(*argv, "-q" if argv[0] == "report" else "--facts", cwd=tmp_path)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert message in done.stderr
    _no_traceback(done.stderr)
    assert not (tmp_path / "reports").exists()
    tally("cli usage errors (subprocess)", 1, {"exit 2, located": 1})


def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    """``scenarios validate F | head -1``: the pipe closes early; exit 141, stderr quiet."""
    env = {**os.environ, "PYTHONPATH": str(Path(scenarios.__file__).parents[1])}
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    # ``head`` exits after one byte: the CLI's later writes and its flush at exit hit a
    # closed pipe (the validate output is far longer than a pipe's first write).
    writer = subprocess.run(
        [sys.executable, "-m", "scenarios", "update", "--facts"],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        env=env,
    )
    reader.stdin.close()
    assert reader.wait(timeout=30) == 0
    assert writer.returncode == EXIT_SIGPIPE, writer.stderr
    _no_traceback(writer.stderr)
    assert "BrokenPipe" not in writer.stderr
    tally("cli output closed early (real pipe)", 1, {"exit 141, no traceback": 1})


def test_seed_minus_one_means_the_files_seed_as_for_reports(tmp_path: Path) -> None:
    """README: for ``report``, ``-p seed -1`` is the file's seed; ``--seed -1`` is too."""
    done = _run("update", "--seed", "-1", cwd=tmp_path)
    assert done.returncode == EXIT_OK, done.stderr
    assert f"seed {scenarios.load(WAGNER).seed}" in done.stdout
    tally("cli usage errors (subprocess)", 1, {"--seed -1: the file's seed": 1})


# --- item 11: library options and observe ----------------------------------------------------

LIBRARY = [
    ("exact", {"draws": 0}, "draws"),
    ("exact", {"draws": -3}, "draws"),
    ("exact", {"draws": 2.5}, "draws"),
    ("exact", {"draws": True}, "draws"),
    ("exact", {"draws": 10**12}, "draws"),
    ("exact", {"seed": "abc"}, "seed"),
    ("exact", {"seed": -1}, "seed"),
    ("exact", {"seed": 2**32}, "seed"),
    ("exact", {"seed": 1.5}, "seed"),
    ("exact", {"quadrature_nodes": 0}, "quadrature_nodes"),
    ("exact", {"quadrature_nodes": "many"}, "quadrature_nodes"),
    ("exact", {"interval": 1.5}, "interval"),
    ("exact", {"interval": 0}, "interval"),
    ("exact", {"interval": 1}, "interval"),
    ("exact", {"interval": -1}, "interval"),
    ("exact", {"interval": math.nan}, "interval"),
    ("exact", {"interval": "0.9"}, "interval"),
    ("exact", {"intervals": "yes"}, "intervals"),
    ("exact", {"foo": 1}, "foo"),
    ("exact", {"tune": 100}, "tune"),
    ("pymc", {"quadrature_nodes": 8}, "quadrature_nodes"),
    ("pymc", {"draws": 0}, "draws"),
    ("pymc", {"chains": 0}, "chains"),
    ("pymc", {"tune": -1}, "tune"),
    ("pymc", {"target_accept": 1.0}, "target_accept"),
    ("pymc", {"sampler": "stan"}, "sampler"),
]


@pytest.fixture(scope="module")
def wagner() -> scenarios.Scenario:
    return scenarios.load(WAGNER)


@pytest.mark.parametrize(("engine", "options", "name"), LIBRARY)
def test_bad_update_options_are_refused_by_name(
    wagner: scenarios.Scenario, engine: str, options: dict[str, Any], name: str
) -> None:
    with pytest.raises(OptionError) as caught:
        wagner.update(engine, **options)
    err = caught.value
    assert isinstance(err, ScenarioError) and isinstance(err, ValueError)
    assert isinstance(err, TypeError)  # what an unexpected keyword raised before
    assert [p.path for p in err.problems] == [(name,)]
    assert "expected" in str(err) or "unknown option" in str(err), str(err)
    tally("library update options", 1, {"OptionError naming the option": 1})


def test_good_options_still_work_and_numpy_integers_are_integers(
    wagner: scenarios.Scenario,
) -> None:
    post = wagner.update(seed=np.int64(3), draws=np.int32(4000), interval=np.float64(0.8))
    assert post.seed == 3 and post.settings["draws"] == 4000
    assert type(post.seed) is int
    tally("library update options", 1, {"accepted": 1})


OBSERVE: list[tuple[dict[str, Any], str]] = [
    ({"a": 'x" or a'}, "observe.a: unknown fact"),
    ({"hq_seized": 'x" or a'}, "observe.hq_seized: unknown state"),
    ({"hq_seized": "maybe"}, "observe.hq_seized: unknown state 'maybe'"),
    ({"troops": 3}, "observe.troops: a continuous fact"),
    ({"hq_seized": True, "nope": 1}, "observe.nope: unknown fact"),
]


@pytest.mark.parametrize(("states", "message"), OBSERVE)
def test_observe_refuses_unknown_facts_and_states_with_a_located_error(
    wagner: scenarios.Scenario, states: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        wagner.observe(**states)
    assert not isinstance(caught.value, ValidationError)
    assert message in str(caught.value)
    tally("library observe", 1, {"located ScenarioError": 1})


def test_observe_still_observes(wagner: scenarios.Scenario) -> None:
    seen = wagner.observe(hq_seized=True).update(intervals=False).facts
    assert seen.loc[("hq_seized", "true"), "probability"] == pytest.approx(1.0)


# --- a fake papermill: the executed notebook at once, or an injected fault -------------------


class FakePapermill:
    """Stands in for ``papermill.execute_notebook``: each run returns a notebook whose data
    cell and visible text carry the run's number, or raises ``fault`` when one is set."""

    def __init__(self) -> None:
        self.runs = 0
        self.fault: BaseException | None = None
        self.parameters: list[dict[str, Any]] = []

    def __call__(self, input_path: str, output_path: Any, parameters: dict, **kw: Any) -> Any:
        if self.fault is not None:
            raise self.fault
        self.runs += 1
        self.parameters.append(dict(parameters))
        data = {
            "run": self.runs,
            "title": "fake",
            "interval": "90%",
            "warnings": [],
            "scenarios": [],
            "provenance": {"engine": "exact", "seed": 1},
        }
        cell = nbformat.v4.new_code_cell(
            outputs=[nbformat.v4.new_output("display_data", data={REPORT_MIME: data})]
        )
        cell.metadata["tags"] = [DATA_TAG]
        shown = nbformat.v4.new_markdown_cell(f"numbers of run {self.runs}")
        return nbformat.v4.new_notebook(cells=[shown, cell])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePapermill]:
    stand_in = FakePapermill()
    monkeypatch.setattr(papermill, "execute_notebook", stand_in)
    yield stand_in


def _pair(html: Path) -> tuple[bytes, bytes]:
    return html.read_bytes(), html.with_suffix(".ipynb").read_bytes()


def _consistent(html: Path, run: int) -> None:
    """The HTML shows ``run``, records its notebook's hash, and read_report gives ``run``."""
    page = html.read_text()
    assert f"numbers of run {run}" in page
    nb_raw = html.with_suffix(".ipynb").read_bytes()
    assert f'<meta name="{NOTEBOOK_SHA256_META}" content="{sha256_bytes(nb_raw)}">' in page
    assert read_report(html)["run"] == run


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- item 6: the HTML and the notebook are one pair ------------------------------------------


def _enospc(*args: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _on_call(n: int, fault: Callable[..., Any], real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, except that call number ``n`` (from 1) runs ``fault``."""
    calls = [0]

    def wrapped(*args: Any, **kw: Any) -> Any:
        calls[0] += 1
        return fault(*args, **kw) if calls[0] == n else real(*args, **kw)

    return wrapped


FAULTS = {
    "disk full writing the notebook": ("fsync", 1, _enospc),
    "disk full writing the HTML": ("fsync", 2, _enospc),
    "rename of the HTML fails after the notebook's": (
        "replace",
        2,
        lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, os.strerror(errno.EIO))),
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_write_keeps_the_old_pair_matching(
    fault: str, fake: FakePapermill, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = build_report(out_dir=tmp_path, progress=False)
    _consistent(html, 1)
    before = _pair(html)
    name, n, raise_it = FAULTS[fault]
    monkeypatch.setattr(files.os, name, _on_call(n, raise_it, getattr(os, name)))
    with pytest.raises(ReportError, match="cannot write the report") as caught:
        build_report(out_dir=tmp_path, progress=False)
    assert str(html) in str(caught.value)
    assert "previous report, if any, is unchanged" in str(caught.value)
    monkeypatch.undo()
    assert fake.runs == 2  # the second run happened; only its write failed
    assert _pair(html) == before
    _consistent(html, 1)
    assert _leftovers(tmp_path) == []
    tally("report writes failed (injected)", 1, {"old pair intact and matching": 1})


def test_a_full_disk_exits_4_with_one_line(
    fake: FakePapermill,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["report", "-o", str(tmp_path), "-q"]) == EXIT_OK
    html = tmp_path / "wagner-2023-06-23.html"
    before = _pair(html)
    capsys.readouterr()
    monkeypatch.setattr(files.os, "fsync", _enospc)
    assert main(["report", "-o", str(tmp_path), "-q"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{html}: cannot write the report: No space left on device" in err
    _no_traceback(err)
    monkeypatch.undo()
    assert _pair(html) == before
    _consistent(html, 1)
    tally("report writes failed (injected)", 1, {"exit 4, one line": 1})


KERNEL_FAULTS = {
    "dead kernel": (DeadKernelError("Kernel died"), "DeadKernelError: Kernel died"),
    "kernel did not start": (
        RuntimeError("Kernel didn't respond in 120 seconds"),
        "RuntimeError: Kernel didn't respond",
    ),
    "kernel timed out": (TimeoutError("timed out"), "TimeoutError: timed out"),
}


@pytest.mark.parametrize("fault", list(KERNEL_FAULTS))
def test_a_failed_kernel_exits_4_with_one_line_and_keeps_the_old_pair(
    fault: str, fake: FakePapermill, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "-o", str(tmp_path), "-q"]) == EXIT_OK
    html = tmp_path / "wagner-2023-06-23.html"
    before = _pair(html)
    capsys.readouterr()
    fake.fault, message = KERNEL_FAULTS[fault]
    assert main(["report", "-o", str(tmp_path), "-q"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"the report kernel failed: {message}" in err
    _no_traceback(err)
    assert _pair(html) == before
    _consistent(html, 1)
    tally("report kernel faults (injected)", 1, {"exit 4, old pair intact": 1})


def test_read_report_refuses_a_notebook_that_is_not_the_htmls(
    fake: FakePapermill, tmp_path: Path
) -> None:
    """The state a crash between the two renames would leave: caught, not misread."""
    first = build_report(out_dir=tmp_path / "a", progress=False)
    second = build_report(out_dir=tmp_path / "b", progress=False)
    shutil.copyfile(second.with_suffix(".ipynb"), first.with_suffix(".ipynb"))
    with pytest.raises(ReportError, match="not the one this report was rendered from"):
        read_report(first)
    with pytest.raises(ReportError, match="not the one this report was rendered from"):
        read_report(first.with_suffix(".ipynb"))
    _consistent(second, 2)
    tally("report pairs mixed (HTML of one run, notebook of another)", 1, {"refused": 1})


# --- item 12: the output folder --------------------------------------------------------------


def test_out_is_an_existing_file(
    fake: FakePapermill, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "reports"
    target.write_text("my notes")
    assert main(["report", "-o", str(target), "-q"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert f"{target}: the report folder is not a folder" in err and err.count("\n") == 1
    _no_traceback(err)
    assert target.read_text() == "my notes"
    assert fake.runs == 0  # refused before the minute of running
    tally("report output folder faults", 1, {"exit 4, path named": 1})


def test_out_below_an_existing_file(
    fake: FakePapermill, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "reports"
    assert main(["report", "-o", str(target), "-q"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert f"{target}: cannot create the report folder" in err
    _no_traceback(err)
    assert fake.runs == 0
    tally("report output folder faults", 1, {"exit 4, path named": 1})


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.EDQUOT])
def test_out_refusing_writes_exits_4(
    code: int,
    fake: FakePapermill,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A read-only mount, a folder without write permission, a quota: from the writer."""

    def refuse(*args: Any, **kw: Any) -> Any:
        raise OSError(code, os.strerror(code), kw.get("dir"))

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    assert main(["report", "-o", str(tmp_path), "-q"]) == EXIT_FAILED
    err = capsys.readouterr().err
    html = tmp_path / "wagner-2023-06-23.html"
    assert f"{html}: cannot write the report: {os.strerror(code)}" in err
    _no_traceback(err)
    assert list(tmp_path.iterdir()) == []
    tally("report output folder faults", 1, {"exit 4, path named": 1})


def test_out_read_only_by_permissions_is_refused_before_running(
    fake: FakePapermill, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through permissions; the injected cases above stand in")
    tmp_path.chmod(0o555)
    try:
        assert main(["report", "-o", str(tmp_path), "-q"]) == EXIT_FAILED
    finally:
        tmp_path.chmod(0o755)
    err = capsys.readouterr().err
    assert f"{tmp_path}: cannot write in the report folder" in err
    assert fake.runs == 0
    tally("report output folder faults", 1, {"exit 4, path named": 1})


# --- item 13: any valid file name ------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "given_as", "expected"),
    [
        ("my scenario.yaml", "path", "my scenario"),
        ("wägner.yaml", "path", "wägner"),
        (unicodedata.normalize("NFD", "wägner.yaml"), "path", "wägner"),
        ("-x.yaml", "after --", "x"),
        ("-x.yaml", "./", "x"),
        ("..yaml", "path", "report"),
        ("a:b|c?.yaml", "path", "a-b-c"),
        ("x.html.yaml", "path", "x-html"),
    ],
)
def test_report_accepts_valid_file_names(
    file_name: str,
    given_as: str,
    expected: str,
    fake: FakePapermill,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copyfile(WAGNER, tmp_path / file_name)
    monkeypatch.chdir(tmp_path)
    given = {
        "path": [str(tmp_path / file_name)],
        "after --": ["--", file_name],
        "./": [f"./{file_name}"],
    }[given_as]
    out = tmp_path / "out"
    assert main(["report", "-o", str(out), "-q", *given]) == EXIT_OK, capsys.readouterr().err
    html = out / f"{expected}.html"
    assert sorted(p.name for p in out.iterdir()) == sorted([html.name, f"{expected}.ipynb"])
    assert f"report: {html}" in capsys.readouterr().out
    assert Path(fake.parameters[-1]["priors"]).name == file_name
    _consistent(html, 1)
    tally("report file names", 1, {"accepted, safe name": 1})


NAMES = [
    "..",
    "../../etc/passwd",
    "a\x00b",
    "\u202eevil",
    " ",
    "-rf",
    "--help",
    ".bashrc",
    "x.ipynb",
    "CON",
    "ü" * 300,
    "a/b\\c",
    "\n",
]


def test_derived_report_names_are_safe() -> None:
    for stem in NAMES:
        name = report_name(stem)
        assert check_name(name) == name, stem
        assert not name.startswith(("-", ".")) and "/" not in name and ".." not in name
        assert (Path("out") / f"{name}.html").parent == Path("out")
    tally("report file names", len(NAMES), {"made safe": len(NAMES)})


# --- item 3: report, update and validate read priors bounded ---------------------------------


@pytest.fixture
def unreadable(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    return {
        "fifo": (fifo, "expected a regular file, got a FIFO"),
        "dev-zero": (Path("/dev/zero"), "expected a regular file, got a character device"),
        "folder": (folder, "expected a regular file, got a folder"),
        "larger than 5 MB": (big, f"file is larger than {MAX_BYTES:,} bytes"),
    }


@pytest.mark.parametrize("command", ["report", "update"])
def test_unreadable_priors_are_refused_quickly(
    command: str, unreadable: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    for path, message in unreadable.values():
        done = _run(command, str(path), cwd=tmp_path, timeout=60)  # a hang fails here
        assert done.returncode == EXIT_INVALID, done.stderr
        assert str(path) in done.stderr and message in done.stderr, done.stderr
        _no_traceback(done.stderr)
    assert not (tmp_path / "reports").exists()
    tally("unreadable priors (subprocess)", len(unreadable), {"exit 1, located": len(unreadable)})


def test_unreadable_priors_are_refused_by_validate_and_build_report(
    unreadable: dict[str, tuple[Path, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path, message in unreadable.values():
        assert main(["validate", str(path)]) == EXIT_INVALID
        err = capsys.readouterr().err
        assert str(path) in err and message in err
        with pytest.raises(ScenarioError, match="cannot read the priors file") as caught:
            build_report(path, out_dir=tmp_path / "out", progress=False)
        assert message in str(caught.value)
    assert not (tmp_path / "out").exists()
    n = 2 * len(unreadable)
    tally("unreadable priors (in-process)", n, {"located ScenarioError": n})


# --- two real runs ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_real_report_on_a_hostile_file_name(tmp_path: Path) -> None:
    hostile = "-my wägner scenario.yaml"
    shutil.copyfile(WAGNER, tmp_path / hostile)
    done = _run("report", "-q", "-o", "out", "--", hostile, cwd=tmp_path, timeout=600)
    assert done.returncode == EXIT_OK, done.stderr
    html = tmp_path / "out" / "my wägner scenario.html"
    assert f"report: {html.relative_to(tmp_path)}" in done.stdout
    data = read_report(html)  # checks the HTML's record of its notebook
    assert data["provenance"]["priors_file"] == str((tmp_path / hostile).resolve())
    raw = html.with_suffix(".ipynb").read_bytes()
    assert f'content="{sha256_bytes(raw)}"' in html.read_text()
    tally("report file names", 1, {"real run, accepted": 1})


@pytest.mark.slow
def test_a_kernel_killed_mid_run_exits_4_and_keeps_the_old_pair(
    fake: FakePapermill,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = build_report(out_dir=tmp_path, progress=False)  # a previous pair, from the fake
    monkeypatch.undo()
    before = _pair(html)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell(
        'priors = ""\noverrides = "{}"\nengine = "exact"\nseed = -1\ndraws = 4000'
    )
    params.metadata["tags"] = ["parameters"]
    kill = nbformat.v4.new_code_cell("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    nb.cells = [params, kill]
    killer = tmp_path / "killer.ipynb"
    nbformat.write(nb, killer)
    done = _run("report", "-q", "-o", str(tmp_path), "--notebook", str(killer), timeout=600)
    assert done.returncode == EXIT_FAILED, done.stderr
    assert "scenarios report: the report kernel failed: DeadKernelError" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    _no_traceback(done.stderr)
    assert _pair(html) == before
    _consistent(html, 1)
    tally("report kernel faults (real SIGKILL)", 1, {"exit 4, old pair intact": 1})

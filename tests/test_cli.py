"""The command line: exit codes scripts rely on, and what it prints."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import scenarios
from scenarios.cli import EXIT_DIAGNOSTICS, EXIT_FAILED, EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from scenarios.io.data import example, examples
from scenarios.views.report import read_report
from scenarios.views.report.build import variant_name

from .conftest import tally

OVERRIDE = json.dumps({"hq_seized": {"p": 0.6}})


def test_update_prints_the_default_scenario_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["update"]) == EXIT_OK
    out = capsys.readouterr().out
    post = scenarios.load(scenarios.default_priors()).update()
    for _outcome, state in post.scenarios.index:
        assert state in out
    first = post.scenarios["probability"].iloc[0]
    assert f"{first:.3f}" in out
    assert f"seed {post.seed}" in out


def test_validate_reports_problems_with_file_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nfacts: {a: {kind: binary, prior: {p: 1.5}}}\noutcomes: {}\n")
    assert main(["validate", str(bad)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "facts.a.prior.p" in err


def test_validate_accepts_every_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    names = examples()
    assert len(names) >= 2
    for name in names:
        assert main(["validate", str(example(name))]) == EXIT_OK
        assert f"{name}.yaml: valid" in capsys.readouterr().out


def test_validate_without_a_file_checks_the_built_in_scenario(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate"]) == EXIT_OK
    assert capsys.readouterr().out.startswith(f"{example()}: valid")


def test_missing_file_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["update", "no/such/file.yaml"]) == EXIT_INVALID
    assert "no/such/file.yaml" in capsys.readouterr().err


def test_impossible_evidence_exits_1_naming_the_claims(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "impossible.yaml"
    path.write_text(
        "title: contradiction\n"
        "facts: {f: {kind: binary, prior: {p: 0.5}}}\n"
        "outcomes: {o: {kind: binary, exhaustive: yes or no, prior: {given: [f], table: [\n"
        "  {when: {f: true}, p: 0.9}, {when: {f: false}, p: 0.2}]}}}\n"
        "claims:\n"
        "  - {id: yes_f, text: f happened, proposition: f, status: confirmed}\n"
        "  - {id: no_f, text: f did not happen, proposition: not f, status: confirmed}\n"
    )
    assert main(["validate", str(path)]) == EXIT_OK  # valid: only the evidence is impossible
    capsys.readouterr()
    assert main(["update", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith("impossible evidence:")
    assert "yes_f" in err and "no_f" in err


def test_bad_usage_exits_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["update", "--engine", "magic"])
    assert info.value.code == EXIT_USAGE


def test_installed_entry_point_has_help() -> None:
    exe = shutil.which("scenarios", path=str(Path(sys.executable).parent))
    assert exe is not None, "the scenarios command is not installed in this environment"
    for command in ([], ["update"], ["validate"], ["init"], ["report"], ["dashboard"], ["sweep"]):
        done = subprocess.run([exe, *command, "--help"], capture_output=True, text=True, check=True)
        assert "usage: scenarios" in done.stdout
        assert "Exit codes" in done.stdout or command in (["update"], ["validate"])


def _source_env() -> dict[str, str]:
    """The environment with this test run's scenarios package first on the path."""
    src = str(Path(scenarios.__file__).parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


@pytest.mark.parametrize("module", ["scenarios", "scenarios.cli"])
def test_python_dash_m_runs_the_command_line(module: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "validate"],
        cwd=tmp_path,
        env=_source_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert f"{example()}: valid" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", module, "validate", "missing.yaml"],
        cwd=tmp_path,
        env=_source_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_INVALID
    assert "missing.yaml" in done.stderr


# --- init ----------------------------------------------------------------------------------


def test_init_writes_a_starter_folder_that_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "team"
    assert main(["init", str(folder)]) == EXIT_OK
    out = capsys.readouterr().out
    for sub in ("priors", "resolutions", "notebooks"):
        assert any((folder / sub).iterdir()), sub
    for name in examples():
        path = folder / "priors" / f"{name}.yaml"
        assert f"wrote {path}" in out
        assert path.read_bytes() == example(name).read_bytes()
        assert main(["validate", str(path)]) == EXIT_OK
    assert (folder / "resolutions" / "wagner-2023-06-23.yaml").is_file()
    assert (folder / "notebooks" / "report.ipynb").is_file()
    assert "kept  " not in out and ", 0 kept" in out
    assert f"scenarios validate {folder / 'priors' / 'wagner-2023-06-23.yaml'}" in out


def test_init_never_overwrites_and_says_what_it_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "team"
    assert main(["init", str(folder)]) == EXIT_OK
    first = sorted(p for p in folder.rglob("*") if p.is_file())
    capsys.readouterr()
    mine = folder / "priors" / "wagner-2023-06-23.yaml"
    mine.write_text("title: our own edits\n")
    gone = folder / "notebooks" / "report.ipynb"
    gone.unlink()
    assert main(["init", str(folder)]) == EXIT_OK
    out = capsys.readouterr().out
    assert mine.read_text() == "title: our own edits\n"  # kept as the team left it
    assert f"kept  {mine}" in out
    assert f"wrote {gone}" in out and gone.is_file()  # a missing file is written again
    assert out.count("wrote ") == 1
    assert out.count("kept  ") == len(first) - 1
    assert sorted(p for p in folder.rglob("*") if p.is_file()) == first


def test_init_into_a_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    assert main(["init", str(target)]) == EXIT_INVALID
    assert f"cannot write {target}" in capsys.readouterr().err
    assert target.read_text() == "not a folder"


def test_init_needs_a_folder() -> None:
    with pytest.raises(SystemExit) as info:
        main(["init"])
    assert info.value.code == EXIT_USAGE


# --- report --------------------------------------------------------------------------------


@pytest.mark.slow
def test_report_writes_html_and_prints_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    argv = ["report", "-o", str(out), "-p", "seed", "3", "-p", "overrides", OVERRIDE, "-q"]
    assert main(argv) == EXIT_OK
    # a report with overrides is a variant: its own name, never the plain report's
    html = out / f"{variant_name('wagner-2023-06-23', json.loads(OVERRIDE))}.html"
    assert html.name.startswith("wagner-2023-06-23--")
    assert not (out / "wagner-2023-06-23.html").exists()
    printed = capsys.readouterr().out
    assert f"report: {html}" in printed
    assert html.exists() and html.with_suffix(".ipynb").exists()
    prov = read_report(html)["provenance"]
    assert prov["seed"] == 3 and prov["engine"] == "exact"
    assert prov["overrides"] == {"hq_seized": {"p": 0.6}}


@pytest.mark.slow
def test_report_command_with_no_arguments_reports_on_wagner(tmp_path: Path) -> None:
    exe = shutil.which("scenarios", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run(
        [exe, "report"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == EXIT_OK, done.stderr
    html = tmp_path / "reports" / "wagner-2023-06-23.html"
    assert f"report: {html.relative_to(tmp_path)}" in done.stdout
    assert "mutiny_end" in done.stdout  # the scenario table, as bootstrap shows it
    data = read_report(html)
    assert data["provenance"]["priors_file"] == str(scenarios.default_priors().resolve())


@pytest.mark.slow
def test_report_strict_exits_3_on_failed_diagnostics_and_shows_them_in_red(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 50 importance draws cannot give an effective sample size of 400
    argv = ["report", "-o", str(tmp_path), "-p", "draws", "50", "--strict", "-q"]
    assert main(argv) == EXIT_DIAGNOSTICS
    err = capsys.readouterr().err
    assert "WARNING importance_ess" in err
    html = tmp_path / "wagner-2023-06-23.html"
    page = html.read_text()
    assert "Diagnostics failed" in page and "scn-warn" in page
    assert read_report(html)["warnings"]
    tally("sampler trouble injected (report with 50 draws)", 1, {"shown in red, exit 3": 1})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-p", "colour", "red"], "unknown parameter"),
        (["-p", "x = 1; import os; os.system('touch MARKER')", "1"], "unknown parameter"),
        (["-p", "seed", "abc"], "seed: expected an integer"),
        (["-p", "seed", "1", "-p", "seed", "2"], "given twice"),
        (["--seed", "1", "-p", "seed", "2"], "both as an argument and as -p seed"),
        (["-p", "overrides", "{not json"], "overrides: not valid JSON"),
        (["-p", "overrides", '{"nope": {"p": 0.5}}'], "no fact or outcome 'nope'"),
        (["-p", "draws", "-5"], "draws: expected"),
        (["--name", "../x"], "name: expected a plain file name"),
    ],
)
def test_report_bad_parameters_exit_2_before_any_kernel(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["report", "-o", str(out), *argv]) == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert not (Path.cwd() / "MARKER").exists()


def test_report_invalid_or_missing_priors_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nfacts: {a: {kind: binary, prior: {p: 1.5}}}\noutcomes: {}\n")
    assert main(["report", str(bad), "-o", str(tmp_path / "out")]) == EXIT_INVALID
    assert "facts.a.prior.p" in capsys.readouterr().err
    assert main(["report", "no/such/file.yaml", "-o", str(tmp_path / "out")]) == EXIT_INVALID
    assert "no/such/file.yaml" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_report_notebook_failure_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell('priors = ""\noverrides = "{}"\nengine = "exact"\nseed = -1')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise ValueError('broken notebook')")]
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "out"
    assert main(["report", "-o", str(out), "--notebook", str(path), "-q"]) == EXIT_FAILED
    assert "ValueError: broken notebook" in capsys.readouterr().err
    assert list(out.iterdir()) == []


# --- dashboard -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 120) -> tuple[int, str, str]:
    """Status, Location header and body of a GET, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, "", response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", ""), ""


def _listeners(port: int) -> list[tuple[str, str]]:
    """(table, local address) of every socket listening on ``port`` (Linux /proc)."""
    found = []
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append((table, address))
    return found


def _pids_with(text: str) -> list[int]:
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode("utf-8", "replace"):
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


@pytest.fixture
def dashboard() -> Iterator[tuple[str, int, subprocess.Popen[str]]]:
    """``scenarios dashboard`` on a free port: (URL printed, port, process)."""
    exe = shutil.which("scenarios", path=str(Path(sys.executable).parent))
    assert exe is not None
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "dashboard", "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    errors: list[str] = []
    readers = [
        threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True),
        threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any(line.startswith("dashboard: ") for line in lines):
                break
            time.sleep(0.2)
        assert proc.poll() is None, "".join(errors)
        url = next(line.split(" ", 1)[1].strip() for line in lines if line.startswith("dashboard"))
        yield url, port, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for reader in readers:
            reader.join(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        # the Voila server it started must be gone too
        deadline = time.monotonic() + 30
        while _pids_with(f"--port={port}") and time.monotonic() < deadline:
            time.sleep(0.2)
        leftovers = _pids_with(f"--port={port}")
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, "the Voila server outlived the dashboard command"


@pytest.mark.slow
def test_dashboard_serves_the_explorer_behind_a_token_on_localhost_only(
    dashboard: tuple[str, int, subprocess.Popen[str]],
) -> None:
    url, port, proc = dashboard
    base = f"http://127.0.0.1:{port}"
    assert url.startswith(f"{base}/?token=")
    token = url.split("token=", 1)[1]
    assert len(token) >= 32
    # without the token, or with a wrong one: refused (redirect to the login page, or 403)
    for bad in (f"{base}/", f"{base}/?token=wrong", f"{base}/api/kernels"):
        status, location, _ = _get(bad)
        assert status == 403 or (status in (301, 302, 303, 307) and "/login" in location), bad
    tally("dashboard requests without the right token", 3, {"refused": 3})
    # with it: the explorer, rendered by Voila
    status, _, body = _get(url)
    assert status == 200
    assert "voila" in body.lower() and "jp-OutputArea" in body
    # bound to the loopback interface only
    listening = _listeners(port)
    assert listening, "nothing listens on the port"
    assert all(table == "tcp" and address == "0100007F" for table, address in listening)
    # and stopped cleanly by SIGTERM, exit code 0
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == EXIT_OK


def test_dashboard_invalid_priors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "no/such/file.yaml", "--no-browser"]) == EXIT_INVALID
    assert "no/such/file.yaml" in capsys.readouterr().err


def test_dashboard_missing_notebook_exits_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.ipynb"
    assert main(["dashboard", "--no-browser", "--notebook", str(missing)]) == EXIT_FAILED
    assert "nope.ipynb not found" in capsys.readouterr().err


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("bif", ".bif"), ("xmlbif", ".bifxml"), ("xdsl", ".xdsl")]
)
def test_export_writes_the_network_and_says_what_to_observe(
    fmt: str,
    suffix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scenarios.engines.export import to_network
    from scenarios.io.networks import FORMATS

    monkeypatch.chdir(tmp_path)
    assert main(["export", "--to", fmt]) == EXIT_OK
    out = tmp_path / f"wagner-2023-06-23{suffix}"
    net = to_network(scenarios.load(scenarios.default_priors()))
    assert out.read_text(encoding="utf-8") == FORMATS[fmt](net)
    printed = capsys.readouterr().out
    assert str(out.name) in printed and f"{len(net.evidence)} claim nodes" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary left


def test_export_format_from_the_output_suffix_and_quadrature_rates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "w.xdsl"
    assert main(["export", str(example()), "-o", str(out), "--rates", "quadrature"]) == EXIT_OK
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<smile" in text and "_true_positive" in text
    assert "as quadrature nodes" in capsys.readouterr().out


def test_export_keeps_an_existing_file_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.bif"
    out.write_text("edited in GeNIe")
    assert main(["export", "-o", str(out)]) == EXIT_FAILED
    assert out.read_text() == "edited in GeNIe"
    assert "exists; kept (--force replaces it)" in capsys.readouterr().err
    assert main(["export", "-o", str(out), "--force"]) == EXIT_OK
    assert out.read_text().startswith('network "')


def test_export_never_writes_over_the_scenario_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.xml"
    shutil.copy(example(), scenario)
    before = scenario.read_bytes()
    assert main(["export", str(scenario), "-o", str(scenario), "--force"]) == EXIT_FAILED
    assert scenario.read_bytes() == before
    assert "is the scenario file itself" in capsys.readouterr().err


def test_export_bad_usage_and_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "-o", str(tmp_path / "net.txt")]) == EXIT_USAGE
    assert "give --to" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["export", "--to", "dsl"])
    assert info.value.code == EXIT_USAGE
    assert main(["export", str(tmp_path / "missing.yaml"), "--to", "bif"]) == EXIT_INVALID
    assert main(["export", "--to", "bif", "-o", str(tmp_path / "no" / "such" / "n.bif")]) == (
        EXIT_FAILED
    )
    assert "cannot write" in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == []

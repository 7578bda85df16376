"""The Voila dashboard: a real server on the loopback interface, behind a random token.

The pieces (ports, readiness, stopping) are checked against real sockets and processes;
the slow test starts Voila itself on the shipped explorer notebook.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenarios.io.data import example
from scenarios.views import dashboard
from scenarios.views.dashboard import (
    DashboardError,
    answers,
    explorer_notebook,
    free_port,
    start,
    stop,
    wait_ready,
)
from scenarios.views.explorer.app import save_folder


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 serving ``tmp_path``: its base URL."""
    (tmp_path / "ready.txt").write_text("ok")

    def handler(*args: object) -> _Quiet:
        return _Quiet(*args, directory=str(tmp_path))  # type: ignore[arg-type]

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_free_port_is_free_on_loopback() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # raises if it were taken


def test_answers_only_a_200(server: str) -> None:
    assert answers(f"{server}/ready.txt")
    assert not answers(f"{server}/missing.txt")  # 404
    assert not answers(f"http://127.0.0.1:{free_port()}/")  # nothing listens


def test_wait_ready_stops_when_the_server_dies_or_answers(server: str) -> None:
    assert wait_ready(f"{server}/ready.txt", alive=lambda: True, timeout=30)
    calls = []

    def alive() -> bool:
        calls.append(1)
        return len(calls) < 3

    assert not wait_ready(f"{server}/missing.txt", alive=alive, timeout=600)
    assert len(calls) == 3  # gave up as soon as the process was gone, not at the timeout
    assert not wait_ready(f"{server}/missing.txt", alive=lambda: True, timeout=0)


def test_stop_ends_a_process_that_ignores_nothing_and_one_that_ignores_sigterm() -> None:
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    stop(polite)
    assert polite.returncode is not None and polite.returncode < 0
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
    stop(stubborn, grace=0.5)
    assert stubborn.returncode == -9  # killed after the grace
    stubborn.stdout.close()
    stop(stubborn)  # stopping a stopped process does nothing


def test_start_refuses_a_missing_notebook_or_a_bad_port(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.ipynb not found"):
        start(example(), notebook=tmp_path / "nope.ipynb")
    with pytest.raises(ValueError, match="--port 70000: expected 1-65535"):
        start(example(), port=70000)
    assert explorer_notebook().is_file()


def test_save_folder_is_never_the_package() -> None:
    assert save_folder(example()) == Path("priors")
    assert save_folder(None) == Path("priors")
    assert save_folder(Path("team/priors/x.yaml")) == Path("team/priors")


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) listening on ``port``."""
    found = []
    for table in ("tcp", "tcp6"):
        path = Path("/proc/net") / table
        for line in path.read_text().splitlines()[1:] if path.exists() else []:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(f"{table}:{address}")
    return found


def _status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=120) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc")
def test_start_serves_the_explorer_on_loopback_behind_a_token(tmp_path: Path) -> None:
    save_to = tmp_path / "saved"
    with start(example(), save_dir=save_to) as app:
        proc = app.process
        base = f"http://127.0.0.1:{app.port}"
        token = app.url.split("?token=", 1)[1]
        assert app.url.startswith(f"{base}/?token=") and len(token) >= 32
        assert _listening(app.port) == ["tcp:0100007F"]  # 127.0.0.1 only
        for bad in (f"{base}/", f"{base}/?token=wrong", f"{base}/api/kernels"):
            assert _status(bad) in (302, 303, 403), bad
        assert _status(app.url) == 200
        env = _environ(proc.pid)
        assert env["JUPYTER_TOKEN"] == token
        assert token not in Path(f"/proc/{proc.pid}/cmdline").read_text()
        assert env["SCENARIOS_PRIORS_FILE"] == str(example().resolve())
        assert env["SCENARIOS_SAVE_DIR"] == str(save_to.resolve())
        assert "MPLBACKEND" not in env
    assert proc.poll() is not None  # stopped on leaving the block


def test_a_server_that_dies_at_once_is_a_dashboard_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a Python that exits at once stands for a Voila that cannot start
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(dashboard.sys, "executable", str(fake))
    with pytest.raises(
        DashboardError, match=r"did not start on http://127\.0\.0\.1:\d+ \(exit code 3\)"
    ):
        start(example(), timeout=60)


def _children(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    """Wait (a bounded loop) until none of ``pids`` runs; the ones still running."""
    import time

    deadline = time.monotonic() + seconds
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return {p for p in pids if _alive(p)}


def _first_line(proc: subprocess.Popen[str], seconds: float) -> str:
    """The first line the process writes on stdout, waiting at most ``seconds``."""
    import select
    import time

    assert proc.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    return ""


def test_the_launcher_stops_the_server_when_its_parent_is_gone(tmp_path: Path) -> None:
    """The watchdog alone (no prctl): a stand-in server whose parent exits is stopped."""
    import os
    import signal

    marker = tmp_path / "stopped"
    server = tmp_path / "fake_server.py"
    server.write_text(  # a stand-in for Voila: records its SIGTERM, serves forever
        "import signal, sys, time, pathlib\n"
        "def bye(*_):\n"
        f"    pathlib.Path({str(marker)!r}).write_text('sigterm')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        "print('serving', flush=True)\n"
        "while True: time.sleep(0.1)\n"
    )
    # a parent that starts the launcher (no preexec_fn), prints its pid, and sleeps
    parent_code = (
        "import os, subprocess, sys, time\n"
        "from scenarios.views.dashboard import LAUNCHER\n"
        f"child = subprocess.Popen([sys.executable, '-c', LAUNCHER, str(os.getpid()), '-m',"
        f" 'fake_server'], cwd={str(tmp_path)!r}, start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    children: set[int] = set()
    try:
        line = _first_line(parent, 60)
        assert line.strip().isdigit(), line
        child = int(line)
        children.add(child)
        assert _first_line(parent, 60) == "serving\n"  # its SIGTERM handler is in place
        assert _alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=60)
        assert not _gone_within({child}, 60), "the server outlived its killed parent"
        assert marker.read_text() == "sigterm"  # stopped by SIGTERM, so it could clean up
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in children:
            if _alive(pid):  # never leave it behind, whatever the assertions say
                os.kill(pid, signal.SIGKILL)
        assert parent.stdout is not None
        parent.stdout.close()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux /proc")
def test_the_server_dies_with_a_killed_dashboard_command(tmp_path: Path) -> None:
    import os
    import signal

    command = [sys.executable, "-m", "scenarios", "dashboard", "--no-browser"]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        start_new_session=True,
    )
    server: set[int] = set()
    try:
        line = _first_line(proc, 300)
        assert line.startswith("dashboard: http://127.0.0.1:"), line
        url = line.split(" ", 1)[1].strip()
        assert dashboard.answers(url.replace("/?token=", "/voila/static/voila.js?token="))
        server = _children(proc.pid)
        assert server, "no server process was seen"
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up code of the command runs
        proc.wait(timeout=60)
        survivors = _gone_within(server, 120)
        assert not survivors, f"the server outlived its killed command: {survivors}"
        assert not dashboard.answers(url, timeout=5)  # the token URL no longer answers
    finally:
        for pid in server | ({proc.pid} if proc.poll() is None else set()):
            if _alive(pid):  # never leave them behind, whatever the assertions say
                os.kill(pid, signal.SIGKILL)
        assert proc.stdout is not None
        proc.stdout.close()

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

"""Hostile dashboard (issue 14, item 9): the Voila server dies with its command.

``kill -9`` of ``scenarios dashboard`` runs none of its clean-up code; the server must
stop anyway (PR_SET_PDEATHSIG on Linux, and the launcher's watchdog everywhere). Every
wait is a bounded loop that fails with a message; none is a claim about speed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.views import dashboard
from tests.conftest import tally
from tests.processes import alive, descendants, survivors_after


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
    # a parent that starts the launcher (no kernel signal), prints its pid, and sleeps
    parent_code = (
        "import os, subprocess, sys, time\n"
        "from scenarios.views.dashboard import LAUNCHER\n"
        f"child = subprocess.Popen([sys.executable, '-c', LAUNCHER, str(os.getpid()), '0',"
        f" '-m', 'fake_server'], cwd={str(tmp_path)!r}, start_new_session=True)\n"
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
        assert alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=60)
        assert not survivors_after({child}, 60), "the server outlived its killed parent"
        assert marker.read_text() == "sigterm"  # stopped by SIGTERM, so it could clean up
        tally("dashboard: parent killed with SIGKILL", 1, {"server stopped": 1})
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in children:
            if alive(pid):  # never leave it behind, whatever the assertions say
                os.kill(pid, signal.SIGKILL)
        assert parent.stdout is not None
        parent.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("asked", ["1", "0"])
def test_the_launcher_asks_the_kernel_for_sigterm_only_when_told(
    tmp_path: Path, asked: str
) -> None:
    """The launcher sets the parent-death signal itself (no ``preexec_fn`` in the parent)."""
    import os
    import signal

    server = tmp_path / "show_signal.py"
    server.write_text(  # a stand-in for Voila: prints its parent-death signal (PR_GET)
        "import ctypes\n"
        "sig = ctypes.c_int(-1)\n"
        "ctypes.CDLL(None, use_errno=True).prctl(2, ctypes.byref(sig), 0, 0, 0)\n"
        "print(sig.value, flush=True)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", dashboard.LAUNCHER, str(os.getpid()), asked, "-m", "show_signal"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert int(out) == (int(signal.SIGTERM) if asked == "1" else 0)
    tally("dashboard: launcher's kernel signal", 1, {"as told": 1})


def test_start_asks_for_the_kernel_signal_from_the_main_thread_only() -> None:
    import threading

    seen: list[bool] = []
    worker = threading.Thread(target=lambda: seen.append(dashboard.kernel_signal()))
    worker.start()
    worker.join()
    assert seen == [False]  # it would fire when that thread ends, not the process
    assert dashboard.kernel_signal() is sys.platform.startswith("linux")


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
        server = descendants(proc.pid)
        assert server, "no server process was seen"
        os.kill(proc.pid, signal.SIGKILL)  # no clean-up code of the command runs
        proc.wait(timeout=60)
        survivors = survivors_after(server, 120)
        assert not survivors, f"the server outlived its killed command: {survivors}"
        assert not dashboard.answers(url, timeout=5)  # the token URL no longer answers
        tally("dashboard: parent killed with SIGKILL", 1, {"server stopped": 1})
    finally:
        for pid in server | ({proc.pid} if proc.poll() is None else set()):
            if alive(pid):  # never leave them behind, whatever the assertions say
                os.kill(pid, signal.SIGKILL)
        assert proc.stdout is not None
        proc.stdout.close()

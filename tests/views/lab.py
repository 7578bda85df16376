"""A real JupyterLab for browser tests and the explorer-latency benchmark.

One recipe (``shared/recipes/notebook-and-browser-tests.md``): the venv's Python runs the
server and so the kernel, on 127.0.0.1 behind a random token, in a temporary root with
its own config, runtime and workspaces folders (the announcements pop-up disabled), a
copy of the notebook in the root. :func:`stop_lab` shuts it down and kills what lingers.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scenarios.views.dashboard import free_port

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "SERVER_START_S",
    "Lab",
    "start_lab",
    "stop_lab",
]

#: Screenshots and pages the browser tests save (a CI artifact; ignored by git).
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: Debian's chromium, driven by Playwright (which may not download a browser here).
CHROMIUM = Path("/usr/bin/chromium")
#: Its flags on these machines (the recipe's): no sandbox as root, no GPU, no network chatter.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

#: Seconds JupyterLab may take to answer on its port, per attempt.
SERVER_START_S = 60


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its URL, token, root folder, log file and process."""

    url: str
    token: str
    root: Path
    log: Path
    proc: subprocess.Popen[bytes]


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2.0) as response:
        return int(response.status)


def start_lab(
    base: Path, notebook: Path, env: Mapping[str, str] | None = None, attempts: int = 3
) -> Lab:
    """Start JupyterLab in ``base`` serving a copy of ``notebook``; a new port per attempt.

    Parameters
    ----------
    base : Path
        An empty folder: ``root/``, ``config/``, ``runtime/``, ``ws/`` and
        ``jupyterlab.log`` are made in it.
    notebook : Path
        Copied into ``root/``.
    env : mapping, optional
        More environment for the server and its kernels (e.g. ``SCENARIOS_SAVE_DIR``).
    attempts : int
        Ports tried (a port taken meanwhile, a slow start) before giving up.

    Returns
    -------
    Lab

    Raises
    ------
    RuntimeError
        It did not answer on any port; the message ends with the log's tail.
    """
    root, config, runtime, ws = (base / d for d in ("root", "config", "runtime", "ws"))
    for d in (root, config / "labconfig", runtime, ws):
        d.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, root / notebook.name)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    environ = {
        k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "SCENARIOS_PRIORS_FILE")
    }
    environ.update(
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_RUNTIME_DIR=str(runtime),
        # the venv's python runs the server, and so the kernel ("python" in its kernelspec)
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}",
        **(env or {}),
    )
    token = secrets.token_hex(16)
    log = base / "jupyterlab.log"
    for _ in range(attempts):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "jupyterlab",
                    "--no-browser",
                    "--allow-root",
                    "--ServerApp.ip=127.0.0.1",
                    f"--ServerApp.port={port}",
                    "--ServerApp.port_retries=0",
                    f"--IdentityProvider.token={token}",
                    f"--ServerApp.root_dir={root}",
                    f"--LabApp.workspaces_dir={ws}",
                ],
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        lab = Lab(url=url, token=token, root=root, log=log, proc=proc)
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if _status(f"{url}/api/status?token={token}") == 200:
                    return lab
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        stop_lab(lab)  # port taken or slow start: try another port
    raise RuntimeError(f"JupyterLab did not start; log:\n{log.read_text()[-3000:]}")


def stop_lab(lab: Lab) -> None:
    """Shut the server down (it stops its kernels), then make sure its group is gone."""
    proc = lab.proc
    if proc.poll() is None:
        try:
            req = urllib.request.Request(f"{lab.url}/api/shutdown?token={lab.token}", method="POST")
            urllib.request.urlopen(req, timeout=5).close()
        except (OSError, urllib.error.URLError):
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
    # kernels run in their own sessions; a clean shutdown has stopped them, this is a backstop
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass

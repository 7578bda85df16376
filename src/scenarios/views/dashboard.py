"""The explorer notebook served as a web app with Voila: on 127.0.0.1 only, behind a token.

:func:`start` launches Voila on the shipped explorer notebook (or another) for a priors
file, waits until it answers and returns a :class:`Dashboard`, whose ``url`` carries a
random token; :meth:`Dashboard.stop` shuts it down (Voila stops its kernels). :func:`serve`
does both around a wait, for ``scenarios dashboard``.

The server dies with the process that started it, even when that process is killed
with ``kill -9``: Voila runs under a small launcher (:data:`LAUNCHER`) whose watchdog
thread sends it SIGTERM (Voila then stops its kernels) as soon as its parent is gone, and
on Linux the kernel itself sends that SIGTERM at once (``PR_SET_PDEATHSIG``, set when the
server is started from the main thread; see :func:`kernel_signal`).

The server listens on the loopback interface only, and refuses every request without the
token. The token goes to Voila through the environment (``JUPYTER_TOKEN``), never on its
command line, where other users of the machine could read it; the traffic between the
server and its kernels is encrypted (CurveZMQ) when pyzmq supports it.

Examples
--------
In a terminal (``scenarios dashboard`` does this)::

    from scenarios.io.data import example
    from scenarios.views import dashboard

    with dashboard.start(example()) as app:
        print(app.url)  # http://127.0.0.1:PORT/?token=...
        app.wait()
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from scenarios.errors import ScenarioError
from scenarios.io.data import jupyter_data

__all__ = [
    "LAUNCHER",
    "START_TIMEOUT",
    "Dashboard",
    "DashboardError",
    "answers",
    "explorer_notebook",
    "free_port",
    "has_curve",
    "kernel_signal",
    "serve",
    "start",
    "stop",
    "wait_ready",
]

#: How long :func:`start` waits for the Voila server to answer, in seconds.
START_TIMEOUT = 120.0

#: A kernel with no page connected is stopped after this many idle seconds (a closed
#: page's kernel goes within ``CULL_IDLE_S + CULL_INTERVAL_S``); a page left open keeps
#: its kernel however long it is idle.
CULL_IDLE_S = 20
#: How often the server looks for such kernels, in seconds.
CULL_INTERVAL_S = 5
#: Cells with this tag (the notebook's instructions) are not shown on the dashboard.
NOTEBOOK_ONLY_TAG = "notebook-only"

#: How the server is run: ``python -c LAUNCHER PARENT_PID KERNEL_SIGNAL -m voila ...``.
#: With ``KERNEL_SIGNAL`` "1" the launcher asks Linux for SIGTERM when its parent goes
#: (``PR_SET_PDEATHSIG``; see :func:`kernel_signal`); a watchdog thread does the same
#: everywhere (polled every 0.2 s), so that the server never outlives a killed
#: ``scenarios dashboard``; then Voila runs as ``python -m voila`` would. The launcher
#: sets the signal itself, after ``exec``: a ``preexec_fn`` would make the parent run its
#: fork handlers, which is unsafe once the process has threads (JAX's, a kernel's).
LAUNCHER = """\
import os, runpy, signal, sys, threading, time
parent = int(sys.argv[1])
if sys.argv[2] == "1":
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass
module = sys.argv[4]
sys.argv = [module, *sys.argv[5:]]
def watch():
    while os.getppid() == parent:
        time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
if os.getppid() != parent:
    os.kill(os.getpid(), signal.SIGTERM)
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


class DashboardError(ScenarioError, RuntimeError):
    """The Voila server did not start, or stopped by itself (the command exits 4).

    Examples
    --------
    >>> print(DashboardError(["the Voila server did not start"]))
    dashboard: 1 problem
      - the Voila server did not start
    """

    subject = "dashboard"


def explorer_notebook() -> Path:
    """The explorer notebook shipped in the package.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> explorer_notebook().name
    'wagner-explorer.ipynb'
    """
    from scenarios.io.data import notebook

    return notebook("wagner-explorer")


def has_curve() -> bool:
    """Whether pyzmq can encrypt the server's traffic with its kernels (CurveZMQ).

    Returns
    -------
    bool

    Examples
    --------
    >>> isinstance(has_curve(), bool)
    True
    """
    try:
        import zmq
    except ImportError:
        return False
    return bool(zmq.has("curve"))


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the system picks it).

    Returns
    -------
    int

    Examples
    --------
    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a GET of ``url`` answers 200.

    Parameters
    ----------
    url : str
    timeout : float
        Seconds to wait for the answer.

    Returns
    -------
    bool
        ``False`` for any other status, a refused connection or a timeout.

    Examples
    --------
    >>> answers(f"http://127.0.0.1:{free_port()}/")
    False
    """
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(
    url: str, alive: Callable[[], bool], timeout: float = START_TIMEOUT, show: bool = False
) -> bool:
    """Wait until ``url`` answers, as long as the server is alive and ``timeout`` allows.

    Parameters
    ----------
    url : str
        A page the server answers once ready.
    alive : callable
        Whether the server process still runs; waiting stops when it does not.
    timeout : float
        Seconds.
    show : bool
        Show a spinner on stderr meanwhile.

    Returns
    -------
    bool
        Whether it answered.

    Examples
    --------
    >>> wait_ready(f"http://127.0.0.1:{free_port()}/", alive=lambda: False)
    False
    """
    from rich.console import Console

    deadline = time.monotonic() + timeout
    spinner = (
        Console(stderr=True).status("starting the dashboard (Voila)…") if show else nullcontext()
    )
    with spinner:
        while time.monotonic() < deadline:
            if not alive():
                return False
            if answers(url):
                return True
            time.sleep(0.25)
    return False


def kernel_signal() -> bool:
    """Whether the launcher may ask the kernel to SIGTERM the server when this process dies.

    Linux's ``prctl(PR_SET_PDEATHSIG, SIGTERM)``, effective even on ``kill -9`` of this
    process. It fires when the *thread* that started the child ends, so it is asked for
    only from the main thread; elsewhere (and on other systems) the launcher's watchdog
    (:data:`LAUNCHER`) does the same within a fraction of a second.

    Returns
    -------
    bool

    Examples
    --------
    >>> isinstance(kernel_signal(), bool)
    True
    """
    return (
        sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread()
    )


def stop(proc: subprocess.Popen[Any], grace: float = 15.0) -> None:
    """Ask a server to stop (SIGTERM: Voila shuts its kernels down), then kill it.

    Parameters
    ----------
    proc : subprocess.Popen
    grace : float
        Seconds to wait after SIGTERM before SIGKILL.

    Examples
    --------
    >>> proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    >>> stop(proc)
    >>> proc.poll() is not None
    True
    """
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


@dataclass
class Dashboard:
    """A running Voila server (see :func:`start`); a context manager that stops it.

    Attributes
    ----------
    url : str
        The app's address, token included: ``http://127.0.0.1:PORT/?token=...``.
    port : int
    notebook : pathlib.Path
        The notebook served.
    priors : pathlib.Path
        The priors file it opens.
    process : subprocess.Popen
        The server.
    """

    url: str
    port: int
    notebook: Path
    priors: Path
    process: subprocess.Popen[bytes]

    def wait(self) -> int:
        """Wait until the server stops (it serves until it is stopped, or fails).

        Returns
        -------
        int
            The server's exit code.

        Examples
        --------
        A process that exits at once stands in for Voila here:

        >>> done = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        >>> Dashboard("http://127.0.0.1:1/", 1, Path("x.ipynb"), Path("x.yaml"), done).wait()
        3
        """
        return self.process.wait()

    def stop(self) -> None:
        """Stop the server and its kernels (see :func:`stop`).

        Examples
        --------
        A sleeping process stands in for Voila here:

        >>> proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        >>> app = Dashboard("http://127.0.0.1:1/", 1, Path("x.ipynb"), Path("x.yaml"), proc)
        >>> app.stop()
        >>> app.process.poll() is not None
        True
        """
        stop(self.process)

    def __enter__(self) -> Dashboard:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start(
    priors: str | os.PathLike[str],
    *,
    notebook: str | os.PathLike[str] | None = None,
    port: int | None = None,
    save_dir: str | os.PathLike[str] | None = None,
    timeout: float = START_TIMEOUT,
    show: bool = False,
) -> Dashboard:
    """Start Voila on the explorer notebook for a priors file, and wait until it answers.

    Parameters
    ----------
    priors : path
        The priors file the notebook opens (``SCENARIOS_PRIORS_FILE`` in its kernel).
    notebook : path, optional
        Another notebook to serve; default :func:`explorer_notebook`.
    port : int, optional
        Default: a free port.
    save_dir : path, optional
        Where the explorer's "Save priors" writes (``SCENARIOS_SAVE_DIR`` in its kernel);
        default :func:`scenarios.views.explorer.app.save_folder` of ``priors``, taken
        from the current folder.
    timeout : float
        Seconds to wait for the server.
    show : bool
        Show a spinner on stderr while waiting.

    Returns
    -------
    Dashboard

    Raises
    ------
    FileNotFoundError
        The notebook is not there.
    ValueError
        ``port`` is not in 1-65535.
    DashboardError
        The server did not answer within ``timeout``, or stopped (it is then stopped).

    Examples
    --------
    Starting Voila and its kernel takes seconds, so the call is not run here:

    >>> from scenarios.io.data import example
    >>> with start(example()) as app:  # doctest: +SKIP
    ...     print(app.url)  # http://127.0.0.1:PORT/?token=...
    ...     app.wait()

    A wrong port is refused before anything starts:

    >>> start(example(), port=70000)
    Traceback (most recent call last):
    ...
    ValueError: --port 70000: expected 1-65535
    """
    from scenarios.views.explorer.app import save_folder

    page = Path(notebook or explorer_notebook()).resolve()
    if not page.is_file():
        raise FileNotFoundError(f"{page} not found")
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"--port {port}: expected 1-65535")
    port = port or free_port()
    priors = Path(priors).resolve()
    token = secrets.token_urlsafe(32)
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # Agg would hide the notebook's plots
    env["SCENARIOS_PRIORS_FILE"] = str(priors)
    env["SCENARIOS_SAVE_DIR"] = str(Path(save_dir or save_folder(priors)).resolve())
    env["JUPYTER_TOKEN"] = token  # not on the command line, where other users could read it
    # the "scenarios" template: Voila's lab template without its CDN stylesheets
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(jupyter_data()), env.get("JUPYTER_PATH", "")) if p
    )
    command = [
        sys.executable,
        "-c",
        LAUNCHER,  # Voila, with a watchdog that stops it when this process is gone
        str(os.getpid()),
        "1" if kernel_signal() else "0",
        "-m",
        "voila",
        str(page),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0",
        "--Voila.log_level=WARN",
        "--token",  # a flag: require a token, taken from JUPYTER_TOKEN
        "--template=scenarios",  # no request leaves the server (fonts, scripts)
        # a page closed: its kernel stopped; a page open: kept, however idle
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
        "--MappingKernelManager.cull_connected=False",
        # the notebook's instructions are for notebook users, not dashboard viewers
        f"--TagRemovePreprocessor.remove_cell_tags={NOTEBOOK_ONLY_TAG}",
        "--TagRemovePreprocessor.enabled=True",
    ]
    if has_curve():  # encrypt the server's traffic with its kernels (CurveZMQ)
        command.append("--KernelManager.transport_encryption=auto")
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=page.parent,
        start_new_session=True,
    )
    try:
        ready = wait_ready(
            f"{base}/voila/static/voila.js", lambda: proc.poll() is None, timeout, show
        )
    except BaseException:
        stop(proc)
        raise
    if not ready:
        stop(proc)
        raise DashboardError(
            [
                f"the Voila server did not start on {base} (exit code {proc.poll()}); "
                "see its messages above"
            ]
        )
    return Dashboard(f"{base}/?token={token}", port, page, priors, proc)


def serve(
    priors: str | os.PathLike[str],
    *,
    notebook: str | os.PathLike[str] | None = None,
    port: int | None = None,
    open_browser: bool = True,
    show: bool = False,
    out: IO[str] | None = None,
) -> int:
    """Start the dashboard, say where, and wait until it stops; stop it on any way out.

    Prints ``dashboard: URL`` on ``out`` (default stdout) and a line on stderr; opens the
    URL in a web browser unless told not to. Ctrl-C (``KeyboardInterrupt``), or any
    exception a signal handler raises, stops the server and propagates.

    Parameters
    ----------
    priors, notebook, port
        As for :func:`start`.
    open_browser : bool
    show : bool
        Show a spinner while starting.
    out : file, optional

    Returns
    -------
    int
        The server's exit code, when it stopped by itself.

    Raises
    ------
    FileNotFoundError, ValueError, DashboardError
        As :func:`start`.

    Examples
    --------
    What ``scenarios dashboard priors/mine.yaml`` does; it serves until Ctrl-C, so it is
    not run here:

    >>> serve("priors/mine.yaml", open_browser=False)  # doctest: +SKIP
    dashboard: http://127.0.0.1:PORT/?token=...

    A missing notebook is refused before anything starts:

    >>> serve("priors/mine.yaml", notebook="no-such.ipynb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: .../no-such.ipynb not found
    """
    with start(priors, notebook=notebook, port=port, show=show) as app:
        print(f"dashboard: {app.url}", file=out or sys.stdout, flush=True)
        print(
            f"serving {app.notebook.name} on {app.priors.name}; stop with Ctrl-C",
            file=sys.stderr,
            flush=True,
        )
        if open_browser:
            webbrowser.open(app.url)
        return app.wait()

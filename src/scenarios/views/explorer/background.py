"""Work the explorer does in the background, so that the kernel never waits on it.

:class:`FullRun` runs the full engine (PyMC/nutpie) on a snapshot of the scenario in a
thread, with true progress (draws done of all, warm-up included, with the run's real
``chains``, ``tune`` and ``draws``) and a cancel switch. Its result belongs to the
scenario it was started on: the explorer labels it as an earlier scenario's once the
scenario has been edited.

:class:`Settler` computes the exact engine's whole posterior after the edits pause (a
debounce), so that a dragged slider is answered by the incremental engine alone and the
intervals follow when the hand stops.

:class:`Worker` is a process of its own for that work (the exact posterior, the analysis
views and their drawings): the kernel's thread, which answers the edits, then never
waits for the interpreter's lock while the background computes.
"""

from __future__ import annotations

import atexit
import inspect
import multiprocessing
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scenarios.engines.progress import SamplingCancelled
from scenarios.errors import ScenarioError, held_warnings
from scenarios.posterior import Posterior
from scenarios.spec.scenario import Scenario

__all__ = [
    "FullRun",
    "Settler",
    "Worker",
    "full_settings",
    "progress_html",
    "shared_worker",
    "warm_views",
]


def full_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a full-engine run will use: ``options`` over the engine's defaults.

    Parameters
    ----------
    options : mapping
        Options for :func:`~scenarios.engines.pymc.update_pymc`.

    Returns
    -------
    dict
        ``chains``, ``tune``, ``draws`` and ``sampler`` as the run will use them.

    Examples
    --------
    >>> full_settings({"draws": 200})
    {'chains': 4, 'tune': 500, 'draws': 200, 'sampler': 'nutpie'}
    """
    from scenarios.engines.pymc import update_pymc

    defaults = {k: p.default for k, p in inspect.signature(update_pymc).parameters.items()}
    return {k: options.get(k, defaults[k]) for k in ("chains", "tune", "draws", "sampler")}


class FullRun:
    """One run of the full engine in a background thread.

    Parameters
    ----------
    scenario : Scenario
        What is sampled (the run keeps it: its result belongs to it).
    options : mapping
        For :meth:`Scenario.update` with ``engine="pymc"``.
    on_change : callable, optional
        ``on_change(run)``, called from the run's thread when its progress or state
        changes (at most every ``every`` seconds for progress).
    every : float
        Least seconds between two progress calls of ``on_change``.

    Attributes
    ----------
    scenario : Scenario
    settings : dict
        The run's ``chains``, ``tune``, ``draws`` and ``sampler`` (:func:`full_settings`).
    state : str
        ``"compiling"`` (building and compiling the model), ``"sampling"``, ``"done"``,
        ``"cancelled"`` or ``"failed"``.
    done, total : int
        Draws done, of ``chains * (tune + draws)``.
    posterior : Posterior or None
        The result, once ``"done"``.
    error : Exception or None
        Why it failed.
    started, finished : float
        :func:`time.perf_counter` at the start and the end (``nan`` until then).

    Examples
    --------
    Sampling takes seconds, so the run is not started here:

    >>> import scenarios
    >>> run = FullRun(scenarios.load(scenarios.example()), {"chains": 2, "draws": 300})
    >>> run.state, run.total, run.settings["tune"]
    ('compiling', 1600, 500)
    >>> run.start().wait()  # doctest: +SKIP
    """

    def __init__(
        self,
        scenario: Scenario,
        options: Mapping[str, Any],
        on_change: Callable[[FullRun], None] | None = None,
        every: float = 0.25,
    ) -> None:
        self.scenario = scenario
        self.options = dict(options)
        self.settings = full_settings(self.options)
        self.total = int(self.settings["chains"]) * (
            int(self.settings["tune"]) + int(self.settings["draws"])
        )
        self.done = 0
        self.state = "compiling"
        self.posterior: Posterior | None = None
        self.error: Exception | None = None
        self.started = self.finished = float("nan")
        self.on_change = on_change
        self.every = every
        self._cancel = threading.Event()
        self._said = 0.0
        self._thread = threading.Thread(target=self._run, name="scenarios-full-run", daemon=True)

    @property
    def running(self) -> bool:
        """Whether the run has started and not ended.

        Returns
        -------
        bool
        """
        return self.state in ("compiling", "sampling") and self._thread.is_alive()

    @property
    def elapsed(self) -> float:
        """Seconds since the start (until the end, once ended).

        Returns
        -------
        float
        """
        end = self.finished if self.finished == self.finished else time.perf_counter()
        return end - self.started

    def start(self) -> FullRun:
        """Start the run in its thread and return at once.

        Returns
        -------
        FullRun
            Itself.
        """
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the run to stop.

        It ends as ``"cancelled"`` within a fraction of a second once sampling; a model
        being compiled finishes compiling first.
        """
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the run to end.

        Parameters
        ----------
        timeout : float, optional

        Returns
        -------
        bool
            Whether it has ended.
        """
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total, self.state = done, total, "sampling"
        now = time.perf_counter()
        if done >= total or now - self._said >= self.every:
            self._said = now
            self._tell()

    def _tell(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self)
            except Exception as exc:  # a display error must not kill the run
                warnings.warn(f"full engine progress display failed: {exc}", stacklevel=2)

    def _run(self) -> None:
        try:
            with held_warnings():  # the diagnostics are in the posterior
                post = self.scenario.update(
                    engine="pymc", progress=self._progress, cancel=self._cancel, **self.options
                )
            if self._cancel.is_set():
                raise SamplingCancelled(f"cancelled after {self.done} of {self.total} draws")
            self.posterior, self.state = post, "done"
        except SamplingCancelled as exc:
            self.error, self.state = exc, "cancelled"
        except (ScenarioError, ValueError, RuntimeError, ImportError) as exc:
            self.error, self.state = exc, "failed"
        finally:
            self.finished = time.perf_counter()
        self._tell()


class Settler:
    """Compute something for the latest of a stream of requests, once they pause.

    Each :meth:`request` replaces the one before; ``work(item)`` runs in a background
    thread for the latest item after ``delay`` seconds without a newer request. Then
    ``done(item, result)`` is called (from that thread), unless a newer request came in
    the meantime.

    Parameters
    ----------
    work : callable
        ``work(item) -> result``.
    done : callable
        ``done(item, result)``.
    delay : float
        Seconds of quiet before working.

    Examples
    --------
    >>> seen = []
    >>> settler = Settler(lambda x: x * 2, lambda x, y: seen.append((x, y)), delay=0.01)
    >>> for x in (1, 2, 3):
    ...     settler.request(x)
    >>> settler.wait(5)
    True
    >>> seen
    [(3, 6)]
    """

    def __init__(
        self,
        work: Callable[[Any], Any],
        done: Callable[[Any, Any], None],
        delay: float = 0.15,
    ) -> None:
        self.work, self.done, self.delay = work, done, delay
        self.generation = 0
        self._item: Any = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def request(self, item: Any) -> None:
        """Ask for ``work(item)``, replacing any request not yet worked on.

        Parameters
        ----------
        item : object
        """
        with self._lock:
            self.generation += 1
            self._item = item
            self._idle.clear()
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="scenarios-settler", daemon=True
                )
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the latest request has been worked on.

        Parameters
        ----------
        timeout : float, optional

        Returns
        -------
        bool
            Whether nothing is left to do.
        """
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        while True:
            if not self._wake.wait(30.0):
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.clear()
            time.sleep(self.delay)
            with self._lock:
                if self._wake.is_set():  # a newer request: wait for quiet again
                    continue
                item, generation = self._item, self.generation
            try:
                result = self.work(item)
            except Exception as exc:  # shown by done(); the thread must live on
                result = exc
            with self._lock:
                current = generation == self.generation
            if current:
                try:
                    self.done(item, result)
                finally:
                    with self._lock:
                        if generation == self.generation:
                            self._idle.set()


def progress_html(run: FullRun, current: bool = True) -> str:
    """The progress line of a full-engine run: its real settings, draws done of all.

    Parameters
    ----------
    run : FullRun
    current : bool
        Whether the run's scenario is still the explorer's (else it is labelled as an
        earlier scenario's).

    Returns
    -------
    str
        HTML: a ``<progress>`` bar and a line of text, in a ``div.scn-full-progress-line``
        whose ``data-state``, ``data-done`` and ``data-total`` attributes say the same.

    Examples
    --------
    >>> import scenarios
    >>> run = FullRun(scenarios.load(scenarios.example()), {"chains": 2, "draws": 300})
    >>> html = progress_html(run)
    >>> 'data-total="1600"' in html, "2 chains of 500 warm-up + 300 draws" in html
    (True, True)
    """
    import html as html_

    s = run.settings
    what = (
        f"Full engine ({s['sampler']}): {s['chains']} chains of {s['tune']} warm-up + "
        f"{s['draws']} draws"
    )
    seconds = run.elapsed if run.started == run.started else 0.0
    if run.state == "compiling":
        text = f"{what}: building and compiling the model… {seconds:.0f} s"
    elif run.state == "sampling":
        share = run.done / run.total if run.total else 0.0
        text = f"{what}: {run.done} of {run.total} draws ({share:.0%}), {seconds:.0f} s"
    elif run.state == "done":
        text = f"{what}: done, {run.total} of {run.total} draws in {seconds:.1f} s"
    elif run.state == "cancelled":
        text = f"{what}: cancelled after {run.done} of {run.total} draws"
    else:
        text = f"{what}: failed: {run.error}"
    if not current:
        text += " (started on an earlier scenario: your edits since are not in it)"
    return (
        f'<div class="scn-full-progress-line scn-note" data-state="{run.state}" '
        f'data-done="{run.done}" data-total="{run.total}">'
        f'<progress max="{run.total}" value="{run.done}"></progress> '
        f"{html_.escape(text)}</div>"
    )


def _warm_up() -> bool:
    """Import what the jobs need (run first in a new worker, so that jobs start at once)."""
    import scenarios.analysis
    import scenarios.views.explorer.panels  # noqa: F401

    return True


def warm_views(scenario: Scenario, asks: Mapping[str, tuple[Any, dict[str, Any]]]) -> float:
    """Compute and draw analysis views once, to warm a new process's caches up.

    The first sensitivity analysis in a process takes about four times as long as the
    next (and the first drawing loads matplotlib's fonts): a worker does that once when
    the explorer is displayed rather than when a tab is first opened.

    Parameters
    ----------
    scenario : Scenario
    asks : mapping
        View -> (its question key, how it is drawn: the keywords of
        :func:`~scenarios.views.explorer.panels.analysis_html` but the result).

    Returns
    -------
    float
        Seconds it took.
    """
    from scenarios.views.explorer.model import AnalysisResult, analysis_data
    from scenarios.views.explorer.panels import analysis_html

    started = time.perf_counter()
    for view, (key, drawing) in asks.items():
        data, error, seconds = analysis_data(view, scenario, key)
        analysis_html(AnalysisResult(view, scenario, key, data, seconds, error), **drawing)
    return time.perf_counter() - started


class Worker:
    """A process that computes for the explorer: one job at a time, in order.

    The exact engine and the analyses are Python and numpy: in a thread of the kernel
    they would hold the interpreter's lock while an edit waits for it. In a process of
    their own they use another core, and the kernel's thread only waits for their
    results when it asks. The jobs are the library's own functions, pickled with their
    arguments, so the numbers are the same as in the kernel, bit for bit. The explorer
    keeps one process per kind of work (:func:`shared_worker`), so that each keeps its
    caches warm (a sensitivity analysis takes four times as long the first time).

    The process is started (``spawn``: a kernel has threads, which ``fork`` would copy
    half-way) and warmed up in the background; until it is :attr:`ready`, callers
    compute in their own process.

    Examples
    --------
    Starting a process takes seconds, so it is not started here:

    >>> worker = Worker()  # doctest: +SKIP
    >>> worker.wait_ready(60) and worker.call(pow, 2, 10)  # doctest: +SKIP
    1024
    """

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._busy = 0
        self._pool.submit(_warm_up).add_done_callback(self._warmed)

    def _warmed(self, future: Future[bool]) -> None:
        if future.exception() is None:
            self._ready.set()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)`` without waiting (e.g. to warm the caches up).

        Parameters
        ----------
        fn : callable
            A module-level function.
        *args, **kwargs
            Pickled to the process.

        Returns
        -------
        concurrent.futures.Future
        """
        with self._lock:
            self._busy += 1
        future = self._pool.submit(fn, *args, **kwargs)
        future.add_done_callback(lambda _: self._done())
        return future

    def _done(self) -> None:
        with self._lock:
            self._busy -= 1

    @property
    def ready(self) -> bool:
        """Whether the process has started and imported the library.

        Returns
        -------
        bool
        """
        return self._ready.is_set()

    @property
    def free(self) -> bool:
        """Whether no job is running or waiting: a job given now starts at once.

        Returns
        -------
        bool
        """
        return self._busy == 0

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the process is :attr:`ready`.

        Parameters
        ----------
        timeout : float, optional

        Returns
        -------
        bool
        """
        return self._ready.wait(timeout)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` in the process; its result, or its exception raised here.

        Parameters
        ----------
        fn : callable
            A module-level function (it is pickled by name).
        *args, **kwargs
            Pickled to the process.

        Returns
        -------
        object
        """
        with self._lock:
            self._busy += 1
        try:
            return self._pool.submit(fn, *args, **kwargs).result()
        except BrokenProcessPool:
            self._ready.clear()  # the process died: callers compute in their own
            raise
        finally:
            with self._lock:
                self._busy -= 1

    def close(self) -> None:
        """Stop the process (jobs waiting are dropped)."""
        self._ready.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)


_SHARED: dict[str, Worker] = {}


def shared_worker(kind: str) -> Worker | None:
    """The kernel's :class:`Worker` for a kind of work, started on first use.

    Parameters
    ----------
    kind : str
        ``"exact"`` (the exact posterior of each edit) or ``"analysis"`` (the analysis
        views and their drawings): two processes, so that neither waits for the other.

    Returns
    -------
    Worker or None
        ``None`` if no process can be started here.
    """
    if kind not in _SHARED:
        try:
            worker = Worker()
        except (OSError, RuntimeError, ValueError) as exc:
            warnings.warn(f"no worker process for the explorer: {exc}", stacklevel=2)
            return None
        atexit.register(worker.close)
        _SHARED[kind] = worker
    return _SHARED[kind]

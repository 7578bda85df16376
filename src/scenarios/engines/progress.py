"""True progress and a cancel switch for the full engine's sampler.

:func:`~scenarios.engines.pymc.update_pymc` takes ``progress`` (called with the draws
done and the draws in all, warm-up included) and ``cancel`` (a :class:`threading.Event`:
set it and the sampler stops, raising :class:`SamplingCancelled`). This module adapts
them to the two samplers: nutpie (run in its own threads, polled here, its
``progress_callback`` summed over chains) and PyMC (its per-draw ``callback``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Progress", "SamplingCancelled", "pymc_callback", "run_nutpie"]

#: How often (seconds) a nutpie run is polled for a cancel, and its progress reported.
POLL = 0.1

#: ``progress(done, total)``: draws done so far, of all (chains x (tune + draws)).
Progress = Callable[[int, int], None]


class SamplingCancelled(RuntimeError):
    """The full engine's run was cancelled before it finished (nothing was kept).

    Examples
    --------
    >>> str(SamplingCancelled("cancelled after 10 of 400 draws"))
    'cancelled after 10 of 400 draws'
    """


def run_nutpie(
    compiled: Any,
    *,
    progress: Progress | None,
    cancel: threading.Event | None,
    **options: Any,
) -> Any:
    """Sample a compiled nutpie model, reporting progress and stopping when cancelled.

    Parameters
    ----------
    compiled : nutpie.CompiledModel
    progress : callable or None
        ``progress(done, total)``, from nutpie's thread and once more at the end.
    cancel : threading.Event or None
        Set it to stop the run.
    **options
        For :func:`nutpie.sample` (``draws``, ``tune``, ``chains``, ``cores``, ``seed``,
        ``progress_bar``, ``target_accept``).

    Returns
    -------
    xarray.DataTree
        nutpie's trace.

    Raises
    ------
    SamplingCancelled
        ``cancel`` was set before the run finished.

    Examples
    --------
    Sampling takes seconds, so the call is not run here:

    >>> trace = run_nutpie(compiled, progress=print, cancel=None, draws=10)  # doctest: +SKIP
    """
    import nutpie

    total = int(options["chains"]) * (int(options["draws"]) + int(options["tune"]))
    done = [0]

    def report(chains: list[Any]) -> None:
        done[0] = min(total, sum(int(c.finished_draws) for c in chains))
        if progress is not None:
            progress(done[0], total)

    if progress is None and cancel is None:
        return nutpie.sample(compiled, **options)
    if progress is not None:
        progress(0, total)
    sampler = nutpie.sample(
        compiled, blocking=False, progress_callback=report, progress_rate=100, **options
    )
    while True:
        if cancel is not None and cancel.is_set():
            sampler.cancel()
            raise SamplingCancelled(f"cancelled after {done[0]} of {total} draws")
        try:  # nutpie raises TimeoutError while the sampler is still running
            trace = sampler.wait(timeout=POLL)
            break
        except TimeoutError:
            continue
    if progress is not None:
        progress(total, total)
    return trace


def pymc_callback(
    total: int, progress: Progress | None, cancel: threading.Event | None
) -> Callable[..., None] | None:
    """A per-draw callback for :func:`pymc.sample` that counts draws and honours a cancel.

    Parameters
    ----------
    total : int
        Draws in all (chains x (tune + draws)).
    progress : callable or None
        ``progress(done, total)``.
    cancel : threading.Event or None

    Returns
    -------
    callable or None
        ``None`` when there is nothing to report or to watch.

    Examples
    --------
    >>> seen = []
    >>> callback = pymc_callback(3, lambda done, total: seen.append((done, total)), None)
    >>> for _ in range(4):
    ...     callback(trace=None, draw=None)
    >>> seen
    [(1, 3), (2, 3), (3, 3), (3, 3)]
    >>> stop = threading.Event()
    >>> stop.set()
    >>> pymc_callback(3, None, stop)(trace=None, draw=None)
    Traceback (most recent call last):
    ...
    scenarios.engines.progress.SamplingCancelled: cancelled after 0 of 3 draws
    """
    if progress is None and cancel is None:
        return None
    done = [0]

    def callback(trace: Any = None, draw: Any = None) -> None:
        if cancel is not None and cancel.is_set():
            raise SamplingCancelled(f"cancelled after {done[0]} of {total} draws")
        done[0] = min(total, done[0] + 1)
        if progress is not None:
            progress(done[0], total)

    return callback

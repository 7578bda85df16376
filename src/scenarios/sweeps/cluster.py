"""Dask: the client (a local cluster, or an existing one), batches, and submitting them.

A local cluster has one single-threaded worker process per CPU, listens on 127.0.0.1
only, has no dashboard, and is closed at the end. An existing cluster is reached by its
scheduler address or scheduler file; its workers must run this library at the same
version. Variants travel in batches of plain data (:func:`auto_batch_size`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from scenarios.io.files import sha256_bytes
from scenarios.sweeps.errors import SweepError
from scenarios.sweeps.plan import Variant
from scenarios.sweeps.store import library_version
from scenarios.sweeps.worker import message, run_batch, worker_version

__all__ = [
    "CONNECT_TIMEOUT",
    "MAX_BATCH",
    "TASKS_PER_WORKER",
    "auto_batch_size",
    "batches",
    "dask_client",
    "default_workers",
    "run_on_dask",
    "texts_for",
]

#: Most variants per Dask task when the batch size is chosen automatically.
MAX_BATCH = 10
#: Fewest tasks per worker when the batch size is chosen automatically.
TASKS_PER_WORKER = 10
#: Seconds to wait for an existing cluster's scheduler and first worker.
CONNECT_TIMEOUT = 60.0

#: Called with a batch, its results (or ``None``) and the exception of a failed task.
Finish = Callable[
    [Sequence[Variant], Sequence[Mapping[str, Any]] | None, BaseException | None], None
]


def default_workers() -> int:
    """Worker processes of a local cluster by default: the CPUs this process may use.

    Returns
    -------
    int

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def auto_batch_size(variants: int, workers: int, report: bool = False) -> int:
    """Variants per Dask task: at most :data:`MAX_BATCH`, and ten tasks per worker or more.

    Small enough that every worker stays busy to the end and that a killed sweep loses
    little; large enough that Dask's few milliseconds per task do not count (an exact
    update of the Wagner file takes about 0.1 s). One per task with reports.

    Parameters
    ----------
    variants : int
        Variants to run.
    workers : int
        Workers of the cluster.
    report : bool
        Whether each variant also builds a report (seconds each).

    Returns
    -------
    int

    Examples
    --------
    >>> auto_batch_size(1000, 2), auto_batch_size(60, 2), auto_batch_size(60, 2, report=True)
    (10, 3, 1)
    """
    if report:
        return 1
    return max(1, min(MAX_BATCH, -(-variants // (TASKS_PER_WORKER * max(workers, 1)))))


def batches(items: Sequence[Variant], size: int) -> list[list[Variant]]:
    """``items`` cut into lists of ``size`` (the last one shorter).

    Parameters
    ----------
    items : sequence of Variant
    size : int

    Returns
    -------
    list of list of Variant

    Examples
    --------
    >>> [len(b) for b in batches(list(range(7)), 3)]
    [3, 3, 1]
    """
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def texts_for(batch: Sequence[Variant], texts: Mapping[str, str | None]) -> dict[str, str]:
    """The file texts a batch needs, by sha256 (unreadable files left out).

    Parameters
    ----------
    batch : sequence of Variant
    texts : mapping of str to str or None
        sha256 -> text of every file of the sweep (``None``: unreadable).

    Returns
    -------
    dict

    Examples
    --------
    >>> v = Variant("/w.yaml", "0" * 64)
    >>> texts_for([v], {"0" * 64: "title: w", "1" * 64: "title: other"})
    {'0000000000000000000000000000000000000000000000000000000000000000': 'title: w'}
    """
    out = {}
    for v in batch:
        text = texts.get(v.priors_sha256)
        if text is not None:
            out[v.priors_sha256] = text
    return out


@contextlib.contextmanager
def dask_client(scheduler: Any, workers: int | None) -> Iterator[tuple[Any, int]]:
    """A distributed Client for ``scheduler``, and its number of workers.

    Parameters
    ----------
    scheduler : None, str, path-like or distributed.Client
        ``None`` or ``"local"``: a new local cluster, closed on exit;
        ``"tcp://host:port"``: an existing scheduler; a path ending in ``.json``: a
        scheduler file; a Client: used as it is and left open.
    workers : int, optional
        Workers of the local cluster; default :func:`default_workers`.

    Yields
    ------
    client : distributed.Client
    workers : int

    Raises
    ------
    SweepError
        The local cluster did not start; the scheduler cannot be reached within
        :data:`CONNECT_TIMEOUT` seconds, has no worker, or its workers cannot import this
        library at this version.

    Examples
    --------
    A Client made elsewhere is used as it is (here one in this process, which starts in
    a fraction of a second):

    >>> from distributed import Client
    >>> with Client(processes=False, dashboard_address=None, set_as_default=False) as mine:
    ...     with dask_client(mine, None) as (client, n):
    ...         client is mine, n
    (True, 1)

    Starting a local cluster of worker processes takes seconds, so it is not run here:

    >>> with dask_client(None, 2) as (client, n):  # doctest: +SKIP
    ...     n
    2
    """
    from distributed import Client, LocalCluster

    if scheduler is None or scheduler == "local":
        n = workers or default_workers()
        try:
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard, and its HTTP server on a free port
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
        except Exception as exc:
            raise SweepError([f"the local Dask cluster did not start: {message(exc)}"]) from exc
        with cluster, Client(cluster, set_as_default=False) as client:
            yield client, n
        return
    if isinstance(scheduler, Client):
        n = len(scheduler.scheduler_info().get("workers", {}))
        yield scheduler, max(n, 1)
        return
    text = os.fspath(scheduler)
    kwargs: dict[str, Any] = {"timeout": CONNECT_TIMEOUT, "set_as_default": False}
    if text.endswith(".json") and "://" not in text:
        kwargs["scheduler_file"] = text
    else:
        kwargs["address"] = text
    try:
        client = Client(**kwargs)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError([f"cannot connect to the Dask scheduler at {text}: {exc}"]) from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            found = client.run(worker_version)
        except (TimeoutError, OSError) as exc:
            raise SweepError([f"the cluster at {text} has no worker ready: {exc}"]) from None
        except Exception as exc:
            raise SweepError(
                [
                    f"the workers of {text} cannot run scenarios ({message(exc)}); install "
                    "this library in the workers' environment"
                ]
            ) from None
        mine = library_version()
        other = {a: v for a, v in found.items() if v != mine}
        if other:
            raise SweepError(
                [
                    f"workers run another version of scenarios than this one ({mine}): "
                    f"{other}; install the same version on all"
                ]
            )
        yield client, len(found)


def run_on_dask(
    client: Any,
    work: Sequence[Sequence[Variant]],
    texts: Mapping[str, str | None],
    report: bool,
    finish: Finish,
    timeout: float | None,
) -> None:
    """Submit every batch and call ``finish`` for each as it completes.

    Unfinished tasks are cancelled on the way out (a timeout, an interrupt).

    Parameters
    ----------
    client : distributed.Client
    work : sequence of sequence of Variant
        The batches; one task each.
    texts : mapping of str to str or None
        sha256 -> file text (see :func:`texts_for`).
    report : bool
        Also build each variant's report.
    finish : callable
        ``finish(batch, results, None)`` for a task that ran (see
        :func:`~scenarios.sweeps.worker.run_batch`), ``finish(batch, None, exc)`` for a
        task that failed (its worker died, it could not be unpickled ...).
    timeout : float or None
        Seconds to wait for all of them.

    Raises
    ------
    TimeoutError
        Not every batch finished within ``timeout``.

    Examples
    --------
    Two variants in one batch, on a Dask client in this process:

    >>> from distributed import Client
    >>> from scenarios.sweeps.plan import plan, read_priors
    >>> variants = plan(grid={"army_strikes.p": [0.2, 0.6]}, draws=200)
    >>> texts = {variants[0].priors_sha256: read_priors(variants[0]).decode()}
    >>> finished = []
    >>> def finish(batch, results, exc):
    ...     finished.append((len(batch), [r["rows"][0]["status"] for r in results], exc))
    >>> with Client(processes=False, dashboard_address=None, set_as_default=False) as client:
    ...     run_on_dask(client, [variants], texts, False, finish, timeout=60)
    >>> finished
    [(2, ['ok', 'ok'], None)]
    """
    from distributed import as_completed

    futures = {}
    for batch in work:
        ids = "".join(v.variant_id for v in batch)
        key = "scenarios-sweep-" + sha256_bytes(ids.encode())[:32]
        future = client.submit(
            run_batch,
            texts_for(batch, texts),
            [v.to_dict() for v in batch],
            report,
            key=key,
            pure=False,
        )
        futures[future.key] = (future, batch)
    try:
        for future in as_completed(
            [f for f, _ in futures.values()], loop=client.loop, timeout=timeout
        ):
            batch = futures[future.key][1]
            try:
                results = future.result()
            except Exception as exc:  # a worker died, or the task could not run
                finish(batch, None, exc)
            else:
                finish(batch, results, None)
            future.release()
    finally:
        client.cancel([f for f, _ in futures.values() if not f.done()])

"""Dask: the client (a local cluster, or an existing one), batches, and submitting them.

A local cluster has one single-threaded worker process per CPU, listens on 127.0.0.1
only, has no dashboard, and is closed at the end. An existing cluster is reached by its
scheduler address or scheduler file; its workers must run this library at the same
version. Variants travel in batches of plain data (:func:`auto_batch_size`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from scenarios.errors import ScenarioError
from scenarios.io.files import read_text, sha256_bytes
from scenarios.sweeps.errors import SweepError
from scenarios.sweeps.plan import Variant
from scenarios.sweeps.store import library_version
from scenarios.sweeps.worker import message, run_batch, worker_version

__all__ = [
    "CONNECT_TIMEOUT",
    "IN_FLIGHT_PER_WORKER",
    "MAX_BATCH",
    "TASKS_PER_WORKER",
    "auto_batch_size",
    "batches",
    "dask_client",
    "default_workers",
    "probe_scheduler",
    "run_on_dask",
    "scheduler_address",
    "texts_for",
]

#: Most variants per Dask task when the batch size is chosen automatically.
MAX_BATCH = 10
#: Fewest tasks per worker when the batch size is chosen automatically.
TASKS_PER_WORKER = 40
#: Seconds to wait for each step of reaching an existing cluster: its scheduler file to
#: appear, its scheduler to answer, its first worker.
CONNECT_TIMEOUT = 60.0
#: Dask tasks in flight per worker (more are submitted as these finish).
IN_FLIGHT_PER_WORKER = 4

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
    """Variants per Dask task: at most :data:`MAX_BATCH`, and forty tasks per worker or more.

    Small enough that every worker stays busy to the end (the last tasks leave a worker
    idle for up to a batch's time: with ten tasks per worker, 60 Wagner variants ran
    1.58x faster on two workers than on one, with one variant per task 1.83x) and that a
    killed sweep loses little; large enough that Dask's few milliseconds per task do not
    count (an exact update of the Wagner file takes 0.1-0.8 s). One per task with reports.

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
    (10, 1, 1)
    """
    if report:
        return 1
    return max(1, min(MAX_BATCH, -(-variants // (TASKS_PER_WORKER * max(workers, 1)))))


def batches(items: Iterable[Variant], size: int) -> Iterator[list[Variant]]:
    """``items`` cut into lists of ``size`` (the last one shorter), read as they are needed.

    Parameters
    ----------
    items : iterable of Variant
    size : int

    Yields
    ------
    list of Variant

    Examples
    --------
    >>> [len(b) for b in batches(range(7), 3)]
    [3, 3, 1]
    """
    items = iter(items)
    while batch := list(itertools.islice(items, size)):
        yield batch


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


def scheduler_address(file: str, timeout: float) -> str:
    """The address written in a Dask scheduler file, waiting up to ``timeout`` for it.

    Parameters
    ----------
    file : str
        The scheduler file (JSON with an ``address``), read with the bounded reader.
    timeout : float
        Seconds to wait for the file to appear (a scheduler that is starting writes it).

    Returns
    -------
    str

    Raises
    ------
    SweepError
        No such file after ``timeout``; it is not a regular file, too large, or not a
        scheduler file.

    Examples
    --------
    >>> scheduler_address("/no/such/scheduler.json", timeout=0)
    Traceback (most recent call last):
    ...
    scenarios.sweeps.errors.SweepError: sweep: 1 problem
      - no Dask scheduler file at /no/such/scheduler.json (waited 0 s for it to appear)
    """
    deadline = time.monotonic() + timeout
    while not os.path.lexists(file) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not os.path.lexists(file):
        raise SweepError(
            [f"no Dask scheduler file at {file} (waited {timeout:g} s for it to appear)"]
        )
    try:
        data = json.loads(read_text(file, 1_000_000))
    except ScenarioError as exc:
        raise SweepError(
            [f"the scheduler file {file} cannot be read: {p.message}" for p in exc.problems]
        ) from None
    except json.JSONDecodeError as exc:
        raise SweepError(
            [f"the scheduler file {file} is not JSON ({exc.msg} at line {exc.lineno})"]
        ) from None
    address = data.get("address") if isinstance(data, dict) else None
    if not isinstance(address, str) or "://" not in address:
        raise SweepError(
            [
                f"the scheduler file {file} has no scheduler address (an 'address' like tcp://host:port)"
            ]
        )
    return address


async def _identity(address: str, timeout: float) -> Any:
    from distributed.comm import connect

    comm = await connect(address, timeout=timeout)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def probe_scheduler(address: str, timeout: float) -> dict[str, Any]:
    """Ask the Dask scheduler at ``address`` who it is, giving up after ``timeout`` seconds.

    Whatever listens there (nothing, an HTTP server, another protocol, a silent port)
    gives an answer or an error within ``timeout``: the exchange runs in its own thread
    and event loop, bounded by :func:`asyncio.wait_for`.

    Parameters
    ----------
    address : str
        ``tcp://host:port`` (any address distributed understands).
    timeout : float
        Seconds for the whole exchange.

    Returns
    -------
    dict
        The scheduler's identity (``type`` is ``"Scheduler"``).

    Raises
    ------
    SweepError
        Nothing answered, what answered is not a Dask scheduler, or the address is wrong.

    Examples
    --------
    >>> probe_scheduler("http://127.0.0.1:8786", timeout=5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.sweeps.errors.SweepError: sweep: 1 problem
      - cannot connect to the Dask scheduler at http://127.0.0.1:8786: ValueError: unknown ...
    """
    outcome: dict[str, Any] = {}

    def ask() -> None:
        try:
            outcome["reply"] = asyncio.run(asyncio.wait_for(_identity(address, timeout), timeout))
        except BaseException as exc:  # reported below, in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=ask, name="scenarios-probe-scheduler", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)  # wait_for ends it at the timeout; a margin for the clean-up
    where = f"the Dask scheduler at {address}"
    error = outcome.get("error")
    if thread.is_alive() or isinstance(error, TimeoutError | asyncio.TimeoutError):
        raise SweepError(
            [
                f"no answer from {where} within {timeout:g} s (nothing that speaks Dask's "
                "protocol listens there: check the address and that the scheduler runs)"
            ]
        )
    if isinstance(error, OSError | ValueError) and (
        isinstance(error, OSError) or "address" in str(error)
    ):  # refused, reset or closed; or an address distributed cannot read
        raise SweepError([f"cannot connect to {where}: {message(error)}"]) from None
    if error is not None:  # a reply that is not a Dask frame (another protocol)
        raise SweepError(
            [
                f"what answers at {address} does not speak Dask's protocol (reading its "
                f"reply failed: {message(error)[:160]}); check the address and port"
            ]
        ) from None
    reply = outcome.get("reply")
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise SweepError(
            [f"what answers at {address} is not a Dask scheduler (it said {str(reply)[:120]!r})"]
        )
    return reply


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
        :data:`CONNECT_TIMEOUT` seconds (see :func:`probe_scheduler`: a closed port, an
        HTTP server, another protocol, a missing scheduler file), has no worker, or its
        workers cannot import this library at this version.

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
    if not text.strip():
        raise SweepError(["no scheduler address given (tcp://host:port or a scheduler .json)"])
    address = text
    if text.endswith(".json") and "://" not in text:
        address = scheduler_address(text, CONNECT_TIMEOUT)
    # our own bounded exchange first: Client() can wait forever on a port that says nothing
    probe_scheduler(address, CONNECT_TIMEOUT)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError, ValueError, or a garbled reply
        raise SweepError(
            [f"cannot connect to the Dask scheduler at {text}: {message(exc)}"]
        ) from None
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
    work: Iterable[Sequence[Variant]],
    texts: Mapping[str, str | None],
    report: bool,
    finish: Finish,
    timeout: float | None,
    in_flight: int | None = None,
) -> None:
    """Submit the batches, a few at a time, and call ``finish`` for each as it completes.

    At most ``in_flight`` tasks are on the cluster at once; another is submitted as each
    finishes, so a plan of a million variants never sits in the scheduler's memory.
    Unfinished tasks are cancelled on the way out (a timeout, an interrupt).

    Parameters
    ----------
    client : distributed.Client
    work : iterable of sequence of Variant
        The batches, one task each; read as tasks are submitted.
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
    in_flight : int, optional
        Most tasks submitted and not finished; default :data:`IN_FLIGHT_PER_WORKER` per
        worker of the cluster (at least 8).

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
    ...     run_on_dask(client, [variants[:]], texts, False, finish, timeout=60)
    >>> finished
    [(2, ['ok', 'ok'], None)]
    """
    from distributed import as_completed

    if in_flight is None:
        workers = len(client.scheduler_info().get("workers", {}))
        in_flight = max(8, IN_FLIGHT_PER_WORKER * workers)
    pending: dict[str, tuple[Any, Sequence[Variant]]] = {}
    batches_left = iter(work)

    def submit() -> Any:
        batch = next(batches_left, None)
        if batch is None:
            return None
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
        pending[future.key] = (future, batch)
        return future

    first = [f for f in (submit() for _ in range(in_flight)) if f is not None]
    done = as_completed(first, loop=client.loop, timeout=timeout)
    try:
        for future in done:
            batch = pending.pop(future.key)[1]
            try:
                results = future.result()
            except Exception as exc:  # a worker died, or the task could not run
                finish(batch, None, exc)
            else:
                finish(batch, results, None)
            future.release()
            following = submit()
            if following is not None:
                done.add(following)
    finally:
        client.cancel([f for f, _ in pending.values() if not f.done()])

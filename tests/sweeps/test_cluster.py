"""Reaching a cluster: the scheduler file, the bounded probe, tasks in flight, batches."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from scenarios.sweeps import SweepError
from scenarios.sweeps.cluster import batches, probe_scheduler, run_on_dask, scheduler_address
from scenarios.sweeps.plan import plan, read_priors

from .helpers import DRAWS, WAGNER


def test_batches_are_read_lazily() -> None:
    made = []

    def items():  # records how far the batches have read
        for i in range(10):
            made.append(i)
            yield i

    chunks = batches(items(), 3)
    assert made == []
    assert next(chunks) == [0, 1, 2] and made == [0, 1, 2]
    assert [len(c) for c in chunks] == [3, 3, 1]


def test_scheduler_address_reads_the_file_or_says_why_not(tmp_path: Path) -> None:
    good = tmp_path / "scheduler.json"
    good.write_text(json.dumps({"type": "Scheduler", "address": "tcp://127.0.0.1:8786"}))
    assert scheduler_address(str(good), 0) == "tcp://127.0.0.1:8786"
    for data, message in [
        ("{", "is not JSON"),
        ("[]", "has no scheduler address"),
        ('{"address": 8786}', "has no scheduler address"),
        ('{"address": "127.0.0.1:8786"}', "has no scheduler address"),
    ]:
        bad = tmp_path / "bad.json"
        bad.write_text(data)
        with pytest.raises(SweepError, match=message):
            scheduler_address(str(bad), 0)


def test_scheduler_address_waits_for_the_file_to_appear(tmp_path: Path) -> None:
    path = tmp_path / "later.json"
    timer = threading.Timer(0.3, lambda: path.write_text('{"address": "tcp://127.0.0.1:1"}'))
    timer.start()
    try:
        assert scheduler_address(str(path), 60) == "tcp://127.0.0.1:1"
    finally:
        timer.cancel()


def test_probe_gives_up_on_a_silent_port_within_its_timeout() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts (the kernel does), never answers
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        with pytest.raises(SweepError, match=r"no answer from the Dask scheduler .* within 1 s"):
            probe_scheduler(address, 1.0)


def test_probe_accepts_a_real_scheduler_and_refuses_a_worker() -> None:
    from distributed import Client

    with Client(processes=False, dashboard_address=None, set_as_default=False) as client:
        address = client.scheduler.address
        assert probe_scheduler(address, 30)["type"] == "Scheduler"
        worker = next(iter(client.scheduler_info()["workers"]))
        with pytest.raises(SweepError, match="is not a Dask scheduler"):
            probe_scheduler(worker, 30)


# the threads of an in-process cluster share warnings filters: catch_warnings is not
# thread-safe, so the worker's own "ignore SamplingWarning" can be undone by another thread
@pytest.mark.filterwarnings("ignore::scenarios.errors.SamplingWarning")
def test_run_on_dask_keeps_few_tasks_in_flight() -> None:
    from distributed import Client

    variants = plan(WAGNER, {"army_strikes.p": [0.1, 0.2, 0.3, 0.4, 0.5]}, draws=DRAWS)
    texts = {variants[0].priors_sha256: read_priors(variants[0]).decode()}
    pulled: list[int] = []
    finished: list[str] = []

    def work():
        for i, v in enumerate(variants):
            pulled.append(i)
            # never more than `in_flight` batches taken beyond those finished
            assert len(pulled) - len(finished) <= 2
            yield [v]

    def finish(batch, results, exc):
        assert exc is None
        finished.extend(r["rows"][0]["status"] for r in results)

    with Client(processes=False, dashboard_address=None, set_as_default=False) as client:
        run_on_dask(client, work(), texts, False, finish, timeout=120, in_flight=2)
    assert finished == ["ok"] * 5 and pulled == [0, 1, 2, 3, 4]

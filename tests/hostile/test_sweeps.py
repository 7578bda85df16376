"""Hostile sweeps (issue 14, items 3, 7, 8, 14): grids, schedulers, files, permissions.

Every case states its expected outcome and is counted with :func:`tests.conftest.tally`.
Schedulers are real sockets on 127.0.0.1 served by threads of this process (no network);
every call that could hang runs in a thread joined with a bound, so a hang fails with a
message instead of blocking the suite. No assertion is about how long anything took.
"""

from __future__ import annotations

import http.server
import json
import math
import os
import socket
import stat
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import scenarios
from scenarios import sweeps
from scenarios.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from scenarios.errors import ScenarioError
from scenarios.io import save
from scenarios.io.data import init
from scenarios.io.files import MAX_BYTES, umask
from scenarios.io.resolutions import load_resolution
from scenarios.sweeps import GridError, SweepError
from scenarios.sweeps.cluster import scheduler_address
from scenarios.sweeps.store import read_results, remove_stale
from tests.conftest import tally

CORPUS = Path(__file__).parent / "corpus" / "sweeps"
WAGNER = scenarios.default_priors()
#: Bound on any one call that could hang (a failure, not a claim about speed).
BOUND = 120.0


def bounded(call: Callable[[], Any], bound: float = BOUND) -> Any:
    """Run ``call`` in a thread; its result or exception, or a test failure if it hangs."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(bound)
    if thread.is_alive():
        pytest.fail(f"still running after {bound:g} s: it hangs")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# --- item 7: the grid's product is bounded, checked before planning ----------------------


@pytest.mark.parametrize(
    ("args", "product", "limit"),
    [
        (["--grid-file", str(CORPUS / "grid-billion.yaml"), "--dry-run"], 10**9, 100_000),
        (["--grid-file", str(CORPUS / "grid-billion.yaml")], 10**9, 100_000),
        (["--grid-file", str(CORPUS / "grid-million.yaml")], 10**6, 100_000),
        (
            ["--grid-file", str(CORPUS / "grid-million.yaml"), "--max-variants", "999999"],
            10**6,
            999_999,
        ),
        (
            ["--grid", "army_strikes.p=0:1:1000", "--seeds", "0:999:1000", "--dry-run"],
            10**6,
            100_000,
        ),
        (["--grid-file", str(CORPUS / "grid-at-limit.yaml"), "--max-variants", "19"], 20, 19),
    ],
)
def test_a_grid_over_the_limit_exits_2_with_the_product_and_the_limit(
    args: list[str], product: int, limit: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = bounded(lambda: main(["sweep", *args, "--out", str(tmp_path / "out")]))
    err = capsys.readouterr().err
    assert code == EXIT_USAGE, err
    assert f"the plan has {product:,} variants" in err
    assert f"more than the limit of {limit:,}" in err and "--max-variants" in err
    assert not (tmp_path / "out").exists()  # nothing planned, nothing written
    tally("sweeps: grids over the variant limit", 1, {"exit 2 with product and limit": 1})


@pytest.mark.parametrize("bad", ["0", "-5"])
def test_a_bad_max_variants_is_a_usage_error(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--max-variants", bad, "--dry-run"]) == EXIT_USAGE
    assert f"--max-variants {bad}: expected >= 1" in capsys.readouterr().err
    with pytest.raises(GridError, match="max_variants: expected a positive integer"):
        sweeps.plan(max_variants=int(bad))
    tally("sweeps: grids over the variant limit", 2, {"usage error": 2})


def test_a_grid_at_the_limit_is_allowed_and_repeats_count_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["sweep", "--grid-file", str(CORPUS / "grid-at-limit.yaml"), "--dry-run"]
    assert main([*args, "--max-variants", "20"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("20 variants from 1 file")
    grid = sweeps.parse_grid(file=CORPUS / "grid-at-limit.yaml")
    expected = len(set(grid["army_strikes.p"])) * len(set(grid["troops.between.0"]))
    variants = sweeps.plan(WAGNER, grid, max_variants=20)
    assert len(variants) == expected == len({v.variant_id for v in variants})
    tally("sweeps: grids over the variant limit", 1, {"allowed at the limit": 1})


def test_a_billion_variant_dry_run_lists_the_first_ones_without_making_the_rest(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["sweep", "--grid-file", str(CORPUS / "grid-billion.yaml"), "--dry-run"]
    tracemalloc.start()
    try:
        code = bounded(lambda: main([*args, "--max-variants", str(10**9)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert out.startswith("1000000000 variants from 1 file; first ones:")
    assert peak < 200 * 2**20, f"planning 10^9 variants took {peak / 2**20:.0f} MiB"
    # the plan is lazy: its last variant is made from the grid's last values alone
    grid = sweeps.parse_grid(file=CORPUS / "grid-billion.yaml")
    variants = sweeps.plan(WAGNER, grid, max_variants=None)
    assert len(variants) == math.prod(len(v) for v in grid.values())
    assert dict(variants[-1].overrides) == {k: v[-1] for k, v in grid.items()}
    i = 123_456_789  # mixed radix, the last key fastest
    digits = [(i // 10**6) % 1000, (i // 1000) % 1000, i % 1000]
    assert dict(variants[i].overrides) == {
        k: v[d] for (k, v), d in zip(grid.items(), digits, strict=True)
    }
    tally("sweeps: grids over the variant limit", 1, {"lazy dry run": 1})


@pytest.mark.slow  # a pass over 10^6 variants (made one by one) before the timeout stops it
def test_a_million_variant_plan_writes_a_small_plan_file(tmp_path: Path) -> None:
    grid = sweeps.parse_grid(file=CORPUS / "grid-million.yaml")
    variants = sweeps.plan(WAGNER, grid, max_variants=10**6)
    # a sweep stopped at once (timeout 0) has written its plan: the grid, not 10^6 lines
    with pytest.raises(SweepError, match="did not finish within 0 s"):
        sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False, timeout=0)
    plan_file = tmp_path / "sweep.json"
    assert plan_file.stat().st_size < 200_000
    saved = sweeps.Plan.from_dict(json.loads(plan_file.read_text())["plan"])
    assert len(saved) == 10**6 and saved[999_999] == variants[999_999]
    tally("sweeps: grids over the variant limit", 1, {"compact plan file": 1})


def test_temporaries_of_a_killed_sweep_are_removed_and_a_users_files_kept(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "reports").mkdir()
    stale = [
        tmp_path / ".sweep.json.k2j4x0aa.tmp",  # as a sweep killed while writing its plan
        tmp_path / ".results.parquet.9q8w7e6r.tmp",
        tmp_path / "parts" / ".0123abcd.parquet.zz11yy22.tmp",
        tmp_path / "reports" / ".0123abcd.html.aa11bb22.tmp",
    ]
    for path in stale:
        path.write_bytes(b"\0" * 1024)
    kept = [tmp_path / ".notes.tmp", tmp_path / "sweep.json.bak", tmp_path / "mine.tmp"]
    for path in kept:
        path.write_text("a user's file")
    variants = sweeps.plan(WAGNER, {"army_strikes.p": [0.3]}, draws=200)
    table = sweeps.run_sweep(variants, tmp_path, scheduler="serial", progress=False)
    assert table.attrs["ok"] == 1
    assert [p for p in stale if p.exists()] == []
    assert all(p.read_text() == "a user's file" for p in kept)
    assert remove_stale(tmp_path) == []
    tally(
        "sweeps: stale temporaries",
        len(stale) + len(kept),
        {"removed": len(stale), "user's file kept": len(kept)},
    )


# --- item 8: bad scheduler addresses exit 4 within the stated timeout --------------------


class _Servers:
    """Sockets on 127.0.0.1 that speak everything but Dask, each served by a thread."""

    def __init__(self) -> None:
        self.sockets: list[socket.socket] = []
        self.held: list[socket.socket] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _QuietHTTP)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve(self, reply: Callable[[socket.socket], None]) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.sockets.append(sock)

        def loop() -> None:
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                self.held.append(conn)
                try:
                    reply(conn)
                except OSError:
                    pass

        threading.Thread(target=loop, daemon=True).start()
        return f"tcp://127.0.0.1:{sock.getsockname()[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        for s in self.sockets + self.held:
            s.close()


class _QuietHTTP(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def servers() -> Iterator[_Servers]:
    found = _Servers()
    yield found
    found.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once closed


def _addresses(servers: _Servers, tmp: Path) -> dict[str, tuple[str, str]]:
    """Case -> (scheduler given to the sweep, a regex its message must match)."""
    silent = servers.serve(lambda conn: None)  # accepts, then says nothing
    http_port = servers.httpd.server_address[1]
    fifo = tmp / "fifo.json"
    os.mkfifo(fifo)
    (tmp / "zero.json").symlink_to("/dev/zero")
    (tmp / "folder.json").mkdir()
    big = tmp / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(2_000_000)  # sparse: larger than a scheduler file may be
    pointing = tmp / "points-at-silence.json"
    pointing.write_text(json.dumps({"address": silent}))
    no_answer = r"no answer from the Dask scheduler at .* within 2 s"
    other = r"does not speak Dask's protocol|cannot connect to the Dask scheduler"
    return {
        "silent port": (silent, no_answer),
        "HTTP server": (f"tcp://127.0.0.1:{http_port}", no_answer),
        "HTTP URL": (f"http://127.0.0.1:{http_port}", r"unknown address scheme 'http'"),
        "SSH banner": (servers.serve(lambda c: c.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" * 4)), other),
        "0xff bytes": (servers.serve(lambda c: c.sendall(b"\xff" * 4096)), other),
        "zero length frames": (servers.serve(lambda c: c.sendall(b"\0" * 4096)), other),
        # on a busy machine the 2 s handshake timeout can fire before the close is seen
        "closes at once": (servers.serve(lambda c: c.close()), f"{other}|{no_answer}"),
        "closed port": (f"tcp://127.0.0.1:{_closed_port()}", no_answer),
        "unknown scheme": ("foo://bar:1", r"unknown address scheme 'foo'"),
        "blank": ("  ", r"no scheduler address given"),
        "missing file": (str(tmp / "nope.json"), r"no Dask scheduler file at .*nope\.json"),
        "FIFO file": (str(fifo), r"cannot be read: expected a regular file, got a FIFO"),
        "/dev/zero link": (str(tmp / "zero.json"), r"expected a regular file, got a character"),
        "folder": (str(tmp / "folder.json"), r"expected a regular file, got a folder"),
        "oversize file": (str(big), r"file is larger than 1,000,000 bytes"),
        "not JSON": (str(CORPUS / "scheduler-not-json.json"), r"is not JSON"),
        "no address": (str(CORPUS / "scheduler-no-address.json"), r"has no scheduler address"),
        "a list": (str(CORPUS / "scheduler-list.json"), r"has no scheduler address"),
        "http in file": (str(CORPUS / "scheduler-http-address.json"), r"unknown address scheme"),
        "file to silence": (str(pointing), no_answer),
    }


def test_bad_scheduler_addresses_exit_4_with_a_clear_message(
    servers: _Servers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import re

    from scenarios.sweeps import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)
    cases = _addresses(servers, tmp_path)
    args = ["sweep", "--grid", "army_strikes.p=0.3", "--draws", "200", "-q"]
    for name, (address, pattern) in cases.items():
        out = tmp_path / f"out-{len(name)}-{abs(hash(name))}"
        code = bounded(lambda a=address, o=out: main([*args, "--scheduler", a, "--out", str(o)]))
        err = capsys.readouterr().err
        assert code == EXIT_FAILED, (name, err)
        assert err.startswith("scenarios sweep: 1 problem"), (name, err)
        assert re.search(pattern, err), (name, err)
        assert "Traceback" not in err, (name, err)
        assert not list((out / "parts").glob("*.parquet"))  # nothing ran
    tally("sweeps: bad scheduler addresses", len(cases), {"exit 4, clear message": len(cases)})


# --- item 3: grid, scheduler, results and resolution files are read bounded --------------


def _hostile_files(tmp: Path, suffix: str) -> dict[str, tuple[Path, str]]:
    fifo = tmp / f"fifo{suffix}"
    os.mkfifo(fifo)
    zero = tmp / f"zero{suffix}"
    zero.symlink_to("/dev/zero")
    folder = tmp / f"folder{suffix}"
    folder.mkdir()
    big = tmp / f"big{suffix}"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: no disk used
    return {
        "FIFO": (fifo, "FIFO"),
        "/dev/zero link": (zero, "character device"),
        "folder": (folder, "folder"),
        "oversize": (big, "larger than"),
        "missing": (tmp / f"missing{suffix}", "cannot read the file"),
    }


READERS: dict[str, tuple[str, Callable[[Path], Any]]] = {
    "grid file": (".yaml", lambda p: sweeps.parse_grid(file=p)),
    "sweep priors file": (".yaml", lambda p: sweeps.plan(p)),
    "resolution file": (".yaml", load_resolution),
    "results file": (".parquet", read_results),
    "scheduler file": (".json", lambda p: scheduler_address(str(p), 0)),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_hostile_files_are_refused_quickly_with_a_located_error(
    reader: str, tmp_path: Path
) -> None:
    suffix, read = READERS[reader]
    cases = _hostile_files(tmp_path, suffix)
    for name, (path, words) in cases.items():
        if reader == "results file" and name == "oversize":
            continue  # results have no size limit (a large sweep makes a large table)
        if reader == "results file" and name in ("FIFO", "/dev/zero link"):
            words = "expected a regular parquet file"
        if reader == "results file" and name == "folder":
            words = "cannot read the file"  # a folder stands for its results.parquet
        if reader == "sweep priors file" and name == "folder":
            words = "a folder with no .yaml scenario files"  # it stands for its YAML files
        if reader == "scheduler file" and name == "missing":
            words = "no Dask scheduler file"
        with pytest.raises(ScenarioError) as info:
            bounded(lambda p=path: read(p))
        text = str(info.value)
        assert path.name in text, (reader, name, text)
        assert words in text, (reader, name, text)
        tally(f"sweeps: hostile {reader}s", 1, {"refused, located": 1})


# --- item 14: everything a sweep or a save writes gets open()'s permissions --------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002, 0o027])
def test_every_file_written_gets_0666_less_the_umask(mask: int, tmp_path: Path) -> None:
    previous = os.umask(mask)
    try:
        assert umask() == mask
        out = tmp_path / "sweep"
        variants = sweeps.plan(WAGNER, {"army_strikes.p": [0.3, 1.5]}, draws=200)
        sweeps.run_sweep(variants, out, scheduler="serial", progress=False)
        saved = save(scenarios.load(WAGNER), tmp_path / "mine.yaml")
        started = init(tmp_path / "team")
    finally:
        os.umask(previous)
    files = [out / "sweep.json", out / "results.parquet", saved, *started]
    files += sorted((out / "parts").glob("*.parquet"))
    assert len(files) >= 6
    want = 0o666 & ~mask
    wrong = {
        str(f): oct(stat.S_IMODE(f.stat().st_mode))
        for f in files
        if stat.S_IMODE(f.stat().st_mode) != want
    }
    assert not wrong, f"expected {oct(want)}: {wrong}"
    assert not list(tmp_path.rglob(".*.tmp"))
    tally("sweeps: permissions of written files", len(files), {f"0o{want:o}": len(files)})


def test_no_writer_bypasses_write_atomic() -> None:
    """Every write in the library goes through io.files.write_atomic (one policy)."""
    import re

    src = Path(scenarios.__file__).parent
    pattern = re.compile(
        r"mkstemp|NamedTemporaryFile|\.to_parquet\(|\.write_text\(|\.write_bytes\(|"
        r"open\([^)]*['\"](w|wb|a|ab|x|xb)['\"]|shutil\.copy"
    )
    found = []
    for path in sorted(src.rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if ">>>" in line or "..." in line.lstrip()[:3]:
                continue  # doctest examples write into their own temporary folders
            if pattern.search(code) and path.name != "files.py":
                found.append(f"{path.relative_to(src)}:{n}: {line.strip()}")
    assert not found, found
    tally("sweeps: permissions of written files", 1, {"one writer": 1})


def test_bounded_helper_fails_a_hang() -> None:
    with pytest.raises(pytest.fail.Exception, match="it hangs"):
        bounded(lambda: time.sleep(5), bound=0.1)

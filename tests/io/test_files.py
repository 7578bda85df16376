"""The one reader, writer and hasher: bounded reads, atomic writes, normal permissions."""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from pathlib import Path

import pytest

from scenarios.errors import ScenarioError
from scenarios.io import files
from scenarios.io.files import (
    read_bytes,
    read_text,
    sha256_bytes,
    sha256_file,
    umask,
    write_atomic,
    write_atomic_all,
)
from scenarios.io.yamlfile import parse_yaml, read_yaml

# --- reading ------------------------------------------------------------------------


def test_reads_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"caf\xc3\xa9")
    assert read_bytes(path) == b"caf\xc3\xa9"
    assert read_text(path) == "café"
    assert read_bytes(str(path), limit=5) == b"caf\xc3\xa9"  # exactly the limit is fine


def test_refuses_a_fifo_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result: list[BaseException | bytes] = []

    def attempt() -> None:
        try:
            result.append(read_bytes(fifo))
        except BaseException as exc:  # handed to the main thread
            result.append(exc)

    # a blocking open of a FIFO with no writer would never return: run it aside
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # unblock the reader, then fail
        with open(fifo, "wb"):
            pass
        pytest.fail("read_bytes blocked on a FIFO with no writer")
    (outcome,) = result
    assert isinstance(outcome, ScenarioError)
    assert outcome.file == str(fifo)
    assert outcome.messages == ("expected a regular file, got a FIFO (named pipe)",)


def test_refuses_dev_zero() -> None:
    with pytest.raises(
        ScenarioError,
        match=r"^/dev/zero: 1 problem\n  - expected a regular "
        r"file, got a character device$",
    ):
        read_bytes("/dev/zero")


def test_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"expected a regular file, got a folder$"):
        read_bytes(tmp_path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    with pytest.raises(
        ScenarioError,
        match=rf"^{path}: 1 problem\n  - cannot read the file: "
        r"No such file or directory$",
    ):
        read_bytes(path)


def test_too_large_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:  # 1 GB, sparse: nothing is written to disk
        fh.truncate(1_000_000_000)
    reads: list[int] = []
    real_fdopen = os.fdopen

    def counting_fdopen(*args, **kwargs):  # type: ignore[no-untyped-def]
        fh = real_fdopen(*args, **kwargs)
        reads.append(1)
        return fh

    monkeypatch.setattr(files.os, "fdopen", counting_fdopen)
    with pytest.raises(ScenarioError, match=r"file is larger than 1,000 bytes"):
        read_bytes(path, limit=1000)
    assert reads == []  # refused from its size alone: not opened for reading
    monkeypatch.undo()
    # one byte over the limit is too large; the limit itself is fine
    small = tmp_path / "small.bin"
    small.write_bytes(b"x" * 1001)
    with pytest.raises(ScenarioError, match="larger than 1,000 bytes"):
        read_bytes(small, limit=1000)
    assert len(read_bytes(small, limit=1001)) == 1001


def test_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"abc\xf1d")
    with pytest.raises(
        ScenarioError,
        match=r"expected UTF-8 text \(invalid continuation byte "
        r"at byte 3\)",
    ):
        read_text(path)


def test_yaml_is_read_through_the_bounded_reader(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("states: [yes, no]\nflag: true\n")
    assert read_yaml(path) == {"states": ["yes", "no"], "flag": True}
    with pytest.raises(ScenarioError, match="larger than 10 bytes"):
        read_yaml(path, limit=10)
    with pytest.raises(ScenarioError, match="larger than 10 bytes"):
        parse_yaml(path.read_text(), limit=10)
    with pytest.raises(ScenarioError, match="got a character device"):
        read_yaml("/dev/zero")


# --- writing ------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_new_files_get_the_permissions_open_would_give(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        assert umask() == mask
        path = write_atomic(tmp_path / "new.txt", "hello")
        reference = tmp_path / "reference.txt"
        reference.write_text("hello")  # what open() makes
    finally:
        os.umask(old)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~mask
    assert mode == stat.S_IMODE(reference.stat().st_mode)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("ünïcode text", "ünïcode text".encode()),
        (b"\x00\xffbytes", b"\x00\xffbytes"),
        (lambda fh: fh.write(b"from a writer"), b"from a writer"),
    ],
    ids=["text", "bytes", "callable"],
)
def test_writes_text_bytes_or_through_a_function(tmp_path: Path, data, expected: bytes) -> None:
    path = write_atomic(tmp_path / "out", data)
    assert path == tmp_path / "out"
    assert path.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_overwrite_replaces_by_default(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old")
    write_atomic(path, "new")
    assert path.read_text() == "new"


def test_overwrite_false_never_replaces(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old")
    inode = path.stat().st_ino
    with pytest.raises(
        FileExistsError,
        match=rf"{path.name} exists; choose a new name or pass "
        r"overwrite=True",
    ):
        write_atomic(path, "new", overwrite=False)
    assert path.read_text() == "old"
    assert path.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    # ... and a free name is written
    assert write_atomic(tmp_path / "g.txt", "new", overwrite=False).read_text() == "new"


@pytest.mark.parametrize("overwrite", [True, False])
def test_no_temporary_file_is_left_after_a_failure(tmp_path: Path, overwrite: bool) -> None:
    def failing_writer(fh) -> None:  # type: ignore[no-untyped-def]
        fh.write(b"half a fi")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_atomic(tmp_path / "new.txt", failing_writer, overwrite=overwrite)
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "old.txt"
    existing.write_text("whole")
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_atomic(existing, failing_writer, overwrite=overwrite)
    assert existing.read_text() == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def test_a_failed_fsync_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(tmp_path / "new.txt", "data")
    assert list(tmp_path.iterdir()) == []


def test_every_write_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    write_atomic(tmp_path / "a", "x")
    write_atomic(tmp_path / "b", b"y", overwrite=False)
    assert len(synced) == 2


# --- hashing ------------------------------------------------------------------------


def test_hashes_are_sha256(tmp_path: Path) -> None:
    raw = b"scenario bytes \x00\xff"
    assert sha256_bytes(raw) == hashlib.sha256(raw).hexdigest()
    path = tmp_path / "f.bin"
    path.write_bytes(raw)
    assert sha256_file(path) == sha256_bytes(raw)
    assert sha256_bytes(raw + b"!") != sha256_bytes(raw)
    with pytest.raises(ScenarioError, match="got a character device"):
        sha256_file("/dev/zero")


# --- pairs ----------------------------------------------------------------------------


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "r.ipynb", tmp_path / "r.html"
    a.write_text("old a")
    b.write_text("old b")
    return a, b


def test_a_pair_is_written_whole(tmp_path: Path) -> None:
    a, b = _pair(tmp_path)
    assert write_atomic_all({a: "new a", b: b"new b"}) == [a, b]
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert oct(b.stat().st_mode & 0o777) == oct(0o666 & ~umask())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb"]
    fresh = write_atomic_all({tmp_path / "n1": "1", tmp_path / "n2": "2"})
    assert [p.read_text() for p in fresh] == ["1", "2"]


@pytest.mark.parametrize("failing", [1, 2])
def test_a_failed_write_of_either_file_changes_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    a, b = _pair(tmp_path)
    calls = [0]
    real = os.fsync

    def fsync(fd: int) -> None:
        calls[0] += 1
        if calls[0] == failing:
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomic_all({a: "new a", b: "new b"})
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb"]


@pytest.mark.parametrize("second_is_new", [False, True])
def test_a_failed_rename_puts_the_first_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, second_is_new: bool
) -> None:
    a, b = _pair(tmp_path)
    if second_is_new:
        b.unlink()
    real = os.replace
    calls = [0]

    def replace(src: str, dst: str) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(5, "Input/output error")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic_all({a: "new a", b: "new b"})
    assert a.read_text() == "old a"
    assert b.exists() is not second_is_new
    expected = ["r.ipynb"] if second_is_new else ["r.html", "r.ipynb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == expected

"""Reading, writing and hashing files: the one place the library touches the disk.

Every read is bounded *before* it happens (a size limit checked while reading, and
non-regular files such as FIFOs or ``/dev/zero`` refused), so a wrong path cannot
exhaust memory or hang. Every write is atomic (a temporary file in the same folder,
fsynced, then renamed or linked into place) and gets the permissions ``open()`` would
give (``0o666`` less the umask), never ``mkstemp``'s ``0600``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from scenarios.errors import ScenarioError

__all__ = [
    "MAX_BYTES",
    "decode",
    "read_bytes",
    "read_text",
    "sha256_bytes",
    "sha256_file",
    "umask",
    "write_atomic",
    "write_atomic_all",
]

#: Largest file read, in bytes (priors, resolutions, grids, sweep plans).
MAX_BYTES = 5_000_000


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path : str or path-like
    limit : int
        Largest size accepted; the read stops one byte past it, so a huge or endless
        file is never read whole.

    Returns
    -------
    bytes

    Raises
    ------
    ScenarioError
        Naming the file: it cannot be opened, is not a regular file (a folder, FIFO,
        device), or is larger than ``limit``.

    Examples
    --------
    >>> read_bytes("/dev/zero")
    Traceback (most recent call last):
    ...
    scenarios.errors.ScenarioError: /dev/zero: 1 problem
      - expected a regular file, got a character device
    """
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not hang; regular files ignore it
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ScenarioError.single((), f"cannot read the file: {exc.strerror}", name) from None
    try:
        info = os.fstat(fd)
        kind = _kind(info.st_mode)
        if kind != "a regular file":  # checked on the descriptor: no race with the name
            raise ScenarioError.single((), f"expected a regular file, got {kind}", name)
        if info.st_size > limit:  # known before reading anything
            raise ScenarioError.single((), f"file is larger than {limit:,} bytes", name)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(limit + 1)  # a file that grows meanwhile still stops here
    if len(raw) > limit:
        raise ScenarioError.single((), f"file is larger than {limit:,} bytes", name)
    return raw


def read_text(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes (see :func:`read_bytes`).

    Parameters
    ----------
    path : str or path-like
    limit : int
        Largest size accepted, in bytes.

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        As :func:`read_bytes`, or the bytes are not UTF-8 (with the byte offset).

    Examples
    --------
    >>> from scenarios.io.data import example
    >>> read_text(example("wagner-2023-06-23")).startswith("#")
    True
    """
    return decode(read_bytes(path, limit), str(path))


def decode(raw: bytes, file: str | None = None) -> str:
    r"""UTF-8 text of ``raw``, or a located error naming ``file``.

    Parameters
    ----------
    raw : bytes
    file : str, optional
        Named in the error.

    Returns
    -------
    str

    Raises
    ------
    ScenarioError
        The bytes are not UTF-8; the message gives the byte offset.

    Examples
    --------
    >>> decode(b"caf\xc3\xa9")
    'café'
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError.single(
            (), f"expected UTF-8 text ({exc.reason} at byte {exc.start})", file
        ) from None


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def sha256_bytes(raw: bytes) -> str:
    """Hex sha256 of ``raw``: the one hasher of the library.

    Parameters
    ----------
    raw : bytes

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(raw).hexdigest()


def sha256_file(path: str | os.PathLike[str], limit: int = MAX_BYTES) -> str:
    """Hex sha256 of a file's bytes, read as :func:`read_bytes` reads them.

    Parameters
    ----------
    path : str or path-like
    limit : int
        Largest size accepted.

    Returns
    -------
    str
        64 hex digits.

    Raises
    ------
    ScenarioError
        As :func:`read_bytes`.

    Examples
    --------
    >>> from scenarios.io.data import example
    >>> len(sha256_file(example("wagner-2023-06-23")))
    64
    """
    return sha256_bytes(read_bytes(path, limit))


def umask() -> int:
    """The process's umask, read without changing it where the system allows.

    Returns
    -------
    int
        E.g. ``0o022``.

    Examples
    --------
    >>> 0 <= umask() <= 0o777
    True
    """
    try:  # Linux: read it from /proc, so that no other thread sees a changed umask
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes | Callable[[BinaryIO], object],
    *,
    overwrite: bool = True,
) -> Path:
    """Write a file so that a reader sees the old file or the new one, never half of one.

    Parameters
    ----------
    path : str or path-like
        The file to write; its folder must exist.
    data : str, bytes or callable
        Text (written as UTF-8), bytes, or a function that writes to a binary file
        object (e.g. ``lambda fh: pyarrow.parquet.write_table(table, fh)``).
    overwrite : bool
        Replace an existing file (default). With ``False`` an existing file is never
        touched: the new one is linked into place, which fails if the name is taken.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileExistsError
        ``overwrite`` is false and ``path`` exists.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_atomic(p, "hello").read_text()
    'hello'
    >>> oct(p.stat().st_mode & 0o777) == oct(0o666 & ~umask())
    True
    """
    path = Path(path)
    tmp = _temporary(path, data)
    try:
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # atomic, and fails if the name is taken
            except FileExistsError:
                raise FileExistsError(
                    f"{path} exists; choose a new name or pass overwrite=True"
                ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _temporary(path: Path, data: str | bytes | Callable[[BinaryIO], object]) -> str:
    """Write ``data`` to a new fsynced temporary file beside ``path``; return its name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, str):
                fh.write(data.encode("utf-8"))
            elif isinstance(data, bytes | bytearray):
                fh.write(data)
            else:
                data(fh)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_atomic_all(
    files: Mapping[str | os.PathLike[str], str | bytes | Callable[[BinaryIO], object]],
) -> list[Path]:
    """Write files that belong together (a report's HTML and notebook): all new or all old.

    Every file is first written whole to a temporary beside it; only when all are
    written are they renamed into place, in order. A failure while writing (a full
    disk, a read-only folder, an interrupt) touches no file; a failure while renaming
    puts back the files already replaced, from links to the old ones kept until the
    end. So readers see the old set or the new one, and a crash between two renames is
    the one moment a mixed set can exist: whoever reads a pair should check that its
    parts match (a report's HTML records its notebook's sha256).

    Parameters
    ----------
    files : mapping
        Path -> data, as for :func:`write_atomic` (text, bytes or a writer function);
        their folders must exist.

    Returns
    -------
    list of pathlib.Path
        The paths, in the order given.

    Raises
    ------
    OSError
        From the write or the rename; the files are then as they were.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> a, b = write_atomic_all({folder / "a.txt": "new a", folder / "b.txt": b"new b"})
    >>> a.read_text(), b.read_text()
    ('new a', 'new b')
    """
    paths = [Path(p) for p in files]
    temporaries: list[str] = []
    backups: dict[Path, str] = {}
    replaced: list[Path] = []
    try:
        for path, data in zip(paths, files.values(), strict=True):
            temporaries.append(_temporary(path, data))
        for path in paths:  # keep each old file reachable until all new ones are in place
            if path.exists():
                backup = f"{path.parent}/.{path.name}.{os.getpid()}.old"
                if os.path.lexists(backup):
                    os.unlink(backup)
                try:
                    os.link(path, backup)
                except OSError:  # a file system without hard links
                    shutil.copyfile(path, backup)
                backups[path] = backup
        for path, tmp in zip(paths, temporaries, strict=True):
            os.replace(tmp, path)
            replaced.append(path)
    except BaseException:
        for path in reversed(replaced):  # put the old set back
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                os.unlink(path)
        raise
    finally:
        for name in [*temporaries, *backups.values()]:
            if os.path.lexists(name):
                os.unlink(name)
    return paths

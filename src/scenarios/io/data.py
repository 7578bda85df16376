"""Files shipped inside the package: example priors, resolutions and notebooks.

Found through :mod:`importlib.resources`, so they are there after a wheel install
whatever the working folder; :func:`init` copies them into a folder a team owns.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from scenarios.io.files import read_bytes, write_atomic

__all__ = [
    "DEFAULT_EXAMPLE",
    "example",
    "examples",
    "init",
    "jupyter_data",
    "notebook",
    "resolution_for",
]

#: The built-in scenario: the Wagner Group mutiny of 23 June 2023.
DEFAULT_EXAMPLE = "wagner-2023-06-23"

_FOLDERS = ("priors", "resolutions", "notebooks")


def _data(folder: str) -> Traversable:
    return resources.files("scenarios").joinpath("data", folder)


def _path(item: Traversable) -> Path:
    # the package is installed as files (wheel or editable), never zipped: see pyproject
    return Path(os.fspath(item))  # type: ignore[arg-type]


def examples() -> list[str]:
    """Names of the shipped example scenarios.

    Returns
    -------
    list of str
        Sorted; each a name :func:`example` takes.

    Examples
    --------
    >>> "wagner-2023-06-23" in examples()
    True
    """
    return sorted(p.name[:-5] for p in _data("priors").iterdir() if p.name.endswith(".yaml"))


def example(name: str = DEFAULT_EXAMPLE) -> Path:
    """Path of a shipped example priors file.

    Parameters
    ----------
    name : str
        The file's stem, e.g. ``"ever-given-2021-03-25"``.

    Returns
    -------
    pathlib.Path
        Inside the installed package.

    Raises
    ------
    FileNotFoundError
        Naming the examples there are.

    Examples
    --------
    >>> example().name
    'wagner-2023-06-23.yaml'
    """
    item = _data("priors").joinpath(f"{name}.yaml")
    if not item.is_file():
        raise FileNotFoundError(f"no example {name!r}; the examples are {', '.join(examples())}")
    return _path(item)


def notebook(name: str) -> Path:
    """Path of a shipped notebook (``"report"``, ``"wagner-explorer"``, ``"tutorial"``).

    Parameters
    ----------
    name : str
        The notebook's stem.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        No such notebook.

    Examples
    --------
    >>> notebook("report").name
    'report.ipynb'
    """
    item = _data("notebooks").joinpath(f"{name}.ipynb")
    if not item.is_file():
        raise FileNotFoundError(f"no shipped notebook {name!r}")
    return _path(item)


def jupyter_data() -> Path:
    """The package's Jupyter data folder (a ``JUPYTER_PATH`` entry): the dashboard's template.

    Holds ``voila/templates/scenarios``, Voila's ``lab`` template without its requests
    to a CDN.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> (jupyter_data() / "voila" / "templates" / "scenarios" / "index.html.j2").is_file()
    True
    """
    return _path(_data("jupyter"))


def resolution_for(priors: str | os.PathLike[str]) -> Path | None:
    """The resolution file that goes with a priors file, if there is one.

    Looked for as ``resolutions/<stem>.yaml`` beside the priors file's folder: the
    layout :func:`init` writes and the package ships. A revision
    (``<stem>.r2.yaml``, :mod:`scenarios.io.revisions`) takes its file's resolution.

    Parameters
    ----------
    priors : str or path-like
        A priors file, e.g. ``priors/wagner-2023-06-23.yaml``.

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> resolution_for(example()).name
    'wagner-2023-06-23.yaml'
    """
    from scenarios.io.revisions import base_stem

    path = Path(priors).resolve()
    folder = path.parent.parent / "resolutions"
    for stem in dict.fromkeys((path.stem, base_stem(path.stem))):  # a revision: its file's
        candidate = folder / f"{stem}.yaml"
        if candidate.is_file():
            return candidate
    return None


def init(folder: str | os.PathLike[str]) -> list[Path]:
    """Write a starter folder for a team's own events: priors, resolutions, notebooks.

    Nothing is overwritten: a file that is already there is kept and left out of the
    returned list.

    Parameters
    ----------
    folder : str or path-like
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> written = init(tempfile.mkdtemp())
    >>> sorted({p.parent.name for p in written})
    ['notebooks', 'priors', 'resolutions']
    """
    root = Path(folder)
    written = []
    for sub in _FOLDERS:
        (root / sub).mkdir(parents=True, exist_ok=True)
        for item in sorted(_data(sub).iterdir(), key=lambda i: i.name):
            if not item.is_file() or item.name.startswith((".", "_")):
                continue
            target = root / sub / item.name
            try:
                write_atomic(target, read_bytes(_path(item)), overwrite=False)
            except FileExistsError:
                continue
            written.append(target)
    return written

"""The package works installed from its wheel, run from an empty folder.

The wheel is built from this source tree and installed, without its dependencies, into a
fresh virtual environment. To avoid downloading every dependency again, the environment
sees the test environment's site-packages through a ``.pth`` path entry (a plain path,
so that folder's own ``.pth`` files, the editable install of this source tree among
them, are not run) and its Jupyter data files through ``JUPYTER_PATH``. ``scenarios``
itself therefore comes from the wheel only, and the commands are run as a user runs
them, through the wheel's ``scenarios`` script, from an empty temporary folder with no
``PYTHONPATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[1]
WAGNER = "wagner-2023-06-23"


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed."""

    venv: Path
    wheel: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def script(self) -> Path:
        return self.venv / "bin" / "scenarios"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
        }
        env["PATH"] = os.pathsep.join([str(self.venv / "bin"), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(self.venv)
        env["MPLBACKEND"] = "Agg"
        # the dependencies' data files (nbconvert's templates, the python3 kernelspec), which
        # a full install would put under the new venv's share/jupyter
        env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
        return env

    def run(
        self, *args: str | Path, cwd: Path, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout}\n{done.stderr}"
    return done


def _source_copy(dest: Path) -> Path:
    """The files the wheel is built from, copied, so the build leaves the tree clean."""
    assert (ROOT / "pyproject.toml").is_file(), f"no pyproject.toml in {ROOT}"
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "src",
        dest / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints"),
    )
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """Build the wheel, make a fresh venv, install the wheel into it (no dependencies)."""
    try:
        import setuptools  # noqa: F401  (the build backend, used without build isolation)
    except ImportError:  # pragma: no cover - an environment without setuptools
        pytest.fail("setuptools is not installed in the test environment: pip install setuptools")
    base = tmp_path_factory.mktemp("wheel")
    source = _source_copy(base / "source")
    dist = base / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        dist,
        source,
    )
    wheels = sorted(dist.glob("scenarios-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    purelib = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    ).stdout.strip()
    shared = sysconfig.get_paths()["purelib"]  # this environment's dependencies
    (Path(purelib) / "shared-dependencies.pth").write_text(shared + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        wheels[0],
    )
    yield Installed(venv, wheels[0])


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def test_the_package_is_imported_from_the_wheel_not_the_source(
    installed: Installed, empty: Path
) -> None:
    done = installed.run(
        installed.python,
        "-c",
        "import scenarios, scenarios.io.data as d; print(scenarios.__file__); print(d.example())",
        cwd=empty,
    )
    assert done.returncode == 0, done.stderr
    module, example = (Path(line) for line in done.stdout.split())
    assert module.is_relative_to(installed.venv), module
    assert not module.is_relative_to(ROOT), module
    assert example.is_relative_to(installed.venv) and example.is_file(), example
    assert installed.script.is_file()


def test_validate_the_shipped_example(installed: Installed, empty: Path) -> None:
    done = installed.run(installed.script, "validate", cwd=empty)
    assert done.returncode == 0, done.stderr
    assert f"{WAGNER}.yaml: valid" in done.stdout
    assert str(installed.venv) in done.stdout  # the file shipped in the wheel
    assert list(empty.iterdir()) == []


def test_update_from_an_empty_folder(installed: Installed, empty: Path) -> None:
    done = installed.run(installed.script, "update", cwd=empty)
    assert done.returncode == 0, done.stderr
    for word in ("mutiny_end", "negotiated", "putin_in_power", "probability"):
        assert word in done.stdout


def test_init_writes_a_starter_that_validates(installed: Installed, empty: Path) -> None:
    done = installed.run(installed.script, "init", "starter", cwd=empty)
    assert done.returncode == 0, done.stderr
    priors = Path("starter") / "priors" / f"{WAGNER}.yaml"
    for path in (
        priors,
        Path("starter") / "priors" / "ever-given-2021-03-25.yaml",
        Path("starter") / "resolutions" / f"{WAGNER}.yaml",
        Path("starter") / "notebooks" / "report.ipynb",
        Path("starter") / "notebooks" / "wagner-explorer.ipynb",
    ):
        assert (empty / path).is_file(), path
        assert f"wrote {path}" in done.stdout
    done = installed.run(installed.script, "validate", priors, cwd=empty)
    assert done.returncode == 0, done.stderr
    assert f"{priors}: valid" in done.stdout


def test_report_from_an_empty_folder(installed: Installed, empty: Path) -> None:
    done = installed.run(installed.script, "report", "-q", cwd=empty)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    html = Path("reports") / f"{WAGNER}.html"
    assert f"report: {html}" in done.stdout
    assert (empty / html).is_file() and (empty / html.with_suffix(".ipynb")).is_file()
    page = (empty / html).read_text(encoding="utf-8")
    assert "mutiny_end" in page
    assert str(installed.venv) in page  # its provenance names the priors file of the wheel

"""The Makefile needs only make and a Python 3.12+ interpreter. When there is
none, it says so in one clear line (and nothing else of its own), even on a
machine with almost nothing on PATH."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")
NO_PYTHON = (
    "Coproduce needs Python 3.12 or newer and none was found: install one, "
    "or run make with PYTHON=/path/to/python3.12"
)


@pytest.fixture
def checkout(tmp_path):
    """The files `make install` reads, in a folder with no .venv yet."""
    assert MAKE, "make is not installed"
    folder = tmp_path / "coproduce"
    folder.mkdir()
    for name in ("Makefile", "uv.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def _make(folder: Path, path: Path, **env) -> subprocess.CompletedProcess:
    empty = folder.parent / "empty"
    empty.mkdir(exist_ok=True)
    return subprocess.run(
        [MAKE, "--no-print-directory", "run"],
        cwd=folder,
        env={"HOME": str(empty), "PATH": str(path), "PYENV_ROOT": str(empty), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _own_lines(result: subprocess.CompletedProcess) -> list[str]:
    """What the Makefile printed, without make's own "***" line."""
    output = (result.stdout + result.stderr).splitlines()
    return [line for line in output if not line.startswith("make: ***")]


def test_without_python_312_make_says_so_in_one_line(checkout, tmp_path):
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    result = _make(checkout, empty_path)
    assert result.returncode != 0
    assert _own_lines(result) == [NO_PYTHON]
    assert not (checkout / ".venv").exists()


def test_a_too_old_python_named_in_PYTHON_is_refused_in_one_line(checkout, tmp_path):  # noqa: N802
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    # A "python3" that answers the version check with "too old", as 3.11 does.
    old_python = bin_folder / "python3"
    old_python.write_text("#!/bin/sh\nexit 1\n")
    old_python.chmod(0o755)
    result = _make(checkout, bin_folder, PYTHON=str(old_python))
    assert result.returncode != 0
    assert _own_lines(result) == [
        f"Coproduce needs Python 3.12 or newer, and PYTHON={old_python} is not one "
        "(nor is any other Python found here)"
    ]

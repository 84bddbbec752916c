"""Throw-away checkouts of this repository, built with the real `./pants` launcher."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

# Files of the `//:checkout` target, which the test sandbox holds at their repository paths.
_CHECKOUT_ROOTS = (
    "pants",
    "pants.toml",
    "BUILD",
    ".gitignore",
    "3rdparty",
    "build-support",
    "devices",
    "examples",
    "lib",
    "rules",
    "targets",
)


def make_checkout(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for name in _CHECKOUT_ROOTS:
        source = Path(name)
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    (destination / "pants").chmod(0o755)
    return destination


def run_pants(checkout: Path, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess:
    """Run `./pants` without the daemon, so nothing outlives the test."""
    result = subprocess.run(
        ["./pants", "--no-pantsd", "--no-dynamic-ui", *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=600,
        env={key: os.environ[key] for key in ("HOME", "PATH", "PYENV_ROOT") if key in os.environ},
    )
    if check and result.returncode != 0:
        raise AssertionError(f"./pants {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def git(checkout: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", *args],
        cwd=checkout,
        check=True,
        capture_output=True,
    )

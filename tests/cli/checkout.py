"""Throw-away checkouts of this repository, built with the real `./pants` launcher."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

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


def run_pants(
    checkout: Path, args: Sequence[str], *, check: bool = True, daemon: bool = False
) -> subprocess.CompletedProcess:
    """Run `./pants`, by default without the daemon, so nothing outlives the test.

    Each run without the daemon builds Pants' rule graphs afresh, about 20 s of CPU before any work. With
    `daemon=True` (inside `pantsd(checkout)`, which stops it) runs in one checkout share one pantsd: the graphs are
    built once and BUILD files are parsed again only where they changed, as for a developer at a terminal.
    """
    started = time.monotonic()
    result = subprocess.run(
        ["./pants", "--pantsd" if daemon else "--no-pantsd", "--no-dynamic-ui", *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=600,
        env={key: os.environ[key] for key in ("HOME", "PATH", "PYENV_ROOT") if key in os.environ},
    )
    # Printed (pytest -s, or a failure's captured output) so a slow suite shows where its time goes.
    print(f"./pants {' '.join(args)}: {time.monotonic() - started:.1f} s ({'pantsd' if daemon else 'no pantsd'})")
    if check and result.returncode != 0:
        raise AssertionError(f"./pants {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def _pantsd_pids(checkout: Path) -> Iterator[int]:
    for pidfile in checkout.glob(".pids/*/pantsd/pid"):
        text = pidfile.read_text().strip()
        if text.isdigit():
            yield int(text)


def _is_pantsd(pid: int) -> bool:
    try:
        return b"pantsd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def stop_pantsd(checkout: Path, timeout: float = 30) -> None:
    """Stop the pantsd of `checkout`, if one runs, and wait until it has exited (SIGKILL after `timeout`)."""
    for pid in _pantsd_pids(checkout):
        if not _is_pantsd(pid):
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _is_pantsd(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.1)


@contextmanager
def pantsd(checkout: Path) -> Iterator[Path]:
    """`checkout`, whose `run_pants(..., daemon=True)` runs share one pantsd, stopped on exit whatever happens.

    (Were the test process killed first, the daemon would still exit once the checkout's .pids/ is deleted.)
    """
    try:
        yield checkout
    finally:
        stop_pantsd(checkout)


def git(checkout: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", *args],
        cwd=checkout,
        check=True,
        capture_output=True,
    )

"""Boot packaged rpi4 images in QEMU's raspi4b with the rpi4 runner, as a user would from a shell."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from typing import Sequence

from probes import qemu_raspi4b
from probes.capabilities import missing, require

RUNNER = "targets.rpi4.runner/runner"
HELLO = "examples.hello/image.rpi4"
MISBEHAVE = "tests.guests/misbehave.rpi4"
RANDOM_DRAW = "tests.guests/random_draw.rpi4"
EXIT_ABORT = 126
EXIT_RUNNER_ERROR = 125
# The board's line under QEMU, whose raspi4b has no RNG200 (targets/rpi4/entropy.c).
NO_RNG = "rpi4: no RNG200 answers at 0xfe104000"


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def guest_lines(self) -> list:
        """The console less the board's own notes (lines starting "rpi4: "), i.e. what the unikernel printed."""
        return [line for line in self.stdout.splitlines() if not line.startswith("rpi4: ")]


def qemu_ready() -> None:
    """Skip (or fail, where declared) without a raspi4b QEMU; make the cached Debian 13 root the first time on a
    machine whose own QEMU is older than 9."""
    purpose = "rpi4 images boot in QEMU's raspi4b (QEMU >= 9)"
    require("raspi4b", purpose)
    try:
        qemu_raspi4b.ensure()
    except (RuntimeError, OSError) as e:
        missing("raspi4b", f"making the Debian 13 root with QEMU 10 failed: {e}", purpose)


def run(image: str, *args: str, runner_args: Sequence[str] = (), timeout: float = 60) -> Run:
    """`runner [runner_args] image [args]`, with what a user sees."""
    qemu_ready()
    result = subprocess.run([RUNNER, *runner_args, image, *args], capture_output=True, text=True, timeout=timeout)
    return Run(result.returncode, result.stdout, result.stderr)

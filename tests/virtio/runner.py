"""Boot packaged virtio images with the virtio runner under QEMU, as a user would from a shell."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Sequence

import pytest
from probes.kvm import kvm_problem

RUNNER = "targets.virtio.runner/runner"
HELLO = "examples.hello/image.virtio"
MISBEHAVE = "tests.guests/misbehave.virtio"
TENDER_EXIT_ERROR = 125
TENDER_EXIT_ABORT = 126

# The accelerators every test runs under: TCG anywhere, KVM where KVM_CREATE_VM works.
ACCELERATORS = ["tcg", "kvm"]


def require(accel: str) -> None:
    """Skip, with the reason, where the machine lacks QEMU or (for accel="kvm") a working KVM."""
    if shutil.which("qemu-system-x86_64", path=os.environ.get("PATH") or "/usr/bin:/bin") is None:
        pytest.skip("qemu-system-x86_64 is not installed (Debian package qemu-system-x86)")
    if accel == "kvm":
        problem = kvm_problem()
        if problem:
            pytest.skip(f"KVM does not work here: {problem}")


def run_accelerated(accel: str, image: str, *args: str, runner_args: Sequence[str] = ()) -> "Run":
    """`runner --accel=ACCEL [runner_args] image [args]`, skipping where the machine lacks QEMU or KVM."""
    require(accel)
    return run(image, *args, runner_args=[f"--accel={accel}", *runner_args])


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(image: str, *args: str, runner_args: Sequence[str] = (), timeout: float = 120) -> Run:
    """`runner [runner_args] image [args]`, with what a user sees."""
    result = subprocess.run(
        [RUNNER, *runner_args, image, *args], capture_output=True, text=True, timeout=timeout
    )
    return Run(result.returncode, result.stdout, result.stderr)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of explanation, got:\n{stderr}"
    return lines[0]

"""The virtio runner and the guest's end: exit codes, aborts, faults, the printed command and refused images."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from virtio.runner import (
    HELLO,
    MISBEHAVE,
    RUNNER,
    TENDER_EXIT_ABORT,
    TENDER_EXIT_ERROR,
    one_line,
    require,
    run,
)


@pytest.mark.parametrize("code", [0, 7, 127])
def test_guest_exit_code_passes_through(code: int) -> None:
    require("tcg")
    result = run(MISBEHAVE, f"--code={code}", runner_args=["--accel=tcg"])
    assert (result.returncode, result.stdout) == (code, "misbehave: about to exit\n"), result.stderr


def test_guest_abort_is_reported() -> None:
    require("tcg")
    result = run(MISBEHAVE, "--action=abort", runner_args=["--accel=tcg"])
    assert result.returncode == TENDER_EXIT_ABORT
    assert "abort() called" in result.stdout + result.stderr


@pytest.mark.parametrize("accel", ["kvm", "tcg"])
def test_fault_is_reported_and_ends_qemu(accel: str) -> None:
    require(accel)
    result = run(MISBEHAVE, "--action=fault", runner_args=[f"--accel={accel}"])
    assert result.returncode == TENDER_EXIT_ABORT, result.stdout + result.stderr
    report = re.search(
        r"virtio: fault: vector 14 \(#PF\) at RIP 0x[0-9a-f]{16} CR2 0x00007fff00000000 error 0x[0-9a-f]{16}",
        result.stdout,
    )
    assert report, result.stdout
    assert re.search(r"rax 0x[0-9a-f]{16} rbx 0x[0-9a-f]{16}", result.stdout)


def test_printed_command_runs_the_guest() -> None:
    require("tcg")
    printed = run(HELLO, "--message=a b", "--count=1", runner_args=["--accel=tcg", "--print-command"])
    assert printed.returncode == 0, printed.stderr
    command = printed.stdout.strip()
    assert command.startswith("qemu-system-x86_64 -M microvm,"), command
    assert "\n" not in command
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, "a b\n"), result.stderr  # QEMU's (0 << 1) | 1


def test_pc_machine_uses_pci_slots() -> None:
    require("tcg")
    printed = run(HELLO, runner_args=["--machine=pc", "--accel=tcg", "--print-command"])
    assert printed.returncode == 0, printed.stderr
    assert " -M pc " in printed.stdout


@pytest.mark.parametrize("other", ["examples.hello/image.hvt", "examples.hello/image.unix"])
def test_image_for_another_abi_is_refused(other: str) -> None:
    result = run(other, runner_args=["--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert other in one_line(result.stderr)
    assert result.stdout == ""


def test_device_the_manifest_lacks_is_refused(tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    result = run(HELLO, runner_args=[f"--block:storage={disk}", "--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert "storage" in one_line(result.stderr)


def test_bad_runner_option_is_refused() -> None:
    result = subprocess.run([RUNNER, "--machine=q35", HELLO], capture_output=True, text=True, timeout=30)
    assert result.returncode == TENDER_EXIT_ERROR
    assert "--machine" in one_line(result.stderr)

"""Hostile guests against the tenders' host-side bounds: spt's seccomp filter on the disk and tap descriptors and
the scrubbed arguments and environment; hvt's read-only text and its own seccomp filter."""

from __future__ import annotations

import ctypes
import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from freestanding.boot import TENDER_EXIT_ABORT, TENDERS, boot, require_abi
from netns import tap_namespace

SPT_BLOCK = "tests.guests/hostile_spt_block.spt"
SPT_NET = "tests.guests/hostile_spt_net.spt"
HVT = "tests.guests/hostile_hvt.hvt"
SIGSYS_DEATH = -31
DISK_SIZE = 64 * 1024
BLOCK_SIZE = 512

# The guest looks for these (it holds them XORed, so that they are nowhere in guest memory in the clear).
ENVIRONMENT_MARKER = "hostile-env-marker-7c1f9"
ARGUMENT_MARKER = "hostile-arg-marker-39ad2"
ADDR_NO_RANDOMIZE = 0x0040000
# Where Linux puts the top of the initial stack, and so argv and envp's strings, without randomisation.
STACK_TOP = 0x7FFFFFFFF000


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of explanation, got:\n{stderr}"
    return lines[0]


def zero_disk(tmp_path: Path, name: str = "disk.img") -> Path:
    disk = tmp_path / name
    disk.write_bytes(b"\0" * DISK_SIZE)
    return disk


@pytest.mark.parametrize(
    "action",
    ["write_far_past_end", "write_at_end", "write_unaligned", "write_oversized", "write_short", "read_past_end"],
)
def test_spt_block_io_outside_whole_blocks_of_the_disk_is_killed(action: str, tmp_path: Path) -> None:
    require_abi("spt")
    disk = zero_disk(tmp_path)
    result = boot("spt", SPT_BLOCK, f"--action={action}", tender_args=[f"--block:storage={disk}"])
    assert result.returncode == SIGSYS_DEATH, f"expected death by SIGSYS, got {result.returncode}:\n{result.stdout}"
    assert f"hostile: {action}: p" in result.stdout
    assert "returned" not in result.stdout
    assert os.stat(disk).st_size == DISK_SIZE
    assert disk.read_bytes() == b"\0" * DISK_SIZE


def test_spt_raw_write_of_the_last_whole_block_is_allowed(tmp_path: Path) -> None:
    require_abi("spt")
    disk = zero_disk(tmp_path)
    result = boot("spt", SPT_BLOCK, "--action=write_last_block", tender_args=[f"--block:storage={disk}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"hostile: write_last_block returned {BLOCK_SIZE}" in result.stdout
    data = disk.read_bytes()
    assert len(data) == DISK_SIZE
    assert data[-BLOCK_SIZE:] == b"H" * BLOCK_SIZE and data[:-BLOCK_SIZE] == b"\0" * (DISK_SIZE - BLOCK_SIZE)


@pytest.fixture
def namespace() -> Iterator[str]:
    with tap_namespace("hostile") as name:
        yield name


def run_spt_net(namespace: str, size: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, TENDERS["spt"], "--net:service=tap0", SPT_NET, f"--size={size}"],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_spt_raw_tap_write_longer_than_mtu_plus_header_is_killed(namespace: str) -> None:
    require_abi("spt")
    largest = run_spt_net(namespace, 1500 + 14)
    assert largest.returncode == 0, largest.stdout + largest.stderr
    assert "hostile: write returned 1514" in largest.stdout
    oversized = run_spt_net(namespace, 1500 + 15)
    assert oversized.returncode == SIGSYS_DEATH, f"got {oversized.returncode}:\n{oversized.stdout}"
    assert "hostile: writing a frame of 1515 bytes (mtu 1500)" in oversized.stdout
    assert "returned" not in oversized.stdout


def without_address_randomisation() -> None:
    """In the child before exec: the tender's stack and heap land at fixed addresses, which the guest scans."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.personality(ADDR_NO_RANDOMIZE) == -1:
        raise OSError(ctypes.get_errno(), "personality(ADDR_NO_RANDOMIZE) failed")


def test_spt_guest_finds_no_trace_of_the_tenders_arguments_or_environment(tmp_path: Path) -> None:
    require_abi("spt")
    disk = zero_disk(tmp_path, f"{ARGUMENT_MARKER}.img")
    result = subprocess.run(
        [TENDERS["spt"], f"--block:storage={disk}", SPT_BLOCK, "--action=scan"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MIRAGE_SECRET": ENVIRONMENT_MARKER},
        preexec_fn=without_address_randomisation,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The scan did cover the top of the stack, where the kernel put the strings (found there before the scrub).
    assert f", {STACK_TOP:#x})" in result.stdout, result.stdout
    assert "hostile: environment marker not found" in result.stdout, result.stdout
    assert "hostile: argument marker not found" in result.stdout, result.stdout


def test_hvt_guest_writing_its_text_from_cpl0_is_stopped() -> None:
    require_abi("hvt")
    result = boot("hvt", HVT, "--action=write_text")
    assert result.returncode == TENDER_EXIT_ABORT, result.stdout + result.stderr
    assert "hostile: wrote its own text" not in result.stdout
    target = int(result.stdout.split("writing its own text at ")[1].split()[0], 16)
    line = one_line(result.stderr)
    assert "read-only" in line
    # KVM reports the exact address (an MMIO exit) or its page (a memory fault); a kernel older than 6.8 that fails
    # KVM_RUN with a bare EFAULT gives none, and the tender says so.
    assert f"{target:#x}" in line or f"{target & ~0xFFF:#x}" in line or "does not say the address" in line, line


def test_hvt_hypercall_writing_into_the_guests_text_is_refused() -> None:
    require_abi("hvt")
    result = boot("hvt", HVT, "--action=hypercall_into_text")
    assert result.returncode == TENDER_EXIT_ABORT, result.stdout + result.stderr
    assert "the tender wrote into its text" not in result.stdout
    target = result.stdout.split("WALLTIME at ")[1].split(",")[0]
    line = one_line(result.stderr)
    assert target in line and "WALLTIME" in line and "read-only" in line


def test_hvt_tender_runs_the_guest_under_a_seccomp_filter() -> None:
    require_abi("hvt")
    tender = subprocess.Popen(
        [TENDERS["hvt"], HVT, "--action=wait", "--ms=3000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert tender.stdout is not None
        assert tender.stdout.readline() == "hostile: waiting\n"
        status = Path(f"/proc/{tender.pid}/status").read_text()
        out, err = tender.communicate(timeout=30)
    finally:
        tender.kill()
    assert "\nSeccomp:\t2\n" in status, status
    assert tender.returncode == 0, out + err
    assert out == "hostile: waited\n"

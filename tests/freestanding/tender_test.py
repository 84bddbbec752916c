"""The tenders: exit codes, aborts, bad guests, bad images and the manifest's devices, seen from a shell."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from freestanding.boot import (
    ABI_NOTE,
    FIRST_ENTRY_TYPE,
    MANIFEST_NOTE,
    TENDER_EXIT_ABORT,
    TENDER_EXIT_ERROR,
    TENDERS,
    boot,
    image,
    make_writable_and_executable,
    patch_image,
    require_abi,
)
from probes.capabilities import missing, require

ABIS = ["hvt", "spt"]
HELLO = "examples.hello/image"
BLOCK = "examples.block/image"
MISBEHAVE = "tests.guests/misbehave"


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of explanation, got:\n{stderr}"
    return lines[0]


def refusal(abi: str, image_path: str, *tender_args: str) -> str:
    """The one line the tender prints when it refuses to boot `image_path`, after checking it exits with 125."""
    result = boot(abi, image_path, tender_args=tender_args)
    assert result.returncode == TENDER_EXIT_ERROR, result.stdout + result.stderr
    return one_line(result.stderr)


@pytest.mark.parametrize("abi", ABIS)
def test_guest_exit_code_passes_through(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, image(MISBEHAVE, abi), "--code=7")
    assert result.returncode == 7
    assert result.stdout == "misbehave: about to exit\n"


@pytest.mark.parametrize("abi", ABIS)
def test_guest_abort_is_reported(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, image(MISBEHAVE, abi), "--action=abort")
    assert result.returncode == TENDER_EXIT_ABORT
    assert "abort() called" in result.stdout + result.stderr


@pytest.mark.parametrize("abi", ABIS)
def test_a_fortified_copy_past_its_buffer_is_reported_and_aborts(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, image(MISBEHAVE, abi), "--action=overflow")
    assert result.returncode == TENDER_EXIT_ABORT
    assert "buffer overflow detected" in result.stdout + result.stderr


def test_hvt_guest_passing_a_bad_pointer_is_stopped() -> None:
    require_abi("hvt")
    result = boot("hvt", "tests.guests/bad_pointer.hvt")
    assert result.returncode == TENDER_EXIT_ABORT
    assert "bad_pointer: asking the tender" in result.stdout
    assert "0x7fff00000000" in one_line(result.stderr)


@pytest.mark.parametrize("call", ["getpid", "arch_prctl_set_gs"])
def test_spt_guest_making_a_forbidden_system_call_is_killed(call: str) -> None:
    # arch_prctl is allowed for ARCH_SET_FS alone (the guest's thread block), never another operation.
    result = subprocess.run(
        [TENDERS["spt"], "tests.guests/forbidden_syscall.spt", f"--call={call}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout == f"forbidden_syscall: calling {call}\n"
    assert result.returncode == -31, f"expected death by SIGSYS, got {result.returncode}: {result.stderr}"


@pytest.mark.parametrize("abi", ABIS)
def test_block_device_writes_a_real_disk_file(abi: str, tmp_path: Path) -> None:
    require_abi(abi)
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * (64 * 1024))
    result = boot(abi, image(BLOCK, abi), "--blocks=4", tender_args=[f"--block:storage={disk}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "block: wrote and verified 4 blocks of 512 bytes (capacity 65536 bytes)" in result.stdout
    data = disk.read_bytes()
    for n in range(4):
        block = data[n * 512 : (n + 1) * 512]
        assert block.startswith(f"MIRAGE BLOCK {n}\n".encode())
        assert block[-1] == (n * 31 + 511) & 0xFF
    assert data[4 * 512 :] == b"\0" * (len(data) - 4 * 512)


@pytest.mark.parametrize("abi", ABIS)
def test_manifest_device_without_a_host_resource_is_refused(abi: str) -> None:
    require_abi(abi)
    assert "storage" in refusal(abi, image(BLOCK, abi))


@pytest.mark.parametrize("abi", ABIS)
def test_argument_for_a_device_the_manifest_lacks_is_refused(abi: str, tmp_path: Path) -> None:
    require_abi(abi)
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    assert "storage" in refusal(abi, image(HELLO, abi), f"--block:storage={disk}")


@pytest.mark.parametrize("abi", ABIS)
def test_missing_disk_file_is_refused(abi: str, tmp_path: Path) -> None:
    require_abi(abi)
    assert "absent.img" in refusal(abi, image(BLOCK, abi), f"--block:storage={tmp_path / 'absent.img'}")


@pytest.mark.parametrize("abi", ABIS)
def test_writable_and_executable_segment_is_refused(abi: str, tmp_path: Path) -> None:
    require_abi(abi)
    bad = tmp_path / "wx.img"
    make_writable_and_executable(image(HELLO, abi), str(bad))
    line = refusal(abi, str(bad))
    assert "W+X" in line or "writable and executable" in line


@pytest.mark.parametrize("abi", ABIS)
@pytest.mark.parametrize("cut", [10, 100, 2000])
def test_truncated_image_is_refused(abi: str, cut: int, tmp_path: Path) -> None:
    require_abi(abi)
    bad = tmp_path / "truncated.img"
    bad.write_bytes(open(image(HELLO, abi), "rb").read()[:cut])
    assert str(bad) in refusal(abi, str(bad))


@pytest.mark.parametrize("abi", ABIS)
def test_image_built_for_another_abi_is_refused(abi: str) -> None:
    require_abi(abi)
    other = {"hvt": "spt", "spt": "hvt"}[abi]
    for wrong in (image(HELLO, other), image(HELLO, "unix")):
        assert wrong in refusal(abi, wrong)


@pytest.mark.parametrize("abi", ABIS)
def test_too_little_memory_is_refused(abi: str) -> None:
    require_abi(abi)
    assert "mem" in refusal(abi, image(HELLO, abi), "--mem=1").lower()


def test_hvt_without_usable_kvm_says_so_in_one_line() -> None:
    # Hide /dev/kvm behind /dev/null in a private mount namespace, as on a machine without KVM.
    require("mountns", "hiding /dev/kvm needs a private mount namespace")
    tender = os.path.abspath(TENDERS["hvt"])
    hello = os.path.abspath(image(HELLO, "hvt"))
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount --bind /dev/null /dev/kvm && exec {tender} {hello}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if "mount" in result.stderr and result.returncode != TENDER_EXIT_ERROR:
        missing("mountns", f"mount --bind failed: {result.stderr.strip()}", "hiding /dev/kvm")
    assert result.returncode == TENDER_EXIT_ERROR
    assert "/dev/kvm" in one_line(result.stderr)


@pytest.mark.parametrize("abi", ABIS)
def test_image_for_another_abi_version_is_refused(abi: str, tmp_path: Path) -> None:
    require_abi(abi)
    bad = tmp_path / "version.img"
    patch_image(image(HELLO, abi), str(bad), ABI_NOTE, len(ABI_NOTE) + 4, 99)
    assert "version" in refusal(abi, str(bad))


@pytest.mark.parametrize("abi", ABIS)
def test_manifest_entry_of_unknown_type_is_refused(abi: str, tmp_path: Path) -> None:
    require_abi(abi)
    bad = tmp_path / "manifest.img"
    patch_image(image(BLOCK, abi), str(bad), MANIFEST_NOTE, FIRST_ENTRY_TYPE, 99)
    line = refusal(abi, str(bad), f"--block:storage={tmp_path / 'disk.img'}")
    assert "storage" in line and "99" in line


def test_hvt_guest_that_faults_is_reported_in_one_line() -> None:
    require_abi("hvt")
    result = boot("hvt", image(MISBEHAVE, "hvt"), "--action=fault")
    assert result.returncode == TENDER_EXIT_ABORT
    assert "misbehave: about to fault" in result.stdout
    assert "RIP 0x" in one_line(result.stderr)


def test_spt_guest_that_faults_dies_by_sigsegv() -> None:
    result = subprocess.run(
        [TENDERS["spt"], image(MISBEHAVE, "spt"), "--action=fault"], capture_output=True, text=True, timeout=30
    )
    assert result.stdout == "misbehave: about to fault\n"
    assert result.returncode == -11, f"expected death by SIGSEGV, got {result.returncode}: {result.stderr}"

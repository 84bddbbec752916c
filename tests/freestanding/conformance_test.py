"""The platform conformance guest (tests/guests/platform_conformance.c) on hvt, spt, virtio and virt_arm64: every
platform_* call must give the same results on every ABI, so each prints the same TAP, and every check is `ok`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from freestanding.boot import (
    ABI_NOTE,
    MANIFEST_NOTE,
    TENDER_EXIT_ABORT,
    TENDER_EXIT_ERROR,
    TENDERS,
    boot,
    patch_image,
    require_abi,
)
from netns import tap_namespace

ABIS = ("hvt", "spt", "virtio", "virt_arm64")
# The guest-host interface version each ABI's tender or runner implements (HVT_ABI_VERSION, SPT_ABI_VERSION,
# VIRTIO_ABI_VERSION); version 2 of hvt had the single-frame net hypercalls that version 3 removed, version 4 of hvt
# added receive offload and version 5 transmit segmentation offload, and version 3 of spt allows
# arch_prctl(ARCH_SET_FS); VIRT_ABI_VERSION is 1.
ABI_VERSIONS = {"hvt": 5, "spt": 3, "virtio": 2, "virt_arm64": 1}
DISK_SIZE = 64 * 1024
TAP_LINE = re.compile(r"^(1\.\.\d+|(not )?ok \d+ - .*)$")


@pytest.fixture
def namespace() -> Iterator[str]:
    with tap_namespace("conformance") as name:
        yield name


def tap_lines(stdout: str) -> List[str]:
    """The TAP lines of the guest's console, without what an ABI may print beside them (virtio's RDRAND note)."""
    return [line for line in stdout.splitlines() if TAP_LINE.match(line)]


def run_conformance(abi: str, namespace: str, disk: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            namespace,
            TENDERS[abi],
            "--net:service=tap0",
            f"--block:storage={disk}",
            f"tests.guests/platform_conformance.{abi}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def check_plan(lines: List[str], abi: str, output: str) -> None:
    assert lines, f"{abi}: no TAP output:\n{output}"
    plan = re.fullmatch(r"1\.\.(\d+)", lines[0])
    assert plan is not None, f"{abi}: TAP must start with its plan, got {lines[0]!r}"
    assert len(lines) == 1 + int(plan.group(1)), f"{abi}: the plan says {plan.group(1)} checks:\n{output}"


def test_every_abi_prints_the_same_passing_tap(namespace: str, tmp_path: Path) -> None:
    for abi in ABIS:
        require_abi(abi)
    outputs: Dict[str, List[str]] = {}
    for abi in ABIS:
        disk = tmp_path / f"disk-{abi}.img"
        disk.write_bytes(b"\0" * DISK_SIZE)
        result = run_conformance(abi, namespace, disk)
        output = result.stdout + result.stderr
        lines = tap_lines(result.stdout)
        check_plan(lines, abi, output)
        failing = [line for line in lines if line.startswith("not ok")]
        assert not failing, f"{abi}: failing checks:\n" + "\n".join(failing) + f"\n\nfull output:\n{output}"
        assert result.returncode == 0, f"{abi}: exit {result.returncode}:\n{output}"
        outputs[abi] = lines
    for abi in ABIS[1:]:
        assert outputs[abi] == outputs[ABIS[0]], f"{abi} and {ABIS[0]} differ"


@pytest.mark.parametrize("abi", ABIS)
@pytest.mark.parametrize("field", ["abi_older", "abi_newer", "manifest"])
def test_every_interface_version_is_checked(abi: str, field: str, tmp_path: Path) -> None:
    """An image whose ABI note or manifest has another version than the host implements is refused in one line."""
    require_abi(abi)
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * DISK_SIZE)
    bad = tmp_path / f"{field}.{abi}"
    if field == "manifest":
        patch_image(f"examples.block/image.{abi}", str(bad), MANIFEST_NOTE, len(MANIFEST_NOTE), 2)
    else:
        version = ABI_VERSIONS[abi] + (-1 if field == "abi_older" else 1)
        patch_image(f"examples.block/image.{abi}", str(bad), ABI_NOTE, len(ABI_NOTE) + 4, version)
    result = boot(abi, str(bad), tender_args=[f"--block:storage={disk}"], timeout=30)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == TENDER_EXIT_ERROR, result.stdout + result.stderr
    assert len(lines) == 1 and "version" in lines[0], result.stderr


@pytest.mark.parametrize("abi", ABIS)
@pytest.mark.parametrize(
    "args, status",
    [
        (["--code=0"], 0),
        (["--code=7"], 7),
        (["--code=255"], 255),
        (["--code=300"], 300 & 0xFF),  # platform_exit keeps the low 8 bits, as a process's status does
        (["--action=abort"], TENDER_EXIT_ABORT),  # platform_abort: 126 on every ABI
    ],
)
def test_platform_exit_and_abort_give_the_same_status_everywhere(abi: str, args: list, status: int) -> None:
    require_abi(abi)
    result = boot(abi, f"tests.guests/misbehave.{abi}", *args, timeout=30)
    assert result.returncode == status, result.stdout + result.stderr

"""The platform conformance guest (tests/guests/platform_conformance.c) on hvt, spt and virtio: every platform_*
call must give the same results on every ABI, so each prints the same TAP, and every check is `ok`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from freestanding.boot import TENDERS, require_abi
from netns import tap_namespace

ABIS = ("hvt", "spt", "virtio")
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
    net = "tap:tap0" if abi == "virtio" else "tap0"
    return subprocess.run(
        ["ip", "netns", "exec", namespace, TENDERS[abi], f"--net:service={net}", f"--block:storage={disk}",
         f"tests.guests/platform_conformance.{abi}"],
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

"""virtio-blk under QEMU: the block example writes a pattern to a real disk file, reads it back and checks it;
the host then checks the file, as tests/freestanding/tender_test.py does for hvt and spt."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from virtio.runner import ACCELERATORS, RUNNER, TENDER_EXIT_ERROR, one_line, require, run, run_accelerated

BLOCK = "examples.block/image.virtio"
SECTOR = 512


@pytest.mark.parametrize("accel", ACCELERATORS)
def test_block_device_writes_a_real_disk_file(accel: str, tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * (64 * 1024))
    result = run_accelerated(accel, BLOCK, "--blocks=4", runner_args=[f"--block:storage={disk}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "block: wrote and verified 4 blocks of 512 bytes (capacity 65536 bytes)" in result.stdout
    data = disk.read_bytes()
    assert len(data) == 64 * 1024
    for n in range(4):
        block = data[n * SECTOR : (n + 1) * SECTOR]
        assert block.startswith(f"MIRAGE BLOCK {n}\n".encode()), f"block {n} does not hold its pattern"
        assert block[-1] == (n * 31 + 511) & 0xFF
    assert data[4 * SECTOR :] == b"\0" * (len(data) - 4 * SECTOR), "a block past the request was written"


@pytest.mark.parametrize("accel", ACCELERATORS)
def test_capacity_comes_from_the_device(accel: str, tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * (4 * SECTOR))
    result = run_accelerated(accel, BLOCK, "--blocks=8", runner_args=[f"--block:storage={disk}"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "block: 8 blocks do not fit in 2048 bytes" in result.stdout
    assert disk.read_bytes() == b"\0" * (4 * SECTOR)


def assert_pattern_written(disk: Path, blocks: int) -> None:
    data = disk.read_bytes()
    for n in range(blocks):
        pattern = f"MIRAGE BLOCK {n}\n".encode()
        assert data[n * SECTOR :].startswith(pattern), f"{disk.name}: block {n} lacks its pattern"


def test_commas_in_the_disk_file_name_reach_qemu_as_one_file_name(tmp_path: Path) -> None:
    # Unescaped, ",format=qcow2" would be an option of its own and ",," the start of another.
    disk = tmp_path / "disk,format=qcow2,,read-only=on.img"
    disk.write_bytes(b"\0" * (16 * SECTOR))
    result = run_accelerated("tcg", BLOCK, "--blocks=2", runner_args=[f"--block:storage={disk}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert_pattern_written(disk, 2)


@pytest.mark.parametrize("name", ['json:{"driver":"null-co"}', "nbd:localhost:10809", "file:disk.img"])
def test_disk_file_names_that_look_like_qemu_protocols_are_plain_files(tmp_path: Path, name: str) -> None:
    """QEMU's -drive file= reads "json:", "nbd:" and "file:" names as protocols; the runner's disk is the file."""
    require("tcg")
    disk = tmp_path / name
    disk.write_bytes(b"\0" * (16 * SECTOR))
    result = subprocess.run(
        [os.path.abspath(RUNNER), "--accel=tcg", f"--block:storage={name}", os.path.abspath(BLOCK), "--blocks=2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert_pattern_written(disk, 2)


def test_directory_as_disk_is_refused_before_qemu_starts(tmp_path: Path) -> None:
    result = run(BLOCK, runner_args=[f"--block:storage={tmp_path}"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == f"runner: block device 'storage': cannot open '{tmp_path}': Is a directory"

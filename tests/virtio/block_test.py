"""virtio-blk under QEMU: the block example writes a pattern to a real disk file, reads it back and checks it;
the host then checks the file, as tests/freestanding/tender_test.py does for hvt and spt."""

from __future__ import annotations

from pathlib import Path

import pytest

from virtio.runner import ACCELERATORS, run_accelerated

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

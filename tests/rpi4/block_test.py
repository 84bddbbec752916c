"""The block example on the SD card of QEMU's raspi4b: the pattern lands in the host's disk file, the capacity
comes from the card, and a missing card or a disk QEMU cannot model is refused with the reason."""

from __future__ import annotations

from pathlib import Path

from rpi4.board import EXIT_RUNNER_ERROR, run

BLOCK = "examples.block/image.rpi4"
SECTOR = 512


def test_the_block_example_writes_the_sd_card_s_disk_file(tmp_path: Path) -> None:
    disk = tmp_path / "sd.img"
    disk.write_bytes(b"\0" * (1024 * 1024))
    result = run(BLOCK, "--blocks=8", runner_args=[f"--block:storage={disk}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "block: wrote and verified 8 blocks of 512 bytes (capacity 1048576 bytes)" in result.stdout
    data = disk.read_bytes()
    for n in range(8):
        block = data[n * SECTOR : (n + 1) * SECTOR]
        assert block.startswith(f"MIRAGE BLOCK {n}\n".encode()), f"block {n} does not hold its pattern"
        assert block[-1] == (n * 31 + 511) & 0xFF
    assert data[8 * SECTOR :] == b"\0" * (len(data) - 8 * SECTOR), "a block past the request was written"


def test_the_capacity_comes_from_the_card(tmp_path: Path) -> None:
    disk = tmp_path / "sd.img"
    disk.write_bytes(b"\0" * (256 * 1024))
    result = run(BLOCK, "--blocks=1024", runner_args=[f"--block:storage={disk}"])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "block: 1024 blocks do not fit in 262144 bytes" in result.stdout
    assert disk.read_bytes() == b"\0" * (256 * 1024)


def test_without_a_card_the_image_refuses_to_start() -> None:
    result = run(BLOCK)
    assert result.returncode != 0
    assert "rpi4: the SD card for block device 'storage' cannot be used: no SD card is inserted" in result.stdout
    assert "-> storage failed" in result.stdout


def test_a_disk_qemu_cannot_model_is_refused_before_qemu_starts(tmp_path: Path) -> None:
    disk = tmp_path / "sd.img"
    disk.write_bytes(b"\0" * 3000)
    result = run(BLOCK, runner_args=[f"--block:storage={disk}"])
    assert result.returncode == EXIT_RUNNER_ERROR
    assert "3000 bytes; QEMU's SD card takes a power of two of at least 256 KiB" in result.stderr

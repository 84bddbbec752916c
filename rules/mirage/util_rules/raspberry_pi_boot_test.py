"""The Raspberry Pi boot files: kernel8.img is the ELF's loadable bytes laid out from 0x80000, and bad ELFs are
refused with the reason."""

from __future__ import annotations

import struct
from typing import List, Tuple

import pytest
from mirage.util_rules.raspberry_pi_boot import RaspberryPiBootError, raspberry_pi_boot_files, raw_image

_PT_LOAD, _PT_NOTE = 1, 4


def elf(segments: List[Tuple[int, int, bytes, int]], machine: int = 183) -> bytes:
    """An ELF64 with program headers (type, physical address, bytes, memory size) and their bytes after them."""
    header_size, entry_size = 64, 56
    data_offset = header_size + entry_size * len(segments)
    headers, blobs = b"", b""
    for p_type, address, data, memsz in segments:
        offset = data_offset + len(blobs)
        headers += struct.pack("<IIQQQQQQ", p_type, 5, offset, address, address, len(data), memsz, 0x1000)
        blobs += data
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, machine, 1, 0x80000, header_size, 0, 0, header_size, entry_size, len(segments), 64, 0, 0
    )
    return header + headers + blobs


def test_segments_are_laid_out_from_the_load_address_with_gaps_zeroed_and_bss_left_out() -> None:
    image = elf(
        [
            (_PT_LOAD, 0x80000, b"TEXT", 4),
            (_PT_NOTE, 0x80100, b"NOTE", 4),
            (_PT_LOAD, 0x81000, b"DATA", 0x10000),
        ]
    )
    raw = raw_image(image, 0x80000)
    assert len(raw) == 0x1004
    assert raw[:4] == b"TEXT" and raw[0x1000:] == b"DATA" and raw[4:0x1000] == bytes(0x1000 - 4)


def test_the_raspberry_pi_folder_has_the_kernel_and_the_firmware_settings() -> None:
    files = raspberry_pi_boot_files(elf([(_PT_LOAD, 0x80000, b"CODE", 4)]))
    assert sorted(files) == ["cmdline.txt", "config.txt", "kernel8.img"]
    assert files["kernel8.img"] == b"CODE"
    config = files["config.txt"].decode()
    assert "arm_64bit=1" in config.splitlines() and "kernel_address=0x80000" in config.splitlines()


@pytest.mark.parametrize(
    "image, message",
    [
        (b"not an elf", "not a little-endian 64-bit ELF"),
        (elf([(_PT_LOAD, 0x80000, b"X", 1)], machine=62), "ELF machine 62, not aarch64"),
        (elf([(_PT_LOAD, 0x100000, b"X", 1)]), "first loadable byte is at 0x100000, not 0x80000"),
        (elf([(_PT_LOAD, 0x80000, b"XXXX", 4), (_PT_LOAD, 0x80002, b"Y", 1)]), "overlap at 0x80002"),
        (elf([(_PT_LOAD, 0x80000, b"X", 1), (_PT_LOAD, 0x80000000, b"Y", 1)]), "over 64 MiB"),
        (elf([(_PT_NOTE, 0x80000, b"X", 1)]), "no loadable bytes"),
    ],
)
def test_images_a_loader_could_not_copy_are_refused(image: bytes, message: str) -> None:
    with pytest.raises(RaspberryPiBootError, match=message):
        raspberry_pi_boot_files(image)

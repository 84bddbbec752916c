"""The files a Raspberry Pi 4 boots an rpi4 image from, since the firmware loads a raw binary, not the ELF.

They are the boot partition of the Pi's SD card: `kernel8.img`, the image's loadable segments as one raw binary
from its lowest address on (where the firmware loads it; BSS is left out, the board zeroes it), with the firmware's
`config.txt` and an empty `cmdline.txt`. The `raspberry_pi_boot` writer of an abi's `package_files` (package_files.py)
writes them. Pure: bytes in, bytes out, no Pants imports.
"""

from __future__ import annotations

import struct
from typing import Dict, List, Tuple

# What the firmware loads at kernel_address; start.S's header and rpi4.ld say the same.
RASPBERRY_PI_LOAD_ADDRESS = 0x80000
# A raw image is bounded: a segment far away (a misplaced section) would otherwise make a file of gigabytes.
RAW_IMAGE_SIZE_MAX = 64 * 1024 * 1024

_ELF_MAGIC = b"\x7fELF"
_ELFCLASS64 = 2
_ELFDATA2LSB = 1
_EM_AARCH64 = 183
_PT_LOAD = 1

RASPBERRY_PI_CONFIG_TXT = """\
# Raspberry Pi 4 firmware settings for a mirage-pants unikernel (targets/rpi4): copy this folder's three files to
# the boot (FAT) partition of an SD card holding the Pi's firmware files (start4.elf, fixup4.dat).
arm_64bit=1
kernel=kernel8.img
# kernel8.img is linked to run here, and starts with an arm64 image header that says so.
kernel_address=0x80000
cmdline=cmdline.txt
# The console is the PL011 (UART0) on GPIO 14 and 15 at 115200 baud, from a 48 MHz UART clock; Bluetooth, which
# would otherwise have it, is turned off.
enable_uart=1
dtoverlay=disable-bt
init_uart_clock=48000000
"""

# Boot arguments go here, `--key=value` separated by spaces, as after the image on other ABIs; the board takes
# `rpi4.wall_clock=SECONDS` for the wall clock (the Pi has no real-time clock) and ignores the firmware's own words.
RASPBERRY_PI_CMDLINE_TXT = "\n"


class RaspberryPiBootError(ValueError):
    """The linked image cannot be turned into the boot files; the message says why (the caller names the image)."""


def _load_segments(elf: bytes) -> List[Tuple[int, bytes]]:
    """(physical address, file bytes) of each PT_LOAD segment with bytes in the file, of an aarch64 ELF64."""
    if len(elf) < 64 or elf[:4] != _ELF_MAGIC or elf[4] != _ELFCLASS64 or elf[5] != _ELFDATA2LSB:
        raise RaspberryPiBootError("the linked image is not a little-endian 64-bit ELF file")
    machine = struct.unpack_from("<H", elf, 18)[0]
    if machine != _EM_AARCH64:
        raise RaspberryPiBootError(f"the linked image is for ELF machine {machine}, not aarch64 ({_EM_AARCH64})")
    (phoff,) = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    if phentsize < 56 or phoff + phentsize * phnum > len(elf):
        raise RaspberryPiBootError("the linked image's program headers lie outside the file")
    segments = []
    for index in range(phnum):
        p_type, _flags, offset, _vaddr, paddr, filesz, _memsz = struct.unpack_from(
            "<IIQQQQQ", elf, phoff + index * phentsize
        )
        if p_type != _PT_LOAD or filesz == 0:
            continue
        if offset + filesz > len(elf):
            raise RaspberryPiBootError(f"segment {index} of the linked image lies outside the file")
        segments.append((paddr, elf[offset : offset + filesz]))
    if not segments:
        raise RaspberryPiBootError("the linked image has no loadable bytes")
    return sorted(segments)


def raw_image(elf: bytes, load_address: int) -> bytes:
    """The loadable bytes of `elf` laid out from `load_address`, gaps zero-filled, as a loader that copies one file
    to one address needs them. The lowest segment must start at `load_address`."""
    segments = _load_segments(elf)
    if segments[0][0] != load_address:
        raise RaspberryPiBootError(
            f"the image's first loadable byte is at {segments[0][0]:#x}, not {load_address:#x} where "
            "the firmware loads it; its linker script must place it there"
        )
    end = max(address + len(data) for address, data in segments)
    if end - load_address > RAW_IMAGE_SIZE_MAX:
        raise RaspberryPiBootError(f"the raw image would be {end - load_address} bytes, over 64 MiB")
    image = bytearray(end - load_address)
    placed_end = load_address
    for address, data in segments:
        if address < placed_end:
            raise RaspberryPiBootError(f"two loadable segments of the image overlap at {address:#x}")
        image[address - load_address : address - load_address + len(data)] = data
        placed_end = address + len(data)
    return bytes(image)


def raspberry_pi_boot_files(elf: bytes) -> Dict[str, bytes]:
    """The boot partition's files (name -> bytes) for the aarch64 image `elf`."""
    return {
        "kernel8.img": raw_image(elf, RASPBERRY_PI_LOAD_ADDRESS),
        "config.txt": RASPBERRY_PI_CONFIG_TXT.encode("utf-8"),
        "cmdline.txt": RASPBERRY_PI_CMDLINE_TXT.encode("utf-8"),
    }

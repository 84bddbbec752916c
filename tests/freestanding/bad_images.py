"""Hostile variants of a packaged image, each breaking one check of the tenders' ELF loader (targets/tender/elf_load.c).

Built from a real image by patching its headers with struct, so the rest of the image stays valid and the loader's
answer names exactly the one thing that is wrong. Used by image_checks_test.py (through the tenders and the virtio
runner) and by tests/tender_loader (the loader alone, and its fuzzer's seed corpus).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W = 1, 2
# Elf64_Phdr field offsets.
P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ = 4, 8, 16, 24, 32, 40
E_ENTRY, E_PHOFF = 0x18, 0x20

# The ABI note's header and owner (lib/platform/image_notes.h): namesz 7, descsz 8, MIRAGE_NOTE_TYPE_ABI, "MIRAGE".
ABI_NOTE = struct.pack("<III", 7, 8, 0x4D490001) + b"MIRAGE\0\0"
# The manifest note's type and owner; its header's namesz and descsz lie just before, its description after:
# version, count, then 16 entries of {char name[64]; u32 type; u32 reserved}.
MANIFEST_NOTE = struct.pack("<I", 0x4D490002) + b"MIRAGE\0\0"
MANIFEST_ENTRY_SIZE = 72


def program_headers(data: bytes) -> List[Tuple[int, int, int]]:
    """(offset of the header in the file, p_type, p_flags) of every program header."""
    (phoff,) = struct.unpack_from("<Q", data, E_PHOFF)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    headers = []
    for index in range(phnum):
        at = phoff + index * phentsize
        p_type, p_flags = struct.unpack_from("<II", data, at)
        headers.append((at, p_type, p_flags))
    return headers


def load_segments(data: bytes) -> List[Tuple[int, int, int]]:
    """(p_vaddr, p_memsz, p_flags) of every PT_LOAD segment with memory, in file order."""
    found = []
    for at, p_type, p_flags in program_headers(data):
        (vaddr,) = struct.unpack_from("<Q", data, at + P_VADDR)
        (memsz,) = struct.unpack_from("<Q", data, at + P_MEMSZ)
        if p_type == PT_LOAD and memsz:
            found.append((vaddr, memsz, p_flags))
    return found


def entry_point(data: bytes) -> int:
    return struct.unpack_from("<Q", data, E_ENTRY)[0]


def _header(data: bytes, p_type: int, flags: int = 0) -> int:
    """The file offset of the first program header of `p_type` whose flags include `flags`."""
    for at, found_type, p_flags in program_headers(data):
        if found_type == p_type and p_flags & flags == flags:
            return at
    raise AssertionError(f"no program header of type {p_type} with flags {flags}")


def _get64(data: bytearray, at: int) -> int:
    return struct.unpack_from("<Q", data, at)[0]


def _put64(data: bytearray, at: int, value: int) -> None:
    struct.pack_into("<Q", data, at, value)


def _put32(data: bytearray, at: int, value: int) -> None:
    struct.pack_into("<I", data, at, value)


def _unique(data: bytearray, marker: bytes) -> int:
    at = data.find(marker)
    assert at >= 0 and data.find(marker, at + 1) < 0, f"{marker!r} is not unique in the image"
    return at


def segment_below_load_address(data: bytearray) -> None:
    text = _header(data, PT_LOAD, PF_X)
    _put64(data, text + P_VADDR, 0x1000)
    _put64(data, text + P_PADDR, 0x1000)


def segment_past_memory(data: bytearray) -> None:
    # The data segment's .bss grows to 64 MiB: past the tenders' default --mem of 32 MiB.
    _put64(data, _header(data, PT_LOAD, PF_W) + P_MEMSZ, 64 << 20)


def segments_overlap(data: bytearray) -> None:
    # The read-only data segment moves onto the text's first page (neither is writable, so W^X still holds).
    text = _header(data, PT_LOAD, PF_X)
    rodata = next(at for at, t, f in program_headers(data) if t == PT_LOAD and f & (PF_W | PF_X) == 0)
    start = _get64(data, text + P_VADDR)
    _put64(data, rodata + P_VADDR, start)
    _put64(data, rodata + P_PADDR, start)


def note_name_overflows(data: bytearray) -> None:
    _put32(data, _unique(data, ABI_NOTE), 0xFFFFFFFF)


def note_description_overflows(data: bytearray) -> None:
    _put32(data, _unique(data, ABI_NOTE) + 4, 0xFFFFFFF0)


def note_truncated(data: bytearray) -> None:
    # The note segment ends 4 bytes into its last note's 12-byte header.
    note = _header(data, PT_NOTE)
    size = _get64(data, note + P_FILESZ)
    _put64(data, note + P_FILESZ, size - len(ABI_NOTE) - 8 + 4)


def manifest_count_exceeds_description(data: bytearray) -> None:
    # The manifest note claims two entries but its description holds one.
    at = _unique(data, MANIFEST_NOTE)
    _put32(data, at - 4, 8 + MANIFEST_ENTRY_SIZE)
    _put32(data, at + len(MANIFEST_NOTE) + 4, 2)


def manifest_name_twice(data: bytearray) -> None:
    desc = _unique(data, MANIFEST_NOTE) + len(MANIFEST_NOTE)
    first = desc + 8
    data[first + MANIFEST_ENTRY_SIZE : first + 2 * MANIFEST_ENTRY_SIZE] = data[first : first + MANIFEST_ENTRY_SIZE]
    _put32(data, desc + 4, 2)


def entry_outside_code(data: bytearray) -> None:
    # Into the read-only data segment: mapped, but not executable.
    rodata = next(at for at, t, f in program_headers(data) if t == PT_LOAD and f & (PF_W | PF_X) == 0)
    _put64(data, E_ENTRY, _get64(data, rodata + P_VADDR))


def program_headers_past_end(data: bytearray) -> None:
    _put64(data, E_PHOFF, len(data) - 16)


def file_size_above_memory_size(data: bytearray) -> None:
    text = _header(data, PT_LOAD, PF_X)
    _put64(data, text + P_FILESZ, _get64(data, text + P_MEMSZ) + 1)


def segment_offset_overflows(data: bytearray) -> None:
    _put64(data, _header(data, PT_LOAD, PF_X) + P_OFFSET, 0xFFFFFFFFFFFFF000)


@dataclass(frozen=True)
class BadImage:
    name: str
    base: str  # "hello", or "block" where the check needs a manifest
    patch: Callable[[bytearray], None]
    expected: str  # in the one-line refusal, after "<tender>: <image>: "


BAD_IMAGES: Dict[str, BadImage] = {
    bad.name: bad
    for bad in [
        BadImage(
            "segment_below_load_address",
            "hello",
            segment_below_load_address,
            "segment 0 at 0x1000 lies below guest memory, which starts at 0x100000",
        ),
        BadImage("segment_past_memory", "hello", segment_past_memory, "MiB of guest memory: raise --mem"),
        BadImage("segments_overlap", "hello", segments_overlap, "two loadable segments overlap"),
        BadImage("note_name_overflows", "hello", note_name_overflows, "a note runs past its segment"),
        BadImage("note_description_overflows", "hello", note_description_overflows, "a note runs past its segment"),
        BadImage("note_truncated", "hello", note_truncated, "a note header runs past its segment"),
        BadImage(
            "manifest_count_exceeds_description",
            "block",
            manifest_count_exceeds_description,
            "the manifest note is shorter than its 2 entries",
        ),
        BadImage("manifest_name_twice", "block", manifest_name_twice, "the manifest lists device 'storage' twice"),
        BadImage("entry_outside_code", "hello", entry_outside_code, "is not inside an executable segment"),
        BadImage("program_headers_past_end", "hello", program_headers_past_end, "the program header table (offset"),
        BadImage(
            "file_size_above_memory_size",
            "hello",
            file_size_above_memory_size,
            "segment 0 has more bytes in the file than in memory",
        ),
        BadImage(
            "segment_offset_overflows",
            "hello",
            segment_offset_overflows,
            "a loadable segment (offset 0xfffffffffffff000",
        ),
    ]
}


def build(bad: BadImage, source: bytes) -> bytes:
    data = bytearray(source)
    bad.patch(data)
    return bytes(data)

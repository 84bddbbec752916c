"""muen_subject on small ELF files made here: the regions it derives, and the images it refuses."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from typing import List, Optional, Tuple

import pytest
from mirage.util_rules.muen_subject import MuenSubjectError, component_name, subject_specification, word64

R, W, X = 4, 2, 1


def note(abi: int = 6, version: int = 1) -> bytes:
    return struct.pack("<III", 7, 8, 0x4D490001) + b"MIRAGE\0\0" + struct.pack("<II", abi, version)


def manifest(*devices: Tuple[str, int]) -> bytes:
    entries = b"".join(struct.pack("<64sII", name.encode(), kind, 0) for name, kind in devices)
    desc = struct.pack("<II", 1, len(devices)) + entries + bytes(72 * (16 - len(devices)))
    return struct.pack("<III", 7, len(desc), 0x4D490002) + b"MIRAGE\0\0" + desc


def elf(segments: List[Tuple[int, int, int, int]], entry: int = 0x200000, abi_note: Optional[bytes] = None) -> bytes:
    """(flags, vaddr, filesz, memsz) PT_LOADs, their file bytes packed after the headers, then a PT_NOTE."""
    abi_note = note() if abi_note is None else abi_note
    phnum = len(segments) + 1
    at = 64 + 56 * phnum
    headers, body = b"", b""
    for flags, vaddr, filesz, memsz in segments:
        headers += struct.pack("<IIQQQQQQ", 1, flags, at + len(body), vaddr, vaddr, filesz, memsz, 0x1000)
        body += bytes([flags]) * filesz
    headers += struct.pack("<IIQQQQQQ", 4, R, at + len(body), 0, 0, len(abi_note), len(abi_note), 4)
    body += abi_note
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    return header + headers + body


GOOD = [(R | X, 0x200000, 0x2000, 0x2000), (R, 0x202000, 0x1000, 0x1000), (R | W, 0x203000, 0x1000, 0x1000),
        (R | W, 0x204000, 0, 0x3000)]  # fmt: skip


def regions(xml: bytes) -> dict:
    root = ET.fromstring(xml)
    return {m.get("logical"): m for m in root.findall("provides/memory")}


def test_word64_is_muens_notation() -> None:
    assert [word64(v) for v in (0, 0x1000, 0x14000, 0xC000_0100, 0xF_0000_0000)] == [
        "16#0000#", "16#1000#", "16#0001_4000#", "16#c000_0100#", "16#000f_0000_0000#",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        word64(1 << 64)


def test_segments_become_regions_with_their_permissions_and_offsets() -> None:
    image = elf(GOOD, entry=0x200010)
    xml = subject_specification("image.muen", image, "hello")
    found = regions(xml)
    assert list(found) == ["text", "rodata", "data", "bss", "stack", "heap"]
    assert [(m.get("writable"), m.get("executable")) for m in found.values()] == [
        ("false", "true"), ("false", "false"), ("true", "false"), ("true", "false"), ("true", "false"),
        ("true", "false"),
    ]  # fmt: skip
    first_offset = 64 + 56 * 5
    assert found["text"].find("file").get("offset") == word64(first_offset)
    assert found["data"].find("file").get("offset") == word64(first_offset + 0x3000)
    assert found["bss"].find("fill").get("pattern") == "16#00#"
    # A guard page between the bss and the stack, and between the stack and the heap.
    assert found["stack"].get("virtualAddress") == word64(0x208000)
    root = ET.fromstring(xml)
    assert root.findtext("requires/vcpu/vmx/controls/proc/RDTSCExiting") == "0"
    assert root.findtext("requires/vcpu/registers/gpr/rip") == word64(0x200010)
    assert root.findtext("requires/vcpu/registers/gpr/rsp") == word64(0x208000 + 512 * 1024)
    assert found["heap"].get("virtualAddress") == word64(0x208000 + 512 * 1024 + 0x1000)


def test_the_specification_is_deterministic() -> None:
    image = elf(GOOD)
    assert subject_specification("a.muen", image, "x") == subject_specification("a.muen", image, "x")


@pytest.mark.parametrize(
    "segments, entry, abi_note, fault",
    [
        ([(R | W | X, 0x200000, 0x1000, 0x1000)], 0x200000, None, "writable and executable"),
        ([(R | X, 0x200000, 0x800, 0x1000)], 0x200000, None, "Muen would fill the rest"),
        ([(R | X, 0x200800, 0x1000, 0x1000)], 0x200800, None, "not whole pages"),
        ([(R | X, 0x200000, 0x1000, 0x1000)], 0x300000, None, "entry point"),
        ([(R | X, 0x200000, 0x1000, 0x1000)], 0x200000, note(abi=1), "ABI note"),
        ([(R | X, 0x200000, 0x1000, 0x1000)], 0x200000, note(version=2), "ABI note"),
        ([(R | X, 0x200000, 0x2000, 0x2000), (R, 0x201000, 0x1000, 0x1000)], 0x200000, None, "overlap"),
        ([(R, 0x200000, 0x1000, 0x1000)], 0x200000, None, "entry point"),
    ],
)
def test_images_muen_cannot_map_are_refused(segments, entry, abi_note, fault) -> None:
    with pytest.raises(MuenSubjectError, match=fault):
        subject_specification("image.muen", elf(segments, entry, abi_note), "x")


def test_not_an_x86_64_executable_is_refused() -> None:
    image = bytearray(elf(GOOD))
    image[18] = 183  # EM_AARCH64
    with pytest.raises(MuenSubjectError, match="x86-64"):
        subject_specification("image.muen", bytes(image), "x")
    with pytest.raises(MuenSubjectError, match="not an ELF"):
        subject_specification("image.muen", b"#!/bin/sh\n", "x")


def test_component_names_fit_the_policys_name_type() -> None:
    assert component_name("examples/hello:image@abi=muen") == "examples_hello_image_abi_muen"
    assert len(component_name("a" * 100)) == 63


def test_each_net_device_gets_a_muennet_channel_pair() -> None:
    xml = subject_specification("i.muen", elf(GOOD, abi_note=note() + manifest(("inside", 1), ("outside", 1))), "x")
    channels = [
        (c.tag, c.get("logical"), c.get("virtualAddress")) for c in ET.fromstring(xml).find("requires/channels")
    ]
    assert channels == [
        ("reader", "time_info", word64(0xF_0001_0000)),
        ("writer", "debuglog", word64(0xF_0000_0000)),
        ("writer", "inside|out", word64(0xF_0100_0000)),
        ("reader", "inside|in", word64(0xF_0108_0000)),
        ("writer", "outside|out", word64(0xF_0110_0000)),
        ("reader", "outside|in", word64(0xF_0118_0000)),
    ]


def test_block_devices_are_refused_at_package_time() -> None:
    with pytest.raises(MuenSubjectError, match="block device 'storage'"):
        subject_specification("i.muen", elf(GOOD, abi_note=note() + manifest(("storage", 2))), "x")

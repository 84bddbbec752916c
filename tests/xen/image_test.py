"""The packaged xen image, checked the way Xen's domain builder reads it: the Xen ELF notes and their values, the
entry point in an executable segment, W^X segments, the hypercall page's placement. No Xen runs here (see
boot_test.py), so this reads the ELF file itself."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import List

from xen.elf_image import Elf, Segment, read_elf

IMAGE = Path("examples.hello/image.xen")
PT_LOAD = 1
PF_X, PF_W, PF_R = 1, 2, 4
PAGE = 4096
XEN_ELFNOTE_XEN_VERSION, XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_LOADER, XEN_ELFNOTE_PHYS32_ENTRY = 5, 6, 8, 18
MIRAGE_NOTE_TYPE_ABI, MIRAGE_ABI_XEN = 0x4D490001, 5


def loads(elf: Elf) -> List[Segment]:
    return [s for s in elf.segments if s.type == PT_LOAD]


def test_the_xen_notes_name_the_entry_the_guest_os_version_and_loader() -> None:
    elf = read_elf(IMAGE)
    xen = {note_type: desc for name, note_type, desc in elf.notes() if name == "Xen"}
    assert set(xen) == {XEN_ELFNOTE_PHYS32_ENTRY, XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_XEN_VERSION, XEN_ELFNOTE_LOADER}
    (phys32_entry,) = struct.unpack("<I", xen[XEN_ELFNOTE_PHYS32_ENTRY])
    assert phys32_entry == elf.entry == elf.symbols["xen_pvh_start"][0]
    assert xen[XEN_ELFNOTE_GUEST_OS] == b"Mirage\0"
    assert xen[XEN_ELFNOTE_XEN_VERSION] == b"xen-3.0\0"
    assert xen[XEN_ELFNOTE_LOADER] == b"generic\0"
    mirage = [desc for name, note_type, desc in elf.notes() if (name, note_type) == ("MIRAGE", MIRAGE_NOTE_TYPE_ABI)]
    assert [struct.unpack("<II", desc)[0] for desc in mirage] == [MIRAGE_ABI_XEN]


def test_the_entry_is_32_bit_reachable_code_in_an_executable_segment() -> None:
    elf = read_elf(IMAGE)
    holding = [s for s in loads(elf) if s.holds(elf.entry)]
    assert len(holding) == 1 and holding[0].flags == PF_R | PF_X
    # Xen starts a PVH guest with paging off: the entry and every segment are physical addresses below 4 GiB.
    assert elf.entry < 1 << 32
    for segment in loads(elf):
        assert segment.vaddr == segment.paddr and segment.vaddr >= 1 << 20 and segment.vaddr + segment.memsz < 1 << 32


def test_segments_are_write_xor_execute_and_do_not_overlap() -> None:
    segments = sorted(loads(read_elf(IMAGE)), key=lambda s: s.vaddr)
    assert {s.flags for s in segments} == {PF_R | PF_X, PF_R, PF_R | PF_W}
    for segment in segments:
        assert not (segment.flags & PF_W and segment.flags & PF_X)
        assert segment.vaddr % PAGE == 0, "each segment starts on a page, so paging.c can map it alone"
    for lower, upper in zip(segments, segments[1:]):
        assert lower.vaddr + lower.memsz <= upper.vaddr


def test_the_hypercall_page_is_one_aligned_executable_page_poisoned_until_xen_fills_it() -> None:
    elf = read_elf(IMAGE)
    address, size = elf.symbols["xen_hypercall_page"]
    assert (address % PAGE, size) == (0, PAGE)
    (segment,) = [s for s in loads(elf) if s.holds(address, size)]
    assert segment.flags == PF_R | PF_X
    assert elf.bytes_at(address, size) == b"\xcc" * PAGE, "int3 until Xen writes its stubs"
    shared, shared_size = elf.symbols["xen_shared_info_page"]
    assert (shared % PAGE, shared_size) == (0, PAGE)
    (segment,) = [s for s in loads(elf) if s.holds(shared, shared_size)]
    assert segment.flags == PF_R | PF_W, "Xen maps shared info over a writable page of the image's own"

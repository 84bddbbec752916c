"""The Muen subject specification of a muen image: a component specification, as Muen's system policy takes it.

A Muen system policy instantiates subjects from components (`<components>` in the policy source; a `<subject>`
names its component with `<component ref="..."/>` and maps the component's logical resources to physical ones).
The component written here is what that `<subject>` expects, in the form Muen's published policy schema gives
(`componentType`): `<requires>` holds the vCPU's entry and stack (`<rip>`, `<rsp>`), RDTSC without exits, and
the one MSR the startup writes, the boot-argument region, the channels (the console, a debug log writer; the time
subject's time info page, a reader; for each net device of the image's manifest, a writer `<name>|out` and a
reader `<name>|in` in Muen's muennet protocol) and the exit event; `<provides>` holds the image's segments as
memory regions filled from the image file at each segment's offset, with each segment's permissions (never
writable and executable at once), and the bss, stack and heap as regions filled with zeros, each apart from the
next by an unmapped guard page. An image with a block device is refused: this ABI has no block transport.

The names and the contract version match targets/muen/muen_abi.h; the image reads every address through its
subject info page, so an integrator may move or resize any region (the heap, say) in the policy.

Pure Python, no Pants: `subject_specification(image_file_name, image_bytes, component_name)` returns the XML.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import List, Optional, Tuple

PAGE = 0x1000
# targets/muen/muen_abi.h and lib/platform/image_notes.h.
MUEN_ABI_VERSION = 1
MIRAGE_ABI_MUEN = 6
MIRAGE_NOTE_TYPE_ABI = 0x4D490001
MIRAGE_NOTE_TYPE_MANIFEST = 0x4D490002
MIRAGE_DEVICE_NET, MIRAGE_DEVICE_BLOCK = 1, 2
# Where requires puts what is not the image: above the image and below Muen's own subject info (0xe_0000_0000).
CONSOLE_ADDRESS, CONSOLE_SIZE = 0xF_0000_0000, 0x1_0000
TIME_INFO_ADDRESS, TIME_INFO_SIZE = 0xF_0001_0000, PAGE
CMDLINE_ADDRESS, CMDLINE_SIZE = 0xF_0002_0000, 2 * PAGE
EXIT_EVENT_ID = 1
# Each net device's two muennet channels (targets/muen/net.c): 256 KiB each, 172 frames of 1,516 bytes.
NET_CHANNELS_ADDRESS, NET_CHANNEL_SIZE, NET_CHANNELS_STRIDE = 0xF_0100_0000, 0x4_0000, 0x10_0000
STACK_SIZE = 512 * 1024
HEAP_SIZE = 32 * 1024 * 1024
MSR_FS_BASE = 0xC000_0100
SEGMENT_ORDER = ("text", "rodata", "data", "bss")

PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4


class MuenSubjectError(Exception):
    """The image cannot be a Muen subject as it is; the message says why."""


@dataclass(frozen=True)
class Segment:
    name: str
    address: int
    size: int
    file_offset: Optional[int]  # None: filled with zeros
    writable: bool
    executable: bool


@dataclass(frozen=True)
class Region:
    """A `<provides>` memory region: a segment of the image, or the bss, stack or heap."""

    name: str
    address: int
    size: int
    file_offset: Optional[int]
    writable: bool
    executable: bool


def word64(value: int) -> str:
    """Muen's word64Type: `16#` then hex digits in groups of four joined by `_` (at least one group), then `#`."""
    if not 0 <= value < 1 << 64:
        raise ValueError(f"{value} is no 64-bit word")
    digits = f"{value:x}"
    digits = digits.zfill(-(-len(digits) // 4) * 4)
    return "16#" + "_".join(digits[i : i + 4] for i in range(0, len(digits), 4)) + "#"


def _program_headers(image: bytes) -> Tuple[int, List[Tuple[int, int, int, int, int, int]]]:
    """(entry, [(type, flags, offset, vaddr, filesz, memsz)]) of an ELF64 little-endian x86-64 executable."""
    if len(image) < 64 or image[:4] != b"\x7fELF":
        raise MuenSubjectError("not an ELF file")
    if image[4] != 2 or image[5] != 1:
        raise MuenSubjectError("not a 64-bit little-endian ELF file")
    e_type, e_machine = struct.unpack_from("<HH", image, 16)
    if e_type != 2 or e_machine != 62:
        raise MuenSubjectError("not an x86-64 executable (ET_EXEC, EM_X86_64)")
    entry, phoff = struct.unpack_from("<QQ", image, 24)
    phentsize, phnum = struct.unpack_from("<HH", image, 54)
    if phentsize != 56 or phoff + phnum * 56 > len(image):
        raise MuenSubjectError("program headers outside the file")
    headers = []
    for i in range(phnum):
        p_type, p_flags, p_offset, p_vaddr, _paddr, p_filesz, p_memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", image, phoff + i * 56
        )
        if p_filesz > p_memsz or p_offset + p_filesz > len(image):
            raise MuenSubjectError(f"program header {i} claims bytes the file does not have")
        headers.append((p_type, p_flags, p_offset, p_vaddr, p_filesz, p_memsz))
    return entry, headers


def _mirage_note(image: bytes, headers, note_type: int) -> Optional[bytes]:
    """The description of the image's MIRAGE note of `note_type`, or None."""
    for p_type, _flags, offset, _vaddr, filesz, _memsz in headers:
        if p_type != PT_NOTE:
            continue
        at, end = offset, offset + filesz
        while at + 12 <= end:
            namesz, descsz, n_type = struct.unpack_from("<III", image, at)
            name_at = at + 12
            desc_at = name_at + (-(-namesz // 4) * 4)
            next_at = desc_at + (-(-descsz // 4) * 4)
            if next_at > end:
                break
            if image[name_at : name_at + namesz] == b"MIRAGE\0" and n_type == note_type:
                return image[desc_at : desc_at + descsz]
            at = next_at
    return None


def _abi_note(image: bytes, headers) -> Optional[Tuple[int, int]]:
    """(abi, version) from the image's MIRAGE ABI note, or None."""
    desc = _mirage_note(image, headers, MIRAGE_NOTE_TYPE_ABI)
    return struct.unpack_from("<II", desc) if desc is not None and len(desc) >= 8 else None


def manifest_devices(image: bytes) -> List[Tuple[str, int]]:
    """(name, type) of each device in the image's manifest note (lib/platform/image_notes.h), in order."""
    _entry, headers = _program_headers(image)
    desc = _mirage_note(image, headers, MIRAGE_NOTE_TYPE_MANIFEST)
    if desc is None:
        return []
    version, count = struct.unpack_from("<II", desc)
    if version != 1 or count > 16 or len(desc) < 8 + 72 * count:
        raise MuenSubjectError("the image's manifest note is malformed")
    devices = []
    for i in range(count):
        raw_name, device_type = struct.unpack_from("<64sI", desc, 8 + 72 * i)
        devices.append((raw_name.split(b"\0", 1)[0].decode("ascii"), device_type))
    return devices


def net_channels(image: bytes) -> List[Tuple[str, str, int]]:
    """(reader or writer, logical name, address) of the muennet channels of the image's net devices."""
    channels = []
    for index, (device, device_type) in enumerate(manifest_devices(image)):
        if device_type == MIRAGE_DEVICE_BLOCK:
            raise MuenSubjectError(
                f"the block device {device!r} has no transport over Muen channels on this ABI (targets/muen/README.md)"
            )
        if len(device) + len("|out") > 63:
            raise MuenSubjectError(f"the net device name {device!r} is too long for Muen's 63-character names")
        base = NET_CHANNELS_ADDRESS + index * NET_CHANNELS_STRIDE
        channels.append(("writer", f"{device}|out", base))
        channels.append(("reader", f"{device}|in", base + NET_CHANNELS_STRIDE // 2))
    return channels


def image_segments(image: bytes) -> Tuple[int, List[Segment]]:
    """The entry point and the loadable segments of a muen image, checked as targets/muen/muen.ld lays them out."""
    entry, headers = _program_headers(image)
    note = _abi_note(image, headers)
    if note != (MIRAGE_ABI_MUEN, MUEN_ABI_VERSION):
        raise MuenSubjectError(
            f"the image's MIRAGE ABI note is {note}, not muen version {MUEN_ABI_VERSION}: link it with targets/muen"
        )
    segments: List[Segment] = []
    for p_type, flags, offset, vaddr, filesz, memsz in headers:
        if p_type != PT_LOAD or memsz == 0:
            continue
        writable, executable = bool(flags & PF_W), bool(flags & PF_X)
        if writable and executable:
            raise MuenSubjectError(f"the segment at {vaddr:#x} is writable and executable")
        if vaddr % PAGE or memsz % PAGE:
            raise MuenSubjectError(f"the segment at {vaddr:#x} ({memsz:#x} bytes) is not whole pages")
        if filesz not in (0, memsz):
            raise MuenSubjectError(
                f"the segment at {vaddr:#x} has {filesz:#x} bytes in the file for {memsz:#x} in memory: Muen would "
                "fill the rest from the file's next bytes (targets/muen/muen.ld pads each segment in the file)"
            )
        name = "text" if executable else ("rodata" if not writable else ("data" if filesz else "bss"))
        if any(s.name == name for s in segments):
            raise MuenSubjectError(f"two {name} segments")
        segments.append(Segment(name, vaddr, memsz, offset if filesz else None, writable, executable))
    segments.sort(key=lambda s: s.address)
    for before, after in zip(segments, segments[1:]):
        if before.address + before.size > after.address:
            raise MuenSubjectError(f"the {before.name} and {after.name} segments overlap")
    text = next((s for s in segments if s.name == "text"), None)
    if text is None or not text.address <= entry < text.address + text.size:
        raise MuenSubjectError(f"the entry point {entry:#x} is not in the text segment")
    return entry, segments


def provided_regions(segments: List[Segment]) -> List[Region]:
    """The image's segments, then the stack and the heap, each a guard page above what precedes it."""
    regions = [Region(s.name, s.address, s.size, s.file_offset, s.writable, s.executable) for s in segments]
    top = max(s.address + s.size for s in segments)
    stack = Region("stack", top + PAGE, STACK_SIZE, None, True, False)
    heap = Region("heap", stack.address + stack.size + PAGE, HEAP_SIZE, None, True, False)
    return [*regions, stack, heap]


def component_name(address_spec: str) -> str:
    """A policy name (1 to 63 characters) from a target address: `examples/hello:image` -> `examples_hello_image`."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", address_spec).strip("_") or "unikernel"
    return name[:63]


def subject_specification(image_file_name: str, image: bytes, name: str) -> bytes:
    """The component specification (XML, UTF-8) of the muen image `image`, which lies in `image_file_name`."""
    entry, segments = image_segments(image)
    regions = provided_regions(segments)
    stack = next(r for r in regions if r.name == "stack")

    component = ET.Element("component", {"name": name, "profile": "native"})
    component.append(
        ET.Comment(
            f" Written by mirage-pants for {image_file_name} (muen ABI version {MUEN_ABI_VERSION}): a component "
            'for a <components> section; a <subject> instantiates it with <component ref="' + name + '"> and maps '
            "its logical cmdline, debuglog, time_info and exit to physical resources (targets/muen/README.md). "
        )
    )
    requires = ET.SubElement(component, "requires")
    vcpu = ET.SubElement(requires, "vcpu")
    # The clocks read the TSC directly; Muen's native profile makes RDTSC exit to the kernel unless told otherwise.
    proc = ET.SubElement(ET.SubElement(ET.SubElement(vcpu, "vmx"), "controls"), "proc")
    ET.SubElement(proc, "RDTSCExiting").text = "0"
    msrs = ET.SubElement(vcpu, "msrs")
    ET.SubElement(msrs, "msr", {"start": word64(MSR_FS_BASE), "end": word64(MSR_FS_BASE), "mode": "w"})
    gpr = ET.SubElement(ET.SubElement(vcpu, "registers"), "gpr")
    ET.SubElement(gpr, "rip").text = word64(entry)
    ET.SubElement(gpr, "rsp").text = word64(stack.address + stack.size)
    memory = ET.SubElement(requires, "memory")
    ET.SubElement(
        memory,
        "memory",
        {
            "logical": "cmdline",
            "writable": "false",
            "executable": "false",
            "size": word64(CMDLINE_SIZE),
            "virtualAddress": word64(CMDLINE_ADDRESS),
        },
    )
    channels = ET.SubElement(requires, "channels")
    ET.SubElement(
        channels,
        "reader",
        {"logical": "time_info", "size": word64(TIME_INFO_SIZE), "virtualAddress": word64(TIME_INFO_ADDRESS)},
    )
    ET.SubElement(
        channels,
        "writer",
        {"logical": "debuglog", "size": word64(CONSOLE_SIZE), "virtualAddress": word64(CONSOLE_ADDRESS)},
    )
    for role, logical, address in net_channels(image):
        ET.SubElement(
            channels, role, {"logical": logical, "size": word64(NET_CHANNEL_SIZE), "virtualAddress": word64(address)}
        )
    source = ET.SubElement(ET.SubElement(requires, "events"), "source")
    ET.SubElement(source, "event", {"id": str(EXIT_EVENT_ID), "logical": "exit"})

    provides = ET.SubElement(component, "provides")
    for region in regions:
        element = ET.SubElement(
            provides,
            "memory",
            {
                "logical": region.name,
                "writable": "true" if region.writable else "false",
                "executable": "true" if region.executable else "false",
                "size": word64(region.size),
                "virtualAddress": word64(region.address),
                "type": "subject_binary",
            },
        )
        if region.file_offset is None:
            ET.SubElement(element, "fill", {"pattern": "16#00#"})
        else:
            ET.SubElement(element, "file", {"filename": image_file_name, "offset": word64(region.file_offset)})

    ET.indent(component, space=" ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(component, encoding="utf-8") + b"\n"

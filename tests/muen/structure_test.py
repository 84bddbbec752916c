"""The packaged muen image and its subject specification, checked against each other and against Muen's published
policy schema field by field.

No Muen here to boot the subject, and neither Debian nor PyPI carries Muen's schema (its XSD ships only in Muen's
own tools), so the XML is read with a real parser (xml.etree) and every element and attribute is checked against
the schema's rules as written (componentType and the types it uses): element order, names of 1 to 63 characters,
`16#....#` words, booleans, event ids up to 63, the FS base MSR among the whitelisted ones, page-sized regions.
The ELF is read here by its own small reader, not the plugin's. Where Muen's schema is at hand (MUEN_SCHEMA_DIR, the
libmuxml/schema folder of Muen's tools) and xmllint is installed, the XML is also validated against it; on
2026-12-03 both specifications below validated against component.xsd of Muen's tools of 2026-01-22."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

IMAGE = Path("examples.hello/image.muen")
SPEC = Path("examples.hello/image.muen.xml")
WORD64 = re.compile(r"16#[0-9a-fA-F]{4}(_[0-9a-fA-F]{4}){0,3}#")
BYTE = re.compile(r"16#[0-9a-fA-F]{2}#")
PAGE = 0x1000
ADDRESS_SPACE_END = 1 << 47
# What Muen's policy expander maps into every subject: the subject info and scheduling pages, the timed event page.
MUEN_RESERVED = [(0xE_0000_0000, 0x9000), (0xE_0001_0000, PAGE)]
SUBJECT_MEMORY_KINDS = {
    "subject", "subject_info", "subject_state", "subject_binary", "subject_channel", "subject_crash_audit",
    "subject_initrd", "subject_bios", "subject_acpi_rsdp", "subject_acpi_xsdt", "subject_acpi_fadt",
    "subject_acpi_dsdt", "subject_zeropage", "subject_solo5_boot_info", "subject_device", "subject_timed_event",
    "subject_devicetree",
}  # fmt: skip


def word(text: str) -> int:
    assert WORD64.fullmatch(text), f"{text!r} is no word64Type"
    return int(text[3:-1].replace("_", ""), 16)


def boolean(text: str) -> bool:
    assert text in ("true", "false"), f"{text!r} is no booleanType"
    return text == "true"


def name(text: str) -> str:
    assert 1 <= len(text) <= 63, f"{text!r} is no nameType"
    return text


def children(element: ET.Element) -> List[str]:
    return [child.tag for child in element if isinstance(child.tag, str)]


def in_order(tags: List[str], order: Tuple[str, ...]) -> bool:
    """The tags appear in the schema sequence's order, each at most once."""
    positions = [order.index(tag) for tag in tags]
    return positions == sorted(positions) and len(set(positions)) == len(positions)


def elf_segments(image: bytes) -> Tuple[int, List[Dict[str, int]], List[Tuple[int, int]]]:
    assert image[:4] == b"\x7fELF" and image[4] == 2 and image[5] == 1
    e_type, e_machine = struct.unpack_from("<HH", image, 16)
    assert (e_type, e_machine) == (2, 62), "an x86-64 executable"
    entry, phoff = struct.unpack_from("<QQ", image, 24)
    phnum = struct.unpack_from("<H", image, 56)[0]
    loads, notes = [], []
    for i in range(phnum):
        p_type, flags, offset, vaddr, _paddr, filesz, memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", image, phoff + 56 * i
        )
        if p_type == 1 and memsz:
            loads.append({"flags": flags, "offset": offset, "vaddr": vaddr, "filesz": filesz, "memsz": memsz})
        elif p_type == 4:
            notes.append((offset, filesz))
    return entry, loads, notes


def test_specification_follows_the_component_schema() -> None:
    root = ET.parse(SPEC).getroot()
    assert root.tag == "component" and root.get("profile") == "native"
    name(root.get("name", ""))
    assert in_order(children(root), ("config", "depends", "requires", "provides"))
    requires, provides = root.find("requires"), root.find("provides")
    assert requires is not None and provides is not None
    assert in_order(children(requires), ("vcpu", "memory", "channels", "devices", "events"))

    vcpu = requires.find("vcpu")
    assert vcpu is not None and in_order(children(vcpu), ("vmx", "msrs", "registers"))
    # The clocks read the TSC: the native profile's RDTSC exiting is turned off (bitValueType 0).
    assert [(e.tag, e.text) for e in vcpu.findall("vmx/controls/proc/*")] == [("RDTSCExiting", "0")]
    assert children(vcpu.find("vmx")) == ["controls"] and children(vcpu.find("vmx/controls")) == ["proc"]
    msrs = vcpu.findall("msrs/msr")
    assert [(word(m.get("start", "")), word(m.get("end", "")), m.get("mode")) for m in msrs] == [
        (0xC000_0100, 0xC000_0100, "w")
    ], "only the FS base, which Muen's MSR whitelist has (IA32_FS_BASE .. IA32_KERNEL_GS_BASE)"
    gpr = vcpu.find("registers/gpr")
    assert gpr is not None and children(gpr) == ["rip", "rsp"]

    for memory in requires.findall("memory/memory"):
        name(memory.get("logical", ""))
        boolean(memory.get("writable", "")), boolean(memory.get("executable", ""))
        assert word(memory.get("size", "")) % PAGE == 0 and word(memory.get("virtualAddress", "")) % PAGE == 0
    channels = requires.find("channels")
    assert channels is not None
    for channel in channels:
        assert channel.tag in ("reader", "writer")
        name(channel.get("logical", ""))
        assert word(channel.get("size", "")) % PAGE == 0 and word(channel.get("virtualAddress", "")) % PAGE == 0
        assert channel.tag == "writer" or channel.get("event") is None
    assert {(c.tag, c.get("logical")) for c in channels} == {("writer", "debuglog"), ("reader", "time_info")}
    events = requires.findall("events/source/event")
    assert [(e.get("logical"), 0 <= int(e.get("id", "-1")) <= 63) for e in events] == [("exit", True)]

    for memory in provides.findall("memory"):
        name(memory.get("logical", ""))
        boolean(memory.get("writable", "")), boolean(memory.get("executable", ""))
        assert memory.get("type") in SUBJECT_MEMORY_KINDS
        assert word(memory.get("size", "")) % PAGE == 0 and word(memory.get("virtualAddress", "")) % PAGE == 0
        content = children(memory)
        assert content in (["file"], ["fill"])
        if content == ["file"]:
            file = memory.find("file")
            assert file is not None and file.get("filename") == IMAGE.name
            word(file.get("offset", ""))
        else:
            fill = memory.find("fill")
            assert fill is not None and BYTE.fullmatch(fill.get("pattern", "")) and fill.get("pattern") == "16#00#"


def test_regions_are_the_image_segments_with_their_permissions() -> None:
    image = IMAGE.read_bytes()
    entry, loads, notes = elf_segments(image)
    root = ET.parse(SPEC).getroot()
    provided = {
        m.get("logical"): {
            "address": word(m.get("virtualAddress", "")),
            "size": word(m.get("size", "")),
            "writable": boolean(m.get("writable", "")),
            "executable": boolean(m.get("executable", "")),
            "file": m.find("file"),
        }
        for m in root.findall("provides/memory")
    }
    assert set(provided) == {"text", "rodata", "data", "bss", "stack", "heap"}

    for load in loads:
        matching = [r for r in provided.values() if r["address"] == load["vaddr"]]
        assert len(matching) == 1, f"one region for the segment at {load['vaddr']:#x}"
        region = matching[0]
        assert region["size"] == load["memsz"]
        assert region["writable"] == bool(load["flags"] & 2) and region["executable"] == bool(load["flags"] & 1)
        if load["filesz"]:
            # Muen fills a region from the file at the offset for the region's whole size: exactly the segment.
            assert load["filesz"] == load["memsz"] and region["file"] is not None
            assert word(region["file"].get("offset")) == load["offset"]
            assert load["offset"] + load["filesz"] <= len(image)
        else:
            assert region["file"] is None
    segment_addresses = {load["vaddr"] for load in loads}
    assert {r["address"] for n, r in provided.items() if n in ("text", "rodata", "data", "bss")} == segment_addresses

    text = [load for load in loads if load["flags"] & 1]
    assert len(text) == 1 and text[0]["vaddr"] <= entry < text[0]["vaddr"] + text[0]["memsz"]
    gpr = root.find("requires/vcpu/registers/gpr")
    assert gpr is not None and word(gpr.findtext("rip", "")) == entry
    stack = provided["stack"]
    assert word(gpr.findtext("rsp", "")) == stack["address"] + stack["size"], "%rsp at the top of the stack"

    # W^X, and every mapping apart from every other, inside the address space and clear of Muen's own pages.
    mapped = [(r["address"], r["size"]) for r in provided.values()]
    for element in [*root.findall("requires/memory/memory"), *root.find("requires/channels")]:
        mapped.append((word(element.get("virtualAddress", "")), word(element.get("size", ""))))
    assert not any(r["writable"] and r["executable"] for r in provided.values())
    for address, size in mapped:
        assert 0 < size and address + size <= ADDRESS_SPACE_END
    ordered = sorted(mapped + MUEN_RESERVED)
    for (a, a_size), (b, _) in zip(ordered, ordered[1:]):
        assert a + a_size <= b, f"{a:#x}+{a_size:#x} overlaps {b:#x}"
    # The stack and heap have an unmapped guard page below them.
    for guarded in ("stack", "heap"):
        below = provided[guarded]["address"] - PAGE
        assert not any(a <= below < a + s for a, s in mapped), f"no guard page below the {guarded}"

    # The image says it is a muen subject of contract version 1 (targets/muen/muen_abi.h).
    found = []
    for offset, size in notes:
        at = offset
        while at + 12 <= offset + size:
            namesz, descsz, n_type = struct.unpack_from("<III", image, at)
            desc = at + 12 + (namesz + 3) // 4 * 4
            if image[at + 12 : at + 12 + namesz] == b"MIRAGE\0" and n_type == 0x4D490001:
                found.append(struct.unpack_from("<II", image, desc))
            at = desc + (descsz + 3) // 4 * 4
    assert found == [(6, 1)]


def test_a_net_device_has_its_muennet_channels() -> None:
    """tests/guests:net_ping's `service` netif: a writer and a reader channel, apart from every other mapping."""
    root = ET.parse(Path("tests.guests/net_ping.muen.xml")).getroot()
    channels = {(c.tag, c.get("logical")): c for c in root.find("requires/channels")}
    assert set(channels) == {
        ("writer", "debuglog"), ("reader", "time_info"), ("writer", "service|out"), ("reader", "service|in"),
    }  # fmt: skip
    for key in (("writer", "service|out"), ("reader", "service|in")):
        name(key[1])
        # Room for the header and at least one 1,516-byte frame.
        assert word(channels[key].get("size", "")) >= 64 + 1516
    mapped = sorted(
        (word(e.get("virtualAddress", "")), word(e.get("size", "")))
        for e in [*root.findall("provides/memory"), *root.findall("requires/memory/memory"), *channels.values()]
    )
    for (a, a_size), (b, _) in zip(mapped, mapped[1:]):
        assert a + a_size <= b


def test_the_subject_executes_nothing_that_exits_but_vmcall() -> None:
    """In a native subject CPUID, HLT and port I/O exit to the kernel, which Muen's example policies answer with a
    system panic; the image's code has none of them (RDTSC's exit is turned off in the specification)."""
    objdump = shutil.which("objdump", path=os.environ.get("PATH") or "/usr/bin:/bin")
    assert objdump, "objdump is not on PATH (binutils, which the bootstrap installs)"
    listing = subprocess.run([objdump, "-d", str(IMAGE)], capture_output=True, text=True, check=True).stdout
    mnemonics = {line.split("\t")[2].split()[0] for line in listing.splitlines() if line.count("\t") >= 2}
    assert "vmcall" in mnemonics and "rdtsc" in mnemonics and "wrmsr" in mnemonics
    assert not mnemonics & {"cpuid", "hlt", "in", "out", "ins", "outs", "rdseed", "rdmsr", "invlpg", "wbinvd"}


@pytest.mark.parametrize("spec", [SPEC, Path("tests.guests/net_ping.muen.xml")])
def test_validates_against_muens_schema_where_it_is_at_hand(spec: Path) -> None:
    schema_dir = os.environ.get("MUEN_SCHEMA_DIR", "")
    xmllint = shutil.which("xmllint", path=os.environ.get("PATH") or "/usr/bin:/bin")
    if not schema_dir or not (Path(schema_dir) / "component.xsd").is_file() or xmllint is None:
        pytest.skip("no Muen schema (set MUEN_SCHEMA_DIR to libmuxml/schema of Muen's tools) or no xmllint")
    result = subprocess.run(
        [xmllint, "--noout", "--schema", str(Path(schema_dir) / "component.xsd"), str(spec.resolve())],
        capture_output=True,
        text=True,
        cwd=schema_dir,
    )
    assert result.returncode == 0, result.stderr

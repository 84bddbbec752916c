"""A small reader of 64-bit little-endian ELF executables: program headers, notes and symbols, for the tests that
check xen images the way Xen's domain builder reads them."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

PT_LOAD, PT_NOTE = 1, 4
SHT_SYMTAB = 2


@dataclass(frozen=True)
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    paddr: int
    filesz: int
    memsz: int

    def holds(self, address: int, size: int = 1) -> bool:
        return self.vaddr <= address and address + size <= self.vaddr + self.memsz


@dataclass(frozen=True)
class Elf:
    data: bytes
    entry: int
    segments: Tuple[Segment, ...]
    symbols: Dict[str, Tuple[int, int]]  # name -> (value, size)

    def notes(self) -> List[Tuple[str, int, bytes]]:
        found = []
        for segment in self.segments:
            if segment.type != PT_NOTE:
                continue
            at, end = segment.offset, segment.offset + segment.filesz
            while at + 12 <= end:
                name_size, desc_size, note_type = struct.unpack_from("<III", self.data, at)
                name_at = at + 12
                desc_at = name_at + (name_size + 3) // 4 * 4
                name = self.data[name_at : name_at + name_size].rstrip(b"\0").decode()
                found.append((name, note_type, self.data[desc_at : desc_at + desc_size]))
                at = desc_at + (desc_size + 3) // 4 * 4
        return found

    def symbol_at(self, address: int) -> str:
        """The name of the sized symbol holding `address`, or "" for none."""
        for name, (value, size) in sorted(self.symbols.items()):
            if size and value <= address < value + size:
                return name
        return ""

    def bytes_at(self, address: int, size: int) -> bytes:
        segment = next(s for s in self.segments if s.type == PT_LOAD and s.holds(address, size))
        at = segment.offset + address - segment.vaddr
        return self.data[at : at + size]


def read_elf(path: Path) -> Elf:
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "a 64-bit little-endian ELF"
    (e_type, e_machine, _, entry, phoff, shoff, _, _, phentsize, phnum, shentsize, shnum, _) = struct.unpack_from(
        "<HHIQQQIHHHHHH", data, 16
    )
    assert (e_type, e_machine) == (2, 62), "an x86-64 executable"
    segments = tuple(Segment(*struct.unpack_from("<IIQQQQQ", data, phoff + i * phentsize)[:7]) for i in range(phnum))
    symbols: Dict[str, Tuple[int, int]] = {}
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for section in sections:
        if section[1] != SHT_SYMTAB:
            continue
        strings = sections[section[6]]
        for at in range(section[4], section[4] + section[5], section[9]):
            name_at, _, _, _, value, size = struct.unpack_from("<IBBHQQ", data, at)
            start = strings[4] + name_at
            name = data[start : data.index(b"\0", start)].decode()
            symbols[name] = (value, size)
    return Elf(data, entry, segments, symbols)

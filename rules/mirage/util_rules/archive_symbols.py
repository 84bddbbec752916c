"""Which members of a static archive a link pulls in, and which of their undefined symbols nothing defines.

Pure logic over `nm -A -P` output, free of Pants imports, so it is tested on its own. It follows GNU ld's rule for
an archive on the command line after the objects: a member is pulled in when it defines a symbol that is still
undefined (by a strong reference: a weak one pulls nothing), and the archive is scanned again until a pass pulls
nothing more. Members that nothing needs stay out, so their own undefined symbols do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

# Symbols the linker defines itself: a PIC archive refers to the GOT, which a static link still has.
LINKER_DEFINED = frozenset({"_GLOBAL_OFFSET_TABLE_"})
_LINKER_DEFINED_PREFIXES = ("__start_", "__stop_")

# `nm -A -P`: "<file>: <name> <type> [<value> [<size>]]"; an archive member's file is "<archive>[<member>]".
_NM_LINE_RE = re.compile(r"^(?P<file>.+?): (?P<name>\S+) (?P<type>[A-Za-z?-])(?: .*)?$")
_MEMBER_RE = re.compile(r"^(?P<archive>.+)\[(?P<member>[^\[\]]+)\]$")

# Strong undefined; `w`/`v` are weak undefined references, which the link leaves at zero.
_UNDEFINED_TYPES = frozenset("U")
# Global definitions (upper case but `U`), plus GNU unique (`u`) and indirect functions (`i`).
_DEFINED_LOWER_TYPES = frozenset("ui")


@dataclass(frozen=True)
class ObjectSymbols:
    """The global symbols one object file (or archive member) defines, and those it needs from elsewhere."""

    name: str
    defined: FrozenSet[str]
    undefined: FrozenSet[str]


@dataclass(frozen=True)
class PulledMember:
    """An archive member the link takes, the symbol it was taken for, and the member or object that needed it."""

    member: str
    symbol: str
    needed_by: str


@dataclass(frozen=True)
class MissingSymbol:
    """A symbol that pulled-in members need and that nothing in the link defines."""

    symbol: str
    needed_by: Tuple[str, ...]


@dataclass(frozen=True)
class ArchiveCheck:
    pulled: Tuple[PulledMember, ...]
    missing: Tuple[MissingSymbol, ...]


def parse_nm_posix(output: str) -> Tuple[Dict[str, ObjectSymbols], Dict[str, List[ObjectSymbols]]]:
    """Parse `nm -A -P` over objects and archives: (objects by file, members of each archive in archive order)."""
    order: List[str] = []
    defined: Dict[str, set] = {}
    undefined: Dict[str, set] = {}
    for line in output.splitlines():
        match = _NM_LINE_RE.match(line)
        if not match:
            continue
        file, name, kind = match.group("file"), match.group("name"), match.group("type")
        if file not in defined:
            order.append(file)
            defined[file], undefined[file] = set(), set()
        if kind in _UNDEFINED_TYPES:
            undefined[file].add(name)
        elif (kind.isupper() and kind != "U") or kind in _DEFINED_LOWER_TYPES:
            defined[file].add(name)
    objects: Dict[str, ObjectSymbols] = {}
    archives: Dict[str, List[ObjectSymbols]] = {}
    for file in order:
        member = _MEMBER_RE.match(file)
        if member:
            archives.setdefault(member.group("archive"), []).append(
                ObjectSymbols(member.group("member"), frozenset(defined[file]), frozenset(undefined[file]))
            )
        else:
            objects[file] = ObjectSymbols(file, frozenset(defined[file]), frozenset(undefined[file]))
    return objects, archives


def _linker_defined(symbol: str) -> bool:
    return symbol in LINKER_DEFINED or symbol.startswith(_LINKER_DEFINED_PREFIXES)


def check_archive(objects: Iterable[ObjectSymbols], members: Sequence[ObjectSymbols]) -> ArchiveCheck:
    """Pull members of one archive linked after `objects` as ld does, and list what the pulled members miss.

    A symbol the objects leave undefined is not reported here (the objects are ours: the linker names those), only
    what the archive's members need.
    """
    objects = tuple(objects)
    defined_by: Dict[str, str] = {}
    for obj in objects:
        for symbol in obj.defined:
            defined_by.setdefault(symbol, obj.name)
    # Who first needs each undefined symbol, for the message that says why a member was pulled in.
    needed_by: Dict[str, str] = {}
    for obj in objects:
        for symbol in sorted(obj.undefined):
            needed_by.setdefault(symbol, obj.name)

    pulled: List[PulledMember] = []
    taken: set = set()
    changed = True
    while changed:
        changed = False
        for member in members:
            if member.name in taken:
                continue
            wanted = sorted(s for s in member.defined if s in needed_by and s not in defined_by)
            if not wanted:
                continue
            taken.add(member.name)
            changed = True
            pulled.append(PulledMember(member.name, wanted[0], needed_by[wanted[0]]))
            for symbol in member.defined:
                defined_by.setdefault(symbol, member.name)
            for symbol in sorted(member.undefined):
                needed_by.setdefault(symbol, member.name)

    missing: Dict[str, List[str]] = {}
    for member in members:
        if member.name not in taken:
            continue
        for symbol in member.undefined:
            if symbol not in defined_by and not _linker_defined(symbol):
                missing.setdefault(symbol, []).append(member.name)
    return ArchiveCheck(
        pulled=tuple(pulled),
        missing=tuple(MissingSymbol(s, tuple(sorted(missing[s]))) for s in sorted(missing)),
    )


def missing_symbols_message(
    owner: str, library: str, archive: str, check: ArchiveCheck, objects: Optional[Mapping[str, str]] = None
) -> str:
    """The error for `check.missing`: each symbol, the members that need it, and why each member is in the link.

    `objects` maps sandbox object paths to what a reader knows them by (their target), where that helps.
    """
    why = {p.member: p for p in check.pulled}
    names = dict(objects or {})

    def chain(member: str) -> str:
        # Follow "pulled in for X, needed by Y" back to an object of the image, members first.
        steps = []
        seen = set()
        while member in why and member not in seen:
            seen.add(member)
            step = why[member]
            steps.append(
                f"{member} is pulled in for `{step.symbol}`, needed by {names.get(step.needed_by, step.needed_by)}"
            )
            member = step.needed_by
        return "; ".join(steps)

    lines = [
        f"{owner}: the archive {archive} of {library} needs symbols that nothing in the image defines "
        f"({len(check.missing)}):"
    ]
    for missing in check.missing:
        lines.append(f"  {missing.symbol}: needed by {', '.join(missing.needed_by)}")
    members = sorted({m for missing in check.missing for m in missing.needed_by})
    lines.append("  why those members are linked:")
    lines.extend(f"    {chain(member)}" for member in members)
    # The symbols that pulled the failing members in: defining one in the image keeps its member out.
    entry_points = ", ".join(f"`{why[m].symbol}` for {m}" for m in members if m in why)
    lines.append(
        "  fix: provide each symbol (in lib/libc, or in a c_library the image depends on), or keep the member out: "
        f"stop using the code that pulls it in, or define the symbol it is pulled in for ({entry_points})."
    )
    return "\n".join(lines)

"""The CPU architectures an ABI can target: the compiler each one defaults to, and the checks that keep an ABI's
architecture, its traits, its compiler and its sources consistent. Pure Python, no Pants imports."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from mirage.graph.errors import MirageConfigError


@dataclass(frozen=True)
class Architecture:
    name: str
    # The compiler an ABI of this architecture uses unless its `compiler` field names another.
    default_compiler: str
    # What `gcc -dumpmachine` prints first for a compiler that targets this architecture.
    machine_prefix: str
    # Tools the driver runs by their bare names (so they must be on the PATH it gets). A cross compiler runs its
    # own prefixed binutils from its installation, so it needs none.
    driven_tools: Tuple[str, ...]
    # The Debian package holding the default compiler, for the error that says how to install it.
    debian_package: str


ARCHITECTURES = {
    a.name: a
    for a in (
        Architecture("x86_64", "gcc", "x86_64", ("as", "ld"), "gcc binutils"),
        Architecture("aarch64", "aarch64-linux-gnu-gcc", "aarch64", (), "gcc-aarch64-linux-gnu"),
    )
}
DEFAULT_ARCHITECTURE = "x86_64"


class ArchitectureError(MirageConfigError):
    """An ABI's architecture, traits or compiler disagree."""


def architecture_named(name: str, owner: str) -> Architecture:
    known = ARCHITECTURES.get(name)
    if known is None:
        raise ArchitectureError(
            f"{owner}: unknown architecture `{name}`.\n"
            f"  fix: set `architecture` to one of {', '.join(sorted(ARCHITECTURES))}."
        )
    return known


def abi_traits(declared: Sequence[str], architecture: str, owner: str) -> Tuple[str, ...]:
    """The traits an ABI offers: those it declares, plus its architecture, which portable code selects on.

    Declaring another architecture's trait is an error, so `traits` and `architecture` cannot disagree.
    """
    architecture_named(architecture, owner)
    others = sorted(set(declared) & set(ARCHITECTURES) - {architecture})
    if others:
        raise ArchitectureError(
            f"{owner}: its `traits` name the architecture {', '.join(others)}, but its `architecture` is "
            f"`{architecture}`.\n"
            f"  fix: drop {', '.join(others)} from `traits` (the architecture's own trait is added for you), or set "
            f"`architecture` to the one the ABI's code is for."
        )
    return tuple(declared) if architecture in declared else (*declared, architecture)


def compiler_for(architecture: str, named: Optional[str], owner: str) -> str:
    """The compiler an ABI uses: the one its `compiler` field names, else its architecture's default."""
    return named or architecture_named(architecture, owner).default_compiler


def check_compiler_machine(compiler: str, machine: str, architecture: str) -> None:
    """Refuse a compiler whose `-dumpmachine` is not for `architecture` (a host gcc named by an aarch64 ABI)."""
    wanted = ARCHITECTURES[architecture]
    if not machine.strip().startswith(f"{wanted.machine_prefix}-"):
        raise ArchitectureError(
            f"The compiler {compiler} builds for `{machine.strip()}`, not for {architecture}.\n"
            f"  fix: name a compiler for {architecture} in the ABI's `compiler` field, or leave the field out to get "
            f"`{wanted.default_compiler}` (Debian: `apt-get install {wanted.debian_package}`)."
        )


def source_architecture(path: str) -> Optional[str]:
    """The architecture a source file is for, by its name: `*_<arch>.c` / `*_<arch>.S`, or None if portable.

    Like Go's `_amd64.go` files: a target's glob takes every architecture's files and the compile step keeps the
    ones for the ABI's architecture, so adding an architecture changes no BUILD file.
    """
    stem = os.path.splitext(os.path.basename(path))[0]
    for name in ARCHITECTURES:
        if stem.endswith(f"_{name}"):
            return name
    return None


def sources_for(sources: Sequence[str], architecture: str) -> Tuple[str, ...]:
    """The portable sources plus those named for `architecture`."""
    return tuple(s for s in sources if source_architecture(s) in (None, architecture))

"""The values the resolver works on: what the build graph declares, and the instance graph it resolves to.

Plain frozen dataclasses with no Pants imports, so resolution can be tested fast and directly. Addresses are
strings in Pants' spec form (`devices:console`, `targets/unix:console`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

from mirage.graph.locations import location_of_spec

# In an implementation's `abis`: portable code generated for whatever ABI the image is built for (crunch).
ANY_ABI = "*"


@dataclass(frozen=True)
class KeySpec:
    """A key declaration: a named, typed value fixed at configure time and overridable at boot."""

    name: str
    type: str
    default: Optional[str]
    declared_by: str


@dataclass(frozen=True)
class Device:
    """A device signature: a C header declaring `struct <name>` (an ops table and a state pointer)."""

    address: str
    name: str
    header: str


def folder_of(address: str) -> str:
    """The BUILD folder of an address spec: `lib/tcpip:arp` -> `lib/tcpip`, `examples/dns:image@abi=hvt` ->
    `examples/dns`, and for the bundled SDK's targets their folder in the SDK (`//:mirage#lib/tcpip/arp`)."""
    return location_of_spec(address)[0]


@dataclass(frozen=True)
class Implementation:
    """A functor: provides one device, given the devices it requires (ordered parameters).

    `dependencies` are the addresses its BUILD `dependencies` field lists: implementations there are visible to
    its parameters. `data` marks implementations that carry an application's data (crunch): resolution never
    picks them unless bound.
    """

    address: str
    provides: str
    requires: Tuple[Tuple[str, str], ...]
    abis: Tuple[str, ...]
    connect: str
    keys: Tuple[KeySpec, ...] = ()
    platform_device: Optional[str] = None
    dependencies: Tuple[str, ...] = ()
    data: bool = False
    # The ABI traits it needs (None: unset, only `abis` count; (): portable, every ABI).
    abi_traits: Optional[Tuple[str, ...]] = None

    def supports(self, abi: "Abi") -> bool:
        if abi.name in self.abis or ANY_ABI in self.abis:
            return True
        return self.abi_traits is not None and set(self.abi_traits) <= set(abi.traits)

    def describe_abis(self) -> str:
        """Where it works, for error messages: `abis: unix`, `abi traits: freestanding`."""
        parts = [f"abis: {', '.join(self.abis)}"] if self.abis else []
        if self.abi_traits is not None:
            parts.append(f"abi traits: {', '.join(self.abi_traits) or 'none (every ABI)'}")
        return "; ".join(parts) or "abis: none"


@dataclass(frozen=True)
class Abi:
    """A target ABI, its default implementation for each base device (device address -> implementation), and the
    traits it offers portable code (`freestanding`, `x86_64`)."""

    name: str
    address: str
    defaults: Tuple[Tuple[str, str], ...] = ()
    traits: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Unikernel:
    """The application functor: the devices its start function takes, and how the user pinned them."""

    address: str
    start: str
    devices: Tuple[Tuple[str, str], ...]
    bindings: Tuple[Tuple[str, str], ...] = ()
    keys: Tuple[KeySpec, ...] = ()
    # What its BUILD `dependencies` field lists: implementations there are visible to its own parameters.
    dependencies: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """Everything resolution may choose from.

    `other_targets` maps addresses that appear in bindings or ABI defaults but are not implementations to their
    target type alias, so a wrong binding can say what it points at.
    """

    devices: Mapping[str, Device]
    implementations: Mapping[str, Implementation]
    other_targets: Mapping[str, str]


@dataclass(frozen=True)
class Instance:
    """One node of the resolved graph: an implementation applied to resolved arguments.

    `name` is the C variable the generated code connects; `paths` are every route from the unikernel that reached
    this node (more than one when the node is shared). `platform_device` ("net", "block") marks an instance the
    host attaches: it is an entry of the image's manifest, under its name. `key_scope` is set when its
    implementation has keys and several instances: the root parameter its keys are prefixed with (`inside`).
    """

    name: str
    implementation: str
    device: str
    connect: str
    args: Tuple[str, ...]
    paths: Tuple[str, ...]
    platform_device: Optional[str] = None
    key_scope: Optional[str] = None


@dataclass(frozen=True)
class ResolvedKey:
    name: str
    type: str
    value: str
    declared_by: str


@dataclass(frozen=True)
class ResolvedGraph:
    """Instances in dependency order (every argument before its user), the start call, and the keys."""

    unikernel: str
    abi: str
    start: str
    instances: Tuple[Instance, ...]
    start_args: Tuple[str, ...]
    keys: Tuple[ResolvedKey, ...]

    @property
    def manifest(self) -> Tuple[Instance, ...]:
        return tuple(i for i in self.instances if i.platform_device is not None)

    def instance(self, name: str) -> Instance:
        for candidate in self.instances:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

"""Gather every device, implementation and ABI in the repository into the resolver's catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Iterable, Tuple

from mirage.architecture import abi_traits
from mirage.codegen.crunch_c import crunch_connect_function
from mirage.graph.keys import parse_key_declarations
from mirage.graph.locations import location_of_address
from mirage.graph.model import ANY_ABI, Abi, Catalogue, Device, Implementation
from mirage.sdk.sdk_rules import MirageSdk, provided_device, sdk_files_of
from mirage.target_types import (
    AbiArchitectureField,
    AbiDefaultsField,
    AbiTarget,
    AbiTraitsField,
    CrunchTarget,
    DeviceSourceField,
    ImplementationAbisField,
    ImplementationAbiTraitsField,
    ImplementationConnectField,
    ImplementationKeysField,
    ImplementationPlatformDeviceField,
    ImplementationRequiresField,
    ImplementationTarget,
    UnikernelKeysField,
)
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import AllTargets, Dependencies, InvalidFieldException, InvalidTargetException, Target
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class MirageCatalogue:
    catalogue: Catalogue
    abis: FrozenDict[str, Abi]
    # The resolver speaks in address specs; rules turn its answers back into Addresses with this.
    addresses: FrozenDict[str, Address]
    # Every key name any unikernel or implementation declares, to catch typos in `[mirage].keys`.
    declared_keys: FrozenSet[str]

    def abi(self, name: str, wanted_by: Address) -> Abi:
        abi = self.abis.get(name)
        if abi is None:
            known = ", ".join(sorted(self.abis)) or "none"
            raise InvalidFieldException(
                f"{wanted_by} asks for abi `{name}`, but no `abi` target has that name (known ABIs: {known}). "
                "Set the unikernel's `abi` field or `[mirage].abi` to one of them."
            )
        return abi


def _address_inputs(values: Iterable[str], owner: Address, field_alias: str) -> UnparsedAddressInputs:
    return UnparsedAddressInputs(
        values, owning_address=owner, description_of_origin=f"the `{field_alias}` field of {owner}"
    )


def explicit_dependencies(target: Target) -> Tuple[str, ...]:
    """The addresses a target's `dependencies` field lists (not inferred ones, not `!` exclusions)."""
    return tuple(v for v in (target.get(Dependencies).value or ()) if not v.startswith("!"))


def _implementation(target: Target, resolved: Addresses) -> Implementation:
    """`resolved` is the `provides` address, the `requires` addresses in order, then the `dependencies`."""
    requires = target.get(ImplementationRequiresField).value or FrozenDict()
    dependencies = tuple(a.spec for a in resolved[1 + len(requires) :])
    if isinstance(target, CrunchTarget):
        return Implementation(
            address=target.address.spec,
            provides=resolved[0].spec,
            requires=(),
            abis=(ANY_ABI,),
            connect=crunch_connect_function(target.address.spec),
            dependencies=dependencies,
            data=True,
        )
    return Implementation(
        address=target.address.spec,
        provides=resolved[0].spec,
        requires=tuple((param, address.spec) for param, address in zip(requires.keys(), resolved[1:])),
        dependencies=dependencies,
        abis=tuple(target[ImplementationAbisField].value or ()),
        abi_traits=target[ImplementationAbiTraitsField].value,
        connect=target[ImplementationConnectField].value,
        keys=parse_key_declarations(target[ImplementationKeysField].value or {}, target.address.spec),
        platform_device=target[ImplementationPlatformDeviceField].value,
    )


def _abi(target: Target, resolved: Addresses) -> Abi:
    """`resolved` is the `defaults` keys followed by its values."""
    half = len(resolved) // 2
    return Abi(
        name=location_of_address(target.address)[1],
        address=target.address.spec,
        defaults=tuple((d.spec, i.spec) for d, i in zip(resolved[:half], resolved[half:])),
        traits=abi_traits(
            target[AbiTraitsField].value or (), target[AbiArchitectureField].value, f"abi {target.address}"
        ),
    )


@rule(desc="Gather devices, implementations and ABIs", level=LogLevel.DEBUG)
async def gather_catalogue(all_targets: AllTargets, sdk: MirageSdk) -> MirageCatalogue:
    kinds = FrozenDict({t.address.spec: t.alias for t in all_targets})
    devices = {
        t.address.spec: Device(
            address=t.address.spec,
            name=location_of_address(t.address)[1],
            # A device of the bundled SDK has its one header in the wheel, at its path in the SDK.
            header=(sdk_files_of(t) or (t[DeviceSourceField].file_path,))[0],
        )
        for t in all_targets
        if t.has_field(DeviceSourceField)
    }
    implementation_targets = [t for t in all_targets if isinstance(t, (ImplementationTarget, CrunchTarget))]
    abi_targets = [t for t in all_targets if isinstance(t, AbiTarget)]
    resolved = await MultiGet(
        *(
            Get(
                Addresses,
                UnparsedAddressInputs,
                _address_inputs(
                    [
                        provided_device(t, sdk),
                        *((t.get(ImplementationRequiresField).value or {}).values()),
                        *explicit_dependencies(t),
                    ],
                    t.address,
                    "provides`, `requires` or `dependencies",
                ),
            )
            for t in implementation_targets
        ),
        *(
            Get(
                Addresses,
                UnparsedAddressInputs,
                _address_inputs(
                    [*(t[AbiDefaultsField].value or {}).keys(), *(t[AbiDefaultsField].value or {}).values()],
                    t.address,
                    "defaults",
                ),
            )
            for t in abi_targets
        ),
    )
    implementations = tuple(
        _implementation(t, r) for t, r in zip(implementation_targets, resolved[: len(implementation_targets)])
    )
    abis = tuple(_abi(t, r) for t, r in zip(abi_targets, resolved[len(implementation_targets) :]))

    by_name: dict = {}
    for abi in abis:
        if abi.name in by_name:
            raise InvalidTargetException(
                f"Two `abi` targets are named `{abi.name}`: {by_name[abi.name].address} and {abi.address}. "
                "An abi's target name is its ABI name; rename one of them."
            )
        by_name[abi.name] = abi

    catalogue = Catalogue(
        devices=FrozenDict(devices),
        implementations=FrozenDict({i.address: i for i in implementations}),
        other_targets=FrozenDict(
            {
                address: alias
                for address, alias in kinds.items()
                if alias not in (ImplementationTarget.alias, CrunchTarget.alias)
            }
        ),
    )
    return MirageCatalogue(
        catalogue=catalogue,
        abis=FrozenDict(by_name),
        addresses=FrozenDict({t.address.spec: t.address for t in all_targets}),
        declared_keys=frozenset(
            [spec.name for implementation in implementations for spec in implementation.keys]
            + [
                name
                for t in all_targets
                if t.has_field(UnikernelKeysField)
                for name in t[UnikernelKeysField].value or {}
            ]
        ),
    )


def rules():
    return collect_rules()

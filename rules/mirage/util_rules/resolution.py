"""Resolve a unikernel target's functor graph: the rule around the pure resolver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from mirage.graph.keys import check_configured_keys, parse_key_declarations
from mirage.graph.model import Catalogue, ResolvedGraph, Unikernel
from mirage.graph.resolve import resolve_instances
from mirage.target_types import UnikernelBindingsField, UnikernelDevicesField, UnikernelKeysField, UnikernelStartField
from mirage.util_rules.build_options import UnikernelBuildOptions, UnikernelBuildOptionsRequest
from mirage.util_rules.catalogue import MirageCatalogue, explicit_dependencies
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class ResolveUnikernelRequest:
    address: Address


@dataclass(frozen=True)
class ResolvedUnikernel:
    graph: ResolvedGraph
    catalogue: Catalogue
    abi_address: Address
    device_addresses: Tuple[Address, ...]
    implementation_addresses: Tuple[Address, ...]


@dataclass(frozen=True)
class DeclaredUnikernelTargetsRequest:
    address: Address


@dataclass(frozen=True)
class DeclaredUnikernelTargets:
    """What a unikernel's fields name, resolved or not: its devices, its bindings and its ABI (if one has the name)."""

    devices: Tuple[Address, ...]
    bindings: Tuple[Address, ...]
    dependencies: Tuple[Address, ...]
    abi: Optional[Address]

    @property
    def addresses(self) -> Tuple[Address, ...]:
        return tuple(sorted({*self.devices, *self.bindings, *((self.abi,) if self.abi else ())}))


@rule(desc="Read the targets a unikernel's fields name", level=LogLevel.DEBUG)
async def declared_unikernel_targets(request: DeclaredUnikernelTargetsRequest) -> DeclaredUnikernelTargets:
    wrapped, options, catalogue = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage resolution")),
        Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(request.address)),
        Get(MirageCatalogue),
    )
    target = wrapped.target
    devices = target[UnikernelDevicesField].value or FrozenDict()
    bindings = target[UnikernelBindingsField].value or FrozenDict()
    device_addresses, binding_addresses, dependency_addresses = await MultiGet(
        Get(
            Addresses,
            UnparsedAddressInputs(
                devices.values(),
                owning_address=target.address,
                description_of_origin=f"the `devices` field of {target.address}",
            ),
        ),
        Get(
            Addresses,
            UnparsedAddressInputs(
                bindings.values(),
                owning_address=target.address,
                description_of_origin=f"the `bindings` field of {target.address}",
            ),
        ),
        Get(
            Addresses,
            UnparsedAddressInputs(
                explicit_dependencies(target),
                owning_address=target.address,
                description_of_origin=f"the `dependencies` field of {target.address}",
            ),
        ),
    )
    abi = catalogue.abis.get(options.abi)
    return DeclaredUnikernelTargets(
        devices=tuple(device_addresses),
        bindings=tuple(binding_addresses),
        dependencies=tuple(dependency_addresses),
        abi=catalogue.addresses[abi.address] if abi else None,
    )


@rule(desc="Resolve the unikernel's device graph", level=LogLevel.DEBUG)
async def resolve_unikernel(request: ResolveUnikernelRequest) -> ResolvedUnikernel:
    wrapped, options, catalogue, declared = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage resolution")),
        Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(request.address)),
        Get(MirageCatalogue),
        Get(DeclaredUnikernelTargets, DeclaredUnikernelTargetsRequest(request.address)),
    )
    target = wrapped.target
    devices = target[UnikernelDevicesField].value or FrozenDict()
    bindings = target[UnikernelBindingsField].value or FrozenDict()
    unikernel = Unikernel(
        address=target.address.spec,
        start=target[UnikernelStartField].value,
        devices=tuple((param, a.spec) for param, a in zip(devices.keys(), declared.devices)),
        bindings=tuple((path, a.spec) for path, a in zip(bindings.keys(), declared.bindings)),
        keys=parse_key_declarations(target[UnikernelKeysField].value or {}, target.address.spec),
        dependencies=tuple(a.spec for a in declared.dependencies),
    )
    check_configured_keys(options.configured_keys, catalogue.declared_keys)
    abi = catalogue.abi(options.abi, target.address)
    graph = resolve_instances(unikernel, abi, catalogue.catalogue, options.configured_keys)
    return ResolvedUnikernel(
        graph=graph,
        catalogue=catalogue.catalogue,
        abi_address=catalogue.addresses[abi.address],
        device_addresses=declared.devices,
        implementation_addresses=tuple(
            sorted({catalogue.addresses[instance.implementation] for instance in graph.instances})
        ),
    )


def rules():
    return collect_rules()

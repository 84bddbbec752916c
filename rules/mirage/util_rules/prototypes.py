"""The prototype header of a functor target (implementation, crunch or unikernel), generated from its BUILD fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from mirage.codegen.prototypes import FunctorSignature, prototype_header_path, render_prototype_header
from mirage.graph.locations import location_of_address
from mirage.target_types import UnikernelDevicesField, UnikernelStartField, UnikernelTarget
from mirage.util_rules.catalogue import MirageCatalogue
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.fs import CreateDigest, Digest, FileContent
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class FunctorPrototypeRequest:
    address: Address


@dataclass(frozen=True)
class FunctorPrototype:
    """`signature` is None for targets that are not functors (C libraries, ABIs) or whose devices are unknown
    (resolution reports those)."""

    signature: Optional[FunctorSignature]
    path: Optional[str]
    digest: Digest


@rule(desc="Generate a functor's prototype header", level=LogLevel.DEBUG)
async def functor_prototype(request: FunctorPrototypeRequest, mirage: MirageCatalogue) -> FunctorPrototype:
    catalogue = mirage.catalogue
    address = request.address
    signature: Optional[FunctorSignature] = None
    implementation = catalogue.implementations.get(address.spec)
    if implementation is not None:
        devices = [catalogue.devices.get(device) for _, device in implementation.requires]
        provides = catalogue.devices.get(implementation.provides)
        if provides is not None and all(devices):
            signature = FunctorSignature(
                owner=address.spec,
                kind="connect",
                function=implementation.connect,
                params=tuple((name, device) for (name, _), device in zip(implementation.requires, devices)),
                provides=provides,
                takes_name=implementation.platform_device is not None,
            )
    else:
        wrapped = await Get(WrappedTarget, WrappedTargetRequest(address, description_of_origin="mirage prototype"))
        target = wrapped.target
        if isinstance(target, UnikernelTarget):
            wanted = target[UnikernelDevicesField].value or FrozenDict()
            resolved = await Get(
                Addresses,
                UnparsedAddressInputs(
                    wanted.values(),
                    owning_address=address,
                    description_of_origin=f"the `devices` field of {address}",
                ),
            )
            devices = [catalogue.devices.get(a.spec) for a in resolved]
            if all(devices):
                signature = FunctorSignature(
                    owner=address.spec,
                    kind="start",
                    function=target[UnikernelStartField].value,
                    params=tuple(zip(wanted.keys(), devices)),
                )
    if signature is None:
        return FunctorPrototype(signature=None, path=None, digest=await Get(Digest, CreateDigest([])))
    path = prototype_header_path(*location_of_address(address), signature.kind)
    digest = await Get(Digest, CreateDigest([FileContent(path, render_prototype_header(signature).encode("utf-8"))]))
    return FunctorPrototype(signature=signature, path=path, digest=digest)


def rules():
    return collect_rules()

"""Build a host program (a tender): its sources and C libraries compiled for the `host` ABI, then linked."""

from __future__ import annotations

from dataclasses import dataclass

from mirage.target_types import CLibraryTarget, HostProgramAbiField, HostProgramLibrariesField
from mirage.util_rules.catalogue import MirageCatalogue
from mirage.util_rules.link import LinkedTargets, LinkTargetsRequest
from pants.engine.addresses import Address
from pants.engine.fs import Digest
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import TransitiveTargets, TransitiveTargetsRequest, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class BuildHostProgramRequest:
    address: Address
    file_name: str


@dataclass(frozen=True)
class BuiltHostProgram:
    digest: Digest
    path: str


@rule(desc="Build a host program", level=LogLevel.DEBUG)
async def build_host_program(request: BuildHostProgramRequest) -> BuiltHostProgram:
    wrapped, catalogue, closure = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage host program")),
        Get(MirageCatalogue),
        Get(TransitiveTargets, TransitiveTargetsRequest([request.address])),
    )
    target = wrapped.target
    abi_address = catalogue.addresses[catalogue.abi(target[HostProgramAbiField].value, target.address).address]
    to_compile = sorted({request.address, *(t.address for t in closure.closure if isinstance(t, CLibraryTarget))})
    linked = await Get(
        LinkedTargets,
        LinkTargetsRequest(
            targets=tuple(to_compile),
            abi=abi_address,
            extra_objects=(),
            output=request.file_name,
            owner=request.address.spec,
            libraries=tuple(target[HostProgramLibrariesField].value or ()),
        ),
    )
    return BuiltHostProgram(digest=linked.image.digest, path=linked.image.path)


def rules():
    return collect_rules()

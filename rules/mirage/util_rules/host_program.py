"""Build a host program (a tender): its sources and C libraries compiled for the `host` ABI, then linked."""

from __future__ import annotations

import json
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
    # What went into the program, as JSON: the provenance.json written beside it.
    provenance: str = ""


def host_program_provenance(address: str, abi: str, libraries: tuple, linked: LinkedTargets) -> str:
    """The toolchain, each compiled target's digest, the host files the link read and the system headers' packages,
    in a stable order."""
    record = {
        "host_program": address,
        "abi": abi,
        "libraries": list(libraries),
        "toolchain_fingerprint": linked.toolchain_fingerprint,
        "objects": dict(sorted(linked.object_fingerprints)),
        "host_link_inputs": [f.provenance() for f in linked.host_link_inputs.files],
    }
    if linked.host_header_inputs is not None:
        record["host_headers"] = linked.host_header_inputs.provenance()
    return json.dumps(record, indent=2) + "\n"


@rule(desc="Build a host program", level=LogLevel.DEBUG)
async def build_host_program(request: BuildHostProgramRequest) -> BuiltHostProgram:
    wrapped, catalogue, closure = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage host program")),
        Get(MirageCatalogue),
        Get(TransitiveTargets, TransitiveTargetsRequest([request.address])),
    )
    target = wrapped.target
    abi = catalogue.abi(target[HostProgramAbiField].value, target.address)
    abi_address = catalogue.addresses[abi.address]
    libraries = tuple(target[HostProgramLibrariesField].value or ())
    to_compile = sorted({request.address, *(t.address for t in closure.closure if isinstance(t, CLibraryTarget))})
    linked = await Get(
        LinkedTargets,
        LinkTargetsRequest(
            targets=tuple(to_compile),
            abi=abi_address,
            extra_objects=(),
            output=request.file_name,
            owner=request.address.spec,
            libraries=libraries,
        ),
    )
    return BuiltHostProgram(
        digest=linked.image.digest,
        path=linked.image.path,
        provenance=host_program_provenance(request.address.spec, abi.name, libraries, linked),
    )


def rules():
    return collect_rules()

"""Build a unikernel image: resolve, generate main.c, compile everything for the ABI, link, record provenance."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Optional, Tuple

from mirage.architecture import DEFAULT_ARCHITECTURE
from mirage.codegen.main_c import render_main_c
from mirage.graph.locations import location_of_address
from mirage.graph.model import ResolvedGraph
from mirage.sdk.sdk_rules import MirageSourcesRequest
from mirage.target_types import AbiPackageFilesField, CLibraryTarget, DebianStaticLibraryTarget
from mirage.util_rules.compile import (
    AbiCompileSettings,
    AbiCompileSettingsRequest,
    CompileCSourceRequest,
    CompiledObject,
    HeaderClosure,
    HeaderClosureRequest,
)
from mirage.util_rules.host_header_inputs import HostHeaderInputs
from mirage.util_rules.link import LinkedTargets, LinkTargetsRequest
from mirage.util_rules.package_files import (
    TEMPLATE_EXTENSION,
    ImageToPackage,
    PackageFilesFieldError,
    write_package_files,
)
from mirage.util_rules.prototypes import FunctorPrototype, FunctorPrototypeRequest
from mirage.util_rules.resolution import ResolvedUnikernel, ResolveUnikernelRequest
from pants.core.util_rules.source_files import SourceFiles
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, MergeDigests
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import (
    InvalidFieldException,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class BuildImageRequest:
    """Build the unikernel at `address` into the file `file_name` (no folders: the package goal adds them)."""

    address: Address
    file_name: str


@dataclass(frozen=True)
class BuiltImage:
    """The image, its generated main.c and its provenance record, at `<output>`, `.main.c`, `.provenance.json`,
    and the files the ABI's `package_files` writers put beside it (`package_files`: `<output><suffix>`, or files
    under `<output><suffix>` for a suffix that is a folder)."""

    digest: Digest
    image: str
    main_c: str
    provenance: str
    abi: str
    package_files: Tuple[str, ...] = ()


def generated_main_c_path(address: Address) -> str:
    # Under a folder no source can live in, so the generated file never shadows a user's main.c.
    return f"__mirage__/{address.spec_path or '_root'}/{address.target_name}/main.c"


def provenance_record(
    graph: ResolvedGraph,
    toolchain_fingerprint: str,
    compiled: dict,
    main_c_digest: str,
    debian_libraries: tuple = (),
    architecture: str = DEFAULT_ARCHITECTURE,
    host_link_inputs: tuple = (),
    host_header_inputs: Optional[HostHeaderInputs] = None,
) -> str:
    """What went into the image, in a stable order: enough to tell why two images differ.

    `compiled` maps each compiled target to the digest of its objects, which covers its sources and flags;
    `debian_libraries` are the imported Debian static libraries linked in (package, version, archive digest);
    `host_link_inputs` the files the link read from the host (static libc, start files: path, digest, package);
    `host_header_inputs` a hosted ABI's system headers (their folders and packages).
    """
    record = {
        "unikernel": graph.unikernel,
        "abi": graph.abi,
        "architecture": architecture,
        "start": graph.start,
        "instances": [
            {
                "name": i.name,
                "implementation": i.implementation,
                "device": i.device,
                "args": list(i.args),
                "paths": list(i.paths),
            }
            for i in graph.instances
        ],
        "keys": {k.name: {"type": k.type, "value": k.value, "declared_by": k.declared_by} for k in graph.keys},
        "toolchain_fingerprint": toolchain_fingerprint,
        "generated_main_c": main_c_digest,
        "objects": dict(sorted(compiled.items())),
    }
    if debian_libraries:
        record["debian_libraries"] = [library.provenance() for library in debian_libraries]
    if host_link_inputs:
        record["host_link_inputs"] = [f.provenance() for f in host_link_inputs]
    if host_header_inputs is not None:
        record["host_headers"] = host_header_inputs.provenance()
    return json.dumps(record, indent=2, sort_keys=False) + "\n"


@dataclass(frozen=True)
class PackageFilesRequest:
    """Write the files the abi's `package_files` asks for beside the linked image `image` (a file of `digest`)."""

    unikernel: Address
    abi: Address
    image: str
    digest: Digest
    graph: ResolvedGraph


@dataclass(frozen=True)
class PackageFiles:
    digest: Digest
    files: Tuple[str, ...]


@rule(desc="Write the files an image's ABI puts beside it", level=LogLevel.DEBUG)
async def write_files_beside_image(request: PackageFilesRequest) -> PackageFiles:
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(request.abi, description_of_origin="mirage package_files"))
    wanted = wrapped.target[AbiPackageFilesField].value or {}
    if not wanted:
        return PackageFiles(await Get(Digest, CreateDigest([])), ())
    templates = {}
    if any(writer.endswith(TEMPLATE_EXTENSION) for writer in wanted.values()):
        sources = await Get(SourceFiles, MirageSourcesRequest((wrapped.target,)))
        contents = await Get(DigestContents, Digest, sources.snapshot.digest)
        templates = {
            os.path.relpath(c.path, request.abi.spec_path or "."): c.content.decode("utf-8")
            for c in contents
            if c.path.endswith(TEMPLATE_EXTENSION)
        }
    image_contents = await Get(DigestContents, Digest, request.digest)
    folder, name = location_of_address(request.unikernel)
    image = ImageToPackage(
        file_name=request.image,
        image=next(c.content for c in image_contents if c.path == request.image),
        unikernel=request.unikernel.spec,
        guest_name="-".join(part for part in (*folder.split(os.sep), name) if part),
        abi=request.graph.abi,
        keys=tuple(request.graph.keys),
    )
    try:
        written = write_package_files(wanted, templates, image)
    except PackageFilesFieldError as error:
        raise InvalidFieldException(f"The `{AbiPackageFilesField.alias}` field of {request.abi} {error}.") from error
    digest = await Get(Digest, CreateDigest([FileContent(path, content) for path, content in written]))
    return PackageFiles(digest, tuple(path for path, _ in written))


@rule(desc="Build a unikernel image", level=LogLevel.DEBUG)
async def build_image(request: BuildImageRequest) -> BuiltImage:
    resolved, closure = await MultiGet(
        Get(ResolvedUnikernel, ResolveUnikernelRequest(request.address)),
        Get(TransitiveTargets, TransitiveTargetsRequest([request.address])),
    )
    abi_address = resolved.abi_address
    chosen = set(resolved.implementation_addresses)
    # The closure holds the ABI (an inferred dependency), so it also holds the libraries every image links.
    libraries = [t.address for t in closure.closure if isinstance(t, CLibraryTarget)]
    debian_libraries = tuple(sorted(t.address for t in closure.closure if isinstance(t, DebianStaticLibraryTarget)))
    to_compile = tuple(sorted({request.address, abi_address, *chosen, *libraries}))

    # main.c declares nothing itself: it includes the prototypes the functors' own sources were checked against.
    prototypes = await MultiGet(
        Get(FunctorPrototype, FunctorPrototypeRequest(address)) for address in (request.address, *sorted(chosen))
    )
    missing = [p for p in prototypes if p.path is None]
    if missing:
        raise AssertionError(f"no prototype for a functor of {request.address}: resolution should have refused it")
    main_c_text = render_main_c(
        resolved.graph, resolved.catalogue.devices, [p.path for p in prototypes if p.path is not None]
    )
    main_c_path = generated_main_c_path(request.address)
    settings, headers, main_c_digest = await MultiGet(
        Get(AbiCompileSettings, AbiCompileSettingsRequest(abi_address)),
        Get(HeaderClosure, HeaderClosureRequest((request.address, abi_address))),
        Get(Digest, CreateDigest([FileContent(main_c_path, main_c_text.encode("utf-8"))])),
    )
    main_input = await Get(Digest, MergeDigests([main_c_digest, headers.digest, *(p.digest for p in prototypes)]))
    main_object = await Get(
        CompiledObject, CompileCSourceRequest(main_input, main_c_path, settings, owner=request.address.spec)
    )
    linked = await Get(
        LinkedTargets,
        LinkTargetsRequest(
            targets=to_compile,
            abi=abi_address,
            extra_objects=(main_object,),
            output=request.file_name,
            owner=request.address.spec,
            debian_libraries=debian_libraries,
        ),
    )
    provenance = provenance_record(
        resolved.graph,
        linked.toolchain_fingerprint,
        dict(linked.object_fingerprints),
        main_c_digest.fingerprint,
        linked.debian_libraries,
        linked.architecture,
        linked.host_link_inputs.files,
        linked.host_header_inputs,
    )
    image_name = request.file_name
    extras = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(f"{image_name}.main.c", main_c_text.encode("utf-8")),
                FileContent(f"{image_name}.provenance.json", provenance.encode("utf-8")),
            ]
        ),
    )
    package_files = await Get(
        PackageFiles,
        PackageFilesRequest(request.address, abi_address, linked.image.path, linked.image.digest, resolved.graph),
    )
    digest = await Get(Digest, MergeDigests([linked.image.digest, extras, package_files.digest]))
    return BuiltImage(
        digest=digest,
        image=image_name,
        main_c=f"{image_name}.main.c",
        provenance=f"{image_name}.provenance.json",
        abi=resolved.graph.abi,
        package_files=package_files.files,
    )


def rules():
    return collect_rules()

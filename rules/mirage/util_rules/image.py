"""Build a unikernel image: resolve, generate main.c, compile everything for the ABI, link, record provenance."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Tuple

from mirage.architecture import DEFAULT_ARCHITECTURE
from mirage.codegen.boot_config import BootConfigError, render_boot_config
from mirage.codegen.main_c import render_main_c
from mirage.graph.locations import location_of_address
from mirage.graph.model import ResolvedGraph
from mirage.sdk.sdk_rules import MirageSourcesRequest
from mirage.target_types import (
    AbiBootConfigsField,
    AbiBootFormatField,
    AbiPackageExtrasField,
    CLibraryTarget,
    DebianStaticLibraryTarget,
)
from mirage.util_rules.boot_files import boot_files
from mirage.util_rules.compile import (
    AbiCompileSettings,
    AbiCompileSettingsRequest,
    CompileCSourceRequest,
    CompiledObject,
    HeaderClosure,
    HeaderClosureRequest,
)
from mirage.util_rules.link import LinkedTargets, LinkTargetsRequest
from mirage.util_rules.package_extras import WRITERS, write_package_extras
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
    the ABI's boot configurations (`boot_configs`) at `<output><suffix>`, the files its `package_extras`
    writer put beside it (`extras`), and the files its `boot_format` boots it from, under `<output>.boot/`."""

    digest: Digest
    image: str
    main_c: str
    provenance: str
    abi: str
    boot_configs: Tuple[str, ...] = ()
    extras: Tuple[str, ...] = ()
    boot_files: Tuple[str, ...] = ()


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
) -> str:
    """What went into the image, in a stable order: enough to tell why two images differ.

    `compiled` maps each compiled target to the digest of its objects, which covers its sources and flags;
    `debian_libraries` are the imported Debian static libraries linked in (package, version, archive digest);
    `host_link_inputs` the files the link read from the host (static libc, start files: path, digest, package).
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
    return json.dumps(record, indent=2, sort_keys=False) + "\n"


@dataclass(frozen=True)
class BootConfigsRequest:
    unikernel: Address
    abi: Address
    image: str
    graph: ResolvedGraph


@dataclass(frozen=True)
class BootConfigs:
    digest: Digest
    files: Tuple[str, ...]


@rule(desc="Write an image's boot configurations", level=LogLevel.DEBUG)
async def write_boot_configs(request: BootConfigsRequest) -> BootConfigs:
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(request.abi, description_of_origin="mirage boot configs"))
    wanted = wrapped.target[AbiBootConfigsField].value or {}
    if not wanted:
        return BootConfigs(await Get(Digest, CreateDigest([])), ())
    sources = await Get(SourceFiles, MirageSourcesRequest((wrapped.target,)))
    contents = await Get(DigestContents, Digest, sources.snapshot.digest)
    by_name = {os.path.relpath(c.path, request.abi.spec_path or "."): c.content for c in contents}
    folder, name = location_of_address(request.unikernel)
    guest_name = "-".join(part for part in (*folder.split(os.sep), name) if part)
    files = []
    for suffix, template in sorted(wanted.items()):
        if template not in by_name:
            raise InvalidFieldException(
                f"The `{AbiBootConfigsField.alias}` field of {request.abi} names `{template}`, which is not among "
                "its `sources`: add it there."
            )
        try:
            text = render_boot_config(
                by_name[template].decode("utf-8"),
                name=guest_name,
                image=request.image,
                abi=request.graph.abi,
                keys=request.graph.keys,
            )
        except BootConfigError as e:
            raise InvalidFieldException(f"{request.unikernel}: {request.abi}'s `{template}`: {e}") from e
        files.append(FileContent(f"{request.image}{suffix}", text.encode("utf-8")))
    digest = await Get(Digest, CreateDigest(files))
    return BootConfigs(digest, tuple(f.path for f in files))


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
    )
    image_name = request.file_name
    # Files the ABI's `package_extras` writer computes from the linked image (a Muen subject's specification).
    abi = await Get(WrappedTarget, WrappedTargetRequest(abi_address, description_of_origin="mirage package_extras"))
    writer = abi.target[AbiPackageExtrasField].value
    package_extras: tuple = ()
    if writer:
        if writer not in WRITERS:
            raise InvalidFieldException(
                f"The abi {abi_address} has package_extras={writer!r}; the plugin's writers are {sorted(WRITERS)}."
            )
        contents = await Get(DigestContents, Digest, linked.image.digest)
        image = next(c.content for c in contents if c.path == linked.image.path)
        package_extras = write_package_extras(writer, image_name, image, request.address.spec)
    # The files a board boots the image from (a Raspberry Pi's kernel8.img, config.txt, cmdline.txt).
    boot_format = abi.target[AbiBootFormatField].value
    booted_from = {}
    if boot_format != AbiBootFormatField.default:
        linked_contents = await Get(DigestContents, Digest, linked.image.digest)
        elf = next(f.content for f in linked_contents if f.path == linked.image.path)
        booted_from = {
            f"{image_name}.boot/{name}": content
            for name, content in sorted(boot_files(boot_format, elf, request.address.spec).items())
        }
    extras = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(f"{image_name}.main.c", main_c_text.encode("utf-8")),
                FileContent(f"{image_name}.provenance.json", provenance.encode("utf-8")),
                *(FileContent(name, content) for name, content in package_extras),
                *(FileContent(path, content) for path, content in booted_from.items()),
            ]
        ),
    )
    configs = await Get(BootConfigs, BootConfigsRequest(request.address, abi_address, image_name, resolved.graph))
    digest = await Get(Digest, MergeDigests([linked.image.digest, extras, configs.digest]))
    return BuiltImage(
        digest=digest,
        image=image_name,
        main_c=f"{image_name}.main.c",
        provenance=f"{image_name}.provenance.json",
        abi=resolved.graph.abi,
        boot_configs=configs.files,
        extras=tuple(name for name, _ in package_extras),
        boot_files=tuple(booted_from),
    )


def rules():
    return collect_rules()

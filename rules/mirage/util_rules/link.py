"""Link an image: compile a set of targets for an ABI, then link their objects, and the archives of the Debian
static libraries they use, with the ABI's flags and linker script (its startup object is one of the targets)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Optional, Tuple

from mirage.architecture import DEFAULT_ARCHITECTURE
from mirage.graph.locations import location_of_address
from mirage.sdk.sdk_rules import MirageSourcesRequest
from mirage.target_types import AbiLdflagsField, AbiLinkerScriptField
from mirage.util_rules.compile import (
    AbiCompileSettings,
    AbiCompileSettingsRequest,
    CompiledObject,
    CompiledTarget,
    CompileTargetRequest,
)
from mirage.util_rules.debian_library import (
    CheckArchiveSymbolsRequest,
    CheckedArchiveSymbols,
    DebianLibraryError,
    ImportDebianLibraryRequest,
    ImportedDebianLibrary,
)
from mirage.util_rules.host_header_inputs import HostHeaderInputs
from mirage.util_rules.host_link_inputs import HostLinkInputs, HostLinkInputsRequest
from mirage.util_rules.toolchain import REMOTE_CACHE_SPECULATION_DELAY_MS, Toolchain
from pants.core.util_rules.source_files import SourceFiles
from pants.engine.addresses import Address
from pants.engine.fs import Digest, MergeDigests
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import collect_rules, rule
from pants.engine.target import InvalidFieldException, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


class LinkError(Exception):
    """The link failed; the message carries the linker's diagnostics."""


@dataclass(frozen=True)
class LinkImageRequest:
    input_digest: Digest
    objects: Tuple[str, ...]
    linker_script: Optional[str]
    ldflags: Tuple[str, ...]
    toolchain: Toolchain
    output: str
    owner: str
    libraries: Tuple[str, ...] = ()
    # Static archives in `input_digest`, linked after the objects in this order.
    archives: Tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkedImage:
    digest: Digest
    path: str


@rule(desc="Link a unikernel image", level=LogLevel.DEBUG)
async def link_image(request: LinkImageRequest) -> LinkedImage:
    script = ("-T", request.linker_script) if request.linker_script else ()
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(
                request.toolchain.program,
                *request.ldflags,
                *script,
                "-o",
                request.output,
                # Sorted so the link order, and so the image, does not depend on how the graph was walked.
                *sorted(request.objects),
                *request.archives,
                *(f"-l{library}" for library in request.libraries),
            ),
            input_digest=request.input_digest,
            output_files=(request.output,),
            env=request.toolchain.env,
            description=f"Link {request.owner}",
            level=LogLevel.DEBUG,
            remote_cache_speculation_delay_millis=REMOTE_CACHE_SPECULATION_DELAY_MS,
        ),
    )
    if result.exit_code != 0:
        diagnostics = (result.stdout + result.stderr).decode(errors="replace").strip()
        raise LinkError(
            f"Linking {request.owner} failed:\n{diagnostics}\n"
            "An undefined reference usually means a connect or start function is named differently in BUILD "
            "than in the C sources."
        )
    return LinkedImage(digest=result.output_digest, path=request.output)


def abi_linker_script(address: Address, named: Optional[str], sources: Tuple[str, ...]) -> Optional[str]:
    """The path of the script the `linker_script` field names; it must be in `sources`, and be their only `.ld`."""
    path = os.path.join(location_of_address(address)[0], named) if named else None
    if path is not None and path not in sources:
        raise InvalidFieldException(
            f"The `linker_script` field of {address} is `{named}`, which is not among its `sources`. "
            f"Add `{named}` to `sources` (the sources field owns every file of the target)."
        )
    strays = sorted(f for f in sources if f.endswith(".ld") and f != path)
    if strays:
        raise InvalidFieldException(
            f"The `sources` of {address} hold the linker script{'s' if len(strays) > 1 else ''} "
            f"{', '.join(strays)}, which `linker_script` does not name"
            + (f" (it names `{named}`)" if named else "")
            + ". An ABI links with one script: name it in `linker_script` and remove the others from `sources`."
        )
    return path


@dataclass(frozen=True)
class LinkTargetsRequest:
    """Compile `targets` for `abi` and link them, with `extra_objects` (generated code), into `output`."""

    targets: Tuple[Address, ...]
    abi: Address
    extra_objects: Tuple[CompiledObject, ...]
    output: str
    owner: str
    libraries: Tuple[str, ...] = ()
    # `debian_static_library` targets whose archives the link takes, after every object.
    debian_libraries: Tuple[Address, ...] = ()


@dataclass(frozen=True)
class LinkedTargets:
    image: LinkedImage
    # Each compiled target's address and the fingerprint of its objects, which covers its sources and flags.
    object_fingerprints: Tuple[Tuple[str, str], ...]
    toolchain_fingerprint: str
    debian_libraries: Tuple[ImportedDebianLibrary, ...] = ()
    architecture: str = DEFAULT_ARCHITECTURE
    # The host files the link read (static libc, start files, libraries named by `libraries`).
    host_link_inputs: HostLinkInputs = HostLinkInputs(())
    # A hosted ABI's system headers, by package, which its compiles were keyed by; None when freestanding.
    host_header_inputs: Optional[HostHeaderInputs] = None


def check_library_traits(library: ImportedDebianLibrary, settings: AbiCompileSettings, owner: str) -> None:
    missing = sorted(set(library.abi_traits) - set(settings.traits))
    if missing:
        raise DebianLibraryError(
            f"{owner}: {library.address} ({library.package} {library.version}, {library.architecture}) needs the "
            f"ABI traits {', '.join(library.abi_traits)} (its `abi_traits`), but abi "
            f"`{location_of_address(settings.address)[1]}` lacks {', '.join(missing)} (its traits: "
            f"{', '.join(settings.traits) or 'none'}).\n"
            f"  fix: build {owner} for an ABI with those traits, or drop its dependency on {library.address}."
        )


@rule(desc="Compile and link targets", level=LogLevel.DEBUG)
async def link_targets(request: LinkTargetsRequest) -> LinkedTargets:
    settings, abi, *compiled = await MultiGet(
        Get(AbiCompileSettings, AbiCompileSettingsRequest(request.abi)),
        Get(WrappedTarget, WrappedTargetRequest(request.abi, description_of_origin="mirage link")),
        *(Get(CompiledTarget, CompileTargetRequest(address, request.abi)) for address in request.targets),
    )
    debian = await MultiGet(
        Get(ImportedDebianLibrary, ImportDebianLibraryRequest(address)) for address in sorted(request.debian_libraries)
    )
    for library in debian:
        check_library_traits(library, settings, request.owner)
    abi_sources = await Get(SourceFiles, MirageSourcesRequest((abi.target,)))
    linker_script = abi_linker_script(
        abi.target.address, abi.target[AbiLinkerScriptField].value, abi_sources.snapshot.files
    )
    link_input = await Get(
        Digest,
        MergeDigests(
            [
                abi_sources.snapshot.digest,
                *(o.digest for o in request.extra_objects),
                *(t.digest for t in compiled),
                *(library.digest for library in debian),
            ]
        ),
    )
    objects = (*(o.path for o in request.extra_objects), *(p for t in compiled for p in t.objects))
    # On a freestanding ABI the image's objects are all there is, so what the archive needs must be among them;
    # a hosted ABI's C library completes the link, and the linker names what it lacks.
    if "freestanding" in settings.traits:
        await MultiGet(
            Get(
                CheckedArchiveSymbols,
                CheckArchiveSymbolsRequest(
                    input_digest=link_input,
                    objects=objects,
                    library=library,
                    toolchain=settings.toolchain,
                    owner=request.owner,
                    object_owners=FrozenDict(
                        (path, f"{path} ({address})")
                        for address, target in zip(request.targets, compiled)
                        for path in target.objects
                    ),
                ),
            )
            for library in debian
        )
    ldflags = tuple(abi.target[AbiLdflagsField].value or ())
    host_inputs = await Get(
        HostLinkInputs, HostLinkInputsRequest(settings.toolchain, ldflags=ldflags, libraries=request.libraries)
    )
    toolchain = dataclasses.replace(settings.toolchain, env=host_inputs.keyed_env(settings.toolchain.env))
    image = await Get(
        LinkedImage,
        LinkImageRequest(
            input_digest=link_input,
            objects=objects,
            linker_script=linker_script,
            ldflags=ldflags,
            toolchain=toolchain,
            output=request.output,
            owner=request.owner,
            libraries=request.libraries,
            archives=tuple(library.archive for library in debian),
        ),
    )
    return LinkedTargets(
        image=image,
        object_fingerprints=tuple(
            (address.spec, target.digest.fingerprint) for address, target in zip(request.targets, compiled)
        ),
        toolchain_fingerprint=settings.toolchain.fingerprint,
        architecture=settings.architecture,
        debian_libraries=tuple(debian),
        host_link_inputs=host_inputs,
        host_header_inputs=settings.host_header_inputs,
    )


def rules():
    return collect_rules()

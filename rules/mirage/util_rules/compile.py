"""Compile C: one process per source file, per ABI and flag set, so Pants caches each object on its own."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional, Tuple

from mirage.architecture import abi_traits, compiler_for, sources_for
from mirage.codegen.prototypes import PROTOTYPE_CHECK_CFLAGS, FunctorSignature, is_signature_mismatch
from mirage.graph.errors import MirageConfigError
from mirage.graph.locations import location_of_address
from mirage.include_inference import IncludeAnalysis, IncludeAnalysisRequest
from mirage.sdk.sdk_rules import MirageSourcesRequest
from mirage.target_types import (
    AbiArchitectureField,
    AbiCflagsField,
    AbiCompilerField,
    AbiTraitsField,
    CLibraryAbiTraitsField,
    CLibraryTarget,
    CrunchTarget,
    DeviceTarget,
    ImplementationTarget,
    UnikernelTarget,
)
from mirage.util_rules.crunch import CrunchSource, CrunchSourceRequest
from mirage.util_rules.debian_library import DebianHeaders, DebianHeadersRequest
from mirage.util_rules.host_header_inputs import HostHeaderInputs, HostHeaderInputsRequest
from mirage.util_rules.prototypes import FunctorPrototype, FunctorPrototypeRequest
from mirage.util_rules.toolchain import REMOTE_CACHE_SPECULATION_DELAY_MS, Toolchain, ToolchainRequest
from pants.core.util_rules.source_files import SourceFiles
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestSubset, MergeDigests, PathGlobs
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import collect_rules, rule
from pants.engine.target import (
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.logging import LogLevel

COMPILED_EXTENSIONS = (".c", ".S")

# Flags every compile gets, before the ABI's own: sources are named by repository path (`#include
# "devices/console.h"`), and nothing that depends on the sandbox's location or the time reaches the object. Every
# path gcc sees is relative and no ABI asks for debug info, so no object records the folder it was compiled in;
# no flag relies on Pants putting the sandbox's path in for `{chroot}`, which it does not do on a remote worker.
BASE_CFLAGS = (
    "-std=c11",
    "-I.",
    "-fno-ident",
    "-Wdate-time",
    "-Werror=date-time",
)


class CompileError(Exception):
    """A C source did not compile; the message carries the compiler's own diagnostics (file:line)."""


class FunctorMismatchError(MirageConfigError):
    """A connect or start function in C disagrees with what its BUILD target declares."""


def functor_mismatch_message(signature: FunctorSignature, source: str, diagnostics: str) -> str:
    indented = "\n".join(f"    {line}" for line in diagnostics.splitlines())
    return (
        f"{signature.owner}: the {signature.kind} function `{signature.function}` in {source} does not match "
        f"the {signature.fields} fields of its BUILD target.\n"
        f"  BUILD declares: {signature.prototype()}\n"
        f"  compiler:\n{indented}\n"
        f"  fix: make {signature.expected()} (the order of BUILD's dict is the order of the parameters), or change "
        f"the BUILD fields of {signature.owner} to match the C function."
    )


class AbiTraitError(MirageConfigError):
    """A C library that needs ABI traits is compiled for an ABI without them."""


@dataclass(frozen=True)
class AbiCompileSettings:
    address: Address
    toolchain: Toolchain
    cflags: Tuple[str, ...]
    traits: Tuple[str, ...] = ()
    # A hosted ABI's system headers (their packages), which key its compiles; None when freestanding.
    host_header_inputs: Optional[HostHeaderInputs] = None

    @property
    def architecture(self) -> str:
        return self.toolchain.architecture


@dataclass(frozen=True)
class AbiCompileSettingsRequest:
    abi: Address


@rule(desc="Read an ABI's compile settings", level=LogLevel.DEBUG)
async def abi_compile_settings(request: AbiCompileSettingsRequest) -> AbiCompileSettings:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.abi, description_of_origin="mirage compile settings")
    )
    target = wrapped.target
    architecture = target[AbiArchitectureField].value
    owner = f"abi {request.abi}"
    traits = abi_traits(target[AbiTraitsField].value or (), architecture, owner)
    compiler = compiler_for(architecture, target[AbiCompilerField].value, owner)
    toolchain = await Get(Toolchain, ToolchainRequest(compiler, architecture))
    header_inputs = None
    if "hosted" in traits:
        # A hosted compile reads system headers (glibc's, the kernel's, libraries'), outside the sandbox: the packages
        # that own them key the compiles, so a header update recompiles. What the link reads (libc.a, start files)
        # keys the link alone (link.py).
        header_inputs = await Get(HostHeaderInputs, HostHeaderInputsRequest(toolchain))
        toolchain = dataclasses.replace(toolchain, env=header_inputs.keyed_env(toolchain.env))
    return AbiCompileSettings(
        address=request.abi,
        toolchain=toolchain,
        cflags=tuple(target[AbiCflagsField].value or ()),
        traits=traits,
        host_header_inputs=header_inputs,
    )


@dataclass(frozen=True)
class CompileCSourceRequest:
    """Compile `source` found in `input_digest` (which holds every header it may include)."""

    input_digest: Digest
    source: str
    settings: AbiCompileSettings
    owner: str
    # Force-included (and present in `input_digest`): the functor's prototype, so the compiler checks its C.
    prototype: Optional[FunctorSignature] = None
    prototype_header: Optional[str] = None
    # `-isystem` folders of Debian libraries' headers (in `input_digest`), searched after the ABI's own.
    include_flags: Tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledObject:
    digest: Digest
    path: str


def object_path(source: str) -> str:
    return f"{source}.o"


def compile_argv(
    settings: AbiCompileSettings,
    source: str,
    prototype_header: Optional[str] = None,
    include_flags: Tuple[str, ...] = (),
) -> Tuple[str, ...]:
    """The compiler's argv for `source`, run from the root of a sandbox holding the repository's paths.

    The compile step runs exactly this, and `mirage-compile-commands` lists it for clangd, so the two cannot
    drift. `prototype_header` is force-included into C sources only: assembly cannot take a C prototype.
    """
    prototype_flags = (
        (*PROTOTYPE_CHECK_CFLAGS, "-include", prototype_header) if prototype_header and source.endswith(".c") else ()
    )
    return (
        settings.toolchain.program,
        *BASE_CFLAGS,
        f"-frandom-seed={source}",
        *settings.cflags,
        *include_flags,
        *prototype_flags,
        "-c",
        source,
        "-o",
        object_path(source),
    )


@rule(desc="Compile a C source", level=LogLevel.DEBUG)
async def compile_c_source(request: CompileCSourceRequest) -> CompiledObject:
    output = object_path(request.source)
    settings = request.settings
    abi_name = location_of_address(settings.address)[1]
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=compile_argv(settings, request.source, request.prototype_header, request.include_flags),
            input_digest=request.input_digest,
            output_files=(output,),
            env=settings.toolchain.env,
            description=f"Compile {request.source} for {request.owner} (abi {abi_name})",
            level=LogLevel.DEBUG,
            remote_cache_speculation_delay_millis=REMOTE_CACHE_SPECULATION_DELAY_MS,
        ),
    )
    if result.exit_code != 0:
        diagnostics = (result.stdout + result.stderr).decode(errors="replace").strip()
        if request.prototype is not None and is_signature_mismatch(diagnostics, request.prototype.function):
            raise FunctorMismatchError(functor_mismatch_message(request.prototype, request.source, diagnostics))
        raise CompileError(
            f"Compiling {request.source} (from {request.owner}) for abi `{abi_name}` failed:\n"
            f"{diagnostics}\n"
            f"Fix the error in {request.source} at the line shown above."
        )
    return CompiledObject(digest=result.output_digest, path=output)


@dataclass(frozen=True)
class CompileTargetRequest:
    """Compile every `.c`/`.S` source of one target for one ABI."""

    address: Address
    abi: Address


@dataclass(frozen=True)
class CompiledTarget:
    digest: Digest
    objects: Tuple[str, ...]


def _exports_headers(target) -> bool:
    # Devices and C libraries export headers; implementations and applications keep theirs private.
    return isinstance(target, (DeviceTarget, CLibraryTarget)) and target.has_field(SourcesField)


@dataclass(frozen=True)
class HeaderClosureRequest:
    """The exported headers (of devices and C libraries) reachable from `roots`."""

    roots: Tuple[Address, ...]


@dataclass(frozen=True)
class HeaderClosure:
    digest: Digest
    # `-isystem <folder>` for each Debian static library in the closure, whose headers `digest` holds.
    include_flags: Tuple[str, ...] = ()


@rule(desc="Gather the headers a compile may include", level=LogLevel.DEBUG)
async def header_closure(request: HeaderClosureRequest) -> HeaderClosure:
    closure = await Get(TransitiveTargets, TransitiveTargetsRequest(request.roots))
    headers, debian = await MultiGet(
        Get(SourceFiles, MirageSourcesRequest(tuple(t for t in closure.closure if _exports_headers(t)))),
        Get(DebianHeaders, DebianHeadersRequest(request.roots)),
    )
    if not debian.include_dirs:
        return HeaderClosure(headers.snapshot.digest)
    digest = await Get(Digest, MergeDigests([headers.snapshot.digest, debian.digest]))
    return HeaderClosure(digest, debian.include_flags())


@rule(desc="Compile a target's C sources", level=LogLevel.DEBUG)
async def compile_target(request: CompileTargetRequest) -> CompiledTarget:
    settings, wrapped, headers = await MultiGet(
        Get(AbiCompileSettings, AbiCompileSettingsRequest(request.abi)),
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage compile")),
        Get(HeaderClosure, HeaderClosureRequest((request.address, request.abi))),
    )
    target = wrapped.target
    # An include that nothing provides stops this target's build here, with its file and line, before gcc runs.
    if not isinstance(target, CrunchTarget):
        includes = await Get(IncludeAnalysis, IncludeAnalysisRequest(request.address))
        if includes.problems:
            raise includes.error()
    needed = target[CLibraryAbiTraitsField].value if isinstance(target, CLibraryTarget) else None
    missing = sorted(set(needed or ()) - set(settings.traits))
    if missing:
        raise AbiTraitError(
            f"{target.address} needs the ABI traits {', '.join(needed or ())} (its `abi_traits`), but abi "
            f"`{location_of_address(request.abi)[1]}` ({request.abi}) lacks {', '.join(missing)} (its traits: "
            f"{', '.join(settings.traits) or 'none'}).\n"
            f"  fix: build the image or program that depends on {target.address} for an ABI with those traits, or "
            f"declare them in the `traits` of {request.abi} if it really offers them."
        )
    # Only functors have a prototype to check: C libraries, ABIs and host programs compile as they are.
    prototype = (
        await Get(FunctorPrototype, FunctorPrototypeRequest(request.address))
        if isinstance(target, (ImplementationTarget, CrunchTarget, UnikernelTarget))
        else None
    )
    if isinstance(target, CrunchTarget):
        # Its files are data: what gets compiled is the C source generated from them.
        crunch = await Get(CrunchSource, CrunchSourceRequest(target.address))
        own_digest, own_files = crunch.digest, (crunch.path,)
    else:
        own = await Get(SourceFiles, MirageSourcesRequest((target,)))
        own_digest, own_files = own.snapshot.digest, own.snapshot.files
    # Files named for another architecture (`*_aarch64.c` on x86_64) are not this ABI's to compile.
    sources = sorted(sources_for([f for f in own_files if f.endswith(COMPILED_EXTENSIONS)], settings.architecture))
    own_headers = [f for f in own_files if not f.endswith(COMPILED_EXTENSIONS)]
    # Each object's inputs are its source and the headers only, so editing one file recompiles one object.
    per_source = await MultiGet(
        Get(Digest, DigestSubset(own_digest, PathGlobs([source, *own_headers]))) for source in sources
    )
    inputs = await MultiGet(
        Get(Digest, MergeDigests([subset, headers.digest, *([prototype.digest] if prototype else [])]))
        for subset in per_source
    )
    objects = await MultiGet(
        Get(
            CompiledObject,
            CompileCSourceRequest(
                digest,
                source,
                settings,
                owner=target.address.spec,
                # Assembly sources cannot take a C prototype.
                prototype=prototype.signature if prototype and source.endswith(".c") else None,
                prototype_header=prototype.path if prototype and source.endswith(".c") else None,
                include_flags=headers.include_flags,
            ),
        )
        for digest, source in zip(inputs, sources)
    )
    digest = await Get(Digest, MergeDigests(o.digest for o in objects))
    return CompiledTarget(digest=digest, objects=tuple(o.path for o in objects))


def rules():
    return collect_rules()

"""The compile commands of one target's C sources for one ABI: what clangd needs to read them as the build does."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Tuple

from mirage.architecture import sources_for
from mirage.util_rules.compile import AbiCompileSettings, AbiCompileSettingsRequest, compile_argv
from mirage.util_rules.debian_library import DebianHeaders, DebianHeadersRequest
from mirage.util_rules.prototypes import FunctorPrototype, FunctorPrototypeRequest
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST, AddPrefix, Digest, MergeDigests
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import SourcesField, SourcesPaths, SourcesPathsRequest, WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class TargetCompileCommandsRequest:
    """The commands for the `.c` sources of `address` compiled for `abi`.

    The prototype header a functor's sources are compiled with is generated, and the headers of Debian static
    libraries are copies, so they exist only in the compile's sandbox: they are placed under `generated_root` (a
    folder relative to the build root, which the caller writes), and the commands name them there.
    """

    address: Address
    abi: Address
    generated_root: str


@dataclass(frozen=True)
class CompileCommand:
    file: str
    # As the compile step's Process has it: `{chroot}` stands for the folder the command runs in.
    arguments: Tuple[str, ...]


@dataclass(frozen=True)
class TargetCompileCommands:
    commands: Tuple[CompileCommand, ...]
    # The generated headers the commands name, under `generated_root`.
    generated: Digest


@rule(desc="List a target's compile commands", level=LogLevel.DEBUG)
async def target_compile_commands(request: TargetCompileCommandsRequest) -> TargetCompileCommands:
    settings, wrapped = await MultiGet(
        Get(AbiCompileSettings, AbiCompileSettingsRequest(request.abi)),
        Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage compile commands")),
    )
    target = wrapped.target
    # Functors (implementations, unikernels) are compiled against their prototype; other targets have none.
    prototype, paths, debian = await MultiGet(
        Get(FunctorPrototype, FunctorPrototypeRequest(request.address)),
        Get(SourcesPaths, SourcesPathsRequest(target[SourcesField])),
        Get(DebianHeaders, DebianHeadersRequest((request.address, request.abi))),
    )
    header = os.path.join(request.generated_root, prototype.path) if prototype.path else None
    include_flags = debian.include_flags(prefix=f"{request.generated_root}/")
    commands = tuple(
        CompileCommand(file=source, arguments=compile_argv(settings, source, header, include_flags))
        for source in sources_for(sorted(f for f in paths.files if f.endswith(".c")), settings.architecture)
    )
    if not header and not debian.include_dirs:
        return TargetCompileCommands(commands=commands, generated=EMPTY_DIGEST)
    generated = await Get(
        Digest,
        AddPrefix(await Get(Digest, MergeDigests([prototype.digest, debian.digest])), request.generated_root),
    )
    return TargetCompileCommands(commands=commands, generated=generated)


def rules():
    return collect_rules()

"""`pants mirage-compile-commands`: a compile_commands.json per ABI, so clangd reads each C source as it is built.

Every `.c` source of the given implementations, C libraries, ABIs, unikernels and host programs gets one entry per
ABI it is compiled for, with the argv of the real compile step (`compile_argv`), in
`dist/compile_commands/<abi>/compile_commands.json`. A source compiled for several ABIs (lib/tcpip on all five)
has different flags on each, and a compilation database holds one command per file: hence one database per ABI.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Set, Tuple

from mirage.goals.check import abis_to_check
from mirage.graph.model import Abi
from mirage.sdk.sdk_rules import sdk_files_of
from mirage.target_types import (
    AbiTarget,
    CLibraryAbiTraitsField,
    CLibraryTarget,
    HostProgramAbiField,
    HostProgramTarget,
    ImplementationTarget,
    UnikernelTarget,
)
from mirage.util_rules.build_options import UnikernelBuildOptions, UnikernelBuildOptionsRequest
from mirage.util_rules.catalogue import MirageCatalogue
from mirage.util_rules.compile_commands import TargetCompileCommands, TargetCompileCommandsRequest
from pants.base.build_root import BuildRoot
from pants.core.util_rules import distdir
from pants.core.util_rules.distdir import DistDir
from pants.core.util_rules.environments import EnvironmentNameRequest
from pants.engine.addresses import Address
from pants.engine.console import Console
from pants.engine.environment import EnvironmentName
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests, Workspace
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, goal_rule, rule
from pants.engine.target import AllTargets, Target, Targets, TransitiveTargets, TransitiveTargetsRequest
from pants.option.option_types import StrListOption
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap

COMPILE_COMMANDS_FOLDER = "compile_commands"
_LISTED_TARGETS = (ImplementationTarget, CLibraryTarget, AbiTarget, UnikernelTarget, HostProgramTarget)


class MirageCompileCommandsSubsystem(GoalSubsystem):
    name = "mirage-compile-commands"
    help = softwrap(
        f"""
        Write `dist/{COMPILE_COMMANDS_FOLDER}/<abi>/compile_commands.json` for clangd and other tools: one entry per
        C source of the given implementations, C libraries, ABIs, unikernels and host programs, for every ABI it is
        compiled for (an implementation or a C library with `abi_traits` on the ABIs `pants check` compiles it
        for; a C library without them on the ABIs of the images and host programs that link it; an ABI, a
        unikernel or a host program on its own ABI). `arguments` is the argv of the real compile step, run from
        the build root; the prototype header a functor is compiled against is generated, so it is written beside
        the database and named there. Point clangd at one ABI:
        `clangd --compile-commands-dir=dist/{COMPILE_COMMANDS_FOLDER}/hvt`, or symlink that file to the root.
        """
    )

    abi = StrListOption(
        default=[],
        help="Only write the databases of these ABIs, by name (`--abi=hvt --abi=unix`); every ABI when empty.",
    )


class MirageCompileCommands(Goal):
    subsystem_cls = MirageCompileCommandsSubsystem
    # Each target's commands are found in the environment it names (its toolchain can differ there).
    environment_behavior = Goal.EnvironmentBehavior.USES_ENVIRONMENTS


@dataclass(frozen=True)
class LibraryBuilds:
    """For each C library, the names of the ABIs of the images and host programs whose closure holds it."""

    abis: FrozenDict[Address, Tuple[str, ...]]


@rule(desc="Find the ABIs every C library is built for", level=LogLevel.DEBUG)
async def library_builds(all_targets: AllTargets) -> LibraryBuilds:
    unikernels = [t for t in all_targets if isinstance(t, UnikernelTarget)]
    host_programs = [t for t in all_targets if isinstance(t, HostProgramTarget)]
    builders = [*unikernels, *host_programs]
    options = await MultiGet(Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(t.address)) for t in unikernels)
    closures = await MultiGet(Get(TransitiveTargets, TransitiveTargetsRequest([t.address])) for t in builders)
    builder_abis = [*(o.abi for o in options), *(t[HostProgramAbiField].value for t in host_programs)]
    found: Dict[Address, Set[str]] = defaultdict(set)
    for abi, closure in zip(builder_abis, closures):
        for target in closure.closure:
            if isinstance(target, CLibraryTarget):
                found[target.address].add(abi)
    return LibraryBuilds(FrozenDict({address: tuple(sorted(abis)) for address, abis in found.items()}))


def abis_built_for(
    target: Target, catalogue: MirageCatalogue, libraries: LibraryBuilds, unikernel_abi: str
) -> Tuple[Abi, ...]:
    """The ABIs `target`'s sources are compiled for; `pants check`'s choice where the target states one."""
    if isinstance(target, ImplementationTarget) or (
        isinstance(target, CLibraryTarget) and target[CLibraryAbiTraitsField].value is not None
    ):
        return abis_to_check(target, catalogue)
    if isinstance(target, CLibraryTarget):
        # Unknown names are the builder's own error (package reports them); they add nothing here.
        names = libraries.abis.get(target.address, ())
        return tuple(catalogue.abis[name] for name in names if name in catalogue.abis)
    if isinstance(target, AbiTarget):
        return (catalogue.abi(target.address.target_name, target.address),)
    if isinstance(target, UnikernelTarget):
        return (catalogue.abi(unikernel_abi, target.address),)
    if isinstance(target, HostProgramTarget):
        return (catalogue.abi(target[HostProgramAbiField].value, target.address),)
    return ()


def compilation_database(build_root: str, commands: List[Tuple[str, Tuple[str, ...]]]) -> str:
    """The JSON of a compilation database: one entry per file (the first command given for it), sorted by file.

    `{chroot}` in an argument is the folder the compile runs in: the sandbox there, the build root here.
    """
    by_file: Dict[str, Tuple[str, ...]] = {}
    for file, arguments in commands:
        by_file.setdefault(file, arguments)
    entries = [
        {
            "directory": build_root,
            "file": file,
            "arguments": [argument.replace("{chroot}", build_root) for argument in by_file[file]],
        }
        for file in sorted(by_file)
    ]
    return json.dumps(entries, indent=2) + "\n"


@goal_rule
async def mirage_compile_commands(
    targets: Targets,
    subsystem: MirageCompileCommandsSubsystem,
    console: Console,
    workspace: Workspace,
    dist_dir: DistDir,
    build_root: BuildRoot,
    catalogue: MirageCatalogue,
) -> MirageCompileCommands:
    unknown = sorted(set(subsystem.abi) - set(catalogue.abis))
    if unknown:
        console.print_stderr(
            f"mirage-compile-commands: no abi target is named {', '.join(unknown)} (known ABIs: "
            f"{', '.join(sorted(catalogue.abis))}); fix `--mirage-compile-commands-abi`."
        )
        return MirageCompileCommands(exit_code=1)
    # By address, so where two targets share a source (one app in two unikernels) the same one is listed.
    # The bundled SDK's targets are left out: their files are in the plugin's wheel, not in this repository.
    listed = sorted(
        (t for t in targets if isinstance(t, _LISTED_TARGETS) and not sdk_files_of(t)), key=lambda t: t.address
    )
    unikernels = [t for t in listed if isinstance(t, UnikernelTarget)]
    unikernel_options = await MultiGet(
        Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(t.address)) for t in unikernels
    )
    # Only a C library without `abi_traits` needs the repository's images to say where it is built.
    libraries = (
        await Get(LibraryBuilds)
        if any(isinstance(t, CLibraryTarget) and t[CLibraryAbiTraitsField].value is None for t in listed)
        else LibraryBuilds(FrozenDict())
    )
    unikernel_abis = {t.address: o.abi for t, o in zip(unikernels, unikernel_options)}
    pairs = [
        (target, abi)
        for target in listed
        for abi in abis_built_for(target, catalogue, libraries, unikernel_abis.get(target.address, ""))
        if not subsystem.abi or abi.name in subsystem.abi
    ]
    if not pairs:
        console.print_stderr(
            "mirage-compile-commands: no C sources to list among the given targets"
            + (f" for abi {', '.join(subsystem.abi)}" if subsystem.abi else "")
            + "; name implementations, C libraries, ABIs or unikernels, e.g. `pants mirage-compile-commands ::`."
        )
        return MirageCompileCommands(exit_code=1)

    def folder(abi: Abi) -> str:
        return os.path.join(str(dist_dir.relpath), COMPILE_COMMANDS_FOLDER, abi.name)

    environments = await MultiGet(
        Get(EnvironmentName, EnvironmentNameRequest, EnvironmentNameRequest.from_target(target)) for target, _ in pairs
    )
    listed_commands = await MultiGet(
        Get(
            TargetCompileCommands,
            {
                TargetCompileCommandsRequest(
                    target.address, catalogue.addresses[abi.address], generated_root=folder(abi)
                ): TargetCompileCommandsRequest,
                environment: EnvironmentName,
            },
        )
        for (target, abi), environment in zip(pairs, environments)
    )
    by_abi: Dict[str, List[Tuple[str, Tuple[str, ...]]]] = defaultdict(list)
    generated: Dict[str, List[Digest]] = defaultdict(list)
    for (_, abi), commands in zip(pairs, listed_commands):
        by_abi[abi.name].extend((c.file, c.arguments) for c in commands.commands)
        generated[abi.name].append(commands.generated)
    abis = {abi.name: abi for _, abi in pairs}
    databases = {name: os.path.join(folder(abis[name]), "compile_commands.json") for name in sorted(by_abi)}
    written = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(path, compilation_database(build_root.path, by_abi[name]).encode("utf-8"))
                for name, path in databases.items()
            ]
        ),
    )
    merged = await Get(Digest, MergeDigests([written, *(d for name in sorted(generated) for d in generated[name])]))
    # Each written ABI's folder is replaced whole, so no stale generated header outlives its functor.
    workspace.write_digest(merged, clear_paths=tuple(folder(abis[name]) for name in databases))
    for name, path in databases.items():
        files = len({file for file, _ in by_abi[name]})
        console.print_stdout(f"Wrote {path} ({files} source{'s' if files != 1 else ''}, abi {name})")
    return MirageCompileCommands(exit_code=0)


def rules():
    # The dist folder's rule comes with Pants' core goals; named here so the goal also loads where those are not.
    return [*collect_rules(), *distdir.rules()]

"""Find the C toolchain for an ABI's architecture, and fix the environment every compile and link runs in."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mirage.architecture import DEFAULT_ARCHITECTURE, architecture_named, check_compiler_machine
from mirage.subsystems.mirage import MirageSubsystem
from pants.core.util_rules.system_binaries import BinaryNotFoundError, BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.ordered_set import OrderedSet

# With a remote cache to read, how long a compile or link waits for the cache's answer before it also starts
# locally (Pants' default, 0, starts both at once): a hit then costs no local work, and a miss starts at once.
REMOTE_CACHE_SPECULATION_DELAY_MS = 5000


@dataclass(frozen=True)
class ToolchainRequest:
    compiler: str
    architecture: str = DEFAULT_ARCHITECTURE


@dataclass(frozen=True)
class Toolchain:
    compiler: str
    env: FrozenDict[str, str]
    architecture: str = DEFAULT_ARCHITECTURE

    @property
    def fingerprint(self) -> str:
        return self.env["MIRAGE_TOOLCHAIN_FINGERPRINT"]

    @property
    def program(self) -> str:
        """The compiler as compile and link argv name it: by name, found through the env's PATH (its folder comes
        first there), so the command is the same on a machine, or a remote worker, whose gcc lives elsewhere."""
        return os.path.basename(self.compiler)


def reproducible_env(
    path_dirs: tuple[str, ...], fingerprint: str, architecture: str = DEFAULT_ARCHITECTURE
) -> FrozenDict[str, str]:
    """The whole environment of a toolchain process: nothing from the host but the PATH we chose.

    The fingerprint (the tools' `--version` output hashes) and the target architecture are in the env so a
    toolchain upgrade, or the same compiler aimed at another architecture, misses the cache.
    """
    return FrozenDict(
        {
            "PATH": os.pathsep.join(path_dirs),
            "LC_ALL": "C",
            "TZ": "UTC",
            "SOURCE_DATE_EPOCH": "0",
            "MIRAGE_TOOLCHAIN_FINGERPRINT": fingerprint,
            "MIRAGE_TARGET_ARCHITECTURE": architecture,
        }
    )


@rule(desc="Find the C toolchain", level=LogLevel.DEBUG)
async def find_toolchain(request: ToolchainRequest, mirage: MirageSubsystem.EnvironmentAware) -> Toolchain:
    search_path = mirage.executable_search_path
    architecture = architecture_named(request.architecture, f"the toolchain for {request.compiler}")
    # The tools the driver runs by name must be on the PATH we hand it, and nothing else is.
    names = (request.compiler, *architecture.driven_tools)
    all_paths = await MultiGet(
        Get(
            BinaryPaths,
            BinaryPathRequest(binary_name=name, search_path=search_path, test=BinaryPathTest(["--version"])),
        )
        for name in names
    )
    found = []
    for name, paths in zip(names, all_paths):
        first = paths.first_path
        if first is None:
            raise BinaryNotFoundError(
                f"Cannot find `{name}` (needed to build unikernels for {architecture.name}) in "
                f"{list(search_path)}. Install it (Debian: `apt-get install {architecture.debian_package}`) or "
                f"point `[mirage].executable_search_paths` at its folder."
            )
        found.append(first)
    path_dirs = tuple(OrderedSet(os.path.dirname(p.path) for p in found))
    fingerprint = "-".join(p.fingerprint[:16] for p in found)
    env = reproducible_env(path_dirs, fingerprint, architecture.name)
    machine = await Get(
        ProcessResult,
        Process(
            argv=(found[0].path, "-dumpmachine"),
            env=env,
            description=f"Ask {request.compiler} which machine it builds for",
            level=LogLevel.DEBUG,
        ),
    )
    check_compiler_machine(found[0].path, machine.stdout.decode(errors="replace"), architecture.name)
    return Toolchain(compiler=found[0].path, env=env, architecture=architecture.name)


def rules():
    return collect_rules()

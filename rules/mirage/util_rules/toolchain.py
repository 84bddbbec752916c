"""Find the C toolchain an ABI names, and fix the environment every compile and link runs in."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mirage.subsystems.mirage import MirageSubsystem
from pants.core.util_rules.system_binaries import BinaryNotFoundError, BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.ordered_set import OrderedSet

# Tools the compiler driver runs by name: they must be on the PATH we hand it, and nothing else is.
_DRIVEN_TOOLS = ("as", "ld")


@dataclass(frozen=True)
class ToolchainRequest:
    compiler: str


@dataclass(frozen=True)
class Toolchain:
    compiler: str
    env: FrozenDict[str, str]

    @property
    def fingerprint(self) -> str:
        return self.env["MIRAGE_TOOLCHAIN_FINGERPRINT"]


def reproducible_env(path_dirs: tuple[str, ...], fingerprint: str) -> FrozenDict[str, str]:
    """The whole environment of a toolchain process: nothing from the host but the PATH we chose.

    The fingerprint (the tools' `--version` output hashes) is in the env so a toolchain upgrade misses the cache.
    """
    return FrozenDict(
        {
            "PATH": os.pathsep.join(path_dirs),
            "LC_ALL": "C",
            "TZ": "UTC",
            "SOURCE_DATE_EPOCH": "0",
            "MIRAGE_TOOLCHAIN_FINGERPRINT": fingerprint,
        }
    )


@rule(desc="Find the C toolchain", level=LogLevel.DEBUG)
async def find_toolchain(request: ToolchainRequest, mirage: MirageSubsystem.EnvironmentAware) -> Toolchain:
    search_path = mirage.executable_search_path
    names = (request.compiler, *_DRIVEN_TOOLS)
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
                f"Cannot find `{name}` (needed to build unikernels) in {list(search_path)}. Install it (Debian: "
                f"`apt-get install gcc binutils`) or point `[mirage].executable_search_paths` at its folder."
            )
        found.append(first)
    path_dirs = tuple(OrderedSet(os.path.dirname(p.path) for p in found))
    fingerprint = "-".join(p.fingerprint[:16] for p in found)
    return Toolchain(compiler=found[0].path, env=reproducible_env(path_dirs, fingerprint))


def rules():
    return collect_rules()

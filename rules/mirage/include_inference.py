"""Infer dependencies from `#include` lines: a C source that includes another target's header depends on it.

The header closure of a compile (util_rules/compile.py) is the exported headers of the target's transitive
dependencies, so an inferred dependency is what puts an included header into the compile's sandbox. An include
that nothing in the repository provides is reported here, with its file and line, rather than as gcc's
"No such file or directory".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Dict, List, Set, Tuple

from mirage.c.includes import Include, candidate_paths, find_includes, is_inside_repository
from mirage.graph.errors import MirageConfigError
from mirage.sdk.sdk_rules import MirageSdk, MirageSourcesRequest
from mirage.target_types import (
    AbiTarget,
    CLibraryTarget,
    DeviceTarget,
    HostProgramTarget,
    ImplementationTarget,
    UnikernelTarget,
)
from pants.core.util_rules.source_files import SourceFiles
from pants.engine.addresses import Address, Addresses
from pants.engine.fs import Digest, DigestContents, PathGlobs, Paths
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import (
    Dependencies,
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    SourcesField,
    Target,
    UnexpandedTargets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

# Targets whose sources are C (a crunch target's files are data, and its C is generated).
C_TARGET_TYPES = (DeviceTarget, ImplementationTarget, CLibraryTarget, AbiTarget, UnikernelTarget, HostProgramTarget)
# Targets whose headers other targets may include: the rest keep their headers to themselves.
EXPORTING_TARGET_TYPES = (DeviceTarget, CLibraryTarget)
SCANNED_EXTENSIONS = (".c", ".h", ".S")

logger = logging.getLogger(__name__)


class IncludeError(MirageConfigError):
    """An `#include` names a header that no target provides to the including one."""


@dataclass(frozen=True)
class CIncludeInferenceFieldSet(FieldSet):
    required_fields = (SourcesField, Dependencies)

    sources: SourcesField
    dependencies: Dependencies

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return not isinstance(tgt, C_TARGET_TYPES)


class InferCIncludeDependencies(InferDependenciesRequest):
    infer_from = CIncludeInferenceFieldSet


def _where(source: str, include: Include) -> str:
    quoted = f'"{include.path}"' if include.quoted else f"<{include.path}>"
    return f"{source}:{include.line}: #include {quoted}"


def include_problem(
    source: str, include: Include, owners: Dict[str, Tuple[Target, ...]], includer: Address
) -> str | None:
    """Why this include cannot be satisfied through a dependency, or None when it can (or is a system header)."""
    candidates = [p for p in candidate_paths(source, include) if is_inside_repository(p)]
    found = next(((p, owners[p]) for p in candidates if owners.get(p)), None)
    if found is None:
        if not include.quoted:
            return None  # <stdint.h> and friends: the ABI's or host's own headers.
        looked = " or ".join(candidates) or include.path
        return (
            f"{_where(source, include)}: no target owns {looked}.\n"
            f"  fix: add a `c_library` (or `device`) owning that header and it becomes a dependency, or fix the "
            f"path (quoted includes are looked up beside {source}, then from the repository root)."
        )
    path, path_owners = found
    if any(isinstance(t, EXPORTING_TARGET_TYPES) for t in path_owners):
        return None
    names = ", ".join(f"{t.address} (a `{t.alias}`)" for t in path_owners)
    return (
        f"{_where(source, include)}: {path} belongs to {names}, whose headers are private to it, so {includer} "
        f"cannot include it.\n"
        f"  fix: move {path} into a `c_library` (or `device`) that both targets depend on, or stop including it."
    )


@dataclass(frozen=True)
class IncludeAnalysisRequest:
    address: Address


@dataclass(frozen=True)
class IncludeAnalysis:
    """What a C target's includes make it depend on, and the includes nothing can satisfy."""

    address: Address
    inferred: Tuple[Address, ...]
    problems: Tuple[str, ...]

    def error(self) -> IncludeError:
        return IncludeError(f"{self.address} has includes that no dependency provides:\n" + "\n".join(self.problems))


@rule(desc="Analyse a C target's #include lines", level=LogLevel.DEBUG)
async def analyse_includes(request: IncludeAnalysisRequest, sdk: MirageSdk) -> IncludeAnalysis:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage include inference")
    )
    hydrated = await Get(SourceFiles, MirageSourcesRequest((wrapped.target,)))
    contents = await Get(DigestContents, Digest, hydrated.snapshot.digest)
    own_files = set(hydrated.snapshot.files)
    includes: List[Tuple[str, Include]] = [
        (file.path, include)
        for file in contents
        if file.path.endswith(SCANNED_EXTENSIONS)
        for include in find_includes(file.content.decode("utf-8", errors="replace"))
    ]
    candidates = sorted(
        {
            path
            for source, include in includes
            for path in candidate_paths(source, include)
            if is_inside_repository(path) and path not in own_files
        }
    )
    # Owners also match paths that do not exist (a `*.h` glob owns any missing `x.h` beside it): look only at files.
    existing = await Get(Paths, PathGlobs(candidates))
    paths = sorted(existing.files)
    owners_per_path = await MultiGet(Get(Owners, OwnersRequest((path,))) for path in paths)
    # Headers of the plugin's bundled SDK (empty in the plugin's own repository, where the SDK is on disk).
    addresses_per_path: Dict[str, Set[Address]] = {path: set(owners) for path, owners in zip(paths, owners_per_path)}
    for path in candidates:
        addresses_per_path.setdefault(path, set()).update(sdk.owners.get(path, ()))
    owner_addresses = sorted({address for addresses in addresses_per_path.values() for address in addresses})
    owner_targets = await Get(UnexpandedTargets, Addresses(owner_addresses))
    by_address = {t.address: t for t in owner_targets}
    # Only C targets count as owners: a `files` target holding the same header puts nothing into a compile.
    owners: Dict[str, Tuple[Target, ...]] = {
        path: tuple(by_address[a] for a in sorted(addresses) if isinstance(by_address[a], C_TARGET_TYPES))
        for path, addresses in addresses_per_path.items()
    }

    inferred: Set[Address] = set()
    problems = []
    for source, include in includes:
        if any(p in own_files for p in candidate_paths(source, include)):
            continue
        problem = include_problem(source, include, owners, request.address)
        if problem:
            problems.append(problem)
            continue
        for path in candidate_paths(source, include):
            if owners.get(path):
                inferred.update(t.address for t in owners[path] if isinstance(t, EXPORTING_TARGET_TYPES))
                break
    inferred.discard(request.address)
    return IncludeAnalysis(request.address, tuple(sorted(inferred)), tuple(problems))


@rule(desc="Infer a C target's dependencies from its #include lines")
async def infer_c_include_dependencies(request: InferCIncludeDependencies) -> InferredDependencies:
    analysis = await Get(IncludeAnalysis, IncludeAnalysisRequest(request.field_set.address))
    if analysis.problems:
        # Only this target's build fails on them (util_rules/compile.py raises the same error before gcc runs):
        # `pants dependencies ::` and `--changed-since` still work for the rest of the repository.
        logger.warning(f"{analysis.error()}\n(`pants package` and `pants check` of what compiles it fail on this.)")
    return InferredDependencies(analysis.inferred)


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferCIncludeDependencies)]

"""`pants tailor` for C: a `c_library` for each folder's `.c`/`.h`/`.S` files that no mirage target owns.

A c_library is the one C target whose fields can be read off the files alone. An implementation needs the device
it provides and its connect function, a unikernel its start function and devices: tailor never guesses those, so
turning a proposed c_library into one of them is left to the author.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

from mirage.sdk.sdk_rules import sdk_files_of
from mirage.target_types import C_SOURCE_EXTENSIONS, CLibraryTarget, target_types
from pants.core.goals.tailor import PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import PathGlobs, Paths
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import AllUnexpandedTargets, SourcesField, SourcesPaths, SourcesPathsRequest
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

# The name of a target proposed at the repository root, which has no folder name to borrow.
ROOT_TARGET_NAME = "c_sources"


@dataclass(frozen=True)
class PutativeCTargetsRequest(PutativeTargetsRequest):
    pass


def unowned_files_by_folder(files: Iterable[str], owned: Iterable[str]) -> Dict[str, Tuple[str, ...]]:
    """Each folder's files that no target owns, as names relative to the folder, sorted."""
    owned_set = set(owned)
    by_folder: Dict[str, List[str]] = defaultdict(list)
    for path in files:
        if path not in owned_set:
            by_folder[posixpath.dirname(path)].append(posixpath.basename(path))
    return {folder: tuple(sorted(names)) for folder, names in sorted(by_folder.items())}


@dataclass(frozen=True)
class MirageOwnedSources:
    """Every file that a mirage target (device, implementation, c_library, unikernel...) lists in its sources."""

    paths: Tuple[str, ...]


@rule(level=LogLevel.DEBUG, desc="Find the files mirage targets own")
async def mirage_owned_sources(all_targets: AllUnexpandedTargets) -> MirageOwnedSources:
    # Only mirage targets count: a `files` target that carries C files as data (this repository's `//:checkout`
    # holds all of lib/) compiles none of them, so those files still want a C target. The bundled SDK's targets
    # own files of the plugin's wheel, not of the repository.
    mirage_types = target_types()
    owned = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(t[SourcesField]))
        for t in all_targets
        if isinstance(t, mirage_types) and t.has_field(SourcesField) and not sdk_files_of(t)
    )
    return MirageOwnedSources(tuple(sorted({path for paths in owned for path in paths.files})))


@rule(level=LogLevel.DEBUG, desc="Propose c_library targets for C files that no mirage target owns")
async def find_putative_c_targets(request: PutativeCTargetsRequest, owned: MirageOwnedSources) -> PutativeTargets:
    files = await Get(Paths, PathGlobs, request.path_globs(*(f"*{ext}" for ext in C_SOURCE_EXTENSIONS)))
    return PutativeTargets(
        PutativeTarget.for_target_type(
            CLibraryTarget,
            path=folder,
            name=None if folder else ROOT_TARGET_NAME,
            triggering_sources=names,
            kwargs={"sources": names},
        )
        for folder, names in unowned_files_by_folder(files.files, owned.paths).items()
    )


def rules():
    return [*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeCTargetsRequest)]

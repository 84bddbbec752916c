"""`pants fmt` and `pants lint` for the C sources of mirage targets, with clang-format.

The tool is Pants' own `[clang-format]` subsystem (pants.backend.cc.lint.clangformat): clang-format from PyPI at the
version of the lockfile Pants bundles, so every machine formats alike, whatever clang-format its Debian release
ships. Options such as `[clang-format].skip`, `args` and `version` work as they do for Pants' C backend.

What is formatted: the `.c` and `.h` sources of devices, implementations, C libraries, ABIs, unikernels and host
programs (not `.S` assembler, linker scripts or a crunch target's data). clang-format reads the `.clang-format`
nearest to each file, so a folder opts out with its own `.clang-format` holding `DisableFormat: true`, and a target
with `skip_clang_format=True`. Without any `.clang-format` nothing is reformatted: a repository's style is its own.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Iterable, List, Tuple

from mirage.include_inference import C_TARGET_TYPES
from mirage.sdk.sdk_rules import sdk_files_of
from pants.backend.cc.lint.clangformat import subsystem as clang_format_subsystem
from pants.backend.cc.lint.clangformat.subsystem import ClangFormat
from pants.backend.python.goals import lockfile as python_lockfile
from pants.backend.python.util_rules import pex
from pants.backend.python.util_rules.pex import Pex, PexProcess, PexRequest
from pants.core.goals.fmt import FmtResult, FmtTargetsRequest
from pants.core.util_rules.config_files import ConfigFiles, ConfigFilesRequest
from pants.core.util_rules.partitions import PartitionerType, Partitions
from pants.engine.fs import Digest, MergeDigests
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.process import ProcessResult
from pants.engine.rules import collect_rules, rule
from pants.engine.target import BoolField, FieldSet, SourcesField, SourcesPaths, SourcesPathsRequest, Target
from pants.util.logging import LogLevel
from pants.util.strutil import pluralize

# clang-format's language is C for these; `.S` is assembler and would be mangled.
FORMATTED_EXTENSIONS = (".c", ".h")
CONFIG_FILE_NAMES = (".clang-format", "_clang-format")


class SkipClangFormatField(BoolField):
    alias = "skip_clang_format"
    default = False
    help = "If true, `pants fmt` and `pants lint` leave this target's C sources as they are (no clang-format)."


@dataclass(frozen=True)
class ClangFormatFieldSet(FieldSet):
    required_fields = (SourcesField,)

    sources: SourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        # The bundled SDK's targets are the plugin's files (in its wheel), not the repository's to format.
        return not isinstance(tgt, C_TARGET_TYPES) or tgt[SkipClangFormatField].value or bool(sdk_files_of(tgt))


class MirageClangFormatRequest(FmtTargetsRequest):
    field_set_type = ClangFormatFieldSet
    tool_subsystem = ClangFormat
    partitioner_type = PartitionerType.CUSTOM


def formatted_files(source_files: Iterable[str]) -> Tuple[str, ...]:
    """The C files clang-format is run on, sorted, each once (two targets may own one header)."""
    return tuple(sorted({path for path in source_files if path.endswith(FORMATTED_EXTENSIONS)}))


def config_file_candidates(files: Iterable[str]) -> Tuple[str, ...]:
    """Every place clang-format looks for its configuration for these files: their folders and all above them.

    clang-format takes the nearest file going up from a source, so a folder's own `.clang-format` (say, one that
    disables formatting for vendored code) must be in the sandbox as well as the root one.
    """
    folders = set()
    for path in files:
        folder = posixpath.dirname(path)
        while folder not in folders:
            folders.add(folder)
            if not folder:
                break
            folder = posixpath.dirname(folder)
    candidates: List[str] = [posixpath.join(folder, name) for folder in folders for name in CONFIG_FILE_NAMES]
    return tuple(sorted(candidates))


@rule
async def partition_c_sources(
    request: MirageClangFormatRequest.PartitionRequest, clang_format: ClangFormat
) -> Partitions:
    if clang_format.skip:
        return Partitions()
    all_paths = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(field_set.sources)) for field_set in request.field_sets
    )
    files = formatted_files(path for paths in all_paths for path in paths.files)
    return Partitions.single_partition(files) if files else Partitions()


@rule(desc="Format C with clang-format", level=LogLevel.DEBUG)
async def clang_format_fmt(request: MirageClangFormatRequest.Batch, clang_format: ClangFormat) -> FmtResult:
    clang_format_pex, config_files = await MultiGet(
        Get(Pex, PexRequest, clang_format.to_pex_request()),
        Get(
            ConfigFiles,
            ConfigFilesRequest(discovery=True, check_existence=config_file_candidates(request.files)),
        ),
    )
    input_digest = await Get(
        Digest, MergeDigests((request.snapshot.digest, config_files.snapshot.digest, clang_format_pex.digest))
    )
    result = await Get(
        ProcessResult,
        PexProcess(
            clang_format_pex,
            argv=(
                "--style=file",
                # No .clang-format above a file: leave it alone rather than impose a style the repository never chose.
                "--fallback-style=none",
                "-i",
                *clang_format.args,
                *request.files,
            ),
            input_digest=input_digest,
            output_files=request.files,
            description=f"Run clang-format on {pluralize(len(request.files), 'file')}.",
            level=LogLevel.DEBUG,
        ),
    )
    return await FmtResult.create(request, result, strip_chroot_path=True)


def rules():
    return [
        *collect_rules(),
        *MirageClangFormatRequest.rules(),
        *clang_format_subsystem.rules(),
        *pex.rules(),
        *python_lockfile.rules(),
        *(target_type.register_plugin_field(SkipClangFormatField) for target_type in C_TARGET_TYPES),
    ]

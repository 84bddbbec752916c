"""Bring a Debian package's static archive and headers into the build graph, and check an archive's undefined
symbols against the objects of the image it is linked into."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Tuple

from mirage.graph.errors import MirageConfigError
from mirage.graph.locations import location_of_address
from mirage.subsystems.mirage import MirageSubsystem
from mirage.target_types import (
    DebianStaticLibraryAbiTraitsField,
    DebianStaticLibraryArchiveField,
    DebianStaticLibraryHeadersField,
    DebianStaticLibraryIncludeRootField,
    DebianStaticLibraryPackageField,
    DebianStaticLibraryTarget,
)
from mirage.util_rules.archive_symbols import check_archive, missing_symbols_message, parse_nm_posix
from mirage.util_rules.toolchain import Toolchain
from pants.core.util_rules.system_binaries import BinaryNotFoundError, BinaryPathRequest, BinaryPaths
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST, Digest, DigestContents, DigestSubset, MergeDigests, PathGlobs
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import collect_rules, rule
from pants.engine.target import TransitiveTargets, TransitiveTargetsRequest, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel


class DebianLibraryError(MirageConfigError):
    """A Debian static library cannot be imported (package missing, file not the package's) or linked."""


# Copies the package's files into the sandbox after checking they belong to it and are unmodified. Run once per
# Pants run (ProcessCacheScope.PER_SESSION): its inputs live outside the repository, so only running it tells
# whether they changed; everything downstream is keyed by the digest of what it copied.
_IMPORT_SCRIPT = r"""
set -eu
package=$1 archive=$2 include_root=$3 out=$4
shift 4
fail() { echo "$*" >&2; exit 1; }
status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) || status=absent
[ "$status" = installed ] || fail "the Debian package $package is not installed (dpkg says: $status)"
files=$(dpkg-query -L "$package")
changed=$(dpkg --verify "$package" 2>&1 || true)
import_file() {
    printf '%s\n' "$files" | grep -Fqx -- "$1" || fail "$1 is not a file of the Debian package $package"
    # dpkg --verify prints one line per changed file, the file's path last.
    printf '%s\n' "$changed" | awk -v path="$1" '$NF == path { found = 1 } END { exit !found }' &&
        fail "$1 differs from what $package installed (dpkg --verify)"
    mkdir -p "$(dirname "$2")"
    cp -- "$1" "$2"
}
mkdir -p "$out/include"
import_file "$archive" "$out/archive/$(basename "$archive")"
for pattern in "$@"; do
    matched=0
    for header in $pattern; do
        [ -f "$header" ] || continue
        case "$header" in
            "$include_root"/*) ;;
            *) fail "the header $header is not under include_root $include_root" ;;
        esac
        import_file "$header" "$out/include/${header#"$include_root"/}"
        matched=1
    done
    [ "$matched" = 1 ] || fail "no file of $package matches the header pattern $pattern"
done
dpkg-query -W -f='${Package}\n${Version}\n${Architecture}\n' "$package" > "$out/package"
"""

_IMPORT_TOOLS = ("sh", "dpkg-query", "dpkg", "grep", "awk", "cp", "mkdir", "dirname", "basename")


@dataclass(frozen=True)
class ImportDebianLibraryRequest:
    address: Address


@dataclass(frozen=True)
class ImportedDebianLibrary:
    """The package's files in the build graph: `archive` and the headers under `include_dir`, in `digest`."""

    address: Address
    package: str
    version: str
    architecture: str
    abi_traits: Tuple[str, ...]
    digest: Digest
    archive: str
    archive_sha256: str
    include_dir: str
    headers_digest: Digest

    def provenance(self) -> dict:
        return {
            "address": self.address.spec,
            "package": self.package,
            "version": self.version,
            "architecture": self.architecture,
            "archive": self.archive.rsplit("/", 1)[-1],
            "archive_sha256": self.archive_sha256,
            "headers": self.headers_digest.fingerprint,
        }


def debian_library_root(address: Address) -> str:
    # Under a folder no source can live in, so the copies never shadow a repository path.
    folder, name = location_of_address(address)
    return f"__debian__/{folder or '_root'}/{name}"


async def _find_tools(names: Tuple[str, ...], mirage: MirageSubsystem.EnvironmentAware) -> Tuple[str, ...]:
    found = await MultiGet(
        Get(BinaryPaths, BinaryPathRequest(binary_name=name, search_path=mirage.executable_search_path))
        for name in names
    )
    paths = []
    for name, result in zip(names, found):
        if result.first_path is None:
            raise BinaryNotFoundError(
                f"Cannot find `{name}` (needed to import Debian static libraries) in "
                f"{list(mirage.executable_search_path)}; this needs a Debian machine."
            )
        paths.append(result.first_path.path)
    return tuple(paths)


@rule(desc="Import a Debian static library", level=LogLevel.DEBUG)
async def import_debian_library(
    request: ImportDebianLibraryRequest, mirage: MirageSubsystem.EnvironmentAware
) -> ImportedDebianLibrary:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage debian library")
    )
    target = wrapped.target
    package = target[DebianStaticLibraryPackageField].value
    archive = target[DebianStaticLibraryArchiveField].value
    include_root = (target[DebianStaticLibraryIncludeRootField].value or "/usr/include").rstrip("/")
    headers = tuple(target[DebianStaticLibraryHeadersField].value or ())
    assert package is not None and archive is not None  # required fields
    tools = await _find_tools(_IMPORT_TOOLS, mirage)
    root = debian_library_root(request.address)
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(tools[0], "-c", _IMPORT_SCRIPT, "import", package, archive, include_root, root, *headers),
            env=FrozenDict({"PATH": ":".join(sorted({t.rsplit("/", 1)[0] for t in tools})), "LC_ALL": "C"}),
            output_directories=(root,),
            description=f"Import {archive} from the Debian package {package} for {request.address}",
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    if result.exit_code != 0:
        raise DebianLibraryError(
            f"{request.address}: cannot import {archive} from the Debian package {package}: "
            f"{result.stderr.decode(errors='replace').strip()}\n"
            f"  fix: add {package} to build-support/bootstrap/debian-packages.txt (the ./pants launcher installs "
            f"it), or correct the `archive` and `headers` fields to files that `dpkg-query -L {package}` lists."
        )
    archive_path = f"{root}/archive/{archive.rsplit('/', 1)[-1]}"
    contents, headers_digest = await MultiGet(
        Get(DigestContents, DigestSubset(result.output_digest, PathGlobs([archive_path, f"{root}/package"]))),
        Get(Digest, DigestSubset(result.output_digest, PathGlobs([f"{root}/include/**"]))),
    )
    by_path = {c.path: c.content for c in contents}
    name, version, architecture = by_path[f"{root}/package"].decode().splitlines()[:3]
    archive_digest = await Get(Digest, DigestSubset(result.output_digest, PathGlobs([archive_path])))
    return ImportedDebianLibrary(
        address=request.address,
        package=name,
        version=version,
        architecture=architecture,
        abi_traits=tuple(target[DebianStaticLibraryAbiTraitsField].value or ()),
        digest=archive_digest,
        archive=archive_path,
        archive_sha256=hashlib.sha256(by_path[archive_path]).hexdigest(),
        include_dir=f"{root}/include",
        headers_digest=headers_digest,
    )


@dataclass(frozen=True)
class DebianHeadersRequest:
    """The headers of the Debian static libraries reachable from `roots`."""

    roots: Tuple[Address, ...]


@dataclass(frozen=True)
class DebianHeaders:
    digest: Digest
    # The folders `digest` holds headers under, each searched with `-isystem` (after the ABI's own).
    include_dirs: Tuple[str, ...]

    def include_flags(self, prefix: str = "") -> Tuple[str, ...]:
        return tuple(flag for folder in self.include_dirs for flag in ("-isystem", f"{prefix}{folder}"))


@rule(desc="Gather the headers of Debian static libraries", level=LogLevel.DEBUG)
async def debian_headers(request: DebianHeadersRequest) -> DebianHeaders:
    closure = await Get(TransitiveTargets, TransitiveTargetsRequest(request.roots))
    libraries = sorted(t.address for t in closure.closure if isinstance(t, DebianStaticLibraryTarget))
    if not libraries:
        return DebianHeaders(EMPTY_DIGEST, ())
    imported = await MultiGet(Get(ImportedDebianLibrary, ImportDebianLibraryRequest(a)) for a in libraries)
    digest = await Get(Digest, MergeDigests(i.headers_digest for i in imported))
    return DebianHeaders(digest, tuple(i.include_dir for i in imported))


@dataclass(frozen=True)
class CheckArchiveSymbolsRequest:
    """Check that what `library`'s archive members, as the link pulls them in, need is defined by `objects`."""

    input_digest: Digest
    objects: Tuple[str, ...]
    library: ImportedDebianLibrary
    toolchain: Toolchain
    owner: str
    # Sandbox object path -> the target it was compiled from, for the message.
    object_owners: FrozenDict[str, str] = FrozenDict()


@dataclass(frozen=True)
class CheckedArchiveSymbols:
    pulled_members: Tuple[str, ...]


@rule(desc="Check a static archive's undefined symbols", level=LogLevel.DEBUG)
async def check_archive_symbols(
    request: CheckArchiveSymbolsRequest, mirage: MirageSubsystem.EnvironmentAware
) -> CheckedArchiveSymbols:
    (nm,) = await _find_tools(("nm",), mirage)
    library = request.library
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(nm, "-A", "-P", "--no-sort", *sorted(request.objects), library.archive),
            input_digest=request.input_digest,
            env=request.toolchain.env,
            description=f"List the symbols of {request.owner} and {library.archive}",
            level=LogLevel.DEBUG,
        ),
    )
    # nm says "no symbols" for an empty member (and exits 0); anything else is a broken input.
    if result.exit_code != 0:
        raise DebianLibraryError(
            f"{request.owner}: nm failed on the objects and {library.archive}:\n"
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    objects, archives = parse_nm_posix(result.stdout.decode(errors="replace"))
    check = check_archive(objects.values(), archives.get(library.archive, []))
    if check.missing:
        raise DebianLibraryError(
            missing_symbols_message(
                request.owner,
                f"{library.address} ({library.package} {library.version})",
                library.archive.rsplit("/", 1)[-1],
                check,
                request.object_owners,
            )
        )
    return CheckedArchiveSymbols(tuple(p.member for p in check.pulled))


def rules():
    return collect_rules()

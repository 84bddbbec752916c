"""What a link reads from the host (static libc, start files, libgcc, libseccomp): the files and their identities.

The compiler driver picks these files itself, outside the sandbox, so Pants cannot see them change. A trial link
with the same driver, flags and libraries, traced with `ld -t`, names every file the linker opens; their digests
(and the Debian packages that own them) go into the key of the real link, so a libc security update relinks every
image and a shared cache never serves an image linked against another machine's libc.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Tuple

from mirage.util_rules.host_probe import host_probe_process, probe_sections
from mirage.util_rules.toolchain import Toolchain
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.internals.selectors import Get
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

# The env variable of link processes that carries the identity: part of their cache key.
HOST_LINK_INPUTS_VARIABLE = "MIRAGE_HOST_LINK_INPUTS"

# Links an empty program as the real link would, then prints, in sections, the digest of every host file the linker
# opened (`sha256sum`), the Debian packages that own them (`dpkg-query -S`) and those packages' versions. One call
# of each tool for all files: dpkg-query reads its whole database on every call.
_PROBE_SCRIPT = r"""
set -eu
compiler="$1"
shift
printf 'int main(void) { return 0; }\n' > probe.c
"$compiler" -c probe.c -o probe.o
# --noinhibit-exec and ignored undefined symbols: a freestanding ABI's flags have no entry point or libc.
if ! "$compiler" "$@" probe.o -o probe -Wl,-t -Wl,--noinhibit-exec -Wl,--unresolved-symbols=ignore-all \
    > trace 2> errors; then
  cat errors >&2
  exit 1
fi
# `ld -t` prints an object as its path and an archive member as `archive(member)` or `(archive)member`.
mapfile -t listed < <(sed -n 's|^(\{0,1\}\(/[^()]*\).*$|\1|p' trace | sort -u)
[ "${#listed[@]}" -gt 0 ] || exit 0
mapfile -t paths < <(readlink -f "${listed[@]}" | sort -u)
echo "#digests"
sha256sum "${paths[@]}"
if command -v dpkg-query > /dev/null; then
  echo "#owners"
  dpkg-query -S "${paths[@]}" 2> /dev/null | tee owners || true
  mapfile -t packages < <(sed -n 's/^\([^ ,]*\): .*$/\1/p' owners | sort -u)
  echo "#versions"
  if [ "${#packages[@]}" -gt 0 ]; then
    dpkg-query -W -f '${binary:Package}=${Version}\n' "${packages[@]}"
  fi
fi
"""


@dataclass(frozen=True)
class HostLinkInputsRequest:
    toolchain: Toolchain
    ldflags: Tuple[str, ...]
    # Libraries linked by name (`-lseccomp`), as the real link takes them.
    libraries: Tuple[str, ...] = ()


@dataclass(frozen=True)
class HostLinkInput:
    path: str
    sha256: str
    # `libc6-dev:amd64=2.36-9+deb12u9`, or "" where no Debian package owns the file.
    package: str

    def provenance(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "package": self.package}


@dataclass(frozen=True)
class HostLinkInputs:
    files: Tuple[HostLinkInput, ...]

    @property
    def identity(self) -> str:
        """One digest of every file's path, content and package: what the link's cache key carries."""
        listing = "".join(f"{f.path} {f.sha256} {f.package}\n" for f in self.files)
        return hashlib.sha256(listing.encode("utf-8")).hexdigest()

    def keyed_env(self, env: FrozenDict[str, str]) -> FrozenDict[str, str]:
        """`env` with the identity added, so a process run in it misses the cache when a host library changes."""
        return FrozenDict({**env, HOST_LINK_INPUTS_VARIABLE: self.identity})


def parse_probe_output(stdout: str) -> HostLinkInputs:
    """The probe's sections: `<sha256>  <path>` lines, `<package>: <path>` lines, `<package>=<version>` lines."""
    sections = probe_sections(stdout, ("digests", "owners", "versions"))
    versions = dict(line.split("=", 1) for line in sections["versions"])
    owners = {}
    for line in sections["owners"]:
        package, path = line.split(": ", 1)
        # A path two packages share (a diversion) is listed `a, b: path`; the first owns the file.
        package = package.split(", ")[0]
        owners[path] = f"{package}={versions[package]}" if package in versions else ""
    files = []
    for line in sections["digests"]:
        sha256, path = line.split("  ", 1)
        files.append(HostLinkInput(path=path, sha256=sha256, package=owners.get(path, "")))
    return HostLinkInputs(tuple(sorted(files, key=lambda f: f.path)))


class HostLinkInputsError(Exception):
    """The trial link that finds the host files a link reads failed."""


@rule(desc="Find the host files a link reads", level=LogLevel.DEBUG)
async def find_host_link_inputs(request: HostLinkInputsRequest, bash: BashBinary) -> HostLinkInputs:
    result = await Get(
        FallibleProcessResult,
        host_probe_process(
            bash.path,
            request.toolchain,
            _PROBE_SCRIPT,
            (request.toolchain.compiler, *request.ldflags, *(f"-l{library}" for library in request.libraries)),
            f"Find the host files a link reads ({' '.join(request.ldflags)})",
        ),
    )
    if result.exit_code != 0:
        raise HostLinkInputsError(
            f"A trial link with {request.toolchain.compiler} {' '.join(request.ldflags)} "
            f"{' '.join(f'-l{library}' for library in request.libraries)} failed, so the host files the link reads "
            f"are unknown:\n{result.stderr.decode(errors='replace').strip()}"
        )
    return parse_probe_output(result.stdout.decode("utf-8"))


def rules():
    return collect_rules()

"""What a hosted compile reads from the host besides its sources: the system headers, and their identities.

A hosted compile (the unix ABI's images, tenders and other host programs) includes headers from the compiler's
system folders (/usr/include and the rest: glibc's, the kernel's `linux/kvm.h`, libseccomp's `seccomp.h`), which
live outside the sandbox, so Pants cannot see them change. Which of them one source includes is known only once it
is compiled, so the key takes them all, by their owners: the Debian packages that have files in those folders, with
their versions (one `dpkg-query` for the whole session), and the digest of every file in a folder no package owns
(/usr/local/include). A header update then recompiles every hosted object, and a shared cache never serves an object
compiled against another machine's headers.
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

# The env variable of hosted compile processes that carries the identity: part of their cache key.
HOST_HEADER_INPUTS_VARIABLE = "MIRAGE_HOST_HEADER_INPUTS"

# Asks the compiler for its `#include <...>` folders, then prints, in sections, those folders, the packages that
# own files in them with their versions, and the digest of every file in a folder no package owns.
_PROBE_SCRIPT = r"""
set -eu
compiler="$1"
mapfile -t folders < <("$compiler" -E -Wp,-v -x c /dev/null 2>&1 > /dev/null | sed -n 's|^ \(/[^ ]*\)$|\1|p')
if [ "${#folders[@]}" -eq 0 ]; then
  echo "$compiler named no #include <...> folders (-E -Wp,-v)" >&2
  exit 1
fi
echo "#folders"
printf '%s\n' "${folders[@]}"
owned=()
unowned=()
for folder in "${folders[@]}"; do
  [ -d "$folder" ] || continue
  if command -v dpkg-query > /dev/null && dpkg-query -S "$folder" > /dev/null 2>&1; then
    owned+=("$folder")
  else
    unowned+=("$folder")
  fi
done
echo "#packages"
if [ "${#owned[@]}" -gt 0 ]; then
  # `a, b:amd64: /usr/include`: every package with a file below the folder.
  mapfile -t packages < <(dpkg-query -S "${owned[@]}" | sed 's/: [^:]*$//' | tr ',' '\n' | sed 's/^ *//' | sort -u)
  dpkg-query -W -f '${binary:Package}=${Version}\n' "${packages[@]}" | sort -u
fi
echo "#unowned"
for folder in "${unowned[@]}"; do
  find "$folder" -type f -print0 | sort -z | xargs -0 -r sha256sum
done
"""


@dataclass(frozen=True)
class HostHeaderInputsRequest:
    toolchain: Toolchain


@dataclass(frozen=True)
class HostHeaderInputs:
    # The compiler's system include folders, in its search order.
    folders: Tuple[str, ...]
    # `linux-libc-dev:amd64=6.1.140-1`: every package with files in those folders.
    packages: Tuple[str, ...]
    # (path, sha256) of each file in a folder no package owns.
    unowned: Tuple[Tuple[str, str], ...]

    @property
    def identity(self) -> str:
        """One digest of the folders, packages and unowned files: what hosted compiles' cache keys carry."""
        listing = "".join(
            [*(f"folder {f}\n" for f in self.folders), *(f"package {p}\n" for p in self.packages)]
            + [f"file {path} {sha256}\n" for path, sha256 in self.unowned]
        )
        return hashlib.sha256(listing.encode("utf-8")).hexdigest()

    def keyed_env(self, env: FrozenDict[str, str]) -> FrozenDict[str, str]:
        """`env` with the identity added, so a compile run in it misses the cache when a system header changes."""
        return FrozenDict({**env, HOST_HEADER_INPUTS_VARIABLE: self.identity})

    def provenance(self) -> dict:
        return {
            "folders": list(self.folders),
            "packages": list(self.packages),
            "unowned_files": [{"path": path, "sha256": sha256} for path, sha256 in self.unowned],
        }


def parse_probe_output(stdout: str) -> HostHeaderInputs:
    """The probe's sections: folder lines, `<package>=<version>` lines, `<sha256>  <path>` lines."""
    sections = probe_sections(stdout, ("folders", "packages", "unowned"))
    unowned = []
    for line in sections["unowned"]:
        sha256, path = line.split("  ", 1)
        unowned.append((path, sha256))
    return HostHeaderInputs(
        folders=tuple(sections["folders"]),
        packages=tuple(sorted(sections["packages"])),
        unowned=tuple(sorted(unowned)),
    )


class HostHeaderInputsError(Exception):
    """The probe that finds the system headers a hosted compile may read failed."""


@rule(desc="Find the system headers a hosted compile may read", level=LogLevel.DEBUG)
async def find_host_header_inputs(request: HostHeaderInputsRequest, bash: BashBinary) -> HostHeaderInputs:
    result = await Get(
        FallibleProcessResult,
        host_probe_process(
            bash.path,
            request.toolchain,
            _PROBE_SCRIPT,
            (request.toolchain.compiler,),
            f"Find the system headers {request.toolchain.compiler} compiles against",
        ),
    )
    if result.exit_code != 0:
        raise HostHeaderInputsError(
            f"Finding the system headers of {request.toolchain.compiler} failed, so a hosted compile's host inputs "
            f"are unknown:\n{result.stderr.decode(errors='replace').strip()}"
        )
    return parse_probe_output(result.stdout.decode("utf-8"))


def rules():
    return collect_rules()

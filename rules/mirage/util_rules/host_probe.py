"""The shell probes that look at the build host for what a process reads outside the sandbox (host_link_inputs,
host_header_inputs): how they run, and how their sectioned output is read (pure but for the Process built)."""

from __future__ import annotations

import os
from typing import Dict, List, Sequence

from mirage.util_rules.toolchain import Toolchain
from pants.engine.process import Process, ProcessCacheScope
from pants.util.logging import LogLevel
from pants.util.ordered_set import OrderedSet

# Where a probe finds sed, sort, find, readlink, sha256sum, tee and, where there is one, dpkg-query (a machine
# without dpkg keys by the files' digests alone), after the toolchain's own folders.
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


def host_probe_process(
    bash: str, toolchain: Toolchain, script: str, arguments: Sequence[str], description: str
) -> Process:
    """`script` run by bash with `arguments` ($1...) in the toolchain's environment. It looks at files outside the
    sandbox, where Pants cannot watch them, so it runs again in every session and is never taken from a cache;
    the location of its tools is therefore no part of any key."""
    path = os.pathsep.join(OrderedSet([*toolchain.env["PATH"].split(os.pathsep), *SYSTEM_PATH]))
    return Process(
        argv=(bash, "-c", script, "probe", *arguments),
        env={**toolchain.env, "PATH": path},
        description=description,
        level=LogLevel.DEBUG,
        cache_scope=ProcessCacheScope.PER_SESSION,
    )


def probe_sections(stdout: str, names: Sequence[str]) -> Dict[str, List[str]]:
    """The non-empty lines under each `#name` header line of a probe's output, by name; lines before the first
    header, and under a header not named, are dropped."""
    sections: Dict[str, List[str]] = {name: [] for name in names}
    current = None
    for line in stdout.splitlines():
        if line.startswith("#"):
            current = sections.get(line[1:])
        elif current is not None and line.strip():
            current.append(line)
    return sections

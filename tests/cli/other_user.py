"""Running a command as an unprivileged system user that can read the launcher's bootstrap (its venv and Python).

The launcher's venv and the Python 3.9 it points at usually live under root's home (mode 0700), which another user
cannot enter. Rather than loosen the host's permissions or bootstrap a second Pants from the network, the command
runs in a private mount namespace where each such home is a fresh tmpfs holding read-only bind mounts of exactly
the bootstrap paths, and nothing else of root's.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

USER_NAME = "mirage-build"


def ensure_system_user(name: str = USER_NAME) -> Tuple[int, int]:
    """The uid and gid of the system user `name`, created (no home, no login shell) if it does not exist."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", name],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def bootstrap_cache_root(env: Mapping[str, str]) -> Path:
    """Where ./pants keeps its venv and pex tool (the launcher's `cache_root`)."""
    if env.get("MIRAGE_BOOTSTRAP_CACHE"):
        return Path(env["MIRAGE_BOOTSTRAP_CACHE"])
    return Path(env.get("XDG_CACHE_HOME") or Path(env["HOME"]) / ".cache") / "mirage-bootstrap"


def bootstrap_paths(env: Mapping[str, str]) -> List[Path]:
    """The bootstrap cache and the Python installations its venvs point at: what the other user must read."""
    cache = bootstrap_cache_root(env)
    paths = [cache]
    for python in sorted(cache.glob("venv-*/bin/python")):
        prefix = Path(os.path.realpath(python)).parent.parent
        if prefix not in paths:
            paths.append(prefix)
    return paths


def _closed_ancestor(path: Path) -> Optional[Path]:
    """The outermost ancestor of `path` that others cannot enter (no o+x), or None."""
    for ancestor in reversed(path.parents):
        if ancestor != Path("/") and not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return ancestor
    return None


def _mount_script(readable: Sequence[Path], staging: Path) -> Tuple[str, List[str]]:
    """A shell script (and its arguments) that, inside a private mount namespace, makes `readable` reachable."""

    def ref(number: int) -> str:
        return f'"${{{number}}}"'

    lines = ["set -eu"]
    arguments: List[str] = []
    closed: Dict[Path, List[Path]] = {}
    for path in readable:
        ancestor = _closed_ancestor(path)
        if ancestor is not None:
            closed.setdefault(ancestor, []).append(path)
    for index, (ancestor, paths) in enumerate(sorted(closed.items())):
        # Bind each path to a staging point first: the tmpfs over its closed ancestor hides it afterwards.
        for number, path in enumerate(paths):
            stage = staging / f"{index}-{number}"
            stage.mkdir(parents=True)
            arguments += [str(path), str(stage)]
            lines.append(f"mount --bind {ref(len(arguments) - 1)} {ref(len(arguments))}")
        arguments.append(str(ancestor))
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {ref(len(arguments))}")
        for number, path in enumerate(paths):
            arguments += [str(staging / f"{index}-{number}"), str(path)]
            lines.append(f"mkdir -p {ref(len(arguments))}")
            lines.append(f"mount --bind -o ro {ref(len(arguments) - 1)} {ref(len(arguments))}")
    return "\n".join(lines), arguments


def run_as_user(
    argv: Sequence[str],
    *,
    uid: int,
    gid: int,
    cwd: Path,
    env: Mapping[str, str],
    umask: int,
    readable: Sequence[Path],
    staging: Path,
    timeout: float,
) -> subprocess.CompletedProcess:
    """Run `argv` as uid:gid (no supplementary groups, no capabilities) with `umask`, `readable` reachable."""
    script, arguments = _mount_script(readable, staging)
    # The positional parameters of the script start at $1; setpriv and the command follow the mounts.
    user_command = [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--",
        "sh",
        "-c",
        f'umask {umask:03o} && cd "$1" && shift && exec "$@"',
        "sh",
        str(cwd),
        *argv,
    ]
    script += "\nshift " + str(len(arguments)) + '\nexec "$@"\n'
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", *arguments, *user_command],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )

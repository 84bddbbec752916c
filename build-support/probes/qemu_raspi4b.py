#!/usr/bin/env python3
"""The QEMU that boots rpi4 images (`-M raspi4b`, QEMU >= 9): the machine's own where it has one (Debian 13), else
a cached Debian 13 root holding QEMU 10, made once with debootstrap and run with chroot (Debian 12 ships 7.2).

The root lives in FIXTURE_DIR (/var/cache/mirage-pants/qemu-raspi4b-trixie, or $MIRAGE_QEMU_ROOT), about 560 MB.
It is made by the first test that needs it, or by hand, and never touches the machine's apt sources: debootstrap
fetches Debian 13 into the directory and apt-get runs inside it. By hand:

    build-support/probes/qemu_raspi4b.py --create    # as root; about 1.5 min
    build-support/probes/qemu_raspi4b.py --status    # which QEMU an rpi4 image would boot in
    build-support/probes/qemu_raspi4b.py --remove    # delete the root

Standard library only, so it runs as a script as well as `probes.qemu_raspi4b`.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence

ROOT_VARIABLE = "MIRAGE_QEMU_ROOT"
DEFAULT_FIXTURE_DIR = "/var/cache/mirage-pants/qemu-raspi4b-trixie"
# Written last inside the root: a root without it is a creation that did not finish, and is made again.
COMPLETE_STAMP = ".mirage-complete"
SUITE = "trixie"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ["qemu-system-arm"]
MACHINE = "raspi4b"
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def fixture_dir() -> str:
    return os.environ.get(ROOT_VARIABLE) or DEFAULT_FIXTURE_DIR


def _which(program: str) -> Optional[str]:
    return shutil.which(program, path=os.environ.get("PATH") or _DEFAULT_PATH)


@dataclass(frozen=True)
class Qemu:
    """How to start a QEMU with -M raspi4b: `argv_prefix` + QEMU's arguments. `root` is the chroot's directory
    (paths QEMU opens must lie inside it) or "" for the machine's own QEMU."""

    argv_prefix: Sequence[str]
    root: str
    version: str

    def command(self, arguments: Sequence[str]) -> List[str]:
        return [*self.argv_prefix, *arguments]

    def host_path(self, inside: str) -> str:
        """Where a path QEMU sees lies on the host."""
        return os.path.join(self.root, inside.lstrip("/")) if self.root else inside


def _version_and_machine(argv_prefix: Sequence[str]) -> Optional[str]:
    """The QEMU's version if it has -M raspi4b, else None. The board list first: on Debian 12 the machine's QEMU
    lacks it, and one run of QEMU is all the probe then costs."""
    try:
        machines = subprocess.run(
            [*argv_prefix, "-M", "help"], capture_output=True, text=True, timeout=30, env={"PATH": _DEFAULT_PATH}
        ).stdout.split()
        if MACHINE not in machines:
            return None
        version = subprocess.run(
            [*argv_prefix, "--version"], capture_output=True, text=True, timeout=30, env={"PATH": _DEFAULT_PATH}
        ).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if len(version) < 4 or version[:3] != ["QEMU", "emulator", "version"]:
        return None
    return version[3]


def native_qemu() -> Optional[Qemu]:
    qemu = _which("qemu-system-aarch64")
    if qemu is None:
        return None
    version = _version_and_machine([qemu])
    return Qemu([qemu], "", version) if version else None


def _stamped_version(root: str) -> Optional[str]:
    """The QEMU version the completion stamp recorded when the root was made and its QEMU checked, or None."""
    try:
        with open(os.path.join(root, COMPLETE_STAMP)) as stamp:
            for line in stamp:
                if line.startswith("qemu_version="):
                    return line.split("=", 1)[1].strip() or None
    except OSError:
        return None
    return None


def fixture_qemu() -> Optional[Qemu]:
    """The cached root's QEMU, if the root was made to the end (its stamp, written last, names the version)."""
    root = fixture_dir()
    version = _stamped_version(root)
    chroot = _which("chroot")
    if version is None or chroot is None or not os.path.exists(os.path.join(root, "usr/bin/qemu-system-aarch64")):
        return None
    return Qemu([chroot, root, "/usr/bin/qemu-system-aarch64"], root, version)


def find() -> Optional[Qemu]:
    """The machine's QEMU if it has raspi4b, else the fixture's if it was made, else None."""
    return native_qemu() or fixture_qemu()


def creation_problem() -> Optional[str]:
    """Why this process cannot make the fixture, or None."""
    if os.geteuid() != 0:
        return "making the Debian 13 root for QEMU needs root (debootstrap, chroot)"
    if _which("debootstrap") is None:
        return "debootstrap is not installed (Debian package debootstrap)"
    if _which("unshare") is None:
        return "unshare(1) is not installed (Debian package util-linux)"
    return None


def problem() -> Optional[str]:
    """Why no raspi4b QEMU can be had here, or None (one exists, or the fixture can be made)."""
    if find() is not None:
        return None
    cannot = creation_problem()
    if cannot is None:
        return None
    return f"no QEMU >= 9 with -M raspi4b here and no Debian 13 root at {fixture_dir()}, and {cannot}"


def _run(argv: Sequence[str], log) -> None:
    log(f"$ {' '.join(argv)}")
    completed = subprocess.run(argv, env={"PATH": _DEFAULT_PATH, "LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"})
    if completed.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` exited {completed.returncode}")


def _inside(root: str, script: str) -> List[str]:
    """Run `script` chrooted in `root`, with /proc (and /dev/pts, for apt's log) mounted in a private mount
    namespace: the mounts go away with the process, so a failure never leaves one behind on the host."""
    return [
        _which("unshare") or "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-ec",
        f'mount -t proc proc "{root}/proc"; mount -t devpts devpts "{root}/dev/pts" 2>/dev/null || true; '
        f'exec chroot "{root}" sh -ec "$0"',
        script,
    ]


def create(log=lambda line: print(line, file=sys.stderr)) -> Qemu:
    """Make the fixture unless it exists (one process at a time: a lock beside it), and return its QEMU."""
    cannot = creation_problem()
    root = fixture_dir()
    parent = os.path.dirname(root.rstrip("/"))
    os.makedirs(parent, exist_ok=True)
    with open(root.rstrip("/") + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = fixture_qemu()
        if found is not None:
            return found
        if cannot is not None:
            raise RuntimeError(cannot)
        started = time.monotonic()
        building = root.rstrip("/") + ".partial"
        shutil.rmtree(building, ignore_errors=True)
        _run(["debootstrap", "--variant=minbase", SUITE, building, MIRROR], log)
        install = (
            "apt-get update -qq && apt-get install -y -qq --no-install-recommends "
            + " ".join(PACKAGES)
            + " >/dev/null && apt-get clean"
        )
        _run(_inside(building, install), log)
        version = _version_and_machine(["chroot", building, "/usr/bin/qemu-system-aarch64"])
        if version is None:
            raise RuntimeError(f"{building} was made but its qemu-system-aarch64 has no -M {MACHINE}")
        with open(os.path.join(building, COMPLETE_STAMP), "w") as stamp:
            stamp.write(f"debootstrap {SUITE} {' '.join(PACKAGES)}\nqemu_version={version}\n")
        shutil.rmtree(root, ignore_errors=True)
        os.rename(building, root)
        found = fixture_qemu()
        if found is None:
            raise RuntimeError(f"{root} was made but cannot be used")
        log(f"made {root} with QEMU {found.version} in {time.monotonic() - started:.0f} s")
        return found


def ensure() -> Qemu:
    """The raspi4b QEMU, making the fixture first where the machine has none (see `problem` for when that fails)."""
    return find() or create()


def remove() -> None:
    root = fixture_dir()
    for path in (root, root.rstrip("/") + ".partial"):
        shutil.rmtree(path, ignore_errors=True)
    try:
        os.unlink(root.rstrip("/") + ".lock")
    except FileNotFoundError:
        pass


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--create", action="store_true", help="make the Debian 13 root unless it exists")
    action.add_argument("--remove", action="store_true", help=f"delete the root ({fixture_dir()})")
    action.add_argument("--status", action="store_true", help="say which QEMU would boot rpi4 images")
    options = parser.parse_args(argv)
    if options.remove:
        remove()
        print(f"removed {fixture_dir()}")
        return 0
    if options.create:
        try:
            found = create()
        except RuntimeError as e:
            print(f"qemu_raspi4b: {e}", file=sys.stderr)
            return 1
        print(f"QEMU {found.version} in {found.root}")
        return 0
    found = find()
    if found is None:
        print(f"no raspi4b QEMU: {problem() or 'none yet; --create makes the Debian 13 root'}")
        return 1
    print(f"QEMU {found.version} " + (f"chrooted in {found.root}" if found.root else f"at {found.argv_prefix[0]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

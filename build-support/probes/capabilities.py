"""What this machine can do for the boot tests (KVM, network and mount namespaces, tap devices, QEMU for x86_64 and
for aarch64, QEMU's raspi4b board, nftables for random packet loss, the netem qdisc, QEMU's Xen emulation), and the one
place that decides whether a test lacking one skips or fails.

A developer's laptop without KVM gets skips with the reason. A machine that declares a capability in
MIRAGE_REQUIRE_CAPABILITIES (CI does: `.ci/run`) gets a failure instead, so a suite cannot pass there by skipping.
`python3 -m probes.capabilities` prints one summary line; the `./pants` launcher exports it as
MIRAGE_HOST_CAPABILITIES, which pants.toml passes to tests, so a result obtained without KVM is cached under a
different key than one obtained with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Callable, Dict, FrozenSet, List, Optional

from probes import qemu_raspi4b
from probes.kvm import kvm_problem, kvm_xen_problem

REQUIRE_VARIABLE = "MIRAGE_REQUIRE_CAPABILITIES"
SUMMARY_VARIABLE = "MIRAGE_HOST_CAPABILITIES"
# Tests run in a Pants sandbox whose PATH may be empty.
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _which(program: str) -> Optional[str]:
    return shutil.which(program, path=os.environ.get("PATH") or _DEFAULT_PATH)


def _unshare_problem(kind: str, flag: str, needs_ip: bool) -> Optional[str]:
    """Why this process cannot make a `kind` namespace (`unshare FLAG true` fails), or None."""
    if os.geteuid() != 0:
        return f"{kind} namespaces need root"
    if needs_ip and _which("ip") is None:
        return "ip(8) is not installed (Debian package iproute2)"
    unshare = _which("unshare")
    if unshare is None:
        return "unshare(1) is not installed (Debian package util-linux)"
    probe = subprocess.run([unshare, flag, "true"], capture_output=True, text=True, timeout=10)
    if probe.returncode != 0:
        return f"cannot unshare a {kind} namespace: {probe.stderr.strip() or f'exit {probe.returncode}'}"
    return None


def netns_problem() -> Optional[str]:
    """Why this process cannot make a network namespace with ip(8), or None."""
    return _unshare_problem("network", "--net", needs_ip=True)


def mountns_problem() -> Optional[str]:
    """Why this process cannot make a private mount namespace (to hide a device file from one program), or None."""
    return _unshare_problem("mount", "--mount", needs_ip=False)


def tap_problem() -> Optional[str]:
    """Why this process cannot open /dev/net/tun to make tap devices, or None."""
    try:
        os.close(os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC))
    except OSError as e:
        return f"cannot open /dev/net/tun: {e.strerror}"
    return None


def qemu_version(program: str = "qemu-system-x86_64") -> Optional[str]:
    """QEMU's version ("7.2.15"), or None where `program` is missing or does not run."""
    qemu = _which(program)
    if qemu is None:
        return None
    try:
        printed = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = printed.split()
    # "QEMU emulator version 7.2.15 (Debian 1:7.2+dfsg-7+deb12u12)"
    return words[3] if len(words) > 3 and words[:3] == ["QEMU", "emulator", "version"] else None


def qemu_problem() -> Optional[str]:
    if qemu_version() is None:
        return "qemu-system-x86_64 is not installed or does not run (Debian package qemu-system-x86)"
    return None


def xen_problem() -> Optional[str]:
    """Why QEMU cannot emulate Xen for a PVH guest here, or None: it needs KVM with Xen HVM support
    (KVM_CAP_XEN_HVM), QEMU 8 or later (`-accel kvm,xen-version=...`) and QEMU's emulated Xen console device."""
    problem = kvm_xen_problem()
    if problem is not None:
        return problem
    version = qemu_version()
    if version is None:
        return "qemu-system-x86_64 is not installed or does not run (Debian package qemu-system-x86)"
    major = version.split(".")[0]
    if not major.isdigit() or int(major) < 8:
        return f"QEMU {version} has no Xen emulation (-accel kvm,xen-version=... needs QEMU 8 or later)"
    qemu = _which("qemu-system-x86_64")
    devices = subprocess.run([str(qemu), "-device", "help"], capture_output=True, text=True, timeout=30).stdout
    if '"xen-console"' not in devices:
        return f"QEMU {version} has no xen-console device for an emulated Xen guest"
    return None


def qemu_aarch64_problem() -> Optional[str]:
    """Why aarch64 images cannot boot here (QEMU -M virt under TCG, targets/virt_arm64), or None."""
    if qemu_version("qemu-system-aarch64") is None:
        return "qemu-system-aarch64 is not installed or does not run (Debian package qemu-system-arm)"
    return None


def raspi4b_problem() -> Optional[str]:
    """Why no QEMU with `-M raspi4b` (QEMU >= 9) can be had here, or None: the machine's own (Debian 13), the cached
    Debian 13 root (probes.qemu_raspi4b), or the means to make that root (root and debootstrap), which the first
    test that boots an rpi4 image then uses."""
    return qemu_raspi4b.problem()


def _new_net_namespace_problem(program: str, package: str, args: List[str], failure: str) -> Optional[str]:
    """Why `program args` fails in a network namespace of its own (so a probe never touches the host's rules or
    interfaces), or None: the program or unshare(1) missing, or `failure` and what it printed."""
    path = _which(program)
    if path is None:
        return f"{program}(8) is not installed (Debian package {package})"
    unshare = _which("unshare")
    if unshare is None:
        return "unshare(1) is not installed (Debian package util-linux)"
    probe = subprocess.run([unshare, "--net", path, *args], capture_output=True, text=True, timeout=10)
    if probe.returncode != 0:
        return f"{failure}: {probe.stderr.strip() or probe.returncode}"
    return None


def nft_problem() -> Optional[str]:
    """Why this process cannot add nftables rules in a network namespace (the loss tests drop packets at random
    with them, since the kernels seen here lack the netem qdisc), or None."""
    if os.geteuid() != 0:
        return "nftables rules need root"
    return _new_net_namespace_problem(
        "nft", "nftables", ["add", "table", "inet", "mirage_probe"], "nft cannot add a table in a new network namespace"
    )


def netem_problem() -> Optional[str]:
    """Why this process cannot add a netem qdisc (loss, delay, reordering, duplication) in a network namespace, or
    None. The kernels seen so far are built without it (CONFIG_NET_SCH_NETEM), so no machine declares it; the
    user-space relay in tests/echo/impaired_link.py does its work there."""
    if os.geteuid() != 0:
        return "netem qdiscs need root"
    # On the namespace's loopback.
    return _new_net_namespace_problem(
        "tc",
        "iproute2",
        ["qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"],
        "tc cannot add a netem qdisc (kernel without sch_netem?)",
    )


PROBES: Dict[str, Callable[[], Optional[str]]] = {
    "kvm": kvm_problem,
    "netns": netns_problem,
    "tap": tap_problem,
    "qemu": qemu_problem,
    "qemu_aarch64": qemu_aarch64_problem,
    "raspi4b": raspi4b_problem,
    "mountns": mountns_problem,
    "nft": nft_problem,
    "netem": netem_problem,
    "xen": xen_problem,
}


def declared() -> FrozenSet[str]:
    """The capabilities this machine declares it has.

    MIRAGE_REQUIRE_CAPABILITIES="kvm,netns,tap,qemu,qemu_aarch64,mountns,nft", or "all".
    """
    names = {name.strip() for name in os.environ.get(REQUIRE_VARIABLE, "").split(",") if name.strip()}
    if "all" in names:
        return frozenset(PROBES)
    unknown = names - set(PROBES)
    if unknown:
        raise ValueError(
            f"{REQUIRE_VARIABLE} names unknown capabilities {sorted(unknown)}; known: {sorted(PROBES)} or 'all'"
        )
    return frozenset(names)


def missing(capability: str, problem: str, purpose: str) -> None:
    """A test cannot run for want of `capability`: fail where the machine declares it, skip elsewhere."""
    import pytest  # only tests get here; benchmarks import this module without pytest

    reason = f"{purpose}: {problem}"
    if capability in declared():
        pytest.fail(f"{reason} (this machine declares '{capability}' in {REQUIRE_VARIABLE})", pytrace=False)
    pytest.skip(reason)


def key_disagreement(capability: str, found: str) -> Optional[str]:
    """Why the test's cache key (MIRAGE_HOST_CAPABILITIES, set by ./pants) does not say that this machine has
    `capability` as `found` ("yes", "no" or QEMU's version), or None where it does.

    A result is cached under that key: one obtained with a key that is missing or wrong would be reused where the
    capability differs (a skip without KVM served as a pass on a machine with KVM).
    """
    exported = os.environ.get(SUMMARY_VARIABLE)
    if exported is None:
        return (
            f"{SUMMARY_VARIABLE} is not set, so this result would be cached without what the machine can do: run "
            "the tests through ./pants, which probes the machine and sets it"
        )
    recorded = dict(part.split("=", 1) for part in exported.split() if "=" in part).get(capability)
    if recorded != found:
        return (
            f"the tests' cache key says {capability}={recorded or 'nothing'} ({SUMMARY_VARIABLE}), but this run "
            f"finds {capability}={found}: run the tests again through ./pants, which probes the machine anew"
        )
    return None


def require(capability: str, purpose: str) -> None:
    """Skip or fail (see `missing`) unless this machine has `capability`; fail where the tests' cache key says
    otherwise than the probe (see `key_disagreement`)."""
    import pytest  # only tests get here

    problem = _probe(PROBES[capability])
    disagreement = key_disagreement(capability, _key_value(capability, problem))
    if disagreement is not None:
        pytest.fail(f"{purpose}: {disagreement}", pytrace=False)
    if problem is not None:
        missing(capability, problem, purpose)


def _key_value(name: str, problem: Optional[str]) -> str:
    """What the cache key says of `name` (given its probe's answer): the QEMU version where one decides what a test
    can do, else yes or no. Both the key (`summary`) and the check of it (`require`) use this one function."""
    if name == "qemu":
        return qemu_version() or "no"
    if name == "qemu_aarch64":
        return qemu_version("qemu-system-aarch64") or "no"
    # raspi4b stays yes or no: "the Debian 13 root can be made" and "it is made" must key alike, since the first
    # rpi4 test makes it while later ones run under the key ./pants computed before.
    return "yes" if problem is None else "no"


def _probe(probe: Callable[[], Optional[str]]) -> Optional[str]:
    # A probe that cannot even run (a hung unshare, a vanished binary) means the capability is missing here.
    try:
        return probe()
    except (OSError, subprocess.SubprocessError) as e:
        return f"the probe itself failed: {e}"


def summary() -> str:
    """One line naming what this machine has: part of the tests' cache key through MIRAGE_HOST_CAPABILITIES."""
    return " ".join(f"{name}={_key_value(name, _probe(probe))}" for name, probe in PROBES.items())


if __name__ == "__main__":
    print(summary())
    sys.exit(0)

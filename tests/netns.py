"""A network namespace with a tap interface `tap0`, made for one test and removed after it, also on failure.

Test traffic stays inside it: tenders and clients run there with `ip netns exec`.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from contextlib import contextmanager
from typing import Iterator, Optional

from probes.capabilities import missing, require

_serial = itertools.count()


@contextmanager
def tap_namespace(purpose: str, host_address: Optional[str] = None) -> Iterator[str]:
    """Yield the name of a fresh namespace holding an up `tap0` (with `host_address`, e.g. 10.0.0.1/24, if given)."""
    require("netns", f"{purpose} needs a network namespace")
    require("tap", f"{purpose} needs a tap interface")
    name = f"mirage-{purpose}-{os.getpid()}-{next(_serial)}"
    created = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
    if created.returncode != 0:
        missing("netns", f"ip netns add failed: {created.stderr.strip()}", f"{purpose} needs a network namespace")
    try:
        commands = [
            ["ip", "link", "set", "lo", "up"],
            ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"],
            *([["ip", "address", "add", host_address, "dev", "tap0"]] if host_address else []),
            ["ip", "link", "set", "tap0", "up"],
        ]
        for command in commands:
            subprocess.run(["ip", "netns", "exec", name, *command], check=True, capture_output=True, timeout=10)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)


def _run_in(namespace: str, *command: str) -> None:
    result = subprocess.run(["ip", "netns", "exec", namespace, *command], capture_output=True, text=True, timeout=10)
    if result.returncode != 0:
        raise RuntimeError(f"in network namespace {namespace}, `{' '.join(command)}` failed: {result.stderr.strip()}")


@contextmanager
def routed_peer_namespace(purpose: str, router_namespace: str, router_address: str, peer_address: str) -> Iterator[str]:
    """Yield a fresh namespace behind `router_namespace` (one `tap_namespace` made, so the capability checks have
    passed): a veth pair links them, the router side gets `router_address` (e.g. 192.168.77.254/24) and forwards
    IPv4, the peer side gets `peer_address` and a default route through the router. Removed after, also on
    failure (removing the namespace removes the pair)."""
    name = f"mirage-{purpose}-{os.getpid()}-{next(_serial)}"
    created = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
    if created.returncode != 0:
        raise RuntimeError(f"cannot create network namespace {name}: {created.stderr.strip()}")
    router_link, peer_link = f"vr{next(_serial)}", "vp0"
    try:
        _run_in(router_namespace, "ip", "link", "add", router_link, "type", "veth", "peer", "name", peer_link,
                "netns", name)
        _run_in(router_namespace, "ip", "address", "add", router_address, "dev", router_link)
        _run_in(router_namespace, "ip", "link", "set", router_link, "up")
        _run_in(router_namespace, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
        _run_in(name, "ip", "link", "set", "lo", "up")
        _run_in(name, "ip", "address", "add", peer_address, "dev", peer_link)
        _run_in(name, "ip", "link", "set", peer_link, "up")
        _run_in(name, "ip", "route", "add", "default", "via", router_address.split("/")[0])
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)
        subprocess.run(["ip", "netns", "exec", router_namespace, "ip", "link", "del", router_link], check=False,
                       capture_output=True, timeout=10)

"""Network namespaces made for one test and removed after it, also on failure: one with a tap interface `tap0`, a
peer routed behind it, or a router namespace with two taps bridged to a client and a server namespace.

Test traffic stays inside it: tenders and clients run there with `ip netns exec`.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, List, Optional

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


@contextmanager
def ready_peer(namespace: str, script: str, *args: str) -> Iterator[subprocess.Popen]:
    """`python3 -c script args` inside `namespace` (stdout and stderr piped, as text), yielded once its first line
    is "ready"; killed after, also on failure. The test reads the rest with `communicate`."""
    peer = subprocess.Popen(
        ["ip", "netns", "exec", namespace, sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert peer.stdout is not None
        assert peer.stdout.readline().strip() == "ready"
        yield peer
    finally:
        peer.kill()
        peer.wait(timeout=10)


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
        _run_in(
            router_namespace, "ip", "link", "add", router_link, "type", "veth", "peer", "name", peer_link, "netns", name
        )
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
        subprocess.run(
            ["ip", "netns", "exec", router_namespace, "ip", "link", "del", router_link],
            check=False,
            capture_output=True,
            timeout=10,
        )


@dataclass(frozen=True)
class TwoSidedNamespaces:
    """Where a two-interface guest runs: `router` holds its taps `inside_tap` and `outside_tap`; `client` and
    `server` are the hosts on either link."""

    router: str
    client: str
    server: str
    inside_tap: str
    outside_tap: str


@contextmanager
def two_sided_namespaces(
    purpose: str, client_address: str, client_gateway: str, server_address: str, server_gateway: str
) -> Iterator[TwoSidedNamespaces]:
    """Three fresh namespaces for a guest between two links (a router, a firewall): in `router`, taps `tap0` and
    `tap1`, each bridged to a veth pair whose other end is in `client` (with `client_address`, e.g. 10.1.0.2/24,
    and a default route through `client_gateway`, the guest's inside address) or in `server` (likewise). The
    router namespace has no addresses and does not forward: the guest is the only path. Every namespace is
    removed after, also on failure."""
    require("netns", f"{purpose} needs network namespaces")
    require("tap", f"{purpose} needs tap interfaces")
    serial = next(_serial)
    names = [f"mirage-{purpose}-{role}-{os.getpid()}-{serial}" for role in ("router", "client", "server")]
    created: List[str] = []
    try:
        for name in names:
            result = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
            if result.returncode != 0:
                missing("netns", f"ip netns add failed: {result.stderr.strip()}", f"{purpose} needs namespaces")
            created.append(name)
        router, client, server = names
        _run_in(router, "ip", "link", "set", "lo", "up")
        for tap, bridge, peer_namespace, address, gateway in (
            ("tap0", "br0", client, client_address, client_gateway),
            ("tap1", "br1", server, server_address, server_gateway),
        ):
            router_link = f"v{bridge}"
            _run_in(router, "ip", "tuntap", "add", "dev", tap, "mode", "tap")
            _run_in(router, "ip", "link", "add", bridge, "type", "bridge")
            _run_in(
                router,
                "ip",
                "link",
                "add",
                router_link,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                peer_namespace,
            )
            for link in (tap, router_link):
                _run_in(router, "ip", "link", "set", link, "master", bridge)
                _run_in(router, "ip", "link", "set", link, "up")
            _run_in(router, "ip", "link", "set", bridge, "up")
            _run_in(peer_namespace, "ip", "link", "set", "lo", "up")
            _run_in(peer_namespace, "ip", "address", "add", address, "dev", "eth0")
            _run_in(peer_namespace, "ip", "link", "set", "eth0", "up")
            _run_in(peer_namespace, "ip", "route", "add", "default", "via", gateway)
        yield TwoSidedNamespaces(router, client, server, "tap0", "tap1")
    finally:
        for name in created:
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)

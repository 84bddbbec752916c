"""Sockets that belong to a network namespace (the test's or benchmark's, made with `ip netns add`), opened from
this process: the calling thread enters the namespace, opens the socket, and returns to its own namespace. A socket
keeps the namespace it was made in, so the rest of the process need not move. Standard library only (benchmarks
import this too)."""

from __future__ import annotations

import ctypes
import os
import socket
from contextlib import contextmanager
from typing import Iterator

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def _setns(fd: int, what: str) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns into {what}: {os.strerror(error)} (needs root)")


@contextmanager
def inside(namespace: str) -> Iterator[None]:
    """Runs the body with this thread in `namespace` (a name under /run/netns), and always returns."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
        try:
            _setns(target, namespace)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(own, "this thread's own namespace")
    finally:
        os.close(own)


def udp_socket(namespace: str) -> socket.socket:
    """A non-blocking IPv4 UDP socket in `namespace`."""
    with inside(namespace):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    return sock


def packet_socket(namespace: str, interface: str) -> socket.socket:
    """A raw AF_PACKET socket bound to `interface` in `namespace`: what it sends goes out of that interface whole,
    Ethernet header included (on a tap, to the guest). Protocol 0: it sends only, and queues nothing it would
    never read."""
    with inside(namespace):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        try:
            sock.bind((interface, 0))
        except OSError:
            sock.close()
            raise
    return sock

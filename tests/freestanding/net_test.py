"""A network device through a real tap interface, inside a network namespace the test creates and removes."""

from __future__ import annotations

import subprocess
from typing import Iterator

import pytest
from freestanding.boot import TENDERS, require_abi
from netns import ready_peer, tap_namespace

# Runs inside the namespace: answer the guest's broadcasts with frames to its MAC for 1.5 s after the first, and
# print what it sent. It answers more than once because the tap's queue starts up asynchronously when the tender
# attaches: a reply sent in that first moment can be dropped, and the guest pings again every 500 ms.
PEER = r"""
import socket, sys, time
ours = bytes.fromhex("020000000001")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind((sys.argv[1], 0x88b5))
s.settimeout(10)
print("ready", flush=True)
first, deadline = None, None
while deadline is None or time.monotonic() < deadline:
    try:
        frame = s.recv(2048)
    except socket.timeout:
        break
    if frame[6:12] == ours:
        continue
    if first is None:
        first, deadline = frame[14:].decode(), time.monotonic() + 1.5
    s.send(frame[6:12] + ours + b"\x88\xb5" + b"pong from the host")
    s.settimeout(max(0.05, deadline - time.monotonic()))
print(first, flush=True)
"""


@pytest.fixture
def namespace() -> Iterator[str]:
    with tap_namespace("net-test") as name:
        yield name


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio"])
def test_frames_cross_the_tender_both_ways(abi: str, namespace: str) -> None:
    require_abi(abi)
    with ready_peer(namespace, PEER, "tap0") as peer:
        guest = subprocess.run(
            ["ip", "netns", "exec", namespace, TENDERS[abi], "--net:service=tap0", f"tests.guests/net_ping.{abi}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        out, err = peer.communicate(timeout=15)
    assert guest.returncode == 0, f"guest: {guest.stdout}{guest.stderr}\npeer: {out}{err}"
    assert "net_ping: sent from" in guest.stdout and "mtu 1500" in guest.stdout
    assert "net_ping: got pong from the host" in guest.stdout
    assert out.strip() == "ping from mirage", err

"""examples/echo on the direct stack, as a user runs it: on hvt, spt, virtio and unix's `direct` image on a tap in
a network namespace, Linux sockets inside the namespace get TCP echo (1 MB, compared by SHA-256, after a half-close),
the sink (4 MB read and thrown away, then the server's close) and UDP echo. tests/net:tcp_peer covers the stack's
TCP in depth with a guest of its own; this checks that the example itself runs everywhere it is built for."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack
from typing import List

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace
from stream_exchange import with_exchange

GUEST = "10.0.0.2"
HOST = "10.0.0.1"

# Runs inside the namespace; prints one JSON result.
CLIENT = r"""
import hashlib, json, os, socket

GUEST = "10.0.0.2"

def tcp_echo(size):
    data = os.urandom(size)
    s = socket.create_connection((GUEST, 7), timeout=30)
    back = exchange(s, data, 60)
    s.close()
    return hashlib.sha256(data).hexdigest() == hashlib.sha256(back).hexdigest()

def tcp_sink(size):
    s = socket.create_connection((GUEST, 9), timeout=30)
    block = os.urandom(1 << 16)
    for _ in range(size // len(block)):
        s.sendall(block)
    s.shutdown(socket.SHUT_WR)
    closed = s.recv(100) == b""  # the sink answers nothing and closes at our end of stream
    s.close()
    return closed

def udp_echo(payload):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(payload, (GUEST, 7))
    return s.recvfrom(2048)[0] == payload

print(json.dumps({"tcp_echo": tcp_echo(1 << 20), "tcp_sink": tcp_sink(4 << 20), "udp_echo": udp_echo(b"datagram")}))
"""


def echo_command(abi: str) -> List[str]:
    arguments = [f"--ipv4={GUEST}/24"]
    if abi == "unix":
        return ["examples.echo/direct.unix", "--tap=tap0", *arguments]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"examples.echo/image.{abi}", *arguments]


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio", "unix"])
def test_the_echo_example_serves_tcp_echo_the_sink_and_udp_echo(abi: str) -> None:
    require_abi(abi)
    with ExitStack() as cleanup:
        namespace = cleanup.enter_context(tap_namespace(f"echo-{abi}", host_address=f"{HOST}/24"))
        process, console = cleanup.enter_context(
            running_in_background(["ip", "netns", "exec", namespace, *echo_command(abi)], "echo: ready", f"echo-{abi}")
        )
        result = subprocess.run(
            ["ip", "netns", "exec", namespace, sys.executable, "-c", with_exchange(CLIENT)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        with open(console) as f:
            output = f.read()
        assert result.returncode == 0, result.stderr + output
        assert json.loads(result.stdout) == {"tcp_echo": True, "tcp_sink": True, "udp_echo": True}, output
        assert process.poll() is None, output

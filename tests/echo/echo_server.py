"""Start the packaged echo unikernel as a user would, on loopback ports of its own, and stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence

IMAGE = "examples.echo/image.unix"


@dataclass(frozen=True)
class EchoServer:
    process: subprocess.Popen
    address: str
    tcp_echo_port: int
    tcp_sink_port: int
    udp_echo_port: int
    console: List[str]

    def rss_kib(self) -> int:
        """The server's resident memory (VmRSS of /proc/PID/status), in KiB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc/PID/status")

    def open_descriptors(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))


def free_port(kind: int = socket.SOCK_STREAM, address: str = "127.0.0.1") -> int:
    """A port free for both TCP and UDP on `address` when asked (the echo ports share one number by default)."""
    while True:
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind((address, 0))
            port = probe.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
            try:
                other.bind((address, port))
            except OSError:
                continue
        return port


@contextmanager
def echo_server(*args: str, command_prefix: Sequence[str] = (), address: str = "127.0.0.1") -> Iterator[EchoServer]:
    """Run the echo image on `address` (TCP echo and UDP echo on one port, the sink on another) until the block
    ends; it must still be running then. `command_prefix` runs it elsewhere (`ip netns exec NAME`)."""
    echo_port = free_port(address=address if not command_prefix else "127.0.0.1")
    sink_port = free_port(address=address if not command_prefix else "127.0.0.1")
    process = subprocess.Popen(
        [
            *command_prefix,
            IMAGE,
            f"--ipv4={address}",
            f"--tcp-echo-port={echo_port}",
            f"--tcp-sink-port={sink_port}",
            f"--udp-echo-port={echo_port}",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    console: List[str] = []
    deadline = time.monotonic() + 10
    try:
        while not console or console[-1] != "echo: ready\n":
            line = process.stdout.readline()
            if not line or time.monotonic() > deadline:
                raise AssertionError(f"the echo server did not start: {console}")
            console.append(line)
        yield EchoServer(process, address, echo_port, sink_port, echo_port, console)
        if process.poll() is not None:
            raise AssertionError(f"the echo server died: {console + [process.stdout.read()]}")
    finally:
        process.kill()
        process.wait(timeout=10)


def receive_all(connection: socket.socket, limit: Optional[int] = None) -> bytes:
    """Bytes until the peer's end of stream (or `limit` bytes)."""
    chunks = []
    total = 0
    while limit is None or total < limit:
        chunk = connection.recv(1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)

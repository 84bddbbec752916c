"""tcp_connect on the unix stack: the tcp_client guest against Python servers on loopback, and against peers that
never answer inside network namespaces of its own."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
from typing import Callable, Iterator, List, Sequence

import pytest
from echo.echo_server import receive_all
from probes.capabilities import require

CLIENT = "tests.guests/tcp_client.unix"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        server.settimeout(10)
        yield server


def serve_once(server: socket.socket, handle: Callable[[socket.socket], None]) -> threading.Thread:
    def run() -> None:
        connection, _ = server.accept()
        with connection:
            handle(connection)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def run_client(port: int, message: str, *prefix: str, peer: str = "127.0.0.1") -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, CLIENT, f"--peer={peer}", f"--port={port}", f"--message={message}"],
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_connect_send_half_close_and_read_the_answer_until_the_servers_close(listener: socket.socket) -> None:
    seen: List[bytes] = []

    def reverse(connection: socket.socket) -> None:
        seen.append(receive_all(connection))  # the client's half-close ends this
        connection.sendall(seen[0][::-1])

    thread = serve_once(listener, reverse)
    result = run_client(listener.getsockname()[1], "stressed")
    thread.join(timeout=10)
    assert seen == [b"stressed"]
    assert (result.returncode, result.stdout) == (0, "tcp_client: received 8 bytes: desserts\n"), result.stderr


def test_a_reset_by_the_server_is_reported_as_reset(listener: socket.socket) -> None:
    def reset(connection: socket.socket) -> None:
        connection.recv(100)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    thread = serve_once(listener, reset)
    result = run_client(listener.getsockname()[1], "hello")
    thread.join(timeout=10)
    assert (result.returncode, result.stdout) == (1, "tcp_client: failed (-104)\n")


def test_a_closed_port_is_reported_as_refused(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    listener.close()
    result = run_client(port, "hello")
    assert (result.returncode, result.stdout) == (1, "tcp_client: failed (-111)\n")


def run_all(*commands: Sequence[str]) -> None:
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces() -> Iterator[List[str]]:
    """Two fresh network namespaces, `client` then `peer`, removed afterwards."""
    require("netns", "the unreachable and timeout cases need network namespaces")
    names = [f"mirage-tcp-client-{os.getpid()}", f"mirage-tcp-peer-{os.getpid()}"]
    try:
        for name in names:
            run_all(["ip", "netns", "add", name], ["ip", "-n", name, "link", "set", "lo", "up"])
        yield names
    finally:
        for name in names:
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)


def test_a_peer_that_does_not_answer_arp_is_reported_as_unreachable(namespaces: List[str]) -> None:
    client, _ = namespaces
    # A link whose other end has no address: ARP for 10.78.0.9 goes unanswered (3 tries, 100 ms apart).
    run_all(
        ["ip", "-n", client, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        ["ip", "-n", client, "address", "add", "10.78.0.1/24", "dev", "v0"],
        ["ip", "-n", client, "link", "set", "v0", "up"],
        ["ip", "-n", client, "link", "set", "v1", "up"],
        ["ip", "netns", "exec", client, "sysctl", "-q", "net.ipv4.neigh.v0.retrans_time_ms=100"],
    )
    result = run_client(7, "hello", "ip", "netns", "exec", client, peer="10.78.0.9")
    assert (result.returncode, result.stdout) == (1, "tcp_client: failed (-113)\n")


def test_a_connect_whose_syn_is_never_answered_times_out(namespaces: List[str]) -> None:
    client, peer = namespaces
    # The peer gets the SYNs, but its answers to the client are dropped (a blackhole route); one SYN retry: ~3 s.
    run_all(
        ["ip", "-n", client, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", peer],
        ["ip", "-n", client, "address", "add", "10.78.0.1/24", "dev", "v0"],
        ["ip", "-n", client, "link", "set", "v0", "up"],
        ["ip", "-n", peer, "address", "add", "10.78.0.2/24", "dev", "v1"],
        ["ip", "-n", peer, "link", "set", "v1", "up"],
        ["ip", "-n", peer, "route", "add", "blackhole", "10.78.0.1/32"],
        ["ip", "netns", "exec", client, "sysctl", "-q", "net.ipv4.tcp_syn_retries=1"],
    )
    result = run_client(7, "hello", "ip", "netns", "exec", client, peer="10.78.0.2")
    assert (result.returncode, result.stdout) == (1, "tcp_client: failed (-110)\n")

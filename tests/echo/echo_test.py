"""TCP through the unix stack's host sockets, as a user's client sees it: the echo image and Python sockets."""

from __future__ import annotations

import hashlib
import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import pytest
from echo.echo_server import IMAGE, EchoServer, echo_server, receive_all

TEN_MB = 10 * 1000 * 1000


def echo_round_trip(server: EchoServer, payload: bytes, opened: Optional[threading.Barrier] = None) -> bytes:
    """Send `payload` while reading its echo on another thread, half-close, and return all that came back; with
    `opened`, only once every connection that waits on it is open."""
    with socket.create_connection((server.address, server.tcp_echo_port), timeout=30) as client:
        if opened is not None:
            opened.wait(timeout=30)
        received: List[bytes] = []
        reader = threading.Thread(target=lambda: received.append(receive_all(client)))
        reader.start()
        client.sendall(payload)
        client.shutdown(socket.SHUT_WR)
        reader.join(timeout=60)
        assert not reader.is_alive(), "the echo did not end"
        return received[0]


def test_ten_megabytes_come_back_intact_after_a_half_close() -> None:
    payload = os.urandom(TEN_MB)
    with echo_server() as server:
        echoed = echo_round_trip(server, payload)
    assert len(echoed) == len(payload)
    assert hashlib.sha256(echoed).hexdigest() == hashlib.sha256(payload).hexdigest()


def test_ten_megabytes_to_the_sink_are_read_and_answered_with_nothing() -> None:
    payload = os.urandom(TEN_MB)
    with echo_server() as server:
        with socket.create_connection((server.address, server.tcp_sink_port), timeout=30) as client:
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)
            assert receive_all(client) == b""


def test_request_and_answer_on_one_connection_then_the_client_closes() -> None:
    with echo_server() as server:
        with socket.create_connection((server.address, server.tcp_echo_port), timeout=10) as client:
            for message in (b"hello\n", b"x" * 3000, bytes(range(256))):
                client.sendall(message)
                assert receive_all(client, len(message)) == message
        # The server released the connection: another one is served.
        assert echo_round_trip(server, b"again") == b"again"


def test_udp_echo_answers_next_to_tcp() -> None:
    with echo_server() as server:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(5)
            client.sendto(b"datagram", (server.address, server.udp_echo_port))
            assert client.recvfrom(100) == (b"datagram", (server.address, server.udp_echo_port))


def test_after_the_clients_half_close_the_server_finishes_echoing_then_closes() -> None:
    # Sent without reading, so the echo is still queued (in the server or the sockets) when the client shuts down.
    payload = os.urandom(1 << 20)
    with echo_server() as server:
        with socket.create_connection((server.address, server.tcp_echo_port), timeout=10) as client:
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)
            assert receive_all(client) == payload  # then the server's end of stream
            with pytest.raises(OSError):  # our direction is shut down
                client.send(b"more")


def wait_for_descriptors(server: EchoServer, expected: int, seconds: float = 5) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = server.open_descriptors()
        if count <= expected:
            return count
        time.sleep(0.02)
    return server.open_descriptors()


def test_a_client_that_closes_with_its_echo_unread_or_resets_is_released_by_the_server() -> None:
    with echo_server() as server:
        baseline = server.open_descriptors()
        # Closing with unread bytes makes the client's kernel reset; the server's next write fails.
        unread = socket.create_connection((server.address, server.tcp_echo_port), timeout=10)
        unread.sendall(os.urandom(256 << 10))
        time.sleep(0.1)
        unread.close()
        # An explicit reset in the middle of a transfer (SO_LINGER 0).
        reset = socket.create_connection((server.address, server.tcp_echo_port), timeout=10)
        reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.sendall(os.urandom(64 << 10))
        reset.close()
        assert wait_for_descriptors(server, baseline) == baseline
        assert echo_round_trip(server, b"still serving") == b"still serving"


def test_a_thousand_sequential_connections() -> None:
    with echo_server() as server:
        baseline = server.open_descriptors()
        for i in range(1000):
            message = f"connection {i}\n".encode()
            with socket.create_connection((server.address, server.tcp_echo_port), timeout=10) as client:
                client.sendall(message)
                assert receive_all(client, len(message)) == message
        assert wait_for_descriptors(server, baseline) == baseline


def test_a_hundred_concurrent_connections_each_get_their_own_bytes() -> None:
    payloads = [os.urandom(200_000) for _ in range(100)]
    with echo_server() as server:
        barrier = threading.Barrier(len(payloads))

        # All 100 are open before any sends.
        with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
            echoed = list(pool.map(lambda payload: echo_round_trip(server, payload, barrier), payloads))
    assert [hashlib.sha256(e).digest() for e in echoed] == [hashlib.sha256(p).digest() for p in payloads]


def test_beyond_the_connection_limit_clients_wait_until_a_connection_closes() -> None:
    with echo_server("--tcp-connections-max=20") as server:
        baseline = server.open_descriptors()
        clients = [socket.create_connection((server.address, server.tcp_echo_port), timeout=10) for _ in range(30)]
        try:
            for i, client in enumerate(clients):
                client.sendall(b"%d\n" % i)
            for i, client in enumerate(clients[:20]):
                assert receive_all(client, len(b"%d\n" % i)) == b"%d\n" % i
            for client in clients[20:]:  # accepted by the kernel, waiting in the backlog: no echo yet
                client.settimeout(0.3)
                with pytest.raises(socket.timeout):
                    client.recv(16)
            assert server.open_descriptors() <= baseline + 20
            for client in clients[:10]:
                client.close()
            for i, client in enumerate(clients[20:], start=20):
                client.settimeout(10)
                assert receive_all(client, len(b"%d\n" % i)) == b"%d\n" % i
            assert server.open_descriptors() <= baseline + 20
        finally:
            for client in clients:
                client.close()


def test_memory_stays_bounded_under_many_connections_and_returns_after() -> None:
    # 100 flows served and 100 more waiting in the kernel's backlog (128 deep): the waiting ones cost the server
    # nothing, so its memory grows by at most 100 flows' echo buffers (16 KiB) and bookkeeping.
    with echo_server("--tcp-connections-max=100") as server:
        baseline = server.open_descriptors()
        echo_round_trip(server, b"warm up")
        before = server.rss_kib()
        peak = before
        for _ in range(2):
            clients = [socket.create_connection((server.address, server.tcp_echo_port), timeout=10) for _ in range(200)]
            for client in clients:
                client.sendall(bytes(32 << 10))
            time.sleep(0.3)
            peak = max(peak, server.rss_kib())
            assert server.open_descriptors() <= baseline + 100
            for client in clients:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
            assert wait_for_descriptors(server, baseline) == baseline
        after = server.rss_kib()
    assert peak - before < 100 * 20 + 1024, (before, peak)
    assert after - before < 100 * 20 + 1024, (before, after)


def test_nc_and_socat_as_clients() -> None:
    if shutil.which("nc") is None or shutil.which("socat") is None:
        pytest.skip("nc or socat is not installed (Debian packages netcat-openbsd and socat)")
    payload = os.urandom(1 << 20)
    with echo_server() as server:
        port = str(server.tcp_echo_port)
        # -N: shut our direction down at the end of input, then print the echo until the server closes.
        by_nc = subprocess.run(["nc", "-N", server.address, port], input=payload, capture_output=True, timeout=30)
        by_socat = subprocess.run(
            ["socat", "-t", "30", "-", f"TCP:{server.address}:{port}"], input=payload, capture_output=True, timeout=30
        )
        sink = subprocess.run(
            ["socat", "-t", "30", "-", f"TCP:{server.address}:{server.tcp_sink_port}"],
            input=payload,
            capture_output=True,
            timeout=30,
        )
    assert (by_nc.returncode, by_nc.stdout == payload) == (0, True), by_nc.stderr
    assert (by_socat.returncode, by_socat.stdout == payload) == (0, True), by_socat.stderr
    assert (sink.returncode, sink.stdout) == (0, b""), sink.stderr


def test_the_server_closes_connections_idle_for_the_timeout_and_keeps_the_active_ones() -> None:
    with echo_server("--tcp-idle-timeout=300") as server:
        idle = socket.create_connection((server.address, server.tcp_echo_port), timeout=5)
        active = socket.create_connection((server.address, server.tcp_echo_port), timeout=5)
        sink = socket.create_connection((server.address, server.tcp_sink_port), timeout=5)
        started = time.monotonic()
        with idle, active, sink:
            for i in range(10):  # 1 s of traffic every 0.1 s on `active`
                active.sendall(b"%d" % i)
                assert receive_all(active, len(b"%d" % i)) == b"%d" % i
                time.sleep(0.1)
            # The idle ones were closed by the server, in order (its FIN, no reset), after 0.3 s or a little more.
            assert receive_all(idle) == b""
            assert receive_all(sink) == b""
            # `active` is served still, then closed once it too is idle.
            active.sendall(b"last")
            assert receive_all(active, 4) == b"last"
            quiet_from = time.monotonic()
            assert receive_all(active) == b""
            assert 0.25 <= time.monotonic() - quiet_from < 2.0
        assert time.monotonic() - started < 5


def test_closing_with_received_bytes_unread_resets_the_connection() -> None:
    # The client sends without reading its echo until the server stops reading (its writes block on the client's
    # full receive buffer), so bytes wait unread in the server's receive queue; when the idle timeout closes the
    # flow, the contract says reset, not an orderly close.
    with echo_server("--tcp-idle-timeout=300") as server:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
            client.connect((server.address, server.tcp_echo_port))
            client.setblocking(False)
            chunk = bytes(1 << 16)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    client.send(chunk)
                except BlockingIOError:
                    # Blocked for 100 ms (under the idle timeout): the server no longer reads.
                    if not select.select([], [client], [], 0.1)[1]:
                        break
            else:
                raise AssertionError("the server kept reading an echo that nobody read")
            client.setblocking(True)
            client.settimeout(5)
            time.sleep(1)  # past the idle timeout
            with pytest.raises(ConnectionResetError):
                while client.recv(1 << 16):
                    pass


def test_a_tcp_port_taken_by_another_program_stops_the_boot_with_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        result = subprocess.run(
            [IMAGE, f"--tcp-echo-port={port}", "--tcp-sink-port=0", "--udp-echo-port=0"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    assert (result.returncode, result.stdout) == (1, f"echo: cannot serve tcp echo on port {port} (-98)\n")

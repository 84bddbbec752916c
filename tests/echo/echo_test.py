"""TCP through the unix stack's host sockets, as a user's client sees it: the echo image and Python sockets."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from typing import List

from echo.echo_server import EchoServer, echo_server, receive_all

TEN_MB = 10 * 1000 * 1000


def echo_round_trip(server: EchoServer, payload: bytes) -> bytes:
    """Send `payload` while reading its echo on another thread, half-close, and return all that came back."""
    with socket.create_connection((server.address, server.tcp_echo_port), timeout=30) as client:
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

"""tcp_connect on the unix stack: the tcp_client guest against Python servers on loopback."""

from __future__ import annotations

import socket
import struct
import subprocess
import threading
from typing import Callable, Iterator, List

import pytest
from echo.echo_server import receive_all

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


def run_client(port: int, message: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLIENT, f"--port={port}", f"--message={message}"], capture_output=True, text=True, timeout=20
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

"""DNS over TCP from a plain Python socket: framing (two-octet lengths, RFC 1035 section 4.2.2) done by hand, so
tests can pipeline queries, cut them into pieces, half-close, and read answers at their own pace."""

from __future__ import annotations

import socket
import struct
from typing import List, Optional

import dns.message


def frame(wire: bytes) -> bytes:
    return struct.pack(">H", len(wire)) + wire


def connect(port: int, source: Optional[str] = None, timeout: float = 5) -> socket.socket:
    sock = socket.create_connection(
        ("127.0.0.1", port), timeout=timeout, source_address=(source, 0) if source else None
    )
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError(f"the server ended the stream after {len(data)} of {count} octets")
        data += chunk
    return data


def read_message(sock: socket.socket) -> dns.message.Message:
    (length,) = struct.unpack(">H", read_exactly(sock, 2))
    return dns.message.from_wire(read_exactly(sock, length))


def read_messages(sock: socket.socket, count: int) -> List[dns.message.Message]:
    return [read_message(sock) for _ in range(count)]


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server ended the connection (end of stream or reset), False when it stays silent."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

"""Malformed packets never crash the server; they get FORMERR or no answer, as the RFCs say."""

from __future__ import annotations

import os
import socket
import struct
from typing import Optional

import dns.message
import dns.query
import dns.rcode
import pytest

from dns_server.servers import unix_dns_server

HEADER = struct.Struct("!HHHHHH")


def raw_exchange(port: int, packet: bytes) -> Optional[bytes]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(0.5)
        client.sendto(packet, ("127.0.0.1", port))
        try:
            return client.recv(65535)
        except socket.timeout:
            return None


def question(name: bytes = b"\x03www\x07example\x03org\x00", qtype: int = 1) -> bytes:
    return name + struct.pack("!HH", qtype, 1)


def rcode_of(response: bytes) -> int:
    return HEADER.unpack_from(response)[1] & 0xF


MALFORMED = {
    "empty": b"",
    "short header": b"\x12\x34\x01",
    "header only, qdcount 1": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0),
    "truncated name": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\x03www\x07exa",
    "truncated type": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03org\x00\x00",
    "qdcount 2": HEADER.pack(0x1234, 0x0100, 2, 0, 0, 0) + question() + question(),
    "qdcount 0": HEADER.pack(0x1234, 0x0100, 0, 0, 0, 0),
    "ancount lies": HEADER.pack(0x1234, 0x0100, 1, 5, 0, 0) + question(),
    "arcount lies": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 65535) + question(),
    "self-pointing compression": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack("!HH", 1, 1),
    "pointer loop": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\x01a\xc0\x0e\x01b\xc0\x0c" + struct.pack("!HH", 1, 1),
    "forward pointer": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\xc0\x20" + struct.pack("!HH", 1, 1) + b"\0" * 20,
    "label too long": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\x50" + b"a" * 80 + b"\x00" + struct.pack("!HH", 1, 1),
    "name too long": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0)
    + (b"\x3f" + b"a" * 63) * 5
    + b"\x00"
    + struct.pack("!HH", 1, 1),
    "reserved label type": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + b"\x80abc\x00" + struct.pack("!HH", 1, 1),
    "oversize": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 0) + question() + b"\0" * 60000,
    "bad opt record": HEADER.pack(0x1234, 0x0100, 1, 0, 0, 1) + question() + b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\xff\xff",
}


@pytest.fixture(scope="module")
def server() -> int:
    with unix_dns_server() as (port, _):
        yield port


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_query_gets_formerr_or_silence_and_the_server_survives(server: int, name: str) -> None:
    response = raw_exchange(server, MALFORMED[name])
    if response is not None:
        assert len(response) >= HEADER.size
        assert HEADER.unpack_from(response)[0] == 0x1234
        assert rcode_of(response) == dns.rcode.FORMERR, f"{name}: rcode {rcode_of(response)}"
    healthy = dns.query.udp(dns.message.make_query("www.example.org", "A"), "127.0.0.1", port=server, timeout=2)
    assert healthy.rcode() == dns.rcode.NOERROR


def test_responses_are_not_answered(server: int) -> None:
    packet = HEADER.pack(0x4321, 0x8180, 1, 0, 0, 0) + question()
    assert raw_exchange(server, packet) is None


def test_random_garbage_never_kills_the_server(server: int) -> None:
    for seed in range(300):
        raw_exchange_no_wait(server, os.urandom(seed % 120 + 1))
    healthy = dns.query.udp(dns.message.make_query("www.example.org", "A"), "127.0.0.1", port=server, timeout=2)
    assert healthy.rcode() == dns.rcode.NOERROR


def raw_exchange_no_wait(port: int, packet: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.sendto(packet, ("127.0.0.1", port))

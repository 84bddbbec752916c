"""Malformed packets never crash the server, and each gets exactly the answer NSD gives it: FORMERR (or NOTIMP,
REFUSED) where NSD answers, silence where NSD is silent. Every "no reply" is followed by a query that must be
answered within the same timeout, so a dead server cannot pass as a silent one."""

from __future__ import annotations

import os
import random
import socket
import struct
from typing import Dict, Iterator, List, Optional, Tuple

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dns_server.servers import nsd_server, unix_dns_server

HEADER = struct.Struct("!HHHHHH")
# How long a silent server is given before "no reply" is concluded; the liveness query gets the same.
TIMEOUT = 0.5
SILENCE = None
FORMERR, NOTIMP, REFUSED, NOERROR = dns.rcode.FORMERR, dns.rcode.NOTIMP, dns.rcode.REFUSED, dns.rcode.NOERROR
# An OPT record: root owner, type 41, payload 4096, TTL (extended rcode, version, flags), then RDATA.
OPT = b"\x00\x00\x29\x10\x00"


def raw_exchange(port: int, packet: bytes, timeout: float = TIMEOUT) -> Optional[bytes]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(timeout)
        client.sendto(packet, ("127.0.0.1", port))
        try:
            return client.recv(65535)
        except socket.timeout:
            return None


def question(name: bytes = b"\x03www\x07example\x03org\x00", qtype: int = 1, qclass: int = 1) -> bytes:
    return name + struct.pack("!HH", qtype, qclass)


def query(*, flags: int = 0x0100, qd: int = 1, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return HEADER.pack(0x1234, flags, qd, an, ns, ar)


def rcode_of(response: bytes) -> int:
    return HEADER.unpack_from(response)[1] & 0xF


def assert_alive(port: int, why: str) -> None:
    """A valid query answered within TIMEOUT: the server did not die or wedge on what came before."""
    healthy = dns.message.make_query("www.example.org", "A")
    try:
        response = dns.query.udp(healthy, "127.0.0.1", port=port, timeout=TIMEOUT)
    except dns.exception.Timeout:
        raise AssertionError(f"no answer to a valid query within {TIMEOUT} s after {why}") from None
    assert response.rcode() == NOERROR and response.answer, f"not answering after {why}"


# The answer NSD 4.6 gives each packet (checked against NSD in test_nsd_agrees), and so the one we must give.
AS_NSD: Dict[str, Tuple[bytes, Optional[int]]] = {
    "empty": (b"", SILENCE),
    "short header": (b"\x12\x34\x01", SILENCE),
    "eleven octets": (query()[:11], SILENCE),
    "a response (QR=1)": (query(flags=0x8180) + question(), SILENCE),
    "a response with an error (QR=1, FORMERR)": (query(flags=0x8101, qd=0), SILENCE),
    "header only, qdcount 1": (query(), FORMERR),
    "truncated name": (query() + b"\x03www\x07exa", FORMERR),
    "truncated type": (query() + b"\x03www\x07example\x03org\x00\x00", FORMERR),
    "truncated class": (query() + b"\x03www\x07example\x03org\x00\x00\x01\x00", FORMERR),
    "qdcount 2": (query(qd=2) + question() + question(), FORMERR),
    "qdcount 0": (query(qd=0), FORMERR),
    "ancount lies": (query(an=5) + question(), FORMERR),
    "nscount lies": (query(ns=1) + question(), FORMERR),
    "arcount lies": (query(ar=65535) + question(), FORMERR),
    "self-pointing compression": (query() + question(b"\xc0\x0c"), FORMERR),
    "pointer loop": (query() + question(b"\x01a\xc0\x0e\x01b\xc0\x0c"), FORMERR),
    "forward pointer": (query() + question(b"\xc0\x20") + b"\0" * 20, FORMERR),
    "label too long": (query() + question(b"\x50" + b"a" * 80 + b"\x00"), FORMERR),
    "name too long": (query() + question((b"\x3f" + b"a" * 63) * 5 + b"\x00"), FORMERR),
    "reserved label type 0x80": (query() + question(b"\x80abc\x00"), FORMERR),
    "extended label type 0x40": (query() + question(b"\x41abc\x00"), FORMERR),
    "an RCODE in a query": (query(flags=0x0105) + question(), FORMERR),
    "OPT with RDATA past the end": (query(ar=1) + question() + OPT + b"\x00\x00\x00\x00\xff\xff", FORMERR),
    "OPT option longer than its RDATA": (
        query(ar=1) + question() + OPT + b"\x00\x00\x00\x00\x06\x00\x0a\x00\x08ab",
        FORMERR,
    ),
    "OPT in the answer section": (query(an=1) + question() + OPT + b"\x00\x00\x00\x00\x00\x00", FORMERR),
    "two OPT records": (query(ar=2) + question() + (OPT + b"\x00\x00\x00\x00\x00\x00") * 2, FORMERR),
    "OPT owned by a non-root name": (query(ar=1) + question() + b"\x01a" + OPT + b"\x00\x00\x00\x00\x00\x00", FORMERR),
    "opcode STATUS": (query(flags=0x1100) + question(), NOTIMP),
    "opcode 3 (unassigned)": (query(flags=0x1900) + question(), NOTIMP),
    "opcode UPDATE": (query(flags=0x2900) + question(), NOTIMP),
    "class CH": (query() + question(qclass=3), REFUSED),
    "AXFR over UDP": (query() + question(qtype=252), NOTIMP),
}

# Where we answer differently from NSD 4.6, on purpose: the RFCs leave these open (lib/dns/README.md).
NOT_AS_NSD: Dict[str, Tuple[bytes, Optional[int]]] = {
    # NSD ignores octets after the last counted record; we do not answer what we did not parse.
    "trailing octets": (query() + question() + b"xyz", FORMERR),
    "60,000 trailing zeros": (query() + question() + b"\0" * 60000, FORMERR),
    # OPT is a meta-type (RFC 6895 section 3.1), never data: NSD answers NODATA, BIND 9.11 FORMERR as we do.
    "a question for OPT": (query() + question(qtype=41), FORMERR),
    "a question for meta-type 128": (query() + question(qtype=128), FORMERR),
    # A QDCOUNT 0 query with OPT is RFC 7873's server-cookie probe, which NSD answers; we do not do cookies.
    "qdcount 0 with OPT": (query(qd=0, ar=1) + OPT + b"\x00\x00\x00\x00\x00\x00", FORMERR),
    # NSD answers NOTAUTH (no transfer is allowed to us); we answer REFUSED, as to every transfer from an address
    # `axfr-allow` does not list (empty by default). To NOTIFY NSD answers an rcode from its zone lookup; we are
    # no secondary, and NOTIMP says so (RFC 1035 section 4.1.1).
    "IXFR over UDP": (query() + question(qtype=251), REFUSED),
    "opcode NOTIFY": (query(flags=0x2100) + question(), NOTIMP),
}


@pytest.fixture(scope="module")
def servers() -> Iterator[Tuple[int, int]]:
    with unix_dns_server() as (ours, _), nsd_server() as nsd:
        yield ours, nsd


def check_answer(port: int, name: str, packet: bytes, expected: Optional[int]) -> None:
    response = raw_exchange(port, packet)
    if expected is SILENCE:
        assert response is None, f"{name}: expected no reply, got {response[:12].hex() if response else ''}"
    else:
        assert response is not None, f"{name}: no reply, expected {dns.rcode.to_text(expected)}"
        assert len(response) >= HEADER.size
        identity, flags = HEADER.unpack_from(response)[:2]
        assert identity == 0x1234 and flags & 0x8000, f"{name}: not a response to the query: {response[:12].hex()}"
        assert (flags >> 11) & 0xF == (HEADER.unpack_from(packet)[1] >> 11) & 0xF, f"{name}: opcode not copied"
        assert rcode_of(response) == expected, f"{name}: rcode {dns.rcode.to_text(rcode_of(response))}"
    assert_alive(port, name)


@pytest.mark.parametrize("name", sorted(AS_NSD))
def test_nsd_agrees(servers: Tuple[int, int], name: str) -> None:
    _, nsd = servers
    packet, expected = AS_NSD[name]
    check_answer(nsd, name, packet, expected)


@pytest.mark.parametrize("name", sorted(AS_NSD))
def test_malformed_query_gets_the_answer_nsd_gives(servers: Tuple[int, int], name: str) -> None:
    ours, _ = servers
    packet, expected = AS_NSD[name]
    check_answer(ours, name, packet, expected)


@pytest.mark.parametrize("name", sorted(NOT_AS_NSD))
def test_where_we_differ_from_nsd_the_answer_is_pinned(servers: Tuple[int, int], name: str) -> None:
    ours, _ = servers
    packet, expected = NOT_AS_NSD[name]
    check_answer(ours, name, packet, expected)


def garbage(rng: random.Random, count: int) -> List[bytes]:
    """Random octets, and valid queries with a few octets changed (which get past the header checks)."""
    valid = dns.message.make_query("www.example.org", "A", use_edns=0).to_wire()
    packets = []
    for index in range(count):
        if index % 2 == 0:
            packets.append(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 120))))
        else:
            packet = bytearray(valid)
            for _ in range(rng.randrange(1, 6)):
                packet[rng.randrange(len(packet))] = rng.getrandbits(8)
            packets.append(bytes(packet[: rng.randrange(1, len(packet) + 1)] if index % 5 == 0 else packet))
    return packets


def test_random_garbage_never_kills_the_server(servers: Tuple[int, int]) -> None:
    ours, _ = servers
    # A fixed default so a failure reproduces; MIRAGE_DNS_GARBAGE_SEED explores others.
    seed = int(os.environ.get("MIRAGE_DNS_GARBAGE_SEED", "20261202"))
    packets = garbage(random.Random(seed), 400)
    replies = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        for packet in packets:
            client.sendto(packet, ("127.0.0.1", ours))
        try:
            while len(replies) < len(packets):
                replies.append(client.recv(65535))
        except socket.timeout:
            pass
    answerable = {HEADER.unpack_from(p)[0] for p in packets if len(p) >= HEADER.size and not p[2] & 0x80}
    for reply in replies:
        assert len(reply) >= HEADER.size and reply[2] & 0x80, f"seed {seed}: a reply that is no response: {reply.hex()}"
        assert HEADER.unpack_from(reply)[0] in answerable, f"seed {seed}: a reply to no query we sent: {reply.hex()}"
    assert replies, f"seed {seed}: not one of {len(packets)} packets was answered"
    assert_alive(ours, f"random garbage from seed {seed} (set MIRAGE_DNS_GARBAGE_SEED={seed} to replay)")

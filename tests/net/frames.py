"""Frames for the lib/tcpip harness (lib/tcpip/tests/stack_harness.h), built by hand, and the seed corpus made of
them with what each seed must do. `python3 tests/net/frames.py lib/tcpip/tests/corpus` rewrites the seeds.

An input is records `[control: u8][length: u16 big-endian][frame]`: the control byte's low 7 bits are a delay (x 10
ms), its high bit (FIX_CHECKSUMS) makes the harness fill in the frame's checksums. The harness's guest is 10.0.0.2/24
(02:00:00:00:00:02) with gateway 10.0.0.1, a UDP echo listener on port 7 and port 9 listened to, then unlistened,
and a TCP echo listener on port 7 (other TCP ports are closed).
"""

from __future__ import annotations

import os
import socket
import struct
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

GUEST_IP, HOST_IP, OFF_LINK_IP, UNKNOWN_IP = "10.0.0.2", "10.0.0.1", "192.168.77.1", "10.0.0.99"
GUEST_MAC = bytes.fromhex("020000000002")
HOST_MAC = bytes.fromhex("020000000001")
UNKNOWN_MAC = bytes.fromhex("020000000099")
BROADCAST = b"\xff" * 6
ECHO_PORT, UNLISTENED_PORT = 7, 9
CLOSED_TCP_PORT = 8
# MSS 1460, window scale 7, timestamps (TSval 1): what Linux offers.
TCP_SYN_OPTIONS = bytes.fromhex("020405b4") + bytes.fromhex("01030307") + bytes.fromhex("0101080a0000000100000000")


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ethernet(ethertype: int, payload: bytes, destination: bytes = GUEST_MAC, source: bytes = HOST_MAC) -> bytes:
    return destination + source + struct.pack("!H", ethertype) + payload


def ipv4(
    payload: bytes,
    protocol: int = 17,
    source: str = HOST_IP,
    destination: str = GUEST_IP,
    flags_fragment: int = 0x4000,
    ihl: int = 5,
    total: int = -1,
    fix_checksum: bool = True,
) -> bytes:
    header = struct.pack(
        "!BBHHHBBH4s4s",
        4 << 4 | ihl,
        0,
        20 + len(payload) if total < 0 else total,
        1,
        flags_fragment,
        64,
        protocol,
        0,
        socket.inet_aton(source),
        socket.inet_aton(destination),
    )
    value = checksum(header) if fix_checksum else 0x1234
    return header[:10] + struct.pack("!H", value) + header[12:] + payload


def udp(
    payload: bytes,
    source_port: int = 40000,
    destination_port: int = ECHO_PORT,
    source: str = HOST_IP,
    destination: str = GUEST_IP,
    zero_checksum: bool = False,
    bad_checksum: bool = False,
) -> bytes:
    length = 8 + len(payload)
    header = struct.pack("!HHHH", source_port, destination_port, length, 0)
    pseudo = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!BBH", 0, 17, length)
    value = 0 if zero_checksum else (checksum(pseudo + header + payload) or 0xFFFF)
    if bad_checksum:
        value ^= 0x0101
    return header[:6] + struct.pack("!H", value) + payload


def tcp(
    flags: int,
    seq: int = 1000,
    ack: int = 0,
    payload: bytes = b"",
    options: bytes = b"",
    source_port: int = 40000,
    destination_port: int = ECHO_PORT,
    data_offset_words: int = -1,
    bad_checksum: bool = False,
) -> bytes:
    """A TCP segment from the host to the guest (flags: FIN 1, SYN 2, RST 4, PSH 8, ACK 16)."""
    offset = (20 + len(options)) // 4 if data_offset_words < 0 else data_offset_words
    header = struct.pack("!HHIIBBHHH", source_port, destination_port, seq, ack, offset << 4, flags, 65535, 0, 0)
    segment = header + options + payload
    pseudo = socket.inet_aton(HOST_IP) + socket.inet_aton(GUEST_IP) + struct.pack("!BBH", 0, 6, len(segment))
    value = checksum(pseudo + segment) ^ (0x0101 if bad_checksum else 0)
    return segment[:16] + struct.pack("!H", value) + segment[18:]


def icmp_echo(payload: bytes, kind: int = 8, ident: int = 0x1234, sequence: int = 1) -> bytes:
    header = struct.pack("!BBHHH", kind, 0, 0, ident, sequence)
    return header[:2] + struct.pack("!H", checksum(header + payload)) + header[4:] + payload


def icmp_error(kind: int, code: int, quoted: bytes, mtu: int = 0) -> bytes:
    """An ICMP error (3 destination unreachable, 11 time exceeded) quoting `quoted`, a datagram's header and start."""
    header = struct.pack("!BBHHH", kind, code, 0, 0, mtu)
    return header[:2] + struct.pack("!H", checksum(header + quoted)) + header[4:] + quoted


def guest_tcp_datagram(seq: int = 5000, source: str = GUEST_IP, ihl: int = 5) -> bytes:
    """The start of a TCP segment the guest might have sent from its echo port, as an ICMP error quotes it."""
    segment = struct.pack("!HHIIBBHHH", ECHO_PORT, 40000, seq, 0, 5 << 4, 0x10, 65535, 0, 0)
    return ipv4(segment, protocol=6, source=source, destination=HOST_IP, ihl=ihl)


def arp(operation: int, sender_mac: bytes, sender_ip: str, target_mac: bytes, target_ip: str) -> bytes:
    return (
        struct.pack("!HHBBH", 1, 0x0800, 6, 4, operation)
        + sender_mac
        + socket.inet_aton(sender_ip)
        + target_mac
        + socket.inet_aton(target_ip)
    )


FIX_CHECKSUMS = 0x80


def record(frame: bytes, delay_10ms: int = 0, fix_checksums: bool = False) -> bytes:
    assert 0 <= delay_10ms < FIX_CHECKSUMS
    return struct.pack("!BH", delay_10ms | (FIX_CHECKSUMS if fix_checksums else 0), len(frame)) + frame


def host_arp_request() -> bytes:
    """The host asks for the guest: the guest answers and learns the host, so later replies go out at once."""
    return ethernet(0x0806, arp(1, HOST_MAC, HOST_IP, bytes(6), GUEST_IP), destination=BROADCAST)


def malformed_frames() -> List[Tuple[str, bytes, str]]:
    """(kind, frame, the counter that must count it): every malformed frame of tests/net/stack_test.py, and one of
    the three that stopped the guest before the dispatch fix (issue 8; the other two are in unreachable_frames)."""
    segment = udp(b"malformed")
    good = ipv4(segment)
    return [
        ("truncated-ipv4-header", ethernet(0x0800, good[:10]), "ipv4.malformed"),
        ("bad-ipv4-checksum", ethernet(0x0800, ipv4(segment, fix_checksum=False)), "ipv4.bad_checksum"),
        ("ihl-below-5", ethernet(0x0800, ipv4(segment, ihl=4)), "ipv4.malformed"),
        ("ihl-beyond-packet", ethernet(0x0800, ipv4(segment[:8], ihl=15, total=20 + len(segment))), "ipv4.malformed"),
        ("version-6", ethernet(0x0800, bytes([0x65]) + good[1:]), "ipv4.malformed"),
        ("total-length-beyond-frame", ethernet(0x0800, ipv4(segment, total=2000)), "ipv4.malformed"),
        ("total-length-below-header", ethernet(0x0800, ipv4(segment, total=12)), "ipv4.malformed"),
        ("truncated-udp-header", ethernet(0x0800, ipv4(segment[:4])), "udp.malformed"),
        ("udp-length-too-big", ethernet(0x0800, ipv4(segment[:4] + b"\xff\xff" + segment[6:])), "udp.malformed"),
        ("udp-length-below-8", ethernet(0x0800, ipv4(segment[:4] + b"\x00\x03" + segment[6:])), "udp.malformed"),
        ("bad-udp-checksum", ethernet(0x0800, ipv4(udp(b"malformed", bad_checksum=True))), "udp.bad_checksum"),
        ("truncated-icmp", ethernet(0x0800, ipv4(b"\x08\x00", protocol=1)), "icmp.malformed"),
        (
            "bad-icmp-checksum",
            ethernet(0x0800, ipv4(b"\x08\x00\x00\x00\x00\x01\x00\x01", protocol=1)),
            "icmp.bad_checksum",
        ),
        ("truncated-arp", ethernet(0x0806, bytes(10)), "arp.malformed"),
        ("arp-unknown-operation", ethernet(0x0806, bytes.fromhex("0001080006040009") + bytes(20)), "arp.malformed"),
        ("empty-ipv4", ethernet(0x0800, b""), "ipv4.malformed"),
        (
            "arp-request-from-a-group-address",
            ethernet(0x0806, arp(1, BROADCAST, HOST_IP, bytes(6), GUEST_IP), destination=BROADCAST),
            "arp.malformed",
        ),
        (
            "arp-request-from-a-zero-address",
            ethernet(0x0806, arp(1, bytes(6), HOST_IP, bytes(6), GUEST_IP), destination=BROADCAST),
            "arp.malformed",
        ),
        ("unknown-ethertype", ethernet(0x88B5, b"unknown ethertype"), "ethernet.no_listener"),
        ("first-fragment", ethernet(0x0800, ipv4(segment, flags_fragment=0x2000)), "ipv4.fragments"),
        ("later-fragment", ethernet(0x0800, ipv4(segment, flags_fragment=0x0008)), "ipv4.fragments"),
        ("short-frame", GUEST_MAC + HOST_MAC, "ethernet.malformed"),
        # Issue 8: it reached a free listener slot and called address 0.
        ("ethertype-0-broadcast", ethernet(0x0000, b"\x00" * 46, destination=BROADCAST), "ethernet.no_listener"),
        # TCP: what RFC 9293 and the parser refuse is dropped without an answer (no RST either).
        ("tcp-data-offset-4", ethernet(0x0800, ipv4(tcp(2, data_offset_words=4), protocol=6)), "tcp.malformed"),
        ("tcp-data-offset-past-end", ethernet(0x0800, ipv4(tcp(2, data_offset_words=15), protocol=6)), "tcp.malformed"),
        ("tcp-syn-fin", ethernet(0x0800, ipv4(tcp(3), protocol=6)), "tcp.malformed"),
        ("tcp-truncated-mss", ethernet(0x0800, ipv4(tcp(2, options=b"\x01\x02\x04\x05"), protocol=6)), "tcp.malformed"),
        ("tcp-short", ethernet(0x0800, ipv4(tcp(2)[:12], protocol=6)), "tcp.malformed"),
        ("bad-tcp-checksum", ethernet(0x0800, ipv4(tcp(2, bad_checksum=True), protocol=6)), "tcp.bad_checksum"),
        # ICMP errors: the quoted datagram is hostile too; too little of it, or someone else's, reaches no protocol.
        (
            "icmp-error-quoting-too-little",
            ethernet(0x0800, ipv4(icmp_error(3, 3, guest_tcp_datagram()[:24]), protocol=1)),
            "icmp.malformed",
        ),
        (
            "icmp-error-quoting-ihl-below-5",
            ethernet(0x0800, ipv4(icmp_error(3, 3, guest_tcp_datagram(ihl=4)), protocol=1)),
            "icmp.malformed",
        ),
        (
            "icmp-error-quoting-ihl-beyond-it",
            ethernet(0x0800, ipv4(icmp_error(3, 3, guest_tcp_datagram(ihl=15)), protocol=1)),
            "icmp.malformed",
        ),
        (
            "icmp-error-about-another-hosts-datagram",
            ethernet(0x0800, ipv4(icmp_error(3, 3, guest_tcp_datagram(source=UNKNOWN_IP)), protocol=1)),
            "icmp.ignored",
        ),
    ]


def unreachable_frames() -> List[Tuple[str, bytes, str, int]]:
    """(kind, IPv4 packet, the counter that must count it, the ICMP code of the answer): well-formed datagrams for a
    protocol or port nobody listens on, answered with a destination unreachable (two of them are issue 8's)."""
    return [
        ("unknown-protocol", ipv4(bytes(8), protocol=99), "ipv4.no_listener", 2),
        ("ipv4-protocol-0", ipv4(bytes(8), protocol=0), "ipv4.no_listener", 2),
        ("udp-destination-port-0", ipv4(udp(b"port zero", destination_port=0)), "udp.no_listener", 3),
        ("udp-unlistened-port", ipv4(udp(b"nobody", destination_port=UNLISTENED_PORT)), "udp.no_listener", 3),
    ]


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes
    # For malformed seeds: the counter ("layer.name") that must be exactly 1, with nothing sent.
    drop_counter: str = ""
    # For valid seeds: the counters that must hold these values.
    counters: Dict[str, int] = field(default_factory=dict)


def seeds() -> List[Seed]:
    made = [
        Seed(f"malformed-{kind}", record(frame), drop_counter=counter) for kind, frame, counter in malformed_frames()
    ]
    # The host is known first, so the answer goes out at once instead of waiting for ARP.
    made += [
        Seed(
            f"unreachable-{kind}",
            record(host_arp_request()) + record(ethernet(0x0800, packet), 1),
            counters={counter: 1, "ipv4.unreachables_sent": 1},
        )
        for kind, packet, counter, _code in unreachable_frames()
    ]
    ping = ethernet(0x0800, ipv4(icmp_echo(b"ping from the harness"), protocol=1))
    made += [
        Seed(
            "valid-arp-request",
            record(host_arp_request()),
            counters={"arp.requests_received": 1, "arp.replies_sent": 1},
        ),
        # A probe (RFC 5227: sender 0.0.0.0) for our address is answered, so its sender sees the conflict.
        Seed(
            "valid-arp-probe",
            record(
                ethernet(
                    0x0806,
                    arp(1, UNKNOWN_MAC, "0.0.0.0", bytes(6), GUEST_IP),
                    destination=BROADCAST,
                    source=UNKNOWN_MAC,
                )
            ),
            counters={"arp.requests_received": 1, "arp.replies_sent": 1, "arp.requests_sent": 0},
        ),
        Seed(
            "valid-ping",
            record(host_arp_request()) + record(ping, 1),
            counters={"arp.replies_sent": 1, "icmp.echo_requests": 1, "icmp.echo_replies_sent": 1},
        ),
        Seed(
            "valid-udp",
            record(host_arp_request()) + record(ethernet(0x0800, ipv4(udp(b"echo me"))), 1),
            counters={"arp.replies_sent": 1, "udp.delivered": 1, "udp.sent": 1},
        ),
        Seed(
            "valid-udp-zero-checksum",
            record(host_arp_request()) + record(ethernet(0x0800, ipv4(udp(b"no sum", zero_checksum=True))), 1),
            counters={"udp.delivered": 1, "udp.sent": 1},
        ),
        # Checksums left wrong on purpose, filled in by the harness (the fuzzer's way past them): answered.
        Seed(
            "valid-udp-checksums-filled-by-the-harness",
            record(host_arp_request())
            + record(
                ethernet(0x0800, ipv4(udp(b"fixed", bad_checksum=True), fix_checksum=False)), 1, fix_checksums=True
            ),
            counters={"ipv4.bad_checksum": 0, "udp.bad_checksum": 0, "udp.delivered": 1, "udp.sent": 1},
        ),
        # A peer the guest has never heard of: the echo waits in ARP's queue until the peer answers 50 ms later.
        Seed(
            "valid-unknown-peer-answers",
            record(ethernet(0x0800, ipv4(udp(b"queued", source=UNKNOWN_IP), source=UNKNOWN_IP), source=UNKNOWN_MAC))
            + record(ethernet(0x0806, arp(2, UNKNOWN_MAC, UNKNOWN_IP, GUEST_MAC, GUEST_IP), source=UNKNOWN_MAC), 5),
            counters={"arp.requests_sent": 1, "arp.queued": 1, "arp.queue_drops": 0, "udp.sent": 1},
        ),
        # ... and one that never answers: three requests, then the echo is dropped.
        Seed(
            "valid-unknown-peer-silent",
            record(ethernet(0x0800, ipv4(udp(b"lost", source=UNKNOWN_IP), source=UNKNOWN_IP), source=UNKNOWN_MAC)),
            counters={"arp.requests_sent": 3, "arp.queued": 1, "arp.queue_drops": 1},
        ),
        # Off-link: the reply goes through the gateway, so ARP asks for 10.0.0.1, never for the off-link address.
        Seed(
            "valid-off-link-via-gateway",
            record(host_arp_request())
            + record(ethernet(0x0800, ipv4(udp(b"via the gateway", source=OFF_LINK_IP), source=OFF_LINK_IP)), 1),
            counters={"arp.requests_sent": 0, "udp.sent": 1},
        ),
        # TCP: a SYN to the echo port is answered with SYN-ACK; one to a closed port with RST.
        Seed(
            "valid-tcp-syn",
            record(host_arp_request()) + record(ethernet(0x0800, ipv4(tcp(2, options=TCP_SYN_OPTIONS), protocol=6)), 1),
            # The SYN-ACK, then again after 1 s and 2 s more of the harness's 5 s settling (RFC 6298 backoff).
            counters={"tcp.segments_sent": 3, "tcp.retransmits": 2, "tcp.resets_sent": 0},
        ),
        Seed(
            "valid-tcp-closed-port",
            record(host_arp_request())
            + record(ethernet(0x0800, ipv4(tcp(2, destination_port=CLOSED_TCP_PORT), protocol=6)), 1),
            counters={"tcp.segments_sent": 1, "tcp.resets_sent": 1},
        ),
        # An ICMP port unreachable quoting a TCP segment of ours reaches TCP, which finds no connection to act on.
        Seed(
            "valid-icmp-error-for-no-connection",
            record(ethernet(0x0800, ipv4(icmp_error(3, 3, guest_tcp_datagram()), protocol=1))),
            counters={
                "icmp.errors": 1,
                "ipv4.icmp_errors_delivered": 1,
                "tcp.icmp_ignored": 1,
                "tcp.icmp_errors": 0,
                "tcp.segments_sent": 0,
            },
        ),
        # Fragmentation needed quoting a segment of a connection it has not got: the MSS stays.
        Seed(
            "valid-icmp-fragmentation-needed-for-no-connection",
            record(ethernet(0x0800, ipv4(icmp_error(3, 4, guest_tcp_datagram(), mtu=576), protocol=1))),
            counters={"icmp.errors": 1, "tcp.icmp_ignored": 1, "tcp.mss_lowered": 0},
        ),
    ]
    return made


def write_seeds(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for seed in seeds():
        with open(os.path.join(directory, seed.name), "wb") as f:
            f.write(seed.data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: frames.py CORPUS_DIRECTORY")
    write_seeds(sys.argv[1])

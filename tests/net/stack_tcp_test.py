"""TCP through the whole direct stack on the build host (lib/tcpip/tests/stack_replay over the stack harness, whose
guest 10.0.0.2 runs a TCP echo on port 7): the SYN-ACK and the RST for a closed port as a peer reads them, and a
whole connection (handshake, data echoed, close from the host's side) replayed in two passes: the first learns the
guest's initial sequence number, which the harness's fixed key and fake clock make the same in the second."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import tempfile
from typing import Dict, List, Tuple

from net.frames import (
    GUEST_IP,
    HOST_IP,
    HOST_MAC,
    TCP_SYN_OPTIONS,
    checksum,
    ethernet,
    host_arp_request,
    ipv4,
    record,
    seeds,
    tcp,
)

REPLAY = "lib.tcpip/stack_replay"
CORPUS = "lib/tcpip/tests/corpus"
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def replay(path: str) -> dict:
    result = subprocess.run([REPLAY, path], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def replay_input(directory: str, name: str, data: bytes) -> dict:
    """Replay `data` as the input file `name` in `directory`."""
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        f.write(data)
    return replay(path)


def segments(report: dict) -> List[Tuple[dict, bytes]]:
    """The TCP segments the guest sent, each checked as Linux would (addresses, checksum), with its fields."""
    found = []
    for frame in (bytes.fromhex(text) for text in report["sent"]):
        if frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        assert frame[0:6] == HOST_MAC
        total = struct.unpack("!H", frame[16:18])[0]
        packet = frame[14 : 14 + total]
        assert packet[12:16] == socket.inet_aton(GUEST_IP) and packet[16:20] == socket.inet_aton(HOST_IP)
        segment = packet[20:]
        pseudo = packet[12:20] + struct.pack("!BBH", 0, 6, len(segment))
        assert checksum(pseudo + segment) == 0, f"TCP checksum wrong: {segment.hex()}"
        source, destination, seq, ack, offset, flags, window = struct.unpack("!HHIIBBH", segment[:16])
        header_len = (offset >> 4) * 4
        fields = {"source": source, "destination": destination, "seq": seq, "ack": ack, "flags": flags}
        fields["window"] = window
        found.append((fields, segment[header_len:]))
    return found


def options(segment_hex: str) -> Dict[int, bytes]:
    segment = bytes.fromhex(segment_hex)
    header = segment[20 : (segment[12] >> 4) * 4]
    found, at = {}, 0
    while at < len(header) and header[at] != 0:
        if header[at] == 1:
            at += 1
            continue
        found[header[at]] = header[at + 2 : at + header[at + 1]]
        at += header[at + 1]
    return found


def test_the_seeds_are_in_the_corpus() -> None:
    names = {seed.name for seed in seeds()}
    assert {"valid-tcp-syn", "valid-tcp-closed-port", "malformed-tcp-syn-fin"} <= names
    for name in names:
        assert os.path.exists(os.path.join(CORPUS, name)), f"run python3 tests/net/frames.py {CORPUS}"


def test_a_syn_to_the_echo_port_gets_a_syn_ack_with_our_options() -> None:
    report = replay(os.path.join(CORPUS, "valid-tcp-syn"))
    sent = segments(report)
    assert len(sent) == 3, "the SYN-ACK and its two retransmissions"
    (first, payload), (again, _), _ = sent
    assert first["flags"] == SYN | ACK and first["ack"] == 1001 and payload == b""
    assert (first["source"], first["destination"]) == (7, 40000)
    assert again["seq"] == first["seq"], "a retransmitted SYN-ACK keeps the ISS"
    frame = bytes.fromhex(report["sent"][1])
    found = options(frame[34:].hex())
    assert struct.unpack("!H", found[2])[0] == 1460, "MSS is the MTU less 40"
    assert found[3] == b"\x00", "8 kB of receive buffer needs no window scaling"
    ts_value, ts_echo = struct.unpack("!II", found[8])
    assert ts_echo == 1, "the SYN's TSval is echoed"


def test_a_syn_to_a_closed_port_gets_rst_ack() -> None:
    ((rst, _),) = segments(replay(os.path.join(CORPUS, "valid-tcp-closed-port")))
    assert rst["flags"] == RST | ACK and rst["seq"] == 0 and rst["ack"] == 1001


def opening() -> bytes:
    return record(host_arp_request()) + record(ethernet(0x0800, ipv4(tcp(SYN, options=TCP_SYN_OPTIONS), protocol=6)), 1)


def guest_syn_ack(directory: str) -> dict:
    """The fields of the guest's SYN-ACK to opening()'s SYN: its ISN is the same in every replay, so a longer input
    can acknowledge it."""
    return [
        fields for fields, _ in segments(replay_input(directory, "syn-only", opening())) if fields["flags"] == SYN | ACK
    ][0]


def connection(iss: int, message: bytes) -> bytes:
    """ARP, SYN, then 10 ms apart the handshake's ACK, data, and our FIN; the echo answers and closes."""
    ack = iss + 1
    data = ethernet(0x0800, ipv4(tcp(ACK | PSH, seq=1001, ack=ack, payload=message), protocol=6))
    fin = ethernet(0x0800, ipv4(tcp(ACK | FIN, seq=1001 + len(message), ack=ack), protocol=6))
    return (
        opening()
        + record(ethernet(0x0800, ipv4(tcp(ACK, seq=1001, ack=ack), protocol=6)), 1)
        + record(data, 1)
        + record(fin, 1)
    )


def test_a_whole_connection_echoes_and_closes() -> None:
    message = b"hello over tcp"
    with tempfile.TemporaryDirectory() as directory:
        syn_ack = guest_syn_ack(directory)
        report = replay_input(directory, "whole", connection(syn_ack["seq"], message))
    assert report["tcp_accepted"] == 1 and report["tcp_echoed"] == len(message), report
    sent = segments(report)
    echoed = [(fields, payload) for fields, payload in sent if payload]
    assert echoed and echoed[0][1] == message and echoed[0][0]["seq"] == syn_ack["seq"] + 1
    fins = [fields for fields, _ in sent if fields["flags"] & FIN]
    assert fins, "the echo closes after our FIN: its FIN must follow"
    assert fins[0]["seq"] == syn_ack["seq"] + 1 + len(message) and fins[0]["ack"] == 1001 + len(message) + 1
    assert report["tcp"]["resets_sent"] == 0 and report["tcp"]["malformed"] == 0


def test_an_unacknowledged_echo_is_sent_again_on_time() -> None:
    """The host acknowledges the handshake and sends data but never acknowledges the echo: the guest sends it again
    after its RTO (200 ms, the floor, after a 10 ms handshake), then 400 ms later (RFC 6298 backoff). The stack's loop
    must run TCP's timers when they fall due, not at its 1 s housekeeping period."""
    message = b"never acknowledged"
    with tempfile.TemporaryDirectory() as directory:
        ack = guest_syn_ack(directory)["seq"] + 1
        report = replay_input(
            directory,
            "unacknowledged",
            opening()
            + record(ethernet(0x0800, ipv4(tcp(ACK, seq=1001, ack=ack), protocol=6)), 1)
            + record(ethernet(0x0800, ipv4(tcp(ACK | PSH, seq=1001, ack=ack, payload=message), protocol=6)), 1),
        )
    times = [
        at
        for at, (fields, payload) in zip(
            [t for t, frame in zip(report["sent_ms"], report["sent"]) if bytes.fromhex(frame)[23:24] == b"\x06"],
            segments(report),
        )
        if payload == message
    ]
    assert len(times) >= 3, report["sent_ms"]
    assert abs(times[1] - times[0] - 200) <= 2 and abs(times[2] - times[1] - 400) <= 2, times


def test_a_long_echo_is_handed_down_whole_and_cut_at_the_mss() -> None:
    """The harness's netif offers transmit offload and cuts what it is handed as a host would, each piece's checksum
    made from the pseudo header's sum the stack left in the field (as Linux's GSO does): an echo of 6,000 bytes,
    written back as the echo reads it (2 KiB at a time), goes down as segments longer than the MSS and reaches the
    host as MSS-sized pieces in order, each with a correct checksum; TCP counts the pieces as its segments, and the
    echo, never acknowledged here, is sent again one MSS at a time."""
    message = bytes(range(256)) * 23 + bytes(112)
    with tempfile.TemporaryDirectory() as directory:
        syn_ack = guest_syn_ack(directory)
        report = replay_input(directory, "whole", connection(syn_ack["seq"], message))
    assert report["sane"] and report["tcp_echoed"] == len(message), report["problem"]
    sent = segments(report)  # each piece's checksum checked as Linux would
    first_seq = syn_ack["seq"] + 1
    echoed, again = [], []
    for fields, payload in sent:
        if payload:
            (again if echoed and fields["seq"] == first_seq else echoed).append((fields, payload))
    assert b"".join(payload for _, payload in echoed) == message
    assert [fields["seq"] for fields, _ in echoed] == [
        first_seq + sum(len(payload) for _, payload in echoed[:i]) for i in range(len(echoed))
    ]
    mss = len(echoed[0][1])
    assert mss == 1448 and all(len(payload) <= mss for _, payload in echoed + again)
    tcp_counters = report["tcp"]
    assert 0 < tcp_counters["segments_offloaded"] < len(echoed), tcp_counters
    assert tcp_counters["segments_sent"] == len(sent), (tcp_counters, len(sent))
    assert again and all(len(payload) == mss for _, payload in again), "sent again at one MSS"

"""The lib/tcpip layers on the build host (lib/tcpip/tests/stack_replay): every file of the fuzzer's corpus replays
with sane output, malformed frames are counted and answered by nothing, and valid ones get the right answer, checked
here byte by byte with this file's own parsing."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
from typing import Dict, List

import pytest
from net.frames import (
    GUEST_IP,
    GUEST_MAC,
    HOST_IP,
    HOST_MAC,
    OFF_LINK_IP,
    UNKNOWN_IP,
    checksum,
    seeds,
    unreachable_frames,
)

REPLAY = "lib.tcpip/stack_replay"
CORPUS = "lib/tcpip/tests/corpus"


def replay(paths: List[str]) -> Dict[str, dict]:
    result = subprocess.run([REPLAY, *paths], capture_output=True, text=True, timeout=120)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {os.path.basename(line["file"]): line for line in lines}
    assert len(by_name) == len(paths), f"{len(paths)} files, {len(by_name)} reports:\n{result.stdout}{result.stderr}"
    return by_name


@pytest.fixture(scope="module")
def reports() -> Dict[str, dict]:
    names = sorted(name for name in os.listdir(CORPUS) if not name.startswith("."))
    return replay([os.path.join(CORPUS, name) for name in names])


def counter(report: dict, dotted: str) -> int:
    layer, name = dotted.split(".")
    return report[layer][name]


def sent(report: dict) -> List[bytes]:
    assert report["sent_count"] == len(report["sent"]), report
    return [bytes.fromhex(frame) for frame in report["sent"]]


def ipv4_of(frame: bytes, protocol: int) -> bytes:
    """The IPv4 packet in `frame`, checked: ours, to the host, the header checksum right; returns its payload."""
    assert frame[12:14] == b"\x08\x00", frame.hex()
    header = frame[14:34]
    total = struct.unpack("!H", header[2:4])[0]
    assert header[0] == 0x45 and header[9] == protocol, header.hex()
    assert checksum(header) == 0, f"IPv4 header checksum wrong: {header.hex()}"
    assert header[12:16] == socket.inet_aton(GUEST_IP)
    return frame[34 : 14 + total]


def test_seed_files_are_what_frames_py_writes() -> None:
    for seed in seeds():
        path = os.path.join(CORPUS, seed.name)
        assert os.path.exists(path), f"{path} is missing: run python3 tests/net/frames.py {CORPUS}"
        with open(path, "rb") as f:
            assert f.read() == seed.data, f"{path} is stale: run python3 tests/net/frames.py {CORPUS}"


def test_every_corpus_file_replays_with_sane_output(reports: Dict[str, dict]) -> None:
    assert len(reports) >= len(seeds())
    for name, report in reports.items():
        assert "crashed" not in report, f"{name}: {report}"
        assert report["rc"] == 0 and report["sane"], f"{name}: {report['problem']}"


@pytest.mark.parametrize("seed", [s for s in seeds() if s.drop_counter], ids=lambda s: s.name)
def test_a_malformed_frame_is_counted_and_answered_by_nothing(seed, reports: Dict[str, dict]) -> None:
    report = reports[seed.name]
    assert report["sent"] == [] and report["sent_count"] == 0, f"{seed.name} was answered: {report['sent']}"
    assert counter(report, "ethernet.received") == 1
    assert counter(report, seed.drop_counter) == 1, f"{seed.name}: {seed.drop_counter} not counted: {report}"
    assert report["echoed"] == 0


@pytest.mark.parametrize("seed", [s for s in seeds() if s.counters], ids=lambda s: s.name)
def test_a_valid_input_moves_the_counters_it_should(seed, reports: Dict[str, dict]) -> None:
    report = reports[seed.name]
    for dotted, value in seed.counters.items():
        assert counter(report, dotted) == value, f"{seed.name}: {dotted} is {counter(report, dotted)}, not {value}"
    for layer in ("ethernet", "arp", "ipv4", "icmp", "udp", "tcp"):
        assert report[layer]["malformed"] == 0, f"{seed.name}: {layer} counted a valid frame as malformed"


def test_an_arp_request_for_us_is_answered_to_its_sender(reports: Dict[str, dict]) -> None:
    (reply,) = sent(reports["valid-arp-request"])
    assert reply[0:6] == HOST_MAC and reply[6:12] == GUEST_MAC and reply[12:14] == b"\x08\x06"
    assert reply[14:22] == struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2)
    assert reply[22:28] == GUEST_MAC and reply[28:32] == socket.inet_aton(GUEST_IP)
    assert reply[32:38] == HOST_MAC and reply[38:42] == socket.inet_aton(HOST_IP)


def test_a_ping_gets_an_echo_reply_with_a_correct_checksum(reports: Dict[str, dict]) -> None:
    arp_reply, echo_reply = sent(reports["valid-ping"])
    assert arp_reply[12:14] == b"\x08\x06"
    assert echo_reply[0:6] == HOST_MAC and echo_reply[6:12] == GUEST_MAC
    message = ipv4_of(echo_reply, protocol=1)
    assert message[0:2] == b"\x00\x00", "not an echo reply"
    assert checksum(message) == 0, f"ICMP checksum wrong: {message.hex()}"
    assert message[4:8] == struct.pack("!HH", 0x1234, 1) and message[8:] == b"ping from the harness"


def test_a_datagram_comes_back_from_the_echo_port_with_a_correct_checksum(reports: Dict[str, dict]) -> None:
    for name, payload in (("valid-udp", b"echo me"), ("valid-udp-zero-checksum", b"no sum")):
        echo = sent(reports[name])[-1]
        assert echo[0:6] == HOST_MAC
        segment = ipv4_of(echo, protocol=17)
        assert struct.unpack("!HHH", segment[0:6]) == (7, 40000, 8 + len(payload)) and segment[8:] == payload
        pseudo = socket.inet_aton(GUEST_IP) + socket.inet_aton(HOST_IP) + struct.pack("!BBH", 0, 17, len(segment))
        assert segment[6:8] != b"\x00\x00" and checksum(pseudo + segment) == 0, f"{name}: UDP checksum wrong"


@pytest.mark.parametrize("kind,packet,code", [(k, p, c) for k, p, _, c in unreachable_frames()], ids=lambda v: str(v))
def test_a_protocol_or_port_nobody_listens_on_gets_icmp_destination_unreachable(
    kind: str, packet: bytes, code: int, reports: Dict[str, dict]
) -> None:
    _arp_reply, error = sent(reports[f"unreachable-{kind}"])
    assert error[0:6] == HOST_MAC
    message = ipv4_of(error, protocol=1)
    assert message[0:2] == bytes([3, code]) and message[4:8] == bytes(4), message.hex()
    assert checksum(message) == 0, f"ICMP checksum wrong: {message.hex()}"
    # The quote is the datagram as it arrived, header and all (it is shorter than RFC 1812's 576-byte bound).
    assert message[8:] == packet


def test_a_reply_to_an_unknown_peer_waits_for_its_arp_answer(reports: Dict[str, dict]) -> None:
    request, echo = sent(reports["valid-unknown-peer-answers"])
    assert request[0:6] == b"\xff" * 6 and request[12:14] == b"\x08\x06" and request[20:22] == b"\x00\x01"
    assert request[38:42] == socket.inet_aton(UNKNOWN_IP)
    assert echo[0:6] == bytes.fromhex("020000000099") and ipv4_of(echo, protocol=17)[8:] == b"queued"


def test_a_silent_peer_gets_three_requests_then_its_reply_is_dropped(reports: Dict[str, dict]) -> None:
    requests = sent(reports["valid-unknown-peer-silent"])
    assert len(requests) == 3
    for request in requests:
        assert request[12:14] == b"\x08\x06" and request[38:42] == socket.inet_aton(UNKNOWN_IP)


def test_an_off_link_reply_goes_to_the_gateway_without_asking_for_the_off_link_address(
    reports: Dict[str, dict]
) -> None:
    frames = sent(reports["valid-off-link-via-gateway"])
    for frame in frames:
        assert not (frame[12:14] == b"\x08\x06" and frame[38:42] == socket.inet_aton(OFF_LINK_IP)), "ARP for it"
    echo = frames[-1]
    assert echo[0:6] == HOST_MAC, "not sent to the gateway's MAC"
    assert ipv4_of(echo, protocol=17)[8:] == b"via the gateway"
    assert echo[30:34] == socket.inet_aton(OFF_LINK_IP)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([REPLAY], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "usage" in result.stderr
    missing = subprocess.run([REPLAY, "/does/not/exist"], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "cannot open /does/not/exist" in missing.stderr

"""TCP on the direct stack with Linux as the peer: the tcp_echo guest (tests/net/tcp_echo.c) on a tap in a network
namespace, on unix (its own program), hvt, spt and virtio, talked to by Python sockets inside the namespace: bulk
echo both ways compared by SHA-256, half-close, a close from the guest's side, sequential and concurrent
connections, RST from a closed port, the echo through 5 % random loss each way (nftables) where nft works, and a
connect from the guest that an ICMP port unreachable refuses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from typing import Any, Iterator, List, Sequence, Tuple

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from inet_checksum import with_checksum
from netns import tap_namespace
from probes.capabilities import missing, require
from stream_exchange import with_exchange

GUEST = "10.0.0.2"
HOST = "10.0.0.1"
READY = "tcp_echo: listening on"

# Runs inside the namespace: `probe.py <command> <arguments as JSON>`; prints one JSON result.
PROBE = r"""
import hashlib, json, os, socket, struct, sys, threading, time

GUEST = "10.0.0.2"

def echo(size, port=7, timeout=30):
    # Send `size` random bytes, half-close, and read the echo to its end while sending.
    data = os.urandom(size)
    start = time.monotonic()
    s = socket.create_connection((GUEST, port), timeout=timeout)
    back = exchange(s, data, timeout)
    s.close()
    return {"sent": hashlib.sha256(data).hexdigest(), "received": hashlib.sha256(back).hexdigest(),
            "length": len(back), "seconds": time.monotonic() - start}

def tcp_segment(source, source_port, port, seq, ack, flags, offset=5, options=b"", payload=b"", fix=True):
    # `offset` is the data offset field as sent, whatever the options' length: malformed on purpose where asked.
    header = struct.pack("!HHIIBBHHH", source_port, port, seq, ack, offset << 4, flags, 65535, 0, 0) + options
    segment = header + payload
    pseudo = socket.inet_aton(source) + socket.inet_aton(GUEST) + struct.pack("!BBH", 0, 6, len(segment))
    value = checksum(pseudo + segment) if fix else 0x1234
    return segment[:16] + struct.pack("!H", value) + segment[18:]

def ipv4_packet(source, payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, 6, 0, socket.inet_aton(source),
                     socket.inet_aton(GUEST))
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + payload

def guest_mac():
    neighbours = os.popen("ip neigh show %s dev tap0" % GUEST).read().split()
    return bytes.fromhex(neighbours[neighbours.index("lladdr") + 1].replace(":", ""))

def tap_frames():
    # A raw socket on the tap, and the Ethernet header of a frame to the guest (its MAC in the neighbour table).
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    raw.bind(("tap0", 0))
    return raw, guest_mac() + raw.getsockname()[4] + b"\x08\x00"

def established():
    # A connection to the echo port that has echoed once: the socket and what came back.
    s = socket.create_connection((GUEST, 7), timeout=10)
    s.sendall(b"before")
    return s, s.recv(100)

def read_at_least(s, count):
    received = b""
    while len(received) < count:
        chunk = s.recv(100)
        if not chunk:
            break
        received += chunk
    return received

def read_to_end(s):
    # Everything the guest sends until it closes its side.
    received = b""
    while True:
        chunk = s.recv(100)
        if not chunk:
            return received
        received += chunk

def tap_counter(name):
    with open("/sys/class/net/tap0/statistics/" + name) as f:
        return int(f.read())

def accept_guest(port):
    # Linux as the server the guest connects to: its connection, the guest's address, and its hello line.
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("10.0.0.1", port))
    server.listen(1)
    server.settimeout(30)
    print("listening", flush=True)
    s, peer = server.accept()
    s.settimeout(30)
    hello = b""
    while not hello.endswith(b"\n"):
        chunk = s.recv(100)
        if not chunk:
            break
        hello += chunk
    return s, peer, hello

command, args = sys.argv[1], json.loads(sys.argv[2])
if command == "echo":
    print(json.dumps(echo(args["size"], timeout=args.get("timeout", 30))))
elif command == "sink":
    # The guest counts what it got and answers the count when our side ends, then closes from its side.
    s = socket.create_connection((GUEST, 8), timeout=30)
    start = time.monotonic()
    block = os.urandom(1 << 16)
    left = args["size"]
    while left > 0:
        s.sendall(block[: min(left, len(block))])
        left -= min(left, len(block))
    s.shutdown(socket.SHUT_WR)
    reply = read_to_end(s)
    print(json.dumps({"reply": reply.decode(), "seconds": time.monotonic() - start}))
elif command == "sink_frames":
    # The sink's transfer, counting what the tap handed the guest: frames larger than the MTU arrived whole.
    packets, octets = tap_counter("tx_packets"), tap_counter("tx_bytes")
    s = socket.create_connection((GUEST, 8), timeout=30)
    s.sendall(os.urandom(args["size"]))
    s.shutdown(socket.SHUT_WR)
    reply = read_to_end(s)
    print(json.dumps({"reply": reply.decode(), "frames": tap_counter("tx_packets") - packets,
                      "bytes": tap_counter("tx_bytes") - octets}))
elif command == "echo_frames":
    # The echo, counting what the guest wrote to the tap (one write of the tender or QEMU is one packet the tap
    # receives, however long): with transmit offload its segments leave whole, up to 64 KiB.
    packets, octets = tap_counter("rx_packets"), tap_counter("rx_bytes")
    result = echo(args["size"])
    result.update(frames=tap_counter("rx_packets") - packets, bytes=tap_counter("rx_bytes") - octets)
    print(json.dumps(result))
elif command == "checksums":
    # SYNs to the echo port written as frames on the tap, so the host vouches for no checksum: one with a wrong TCP
    # checksum must go unanswered, the same with the right one is answered with a SYN-ACK.
    socket.create_connection((GUEST, 7), timeout=10).close()  # the guest's MAC in the neighbour table
    raw, link = tap_frames()
    raw.settimeout(0.1)
    host = "10.0.0.1"
    def answered(port, fix):
        raw.send(link + ipv4_packet(host, tcp_segment(host, port, 7, 1000, 0, 0x02, fix=fix)))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                frame = raw.recv(2048)
            except socket.timeout:
                continue
            ip = frame[14:]
            if frame[12:14] != b"\x08\x00" or ip[9] != 6 or ip[12:16] != socket.inet_aton(GUEST):
                continue
            tcp = ip[(ip[0] & 15) * 4:]
            if struct.unpack("!H", tcp[2:4])[0] == port and tcp[13] & 0x12 == 0x12:
                return True
        return False
    print(json.dumps({"wrong": answered(40100, False), "right": answered(40101, True)}))
elif command == "sequential":
    good = 0
    for i in range(args["count"]):
        s = socket.create_connection((GUEST, 7), timeout=10)
        message = b"connection %d" % i
        s.sendall(message)
        s.shutdown(socket.SHUT_WR)
        back = read_to_end(s)
        s.close()
        good += back == message
    print(json.dumps({"good": good}))
elif command == "concurrent":
    results = []
    def one():
        r = echo(args["size"])
        results.append(r["sent"] == r["received"])
    threads = [threading.Thread(target=one) for _ in range(args["count"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    print(json.dumps({"good": sum(results)}))
elif command == "flood":
    # An established connection, then `count` SYNs from an on-link address nobody answers ARP for (so the guest's
    # SYN-ACKs go nowhere and every one stays half-open), then the connection must still echo.
    s, before = established()
    raw, link = tap_frames()
    spoofed = "10.0.0.77"
    for i in range(args["count"]):
        raw.send(link + ipv4_packet(spoofed, tcp_segment(spoofed, 20000 + i, 7, i * 7919, 0, 0x02)))
    time.sleep(0.5)
    s.sendall(b"after the flood")
    after = read_at_least(s, 15)
    print(json.dumps({"before": before.decode(), "after": after.decode()}))
elif command == "listen_for_guest":
    # Linux as the server the guest connects to: read its hello, send `size` bytes, half-close, read the echo.
    s, peer, hello = accept_guest(args["port"])
    data = os.urandom(args["size"])
    back = exchange(s, data, 30)
    print(json.dumps({"peer": list(peer), "hello": hello.decode(), "intact": back == data, "length": len(back)}))
elif command == "hold_for_guest":
    # Linux as a server that takes the guest's connection, reads its hello, and then sends nothing, holding it.
    s, peer, hello = accept_guest(args["port"])
    print(json.dumps({"hello": hello.decode()}), flush=True)
    time.sleep(60)
elif command == "malformed":
    # An established connection, then segments the RFCs say to drop or answer, from its own address: a data offset
    # below 5 and one past the segment, a truncated option, SYN+FIN, a bad checksum, an RST out of the window on the
    # connection's own 4-tuple (RFC 5961 3.2); the connection must still echo, and a new one must be served.
    s, before = established()
    local_port = s.getsockname()[1]
    raw, link = tap_frames()
    host = "10.0.0.1"
    segments = [
        tcp_segment(host, 40001, 7, 1000, 0, 0x02, offset=4),                         # data offset 4
        tcp_segment(host, 40002, 7, 1000, 0, 0x02, offset=15),                        # offset past the segment
        tcp_segment(host, 40003, 7, 1000, 0, 0x02, offset=6, options=b"\x03\x05\x01\x00"),  # option overruns
        tcp_segment(host, 40004, 7, 1000, 0, 0x02, offset=6, options=b"\x02\x04\x05"),  # MSS cut short
        tcp_segment(host, 40005, 7, 1000, 0, 0x03),                                   # SYN+FIN
        tcp_segment(host, 40006, 7, 1000, 0, 0x02, fix=False),                        # bad checksum
        tcp_segment(host, local_port, 7, 0x12345678, 0, 0x04),                        # RST out of the window
        tcp_segment(host, local_port, 7, 0x12345678, 0, 0x14),                        # RST+ACK out of the window
        tcp_segment(host, local_port, 7, 0, 0, 0x02),                                 # SYN on an open connection
    ]
    for segment in segments:
        raw.send(link + ipv4_packet(host, segment))
    time.sleep(0.3)
    s.sendall(b"after the segments")
    after = read_at_least(s, 18)
    fresh = echo(1000, timeout=10)
    print(json.dumps({"before": before.decode(), "after": after.decode(), "fresh": fresh["sent"] == fresh["received"]}))
elif command == "held":
    # Open `count` connections one after another and keep them open: each that gets its byte echoed within the
    # timeout was served. Then close them all, and check that a fresh connection is served again.
    held, served = [], 0
    for i in range(args["count"]):
        s = socket.socket()
        s.settimeout(args["timeout"])
        held.append(s)
        try:
            s.connect((GUEST, 7))
            s.sendall(b"x")
            served += s.recv(1) == b"x"
        except OSError:
            pass
    for s in held:
        s.close()
    time.sleep(0.5)
    after = echo(1000, timeout=10)
    print(json.dumps({"served": served, "after": after["sent"] == after["received"]}))
elif command == "closed":
    try:
        socket.create_connection((GUEST, 9), timeout=5)
        print(json.dumps({"error": None}))
    except OSError as e:
        print(json.dumps({"error": type(e).__name__}))
"""


def guest_command(abi: str) -> List[str]:
    arguments = [f"--ipv4={GUEST}/24"]
    if abi == "unix":
        return ["tests.net/tcp_echo_direct.unix", "--tap=tap0", *arguments]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"tests.net/tcp_echo.{abi}", *arguments]


class Guest:
    def __init__(self, namespace: str, process: subprocess.Popen, console: str) -> None:
        self.namespace, self.process, self.console = namespace, process, console

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "netns", "exec", self.namespace, *argv], capture_output=True, text=True, timeout=timeout
        )

    def probe(self, command: str, **args: object) -> dict:
        result = self.run(sys.executable, "-c", with_checksum(with_exchange(PROBE)), command, json.dumps(args))
        assert result.returncode == 0, result.stderr + self.output()
        return json.loads(result.stdout)

    def output(self) -> str:
        with open(self.console) as f:
            return f.read()


ABIS = ["unix", "hvt", "spt", "virtio"]


@contextmanager
def booted(
    abi: str, *arguments: str, before_boot: Sequence[str] = (), nft_rules: str = ""
) -> Iterator[Tuple[Guest, Any]]:
    """The tcp_echo guest on `abi` in a fresh namespace, after `nft_rules` (an nftables ruleset for the namespace;
    the test skips where nft cannot load it) and `before_boot` (a probe command line started in the namespace and
    left running, yielded with the guest); all stopped and removed after."""
    require_abi(abi)
    with ExitStack() as cleanup:
        namespace = cleanup.enter_context(tap_namespace(f"tcp-{abi}", host_address=f"{HOST}/24"))
        if nft_rules:
            require("nft", "nftables rules in the namespace")
            with tempfile.NamedTemporaryFile("w", suffix=".nft") as ruleset:
                ruleset.write(nft_rules)
                ruleset.flush()
                nft = shutil.which("nft") or "nft"
                added = subprocess.run(
                    ["ip", "netns", "exec", namespace, nft, "-f", ruleset.name],
                    capture_output=True,
                    text=True,
                    timeout=10,
                )
            if added.returncode != 0:
                missing("nft", f"nft cannot load a ruleset: {added.stderr.strip()}", "nftables rules in the namespace")
        helper = None
        if before_boot:
            helper = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    namespace,
                    sys.executable,
                    "-c",
                    with_checksum(with_exchange(PROBE)),
                    *before_boot,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            cleanup.callback(helper.kill)
            assert helper.stdout is not None and helper.stdout.readline().strip() == "listening"
        command = ["ip", "netns", "exec", namespace, *guest_command(abi), *arguments]
        process, console = cleanup.enter_context(running_in_background(command, READY, f"tcp_echo-{abi}"))
        yield Guest(namespace, process, console), helper


# Room for the 100 concurrent connections below (the guest's default is 32).
CONNECTIONS_MAX = 128


@pytest.fixture(scope="module", params=ABIS)
def guest(request) -> Iterator[Guest]:
    with booted(request.param, f"--tcp-connections-max={CONNECTIONS_MAX}") as (booted_guest, _):
        yield booted_guest


def test_bulk_echo_comes_back_intact_after_a_half_close(guest: Guest) -> None:
    result = guest.probe("echo", size=4_000_000)
    assert result["length"] == 4_000_000 and result["received"] == result["sent"], result


def test_the_sink_counts_every_byte_and_closes_from_its_side(guest: Guest) -> None:
    result = guest.probe("sink", size=10_000_000)
    assert result["reply"] == "10000000\n", result


def test_sequential_connections_each_echo_and_close(guest: Guest) -> None:
    # Many more than the guest has room for at once: each must be freed when it closes.
    assert guest.probe("sequential", count=1000)["good"] == 1000


def test_concurrent_connections_each_echo(guest: Guest) -> None:
    assert guest.probe("concurrent", count=100, size=100_000)["good"] == 100


@pytest.mark.parametrize("abi", ABIS)
def test_the_connection_limit_holds_and_frees(abi: str) -> None:
    # With room for 8, the 9th and 10th connections held open at once are not served (their SYNs are dropped), the
    # 8 are; once they close, a new connection is served again.
    with booted(abi, "--tcp-connections-max=8") as (guest, _):
        result = guest.probe("held", count=10, timeout=1.5)
        assert result == {"served": 8, "after": True}, result
        assert guest.process.poll() is None, guest.output()


def test_malformed_segments_are_dropped_and_the_connection_goes_on(guest: Guest) -> None:
    result = guest.probe("malformed")
    assert result == {"before": "before", "after": "after the segments", "fresh": True}, (result, guest.output())
    assert guest.process.poll() is None, guest.output()


def test_a_wrong_tcp_checksum_the_host_did_not_vouch_for_is_dropped(guest: Guest) -> None:
    # With receive offload on (hvt, virtio) the guest trusts checksums the host flags; a frame the host only passed
    # on (written to the tap by a packet socket) carries no flag and must still be verified.
    assert guest.probe("checksums") == {"wrong": False, "right": True}, guest.output()


@pytest.mark.parametrize("abi", ["hvt", "virtio"])
def test_segments_larger_than_the_mtu_arrive_whole(abi: str) -> None:
    # Receive offload: Linux's TSO segments reach the guest as they were sent, up to 64 KiB, so 10 MB take far
    # fewer frames than MTU-sized ones would (about 6,900); the sink still counts every byte.
    with booted(abi) as (guest, _):
        result = guest.probe("sink_frames", size=10_000_000)
        assert result["reply"] == "10000000\n", result
        assert result["bytes"] / result["frames"] > 2 * 1514, result


@pytest.mark.parametrize("abi", ["hvt", "virtio"])
def test_segments_larger_than_the_mtu_leave_whole(abi: str) -> None:
    # Transmit offload: the guest hands the tender or QEMU TCP segments of up to 64 KiB for the host to cut, so the
    # 10 MB it echoes (about 6,900 segments of a 1,448-byte MSS, with its ACKs for what it received besides) leave in
    # far fewer writes to the tap; the bytes come back intact.
    with booted(abi) as (guest, _):
        result = guest.probe("echo_frames", size=10_000_000)
        assert result["length"] == 10_000_000 and result["received"] == result["sent"], result
        assert result["frames"] < 10_000_000 // 1448 // 4, result


def test_a_closed_port_refuses(guest: Guest) -> None:
    assert guest.probe("closed")["error"] == "ConnectionRefusedError"


def test_echo_survives_random_loss_both_ways(guest: Guest) -> None:
    require("nft", "dropping packets at random")
    nft = shutil.which("nft") or "nft"
    rules = """
table inet lossy {
    chain in { type filter hook input priority 0; iifname "tap0" numgen random mod 100 < 5 drop; }
    chain out { type filter hook output priority 0; oifname "tap0" numgen random mod 100 < 5 drop; }
}
"""
    with tempfile.NamedTemporaryFile("w", suffix=".nft") as ruleset:
        ruleset.write(rules)
        ruleset.flush()
        added = guest.run(nft, "-f", ruleset.name, timeout=10)
    if added.returncode != 0:
        missing("nft", f"nft cannot add a random-drop rule: {added.stderr.strip()}", "dropping packets at random")
    try:
        result = guest.probe("echo", size=500_000, timeout=90)
    finally:
        guest.run(nft, "delete table inet lossy", timeout=10)
    assert result["length"] == 500_000 and result["received"] == result["sent"], result
    assert guest.process.poll() is None, guest.output()


@pytest.mark.parametrize("abi", ABIS)
def test_the_guest_connects_to_linux_and_echoes(abi: str) -> None:
    listener = ("listen_for_guest", json.dumps({"port": 9000, "size": 1_000_000}))
    with booted(abi, f"--connect={HOST}:9000", before_boot=listener) as (guest, helper):
        out, _ = helper.communicate(timeout=60)
        result = json.loads(out.strip().splitlines()[-1])
        assert result["hello"] == "tcp_echo: hello\n" and result["peer"][0] == GUEST, result
        assert result["intact"] and result["length"] == 1_000_000, result
        assert "tcp_echo: connected" in guest.output()


# Linux answers SYNs to port 9001 with an ICMP port unreachable instead of a RST.
REJECT_WITH_ICMP = """
table inet refuse {
    chain in {
        type filter hook input priority 0;
        iifname "tap0" tcp dport 9001 reject with icmp type port-unreachable;
    }
}
"""


@pytest.mark.parametrize("abi", ["unix", "hvt"])
def test_a_connect_answered_by_icmp_port_unreachable_fails_at_once(abi: str) -> None:
    # RFC 1122 4.2.3.9: a port unreachable quoting the SYN ends the connect with REFUSED; without it the guest
    # would send its SYN again for about a minute before TIMED_OUT.
    with booted(abi, f"--connect={HOST}:9001", nft_rules=REJECT_WITH_ICMP) as (guest, _):
        deadline = time.monotonic() + 5
        while "connect failed" not in guest.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "tcp_echo: connect failed (-111)" in guest.output(), guest.output()


DROP_EVERYTHING = """
table inet dead {
    chain in { type filter hook input priority 0; iifname "tap0" drop; }
    chain out { type filter hook output priority 0; oifname "tap0" drop; }
}
"""


@pytest.mark.parametrize("abi", ["unix", "hvt"])
def test_keepalives_keep_an_idle_connection_and_end_a_dead_one(abi: str) -> None:
    # Probes after 500 ms of silence, 3 of them 200 ms apart: Linux answers them for 3 s, then a ruleset drops
    # everything and the guest's connection fails TIMED_OUT about 1.1 s later; without keep-alives it never would.
    require("nft", "dropping every packet")
    holder = ("hold_for_guest", json.dumps({"port": 9002}))
    with booted(abi, f"--connect={HOST}:9002", "--keepalive=500,200,3", before_boot=holder) as (guest, helper):
        assert json.loads(helper.stdout.readline())["hello"] == "tcp_echo: hello\n"
        time.sleep(3)
        assert "tcp_echo: keep-alive (0)" in guest.output() and "failed" not in guest.output(), guest.output()
        with tempfile.NamedTemporaryFile("w", suffix=".nft") as ruleset:
            ruleset.write(DROP_EVERYTHING)
            ruleset.flush()
            added = guest.run(shutil.which("nft") or "nft", "-f", ruleset.name, timeout=10)
        if added.returncode != 0:
            missing("nft", f"nft cannot add a drop rule: {added.stderr.strip()}", "dropping every packet")
        dropped_at = time.monotonic()
        while "failed" not in guest.output() and time.monotonic() < dropped_at + 10:
            time.sleep(0.05)
        seconds = time.monotonic() - dropped_at
        assert "tcp_echo: our connection failed (-110)" in guest.output(), guest.output()
        assert seconds < 3, seconds


@pytest.mark.parametrize("abi", ABIS)
def test_a_syn_flood_leaves_an_established_connection_working(abi: str) -> None:
    with booted(abi) as (guest, _):
        result = guest.probe("flood", count=500)
        assert result == {"before": "before", "after": "after the flood"}, result
        assert guest.process.poll() is None, guest.output()


@pytest.mark.parametrize("abi", ["unix", "hvt"])
def test_a_tcp_limit_out_of_range_stops_the_boot_naming_the_key(abi: str) -> None:
    require_abi(abi)
    with tap_namespace(f"tcp-key-{abi}", host_address=f"{HOST}/24") as namespace:
        result = subprocess.run(
            ["ip", "netns", "exec", namespace, *guest_command(abi), "--tcp-connections-max=0"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "tcp: --tcp-connections-max is out of range: give 1 to 65536" in output, output

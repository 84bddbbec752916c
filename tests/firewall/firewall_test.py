"""examples/firewall end to end on hvt, spt and virtio: a client namespace on the `inside` link, a server namespace
on the `outside` link, the firewall between them with two `--net:` arguments. Allowed ICMP, UDP and TCP pass,
denied traffic does not (each negative check is followed by a positive one with the same timeout), and malformed
frames on either side do not stop it."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Iterator, List

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from inet_checksum import with_checksum
from netns import TwoSidedNamespaces, two_sided_namespaces

IMAGE = "examples.firewall/image"
ABIS = ["hvt", "spt", "virtio"]
INSIDE, OUTSIDE = "10.1.0.1", "10.2.0.1"  # the firewall's addresses
CLIENT, SERVER = "10.1.0.2", "10.2.0.2"
RULES = "; ".join(
    [
        "allow icmp from any to any",
        f"allow udp from 10.1.0.0/24 to {SERVER} port 7",
        f"allow tcp from 10.1.0.0/24 to {SERVER} port 8080",
        "deny tcp from any to any port 8081",  # first match: the broader allow below never sees these
        f"allow udp from {SERVER} to 10.1.0.0/24",  # stateless: replies need rules of their own
        f"allow tcp from {SERVER} to 10.1.0.0/24",
    ]
)
# How long a negative check waits for a reply that must not come; the liveness check after it waits as long.
NO_REPLY_TIMEOUT = 1.0

# Runs in the server namespace: UDP echo on 7 and 9, TCP accept-and-echo on 8080 and 8081, for at most `seconds`.
SERVER_SCRIPT = r"""
import select, socket, sys, time
deadline = time.monotonic() + float(sys.argv[1])
udp = []
for port in (7, 9):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    udp.append(s)
tcp = []
for port in (8080, 8081):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    tcp.append(s)
print("serving", flush=True)
while time.monotonic() < deadline:
    ready, _, _ = select.select(udp + tcp, [], [], 0.5)
    for s in ready:
        if s in udp:
            data, peer = s.recvfrom(65536)
            s.sendto(data, peer)
        else:
            connection, _ = s.accept()
            connection.settimeout(2)
            try:
                connection.sendall(connection.recv(4096))
            except OSError:
                pass
            connection.close()
"""

# Runs in the client (or server) namespace: `probe.py <command> <arguments as JSON>`; prints one JSON result.
PROBE = r"""
import json, os, socket, struct, sys

def udp(address, port, payload, timeout, ttl=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    if ttl is not None:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.sendto(bytes.fromhex(payload), (address, port))
    try:
        data, _ = s.recvfrom(65536)
        return {"reply": data.hex()}
    except socket.timeout:
        return {"reply": None}

def tcp(address, port, payload, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((address, port))
        s.sendall(bytes.fromhex(payload))
        return {"reply": s.recv(4096).hex()}
    except (socket.timeout, OSError) as error:
        return {"reply": None, "error": str(error)}

def ipv4(source, destination, payload, ihl=5, total=None, ttl=64, fragment=0x4000, good_checksum=True):
    header = struct.pack("!BBHHHBBH4s4s", 4 << 4 | ihl, 0, 20 + len(payload) if total is None else total, 7,
                         fragment, ttl, 17, 0, socket.inet_aton(source), socket.inet_aton(destination))
    value = checksum(header) if good_checksum else 0x1234
    return header[:10] + struct.pack("!H", value) + header[12:] + payload

def frames(gateway_mac, source, destination):
    datagram = struct.pack("!HHHH", 4000, 7, 12, 0) + b"evil"
    bodies = [
        (0x0800, b""),                                                      # no IPv4 header at all
        (0x0800, b"\x45"),                                                  # one byte
        (0x0800, ipv4(source, destination, datagram, ihl=4)),               # IHL below 5
        (0x0800, ipv4(source, destination, datagram, ihl=15)),              # IHL past the datagram
        (0x0800, ipv4(source, destination, datagram, total=2000)),          # total length past the frame
        (0x0800, ipv4(source, destination, datagram, total=10)),            # total length below the header
        (0x0800, ipv4(source, destination, datagram, good_checksum=False)),
        (0x0800, ipv4(source, destination, datagram, ttl=0)),
        (0x0800, ipv4(source, destination, datagram, ttl=1)),
        (0x0800, ipv4(source, destination, datagram, fragment=0x2000)),     # first fragment
        (0x0800, ipv4(source, destination, datagram, fragment=0x0010)),     # a later fragment
        (0x0800, ipv4(source, "255.255.255.255", datagram)),
        (0x0800, ipv4("0.0.0.0", destination, datagram)),
        (0x0800, bytes([0x60]) + bytes(39)),                                # IPv6 version in an IPv4 frame
        (0x0806, b"\x00\x01\x08\x00\x06\x04\x00\x01"),                      # a truncated ARP request
        (0x0806, bytes(28)),                                                # ARP with hardware type 0
        (0x88b5, os.urandom(64)),                                           # an EtherType nobody listens to
    ]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    ours = s.getsockname()[4]
    sent = 0
    for ethertype, body in bodies:
        frame = bytes.fromhex(gateway_mac.replace(":", "")) + ours + struct.pack("!H", ethertype) + body
        s.send(frame.ljust(60, b"\0"))
        sent += 1
    for size in (14, 15, 59, 1514):                                         # bare and random frames
        s.send(bytes.fromhex(gateway_mac.replace(":", "")) + os.urandom(size - 6))
        sent += 1
    return {"sent": sent}

command, args = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps({"udp": udp, "tcp": tcp, "frames": frames}[command](**args)))
"""


@dataclass
class Firewall:
    abi: str
    namespaces: TwoSidedNamespaces
    process: subprocess.Popen
    console: str

    def run(self, namespace: str, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "netns", "exec", namespace, *argv], capture_output=True, text=True, timeout=timeout
        )

    def probe(self, namespace: str, command: str, **args: object) -> dict:
        result = self.run(namespace, sys.executable, "-c", with_checksum(PROBE), command, json.dumps(args))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def output(self) -> str:
        with open(self.console) as f:
            return f.read()

    def udp_passes(self, port: int, payload: bytes, timeout: float = NO_REPLY_TIMEOUT, **args: object) -> bool:
        reply = self.probe(
            self.namespaces.client, "udp", address=SERVER, port=port, payload=payload.hex(), timeout=timeout, **args
        )["reply"]
        return reply == payload.hex()

    def tcp_passes(self, port: int, payload: bytes, timeout: float = NO_REPLY_TIMEOUT) -> bool:
        return (
            self.probe(
                self.namespaces.client, "tcp", address=SERVER, port=port, payload=payload.hex(), timeout=timeout
            )["reply"]
            == payload.hex()
        )

    def assert_alive(self, after: str) -> None:
        """The positive check after a negative one: allowed UDP still passes within the same timeout."""
        assert self.process.poll() is None, f"the firewall stopped ({self.process.returncode}):\n{self.output()}"
        assert self.output().count("forwarding") == 1, f"the firewall restarted:\n{self.output()}"
        assert self.udp_passes(7, f"alive after {after}".encode()), (
            f"after {after}, allowed UDP no longer passes within {NO_REPLY_TIMEOUT}s, so the negative check proved "
            f"nothing:\n{self.output()}"
        )


def tender_command(abi: str, namespaces: TwoSidedNamespaces, *boot_args: str) -> List[str]:
    # A bare tap name is a tap for every tender and for the virtio runner alike.
    return [
        "ip",
        "netns",
        "exec",
        namespaces.router,
        TENDERS[abi],
        f"--net:inside_netif={namespaces.inside_tap}",
        f"--net:outside_netif={namespaces.outside_tap}",
        f"{IMAGE}.{abi}",
        *boot_args,
    ]


@contextmanager
def running_firewall(abi: str) -> Iterator[Firewall]:
    require_abi(abi)
    with ExitStack() as cleanup:
        namespaces = cleanup.enter_context(
            two_sided_namespaces(f"fw-{abi}", f"{CLIENT}/24", INSIDE, f"{SERVER}/24", OUTSIDE)
        )
        server = subprocess.Popen(
            ["ip", "netns", "exec", namespaces.server, sys.executable, "-c", SERVER_SCRIPT, "300"],
            stdout=subprocess.PIPE,
            text=True,
        )
        cleanup.callback(lambda: (server.kill(), server.wait(timeout=10)))
        assert server.stdout is not None and server.stdout.readline().strip() == "serving"
        command = tender_command(
            abi, namespaces, f"--inside.ipv4={INSIDE}/24", f"--outside.ipv4={OUTSIDE}/24", f"--rules={RULES}"
        )
        process, console = cleanup.enter_context(running_in_background(command, "forwarding", f"firewall-{abi}"))
        yield Firewall(abi, namespaces, process, console)


@pytest.fixture(scope="module", params=ABIS)
def firewall(request: pytest.FixtureRequest) -> Iterator[Firewall]:
    with running_firewall(request.param) as started:
        yield started


def test_the_firewall_reports_both_ports_and_its_rules(firewall: Firewall) -> None:
    output = firewall.output()
    assert f"firewall: inside {INSIDE}/24" in output and f"firewall: outside {OUTSIDE}/24" in output, output
    assert "firewall: 6 rules, default deny; forwarding" in output, output


def test_ping_passes_and_the_ttl_is_decremented(firewall: Firewall) -> None:
    ping = firewall.run(firewall.namespaces.client, "ping", "-c", "3", "-i", "0.2", "-W", "2", SERVER)
    assert ping.returncode == 0, ping.stdout + ping.stderr + firewall.output()
    # Linux answers with TTL 64; one hop through the firewall leaves 63.
    assert "ttl=63" in ping.stdout, ping.stdout


def test_allowed_udp_passes_and_denied_udp_does_not(firewall: Firewall) -> None:
    assert firewall.udp_passes(7, b"allowed udp", timeout=3.0), firewall.output()
    # The server echoes on port 9 too: only the rules keep the datagram from it.
    assert not firewall.udp_passes(9, b"denied udp")
    firewall.assert_alive("denied udp")


def test_allowed_tcp_connects_and_denied_tcp_does_not(firewall: Firewall) -> None:
    assert firewall.tcp_passes(8080, b"allowed tcp", timeout=3.0), firewall.output()
    assert not firewall.tcp_passes(8081, b"denied tcp")
    firewall.assert_alive("denied tcp")
    # No rule names port 5000 from the client: the default denies it (nothing listens there either, but a refusal
    # would come back as a reset, and none does).
    assert not firewall.tcp_passes(5000, b"default deny")
    firewall.assert_alive("default-denied tcp")


def test_a_datagram_beyond_both_links_has_no_route(firewall: Firewall) -> None:
    # The firewall routes only between its two links: 10.9.0.1 is on neither, so the datagram is dropped.
    reply = firewall.probe(
        firewall.namespaces.client, "udp", address="10.9.0.1", port=7, payload=b"x".hex(), timeout=NO_REPLY_TIMEOUT
    )["reply"]
    assert reply is None
    firewall.assert_alive("a datagram with no route")


def test_ttl_expiry_is_dropped(firewall: Firewall) -> None:
    assert not firewall.udp_passes(7, b"ttl one", ttl=1)
    firewall.assert_alive("a datagram with TTL 1")


@pytest.mark.parametrize("side", ["client", "server"])
def test_malformed_frames_on_either_side_do_not_stop_it(firewall: Firewall, side: str) -> None:
    namespace = getattr(firewall.namespaces, side)
    gateway = INSIDE if side == "client" else OUTSIDE
    source, destination = (CLIENT, SERVER) if side == "client" else (SERVER, CLIENT)
    # The firewall's MAC on this link, learnt by a ping of its address's neighbour entry.
    firewall.run(namespace, "ping", "-c", "1", "-W", "1", gateway)
    firewall.probe(firewall.namespaces.client, "udp", address=SERVER, port=7, payload=b"warm".hex(), timeout=3.0)
    neighbours = firewall.run(namespace, "ip", "neigh", "show", gateway, "dev", "eth0").stdout.split()
    assert "lladdr" in neighbours, f"no neighbour entry for the firewall at {gateway}: {neighbours}"
    mac = neighbours[neighbours.index("lladdr") + 1]
    for _ in range(3):
        assert firewall.probe(namespace, "frames", gateway_mac=mac, source=source, destination=destination)["sent"] > 0
    firewall.assert_alive(f"malformed frames from the {side} side")


@pytest.mark.parametrize("abi", ABIS)
def test_a_malformed_rule_is_a_boot_error_that_names_it(abi: str) -> None:
    require_abi(abi)
    with two_sided_namespaces(f"fw-bad-{abi}", f"{CLIENT}/24", INSIDE, f"{SERVER}/24", OUTSIDE) as namespaces:
        result = subprocess.run(
            tender_command(
                abi,
                namespaces,
                f"--inside.ipv4={INSIDE}/24",
                f"--outside.ipv4={OUTSIDE}/24",
                "--rules=allow icmp from any to any; allow udp frm any to any port 7",
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 64, result.stdout + result.stderr
    assert (
        'firewall: bad --rules or --default: rule 2 "allow udp frm any to any port 7": expected `from` after the '
        'protocol (found "frm")'
    ) in result.stdout + result.stderr


@pytest.mark.parametrize("abi", ["hvt"])
def test_overlapping_ports_and_a_bare_ipv4_key_are_refused(abi: str) -> None:
    require_abi(abi)
    with two_sided_namespaces(f"fw-keys-{abi}", f"{CLIENT}/24", INSIDE, f"{SERVER}/24", OUTSIDE) as namespaces:
        overlap = subprocess.run(
            tender_command(abi, namespaces, f"--inside.ipv4={INSIDE}/8", f"--outside.ipv4={OUTSIDE}/24"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        bare = subprocess.run(
            tender_command(abi, namespaces, f"--ipv4={INSIDE}/24"), capture_output=True, text=True, timeout=60
        )
    assert overlap.returncode == 64 and "--inside.ipv4 and --outside.ipv4 overlap" in overlap.stdout, overlap
    # With two ports, a bare `ipv4` would be ambiguous: it is not a key of this image.
    assert bare.returncode == 2 and "unknown key in boot argument `--ipv4=" in bare.stdout + bare.stderr, bare


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_the_tenders_attach_as_many_devices_as_the_manifest_holds_and_refuse_more(abi: str) -> None:
    require_abi(abi)
    nets = [f"--net:port{n}=tap{n}" for n in range(17)]
    result = subprocess.run([TENDERS[abi], *nets, f"{IMAGE}.{abi}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 125, result
    assert "bad option '--net:port16=tap16': more than 16 devices" in result.stderr, result.stderr


@pytest.mark.parametrize("abi", ABIS)
def test_a_port_without_its_host_resource_is_refused_by_name(abi: str) -> None:
    require_abi(abi)
    result = subprocess.run(
        [TENDERS[abi], "--net:inside_netif=tap0", f"{IMAGE}.{abi}"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "outside_netif" in result.stdout + result.stderr, result

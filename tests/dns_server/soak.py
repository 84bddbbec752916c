"""A DNS soak with faults, shared by build-support/benchmarks/dns_soak.py (60 s) and soak_test.py (5 s).

dnsperf asks the DNS unikernel on a tap in a network namespace as fast as it answers, with a query mix whose rcodes
are known, while a bounded, seeded stream of random and malformed Ethernet frames goes to the same guest from a raw
AF_PACKET socket on the namespace's side of the tap. dnsperf runs verbose, so every answer's rcode is checked
against the one its query must get. Standard library only: benchmarks run it outside Pants.
"""

from __future__ import annotations

import os
import random
import re
import socket
import statistics
import struct
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from benchmarks.bench_support import cpu_seconds
from dns_server.netns_sockets import packet_socket, udp_socket

GUEST_ADDRESS = "10.0.0.2"
HOST_ADDRESS = "10.0.0.1"
TAP = "tap0"

# The query mix, one dnsperf line each with the rcode its answer must carry: 6 NOERROR (answers, NODATA, a CNAME
# chain, a wildcard, a referral), 3 NXDOMAIN, 1 REFUSED.
MIX: List[Tuple[str, str, str]] = [
    ("www.example.org", "A", "NOERROR"),
    ("example.org", "SOA", "NOERROR"),
    ("www.example.org", "MX", "NOERROR"),
    ("docs.example.org", "A", "NOERROR"),
    ("anything.wild.example.org", "A", "NOERROR"),
    ("www.sub.example.org", "A", "NOERROR"),
    ("nonexistent.example.org", "A", "NXDOMAIN"),
    ("a.b.c.example.org", "AAAA", "NXDOMAIN"),
    ("nope.example.org", "TXT", "NXDOMAIN"),
    ("example.com", "A", "REFUSED"),
]


def write_query_file(folder: Path) -> Path:
    path = folder / "soak.queries"
    path.write_text("".join(f"{name} {rdtype}\n" for name, rdtype, _ in MIX))
    return path


def expected_shares() -> Dict[str, float]:
    counts = Counter(rcode for _, _, rcode in MIX)
    return {rcode: count / len(MIX) for rcode, count in counts.items()}


# --- frames ------------------------------------------------------------------------------------------------------


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4_address(text: str) -> bytes:
    return socket.inet_aton(text)


class FrameMaker:
    """Random and malformed frames for one guest, from a seeded RNG: the same seed gives the same frames."""

    KINDS = ("random", "ethertype", "arp", "ipv4", "udp", "dns", "icmp")

    def __init__(self, rng: random.Random, guest_mac: bytes, host_mac: bytes) -> None:
        self.rng = rng
        self.guest_mac = guest_mac
        self.host_mac = host_mac
        self.valid_query = bytes.fromhex("abcd01000001000000000000") + b"\x03www\x07example\x03org\x00\x00\x01\x00\x01"

    def octets(self, count: int) -> bytes:
        return bytes(self.rng.getrandbits(8) for _ in range(count))

    def destination(self) -> bytes:
        return self.rng.choice([self.guest_mac, self.guest_mac, b"\xff" * 6, self.octets(6)])

    def ethernet(self, ethertype: int, payload: bytes) -> bytes:
        return (
            self.destination()
            + self.rng.choice([self.host_mac, self.octets(6)])
            + struct.pack("!H", ethertype)
            + payload
        )

    def source_address(self) -> bytes:
        # Mostly the host (its kernel answers with port unreachable), sometimes unresolvable or off-link senders.
        return self.rng.choice(
            [ipv4_address(HOST_ADDRESS)] * 3 + [bytes([10, 0, 0, self.rng.randrange(3, 255)]), self.octets(4)]
        )

    def ipv4(self, protocol: int, payload: bytes) -> bytes:
        rng = self.rng
        version_ihl = rng.choice([0x45, 0x45, 0x45, 0x46, 0x44, 0x4F, 0x65, rng.getrandbits(8)])
        total = 20 + len(payload)
        total = rng.choice([total, total, total, rng.randrange(0, 65536), max(0, total - rng.randrange(1, 30))])
        flags_fragment = rng.choice([0, 0, 0x4000, 0x2000, rng.getrandbits(16)])
        header = struct.pack(
            "!BBHHHBBH4s4s",
            version_ihl,
            0,
            total,
            rng.getrandbits(16),
            flags_fragment,
            rng.choice([64, 1, 0]),
            protocol,
            0,
            self.source_address(),
            rng.choice([ipv4_address(GUEST_ADDRESS)] * 4 + [self.octets(4)]),
        )
        good = checksum(header)
        header = header[:10] + struct.pack("!H", rng.choice([good, good, good, rng.getrandbits(16)])) + header[12:]
        return self.ethernet(0x0800, header + payload)

    def udp(self, destination_port: int, payload: bytes) -> bytes:
        rng = self.rng
        length = rng.choice([8 + len(payload)] * 3 + [rng.randrange(0, 65536), rng.randrange(0, 8)])
        segment = struct.pack("!HHHH", rng.randrange(1024, 65536), destination_port, length, 0) + payload
        pseudo = ipv4_address(HOST_ADDRESS) + ipv4_address(GUEST_ADDRESS) + struct.pack("!BBH", 0, 17, len(segment))
        good = checksum(pseudo + segment) or 0xFFFF
        segment = segment[:6] + struct.pack("!H", rng.choice([good, good, 0, rng.getrandbits(16)])) + segment[8:]
        return self.ipv4(17, segment)

    def malformed_dns(self) -> bytes:
        rng = self.rng
        packet = bytearray(self.valid_query if rng.random() < 0.7 else self.octets(rng.randrange(0, 80)))
        for _ in range(rng.randrange(0, 6)):
            if packet:
                packet[rng.randrange(len(packet))] = rng.getrandbits(8)
        if packet and rng.random() < 0.3:
            del packet[rng.randrange(len(packet)) :]
        return bytes(packet)

    def frame(self) -> Tuple[str, bytes]:
        kind = self.rng.choice(self.KINDS)
        return kind, self.frame_of_kind(kind)

    def frame_of_kind(self, kind: str) -> bytes:
        rng = self.rng
        if kind == "random":
            return self.octets(rng.randrange(14, 1515))
        if kind == "ethertype":
            ethertype = rng.choice([0, 0x0800, 0x0806, 0x86DD, 0x8100, rng.getrandbits(16)])
            return self.ethernet(ethertype, self.octets(rng.randrange(0, 1501)))
        if kind == "arp":
            arp = struct.pack(
                "!HHBBH",
                rng.choice([1, 1, rng.getrandbits(16)]),
                rng.choice([0x0800, 0x0800, 0]),
                rng.choice([6, 6, 0, 255]),
                rng.choice([4, 4, 0, 255]),
                rng.choice([1, 2, 0, 7]),
            )
            # Any sender but the client's own address with a foreign MAC: that would be ARP cache poisoning, which
            # RFC 826's merge step accepts by design (answers then go to the forged MAC), not a malformed frame.
            sender = self.source_address()
            sender_mac = self.host_mac if sender == ipv4_address(HOST_ADDRESS) else self.octets(6)
            arp += sender_mac + sender + self.octets(6) + ipv4_address(GUEST_ADDRESS)
            return self.ethernet(0x0806, arp[: rng.randrange(0, len(arp) + 1)] if rng.random() < 0.4 else arp)
        if kind == "ipv4":
            return self.ipv4(rng.choice([0, 0, 6, 17, 1, rng.getrandbits(8)]), self.octets(rng.randrange(0, 1481)))
        if kind == "udp":
            return self.udp(rng.choice([0, 53, 53, rng.getrandbits(16)]), self.octets(rng.randrange(0, 600)))
        if kind == "dns":
            return self.udp(53, self.malformed_dns())
        icmp_body = struct.pack("!BBHHH", rng.choice([8, 8, 0, 3, rng.getrandbits(8)]), 0, 0, 1, 1) + self.octets(
            rng.randrange(0, 1400)
        )
        if rng.random() < 0.7:
            icmp_body = icmp_body[:2] + struct.pack("!H", checksum(icmp_body)) + icmp_body[4:]
        return self.ipv4(1, icmp_body)


@dataclass
class Injection:
    seed: int
    rate: float  # frames per second, at most
    count: int  # frames in all, at most
    sent: int = 0
    send_errors: int = 0
    kinds: Counter = field(default_factory=Counter)


def inject(
    sock: socket.socket, maker: FrameMaker, injection: Injection, stop: threading.Event, cpu: Optional[int]
) -> None:
    """Sends up to `injection.count` frames at up to `injection.rate` per second, until `stop` is set."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})  # this thread only
    interval = 1.0 / injection.rate
    start = time.monotonic()
    while injection.sent + injection.send_errors < injection.count and not stop.is_set():
        kind, frame = maker.frame()
        injection.kinds[kind] += 1
        try:
            sock.send(frame)
            injection.sent += 1
        except OSError:
            injection.send_errors += 1  # e.g. a frame the kernel refuses to send; counted, not fatal
        due = start + (injection.sent + injection.send_errors) * interval
        pause = due - time.monotonic()
        if pause > 0:
            stop.wait(pause)


# --- the server and dnsperf --------------------------------------------------------------------------------------


def netns_run(namespace: str, *command: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, *command], check=True, capture_output=True, text=True, timeout=20
    ).stdout


def start_hvt_server(namespace: str, tender: str, image: str, cpu: Optional[int]) -> subprocess.Popen:
    """The DNS image in the hvt tender on the namespace's tap, pinned to `cpu`; returns once it has said so."""
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    process = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            namespace,
            *pin,
            tender,
            f"--net:stack_netif={TAP}",
            image,
            f"--ipv4={GUEST_ADDRESS}/24",
            "--port=53",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    banner = process.stdout.readline()
    if not banner.startswith("dns: serving example.org."):
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"the DNS server did not start: {banner}")
    return process


def ask_soa(namespace: str, timeout: float) -> Optional[int]:
    """One SOA query from inside the namespace; the rcode of the answer, or None when none came in time."""
    sock = udp_socket(namespace)
    try:
        identity = random.getrandbits(16)
        query = struct.pack("!HHHHHH", identity, 0x0100, 1, 0, 0, 0) + b"\x07example\x03org\x00\x00\x06\x00\x01"
        sock.sendto(query, (GUEST_ADDRESS, 53))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                answer = sock.recv(4096)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            if len(answer) >= 12 and struct.unpack_from("!H", answer)[0] == identity:
                return answer[3] & 0xF
        return None
    finally:
        sock.close()


def wait_until_answering(namespace: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ask_soa(namespace, 0.5) == 0:
            return
    raise AssertionError(f"the DNS server on {GUEST_ADDRESS} did not answer within {seconds} s")


def mac_of(namespace: str, *command: str) -> bytes:
    match = re.search(r"([0-9a-f]{2}(?::[0-9a-f]{2}){5})", netns_run(namespace, *command))
    if match is None:
        raise AssertionError(f"no MAC address in the output of {' '.join(command)}")
    return bytes.fromhex(match.group(1).replace(":", ""))


@dataclass
class SoakResult:
    seconds: float
    sent: int
    completed: int
    lost: int
    qps: float
    latency_p50_ms: float
    latency_p99_ms: float
    rcodes: Dict[str, int]  # from dnsperf's summary
    per_answer_rcodes: Counter  # counted from the verbose lines
    wrong_answers: List[str]  # "name type: got X, expected Y", at most a few
    wrong_answer_count: int
    intervals_qps: List[float]  # dnsperf's per-second rate
    injection: Injection
    server_cpu_seconds: float
    alive_after: bool

    def rcode_problems(self, clients: int) -> List[str]:
        """Where the rcode counts do not match the query mix: each rcode's share of what was sent, give or take
        what was lost and one pass of the mix per client (dnsperf's cycle boundaries)."""
        problems = []
        shares = expected_shares()
        slack = self.lost + clients * len(MIX)
        for rcode in sorted(set(shares) | set(self.rcodes)):
            expected = self.sent * shares.get(rcode, 0.0)
            got = self.rcodes.get(rcode, 0)
            if not expected - slack <= got <= expected + clients * len(MIX):
                problems.append(
                    f"{rcode}: {got} answers, expected {expected:.0f} (within -{slack}/+{clients * len(MIX)})"
                )
        if dict(self.per_answer_rcodes) != self.rcodes:
            problems.append(f"the verbose lines count {dict(self.per_answer_rcodes)}, the summary {self.rcodes}")
        return problems

    def report(self) -> str:
        rcodes = ", ".join(f"{rcode} {count}" for rcode, count in sorted(self.rcodes.items()))
        per_cpu = self.completed / self.server_cpu_seconds if self.server_cpu_seconds > 0 else float("nan")
        return "\n".join(
            [
                f"queries: {self.sent} sent, {self.completed} answered, {self.lost} lost (timeouts, "
                f"{100.0 * self.lost / max(self.sent, 1):.3f}%)",
                f"rate: {self.qps:.0f} q/s; latency p50 {self.latency_p50_ms:.3f} ms, p99 {self.latency_p99_ms:.3f} ms",
                f"per-second q/s: min {min(self.intervals_qps, default=0):.0f}, "
                f"max {max(self.intervals_qps, default=0):.0f} over {len(self.intervals_qps)} intervals",
                f"rcodes: {rcodes}; wrong rcodes: {self.wrong_answer_count}",
                f"server CPU: {self.server_cpu_seconds:.2f} s, {per_cpu:.0f} answered queries per server CPU-second",
                f"frames injected: {self.injection.sent} (+{self.injection.send_errors} refused by the kernel), seed "
                f"{self.injection.seed}, at most {self.injection.rate:.0f}/s; "
                f"kinds {dict(sorted(self.injection.kinds.items()))}",
                f"server alive after: {self.alive_after}",
            ]
        )


def parse_dnsperf(output: str) -> Tuple[int, int, int, float, Dict[str, int], List[float]]:
    def number(pattern: str) -> str:
        match = re.search(pattern, output)
        if match is None:
            raise AssertionError(f"dnsperf printed no '{pattern}':\n{output[-3000:]}")
        return match.group(1)

    sent = int(number(r"Queries sent:\s+(\d+)"))
    completed = int(number(r"Queries completed:\s+(\d+)"))
    lost = int(number(r"Queries lost:\s+(\d+)"))
    qps = float(number(r"Queries per second:\s+([\d.]+)"))
    rcodes_line = re.search(r"Response codes:\s+(.*)", output)
    rcodes = (
        {name: int(count) for name, count in re.findall(r"(\w+) (\d+) \(", rcodes_line.group(1))} if rcodes_line else {}
    )
    intervals = [float(value) for value in re.findall(r"^\d+\.\d+: ([\d.]+)$", output, re.MULTILINE)]
    return sent, completed, lost, qps, rcodes, intervals


def run_soak(
    namespace: str,
    server_pid: int,
    folder: Path,
    seconds: int,
    seed: int,
    frame_rate: float,
    frame_count: int,
    clients: int = 4,
    outstanding: int = 200,
    dnsperf_cpu: Optional[int] = None,
) -> SoakResult:
    """dnsperf for `seconds` against the server at GUEST_ADDRESS while frames are injected; the server must have
    answered once already (so the namespace has its MAC)."""
    queries = write_query_file(folder)
    expected = {(name.lower(), rdtype): rcode for name, rdtype, rcode in MIX}
    guest_mac = mac_of(namespace, "ip", "neigh", "show", GUEST_ADDRESS, "dev", TAP)
    host_mac = mac_of(namespace, "ip", "link", "show", TAP)
    injection = Injection(seed=seed, rate=frame_rate, count=frame_count)
    maker = FrameMaker(random.Random(seed), guest_mac, host_mac)
    raw = packet_socket(namespace, TAP)
    stop = threading.Event()
    injector = threading.Thread(target=inject, args=(raw, maker, injection, stop, dnsperf_cpu), daemon=True)
    pin = ["taskset", "-c", str(dnsperf_cpu)] if dnsperf_cpu is not None else []
    output_path = folder / "dnsperf.out"
    cpu_before = cpu_seconds([server_pid])
    injector.start()
    try:
        with output_path.open("w") as output:
            subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    namespace,
                    *pin,
                    "dnsperf",
                    "-s",
                    GUEST_ADDRESS,
                    "-p",
                    "53",
                    "-d",
                    str(queries),
                    "-l",
                    str(seconds),
                    "-c",
                    str(clients),
                    "-T",
                    "1",
                    "-q",
                    str(outstanding),
                    "-t",
                    "2",
                    "-S",
                    "1",
                    "-v",
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=seconds + 30,
            )
    finally:
        stop.set()
        injector.join(timeout=10)
        raw.close()
    server_cpu = cpu_seconds([server_pid]) - cpu_before
    alive = ask_soa(namespace, 2.0) == 0
    latencies: List[float] = []
    per_answer: Counter = Counter()
    wrong: List[str] = []
    wrong_count = 0
    summary_lines: List[str] = []
    with output_path.open() as lines:
        for line in lines:
            if line.startswith("> "):
                parts = line.split()
                if len(parts) != 5:
                    summary_lines.append(line)
                    continue
                _, rcode, name, rdtype, latency = parts
                per_answer[rcode] += 1
                latencies.append(float(latency))
                want = expected.get((name.lower(), rdtype))
                if rcode != want:
                    wrong_count += 1
                    if len(wrong) < 5:
                        wrong.append(f"{name} {rdtype}: got {rcode}, expected {want}")
            else:
                summary_lines.append(line)
    sent, completed, lost, qps, rcodes, intervals = parse_dnsperf("".join(summary_lines))
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 100 else [float("nan")] * 99
    return SoakResult(
        seconds=seconds,
        sent=sent,
        completed=completed,
        lost=lost,
        qps=qps,
        latency_p50_ms=cuts[49] * 1000,
        latency_p99_ms=cuts[98] * 1000,
        rcodes=rcodes,
        per_answer_rcodes=per_answer,
        wrong_answers=wrong,
        wrong_answer_count=wrong_count,
        intervals_qps=intervals,
        injection=injection,
        server_cpu_seconds=server_cpu,
        alive_after=alive,
    )

#!/usr/bin/env python3
"""Benchmark: packets per second examples/firewall (hvt) forwards, beside Linux forwarding the same traffic.

    build-support/benchmarks/firewall_pps.py [--rounds 5] [--packets 200000]

Needs root, KVM and network namespaces. A client and a server namespace sit on two links (tests/netns.py's
two_sided_namespaces); between them, in turn, the firewall on hvt (its two taps bridged to the links) and Linux
(the same bridges given the firewall's addresses, ip_forward on). Each round floods a bounded count of 64-byte UDP
datagrams from the client to a counting receiver in the server namespace, rounds interleaved so drift hits both
rows alike. Sender and receiver are pinned to CPU 0, the tender to CPU 1 (taskset); Linux forwards in the
sender's softirq on CPU 0, which no pinning can move. Printed per row: the median and spread of received packets
per second (first to last arrival) and the loss, and packets per CPU-second of the forwarder: the tender's
user + system time (guest time included) for the firewall; for Linux, whose forwarding runs as softirq work
charged to whichever task is on the CPU, the machine's system + irq + softirq time over the flood: an upper bound
that includes the sender's and the receiver's kernel work, so Linux's figure there is a lower bound.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build-support"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import cpu_seconds  # noqa: E402

from netns import TwoSidedNamespaces, two_sided_namespaces  # noqa: E402
from probes.kvm import kvm_problem  # noqa: E402

INSIDE, OUTSIDE = "10.1.0.1", "10.2.0.1"  # the forwarder's addresses on the two links
CLIENT, SERVER = "10.1.0.2", "10.2.0.2"
PORT = 9
RULES = f"allow icmp from any to any; allow udp from 10.1.0.0/24 to {SERVER} port {PORT}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# In the server namespace: count datagrams until `idle` seconds pass without one after the first; print JSON.
RECEIVER = r"""
import json, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
s.settimeout(30.0)
count, first, last = 0, None, None
try:
    while True:
        s.recv(2048)
        last = time.monotonic()
        if first is None:
            first = last
            s.settimeout(1.0)
        count += 1
except socket.timeout:
    pass
print(json.dumps({"count": count, "seconds": (last - first) if count > 1 else 0.0}))
"""

# In the client namespace: send `count` datagrams of 64 bytes as fast as one socket can; print JSON.
SENDER = r"""
import json, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
address, payload = (sys.argv[1], int(sys.argv[2])), bytes(64)
errors = 0
for _ in range(int(sys.argv[3])):
    try:
        s.sendto(payload, address)
    except OSError:
        errors += 1
print(json.dumps({"errors": errors}))
"""


@dataclass
class Round:
    pps: float
    received: int
    forwarder_cpu: float


def measured(result: Dict[str, float], cpu: float) -> Round:
    if result["count"] < 2 or result["seconds"] <= 0:
        sys.exit(f"the receiver got {result['count']} datagrams: nothing was forwarded")
    return Round(result["count"] / result["seconds"], int(result["count"]), cpu)


def in_namespace(namespace: str, cpu: int, *argv: str) -> List[str]:
    return ["ip", "netns", "exec", namespace, "taskset", "-c", str(cpu), *argv]


def machine_kernel_seconds() -> float:
    """System + irq + softirq time of all CPUs, from /proc/stat."""
    fields = open("/proc/stat").readline().split()
    return (int(fields[3]) + int(fields[6]) + int(fields[7])) / CLOCK_TICKS


def flood(ns: TwoSidedNamespaces, packets: int) -> Dict[str, float]:
    receiver = subprocess.Popen(in_namespace(ns.server, 0, sys.executable, "-c", RECEIVER, str(PORT)),
                                stdout=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None and receiver.stdout.readline().strip() == "ready"
        sender = subprocess.run(in_namespace(ns.client, 0, sys.executable, "-c", SENDER, SERVER, str(PORT),
                                             str(packets)), capture_output=True, text=True, timeout=300, check=True)
        out, _ = receiver.communicate(timeout=60)
    finally:
        if receiver.poll() is None:
            receiver.kill()
            receiver.wait()
    received = json.loads(out.strip().splitlines()[-1])
    sent = json.loads(sender.stdout)
    if sent["errors"]:
        print(f"    ({sent['errors']} sends failed)")
    return received


def warm_up(ns: TwoSidedNamespaces) -> None:
    """Resolve the neighbours on both links before timing (a ping through the forwarder)."""
    for _ in range(50):
        ping = subprocess.run(["ip", "netns", "exec", ns.client, "ping", "-c", "1", "-W", "1", SERVER],
                              capture_output=True)
        if ping.returncode == 0:
            return
        time.sleep(0.1)
    sys.exit("the forwarder does not pass ping from the client to the server")


def flush_neighbours(ns: TwoSidedNamespaces) -> None:
    for namespace in (ns.client, ns.server):
        subprocess.run(["ip", "netns", "exec", namespace, "ip", "neigh", "flush", "all"], check=True)


def firewall_round(ns: TwoSidedNamespaces, packets: int) -> Round:
    flush_neighbours(ns)
    tender = subprocess.Popen(
        in_namespace(ns.router, 1, str(REPO / "dist/targets.hvt.tender/tender"), "--net:inside_netif=tap0",
                     "--net:outside_netif=tap1", str(REPO / "dist/examples.firewall/image.hvt"),
                     f"--inside.ipv4={INSIDE}/24", f"--outside.ipv4={OUTSIDE}/24", f"--rules={RULES}"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert tender.stdout is not None
        line = tender.stdout.readline()
        while line and "forwarding" not in line:
            line = tender.stdout.readline()
        if not line:
            sys.exit(f"the firewall did not start: {tender.wait()}")
        warm_up(ns)
        before = cpu_seconds([tender.pid])
        result = flood(ns, packets)
        # The tender's time over the flood (the receiver's idle second adds only idle waiting).
        cpu = cpu_seconds([tender.pid]) - before
    finally:
        tender.kill()
        tender.wait()
    return measured(result, cpu)


def linux_round(ns: TwoSidedNamespaces, packets: int) -> Round:
    flush_neighbours(ns)
    setup = [["ip", "address", "add", f"{INSIDE}/24", "dev", "br0"], ["ip", "address", "add", f"{OUTSIDE}/24",
             "dev", "br1"], ["sysctl", "-qw", "net.ipv4.ip_forward=1"]]
    teardown = [["sysctl", "-qw", "net.ipv4.ip_forward=0"], ["ip", "address", "flush", "dev", "br0"],
                ["ip", "address", "flush", "dev", "br1"]]
    for command in setup:
        subprocess.run(["ip", "netns", "exec", ns.router, *command], check=True)
    try:
        warm_up(ns)
        before = machine_kernel_seconds()
        result = flood(ns, packets)
        cpu = machine_kernel_seconds() - before
    finally:
        for command in teardown:
            subprocess.run(["ip", "netns", "exec", ns.router, *command], check=False)
    return measured(result, cpu)


def summary(name: str, rounds: Sequence[Round], packets: int) -> float:
    rates = [r.pps for r in rounds]
    median = statistics.median(rates)
    per_cpu = [r.received / r.forwarder_cpu for r in rounds if r.forwarder_cpu > 0]
    loss = 1 - statistics.median(r.received for r in rounds) / packets
    print(f"{name:<22} {median:>10,.0f} pps  (min {min(rates):,.0f}, max {max(rates):,.0f})  loss {loss:6.1%}  "
          + (f"{statistics.median(per_cpu):>10,.0f} packets per forwarder CPU-second" if per_cpu else "cpu: n/a"))
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--packets", type=int, default=200000, help="datagrams sent per round (bounded flood)")
    parser.add_argument("--no-build", action="store_true", help="use the images already in dist/")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("firewall_pps.py needs root (network namespaces, taps)")
    problem = kvm_problem()
    if problem:
        sys.exit(f"firewall_pps.py needs KVM for the hvt firewall: {problem}")
    if os.cpu_count() is None or os.cpu_count() < 2:
        sys.exit("firewall_pps.py pins the sender and the forwarder to different CPUs: it needs two")
    if not args.no_build:
        subprocess.run([str(REPO / "pants"), "package", "examples/firewall:image@abi=hvt", "targets/hvt/tender"],
                       cwd=REPO, check=True)
    results: Dict[str, List[Round]] = {"firewall (hvt)": [], "linux ip_forward": []}
    with two_sided_namespaces("fw-bench", f"{CLIENT}/24", INSIDE, f"{SERVER}/24", OUTSIDE) as ns:
        for number in range(args.rounds):
            # Alternate which row goes first, so warming caches or drifting clocks favour neither.
            order = [("firewall (hvt)", firewall_round), ("linux ip_forward", linux_round)]
            for name, run in order if number % 2 == 0 else reversed(order):
                round_result = run(ns, args.packets)
                results[name].append(round_result)
                print(f"  round {number + 1} {name:<18} {round_result.pps:>10,.0f} pps  "
                      f"{round_result.received:>8} received  forwarder cpu {round_result.forwarder_cpu:.2f} s",
                      flush=True)
    print(f"\n{args.packets} UDP datagrams of 64 bytes per round, {args.rounds} rounds, sender and receiver on "
          "CPU 0, tender on CPU 1")
    firewall = summary("firewall (hvt)", results["firewall (hvt)"], args.packets)
    linux = summary("linux ip_forward", results["linux ip_forward"], args.packets)
    print(f"firewall / linux: {firewall / linux:.2f}x")


if __name__ == "__main__":
    main()

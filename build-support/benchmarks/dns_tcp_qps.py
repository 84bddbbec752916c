#!/usr/bin/env python3
"""Benchmark: DNS over TCP, queries per second and per server CPU-second, our DNS unikernel against NSD.

    build-support/benchmarks/dns_tcp_qps.py [--rounds 5] [--seconds 8] [--clients 4] [--abis unix,hvt] [--no-package]

Packages examples/dns for unix (host sockets) and for the freestanding ABIs --abis names (hvt, spt, virtio: the
direct stack on a tap in a network namespace this script creates and removes), and runs NSD (one server process,
rate limiting off, minimal responses) twice as dns_qps.py does: on loopback, the unix row's comparison, and in a
namespace reached through a veth pair, the tap rows' comparison, every server serving examples/dns/example.org.zone.
Each server (its process tree: the tender, QEMU, NSD's processes) is pinned to one core with dnsperf on another
(taskset). dnsperf runs in TCP mode (`-m tcp`): --clients connections, its default 100 queries outstanding
pipelined over them, the differential query corpus (tests/dns_server/queries.txt) as its query file. Rounds
interleave all rows, in an order reversed on alternate rounds. The table gives the median and the spread (min-max)
over rounds of:
  q/s          dnsperf's answered queries per second;
  q/CPU-s      answered queries per CPU-second of the server's processes (user + system from /proc/PID/stat);
  x NSD        the same ratio to the comparable NSD row's figure of the same round.
With unix alone it needs no root (everything on 127.0.0.1); a tap row does.

Measured (2026-12-03, 2 cores shared with other work, unix only): NSD 50,450 q/s (32,953-63,141), 77,063 q/CPU-s;
ours 92,251 q/s (83,402-106,358), 136,047 q/CPU-s; ours / NSD 1.82x q/s (1.48-3.23), 1.83x q/CPU-s; no query lost.
With `--abis unix,hvt` (same day, 5 rounds, load average 2.0 at the start): NSD on the veth 41,816 q/s
(33,977-44,408), 56,596 q/CPU-s; hvt on the tap 123,279 q/s (108,226-143,954), 161,049 q/CPU-s; hvt / NSD 3.09x q/s
(2.78-3.44), 2.97x q/CPU-s (2.66-3.21); unix / NSD on loopback 2.10x q/s (1.63-2.71), 2.12x q/CPU-s; no query lost.
Under load average 4-6 from other work: hvt / NSD 3.93x q/s (3.52-6.76), 3.10x q/CPU-s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "build-support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import cpu_seconds, dnsperf, machine_line, parse_dnsperf_summary, pinned  # noqa: E402
from bench_support import process_tree, server_and_client_cores  # noqa: E402
from dns_qps import BOOTERS, Row, nsd, package_dns_images, query_file, spread, start_rows, started  # noqa: E402
from dns_server.servers import free_port, wait_until_answering  # noqa: E402

# issue 11: DNS over TCP at least as fast as NSD on unix, and half as fast on hvt
GOALS = {"unix sockets": 1.0, "hvt tap": 0.5}


def measure(row: Row, queries: Path, seconds: int, clients: int, client_cpu: Optional[int]) -> None:
    tree = process_tree(row.pid)
    before = cpu_seconds(tree)
    output = dnsperf(pinned(client_cpu, row.prefix), row.address, row.port, queries, seconds,
                     ("-m", "tcp", "-c", str(clients)))
    summary = parse_dnsperf_summary(output)
    used = cpu_seconds(tree) - before
    row.qps.append(summary.qps)
    row.per_cpu.append(summary.completed / used if used > 0 else float("nan"))
    row.lost += summary.lost
    print(f"  {row.label:<13} {summary.qps:>9.0f} q/s  {row.per_cpu[-1]:>9.0f} q/CPU-s  lost {summary.lost}",
          flush=True)


def loopback_rows(stack: ExitStack, server_cpu: Optional[int]) -> List[Row]:
    """NSD and the unix image on 127.0.0.1 only: dns_qps.start_rows without its veth pair, so no root is needed."""
    port = free_port()
    process = stack.enter_context(nsd(pinned(server_cpu, []), "127.0.0.1", port))
    wait_until_answering(port, process)
    rows = [Row("nsd loopback", None, [], "127.0.0.1", port, process.pid)]
    port = free_port()
    image = str(REPO / "dist/examples.dns/image.unix")
    process = stack.enter_context(started(pinned(server_cpu, [image, f"--port={port}"]), "dns: serving"))
    return [*rows, Row("unix sockets", "nsd loopback", [], "127.0.0.1", port, process.pid)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds over every row (default 5)")
    parser.add_argument("--seconds", type=int, default=8, help="dnsperf's run per row and round (default 8)")
    parser.add_argument("--clients", type=int, default=4, help="dnsperf's TCP connections (default 4)")
    parser.add_argument("--abis", default="unix", help="our rows: unix, hvt, spt, virtio (default unix)")
    parser.add_argument("--no-package", action="store_true", help="use the images already in dist/")
    args = parser.parse_args()
    abis = [abi for abi in args.abis.split(",") if abi]
    unknown = sorted(set(abis) - {"unix", *BOOTERS})
    if unknown or not 1 <= args.rounds <= 50 or not 1 <= args.seconds <= 300 or not 1 <= args.clients <= 256:
        parser.error(f"--abis takes unix, hvt, spt, virtio (not {unknown}); --rounds 1-50; --seconds 1-300; "
                     "--clients 1-256")
    if set(abis) - {"unix"} and os.geteuid() != 0:
        sys.exit("dns_tcp_qps: a tap row needs root (network namespaces, tap and veth); run it with sudo")
    os.chdir(REPO)
    if not args.no_package:
        package_dns_images(abis)
    server_cpu, client_cpu = server_and_client_cores()
    print(f"machine: {machine_line()}; load average {os.getloadavg()[0]:.2f}; servers on core {server_cpu}, "
          f"dnsperf on core {client_cpu}")
    print(f"dnsperf -m tcp -c {args.clients} -l {args.seconds} (one thread), {args.rounds} rounds")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        queries = query_file(Path(scratch))
        rows = start_rows(stack, abis, server_cpu) if set(abis) - {"unix"} else loopback_rows(stack, server_cpu)
        time.sleep(0.5)
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}", flush=True)
            for row in rows if round_number % 2 == 0 else list(reversed(rows)):
                measure(row, queries, args.seconds, args.clients, client_cpu)
    by_label = {row.label: row for row in rows}
    print(f"\n{'row':<13} {'q/s':>24} {'x NSD':>17} {'q/CPU-s':>24} {'x NSD':>17} {'lost':>6}")
    for row in rows:
        baseline = by_label[row.baseline] if row.baseline else row
        qps_ratio = [a / b for a, b in zip(row.qps, baseline.qps)]
        cpu_ratio = [a / b for a, b in zip(row.per_cpu, baseline.per_cpu)]
        print(f"{row.label:<13} {spread(row.qps):>24} {spread(qps_ratio, 2):>17} {spread(row.per_cpu):>24} "
              f"{spread(cpu_ratio, 2):>17} {row.lost:>6}")
    print("(median (min-max) over rounds; x NSD against nsd loopback for unix, nsd veth for the tap rows)")
    for label, goal in GOALS.items():
        if label in by_label:
            row = by_label[label]
            baseline = by_label[row.baseline or label]
            value = statistics.median([a / b for a, b in zip(row.qps, baseline.qps)])
            print(f"goal {label} q/s >= {goal}x NSD over TCP: {value:.2f}x, {'met' if value >= goal else 'MISSED'}")


if __name__ == "__main__":
    main()

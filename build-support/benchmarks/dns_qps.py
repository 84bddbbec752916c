#!/usr/bin/env python3
"""Benchmark: DNS queries per second, queries per server CPU-second and latency of our DNS unikernel against NSD.

    build-support/benchmarks/dns_qps.py [--rounds 3] [--seconds 8] [--abis unix,hvt,spt,virtio] [--no-package]

As root. Packages examples/dns for unix (host sockets), hvt, spt and virtio (direct stack on a tap in a network
namespace this script creates and removes; hvt and virtio only where /dev/kvm works, virtio under QEMU with KVM), and
runs NSD (one server process, rate limiting off, minimal responses) twice: on loopback, the unix row's comparison,
and in a namespace reached through a veth pair, the comparison for the tap rows, so each ratio compares like paths.

Every server (its threads and children: the tender, QEMU, NSD's processes) runs on one core and dnsperf on another,
with taskset. dnsperf uses its one-thread defaults with 4 clients (DNSPERF_LOAD) for --seconds. Every round runs each
row once, in an order reversed on alternate rounds, ours and NSD's interleaved;
the table gives the median and the spread (min-max) over rounds of:
  q/s          dnsperf's answered queries per second;
  q/CPU-s      answered queries per CPU-second of the serving process tree (user + system from /proc/PID/stat,
               guest time included, all threads), the efficiency that q/s hides when the client is the bottleneck;
  x NSD        the same ratio to the comparable NSD row of the same round;
  avg ms       dnsperf's average latency at saturation;
  p50 / p99    latency percentiles from a second dnsperf pass offered LATENCY_QPS queries/s (dnsperf -v).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "build-support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import (  # noqa: E402
    SERVER_ADDRESS, cpu_seconds, dnsperf, latency_percentiles_ms, machine_line, netns_exec, parse_dnsperf_summary,
    pinned, process_tree, server_and_client_cores, tap_namespace, veth_namespaces,
)
from dns_server.servers import free_udp_port, wait_until_answering as wait_until_loopback_answers  # noqa: E402
from dns_server.servers import write_nsd_config  # noqa: E402
from dns_server.soak import wait_until_answering  # noqa: E402
from probes.kvm import kvm_problem  # noqa: E402

QUERIES = REPO / "tests/dns_server/queries.txt"
# dnsperf's defaults: one thread, 4 clients (sockets), 100 queries outstanding. The earlier figures used
# -T 4 -q 500: four client threads then fought the server for two cores, and the rates measured the scheduler.
DNSPERF_LOAD = ("-c", "4")
LATENCY_QPS = 20000
LATENCY_SECONDS = 2

# How each freestanding ABI's image is started on a tap: the program, its options, and whether it needs KVM.
BOOTERS = {
    "hvt": (["dist/targets.hvt.tender/tender"], True),
    "spt": (["dist/targets.spt.tender/tender"], False),
    "virtio": (["dist/targets.virtio.runner/runner", "--accel=kvm"], True),
}


@dataclass
class Row:
    label: str
    baseline: Optional[str]  # the NSD row this row's ratios use; None for NSD's rows
    prefix: List[str]  # how dnsperf reaches the server (a namespace), before the client core's taskset
    address: str
    port: int
    pid: int
    qps: List[float] = field(default_factory=list)
    per_cpu: List[float] = field(default_factory=list)
    core_share: List[float] = field(default_factory=list)
    average_ms: List[float] = field(default_factory=list)
    p50: List[float] = field(default_factory=list)
    p99: List[float] = field(default_factory=list)
    lost: int = 0


def package_dns_images(abis: Sequence[str]) -> None:
    """`./pants package` the DNS image for each ABI and the tender or runner that boots it (from the repository)."""
    targets = [f"examples/dns:image@abi={abi}" for abi in abis]
    targets += [t for abi, t in (("hvt", "targets/hvt/tender"), ("spt", "targets/spt/tender"),
                                 ("virtio", "targets/virtio/runner")) if abi in abis]
    subprocess.run(["./pants", "package", *targets], check=True, capture_output=True)


def query_file(folder: Path) -> Path:
    lines = [line for line in QUERIES.read_text().splitlines() if line and not line.startswith("#")]
    path = folder / "queries.dnsperf"
    path.write_text("\n".join(lines) + "\n")
    return path


def stop(process: subprocess.Popen) -> None:
    for pid in reversed(process_tree(process.pid)):  # QEMU under the runner, NSD's children under NSD
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def started(command: Sequence[str], banner: Optional[str]) -> Iterator[subprocess.Popen]:
    """Starts `command`; with `banner`, waits for its first line to start so (the DNS image's "dns: serving")."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE if banner else subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, text=True)
    try:
        if banner is not None:
            assert process.stdout is not None
            line = process.stdout.readline()
            if not line.startswith(banner):
                raise RuntimeError(f"{command[-4:]} did not start: {line}{process.stdout.read()[-2000:]}")
        yield process
    finally:
        stop(process)


@contextmanager
def nsd(command_prefix: Sequence[str], address: str, port: int) -> Iterator[subprocess.Popen]:
    with tempfile.TemporaryDirectory() as scratch:
        config = write_nsd_config(Path(scratch), address, port)
        with started([*command_prefix, "nsd", "-d", "-c", str(config)], None) as process:
            yield process


def start_rows(stack: ExitStack, abis: Sequence[str], server_cpu: Optional[int]) -> List[Row]:
    rows: List[Row] = []
    tag = os.getpid()
    port = free_udp_port()
    process = stack.enter_context(nsd(pinned(server_cpu, []), "127.0.0.1", port))
    wait_until_loopback_answers(port, process)
    rows.append(Row("nsd loopback", None, [], "127.0.0.1", port, process.pid))
    if "unix" in abis:
        port = free_udp_port()
        process = stack.enter_context(started(
            pinned(server_cpu, [str(REPO / "dist/examples.dns/image.unix"), f"--port={port}"]), "dns: serving"))
        rows.append(Row("unix sockets", "nsd loopback", [], "127.0.0.1", port, process.pid))
    client, server = stack.enter_context(veth_namespaces(f"mirage-qps-c{tag}", f"mirage-qps-s{tag}"))
    process = stack.enter_context(nsd(netns_exec(server, pinned(server_cpu, [])), SERVER_ADDRESS, 53))
    wait_until_answering(client, 20)
    rows.append(Row("nsd veth", None, netns_exec(client, []), SERVER_ADDRESS, 53, process.pid))
    for abi in ("hvt", "spt", "virtio"):
        if abi not in abis:
            continue
        booter, needs_kvm = BOOTERS[abi]
        problem = kvm_problem() if needs_kvm else None
        if problem:
            print(f"{abi}: skipped: {problem}")
            continue
        namespace = stack.enter_context(tap_namespace(f"mirage-qps-{abi}{tag}"))
        command = [str(REPO / booter[0]), *booter[1:], "--net:stack_netif=tap0",
                   str(REPO / f"dist/examples.dns/image.{abi}"), f"--ipv4={SERVER_ADDRESS}/24", "--port=53"]
        process = stack.enter_context(started(netns_exec(namespace, pinned(server_cpu, command)), "dns: serving"))
        wait_until_answering(namespace, 20)
        rows.append(Row(f"{abi} tap", "nsd veth", netns_exec(namespace, []), SERVER_ADDRESS, 53, process.pid))
    return rows


def measure(row: Row, queries: Path, seconds: int, client_cpu: Optional[int]) -> None:
    prefix = pinned(client_cpu, row.prefix)
    tree = process_tree(row.pid)
    before, started_at = cpu_seconds(tree), time.monotonic()
    summary = parse_dnsperf_summary(dnsperf(prefix, row.address, row.port, queries, seconds, DNSPERF_LOAD))
    used, elapsed = cpu_seconds(tree) - before, time.monotonic() - started_at
    p50, p99 = latency_percentiles_ms(dnsperf(prefix, row.address, row.port, queries, LATENCY_SECONDS,
                                              ("-Q", str(LATENCY_QPS), "-v")))
    row.qps.append(summary.qps)
    row.per_cpu.append(summary.completed / used if used > 0 else float("nan"))
    row.core_share.append(used / elapsed)
    row.average_ms.append(summary.average_latency_ms)
    row.p50.append(p50)
    row.p99.append(p99)
    row.lost += summary.lost
    print(f"  {row.label:<13} {summary.qps:>9.0f} q/s  {row.per_cpu[-1]:>9.0f} q/CPU-s  "
          f"server at {100 * row.core_share[-1]:3.0f}% of a core  p50 {p50:.3f} p99 {p99:.3f} ms", flush=True)


def spread(values: Sequence[float], digits: int = 0) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def ratios(row: Row, by_label: Dict[str, Row], metric: str) -> List[float]:
    baseline = by_label[row.baseline] if row.baseline else row
    return [ours / theirs for ours, theirs in zip(getattr(row, metric), getattr(baseline, metric))]


def report(rows: List[Row]) -> None:
    by_label = {row.label: row for row in rows}
    print(f"\n{'row':<13} {'q/s':>24} {'x NSD':>17} {'q/CPU-s':>24} {'x NSD':>17} {'core':>5} "
          f"{'avg ms':>7} {'p50 ms':>7} {'p99 ms':>7} {'lost':>6}")
    for row in rows:
        print(f"{row.label:<13} {spread(row.qps):>24} {spread(ratios(row, by_label, 'qps'), 2):>17} "
              f"{spread(row.per_cpu):>24} {spread(ratios(row, by_label, 'per_cpu'), 2):>17} "
              f"{100 * statistics.median(row.core_share):>4.0f}% {statistics.median(row.average_ms):>7.3f} "
              f"{statistics.median(row.p50):>7.3f} {statistics.median(row.p99):>7.3f} {row.lost:>6}")
    print("(median (min-max) over rounds; x NSD against nsd loopback for unix, nsd veth for the tap rows)")
    goals = [("hvt tap", "per_cpu", 0.8, "per CPU-second"), ("unix sockets", "per_cpu", 1.25, "per CPU-second"),
             ("virtio tap", "qps", 0.5, "q/s")]
    for label, metric, goal, what in goals:
        if label in by_label:
            value = statistics.median(ratios(by_label[label], by_label, metric))
            verdict = "met" if value >= goal else "MISSED"
            print(f"goal {label} {what} >= {goal}x NSD: {value:.2f}x, {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every row (default 3)")
    parser.add_argument("--seconds", type=int, default=8, help="dnsperf's run per row and round (default 8)")
    parser.add_argument("--abis", default="unix,hvt,spt,virtio", help="our rows (default unix,hvt,spt,virtio)")
    parser.add_argument("--no-package", action="store_true", help="use the images already in dist/")
    args = parser.parse_args()
    abis = [abi for abi in args.abis.split(",") if abi]
    unknown = sorted(set(abis) - {"unix", *BOOTERS})
    if unknown or not 1 <= args.rounds <= 50 or not 1 <= args.seconds <= 300:
        parser.error(f"--abis takes unix, hvt, spt, virtio (not {unknown}); --rounds 1-50; --seconds 1-300")
    if os.geteuid() != 0:
        sys.exit("dns_qps: needs root (network namespaces, tap and veth); run it with sudo")
    os.chdir(REPO)
    if not args.no_package:
        package_dns_images(abis)
    server_cpu, client_cpu = server_and_client_cores()
    print(f"machine: {machine_line()}; servers on core {server_cpu}, dnsperf on core {client_cpu}")
    print(f"dnsperf {' '.join(DNSPERF_LOAD)} -l {args.seconds} (one thread), {args.rounds} rounds; latency at "
          f"{LATENCY_QPS} q/s offered")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as scratch:
        queries = query_file(Path(scratch))
        rows = start_rows(stack, abis, server_cpu)
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}", flush=True)
            for row in rows if round_number % 2 == 0 else reversed(rows):
                measure(row, queries, args.seconds, client_cpu)
    report(rows)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark: DNS queries per second and latency of our DNS unikernel against NSD (one server process each).

    build-support/benchmarks/dns_qps.py [--seconds 10] [--clients 4]

Packages examples/dns for unix (socket stack) and, where /dev/kvm works, hvt and virtio under QEMU with KVM (direct
stack on a tap in a network namespace this script creates and removes). Runs dnsperf against each server and against NSD serving the same zone
with rate limiting off, in the same run; prints queries/s, the ratio to NSD, and latency percentiles from a
rate-limited dnsperf pass at 2,000 queries/s.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "build-support"))

from dns_server.servers import free_udp_port, nsd_server  # noqa: E402
from probes.kvm import kvm_problem  # noqa: E402

QUERIES = REPO / "tests/dns_server/queries.txt"


def query_file(folder: Path) -> Path:
    lines = [line for line in QUERIES.read_text().splitlines() if line and not line.startswith("#")]
    path = folder / "queries.dnsperf"
    path.write_text("\n".join(lines) + "\n")
    return path


def dnsperf(prefix: Sequence[str], server: str, port: int, queries: Path, seconds: int, clients: int) -> float:
    out = subprocess.run(
        [*prefix, "dnsperf", "-s", server, "-p", str(port), "-d", str(queries), "-c", str(clients),
         "-T", str(clients), "-l", str(seconds), "-q", "500"],
        capture_output=True, text=True, check=True,
    ).stdout
    match = re.search(r"Queries per second:\s+([\d.]+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    if not match:
        sys.exit(f"dnsperf printed no rate:\n{out}")
    if lost and int(lost.group(1)) > 0:
        print(f"    ({lost.group(1)} queries lost)")
    return float(match.group(1))


def latencies_ms(prefix: Sequence[str], server: str, port: int, queries: Path) -> List[float]:
    out = subprocess.run(
        [*prefix, "dnsperf", "-s", server, "-p", str(port), "-d", str(queries), "-l", "2", "-Q", "2000", "-v"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [float(value) * 1000 for value in re.findall(r"^> \S+ .* ([\d.]+)$", out, re.MULTILINE)]


def percentiles(values: List[float]) -> str:
    if len(values) < 10:
        return "latency: too few samples"
    cuts = statistics.quantiles(values, n=100)
    return f"latency ms p50 {cuts[49]:.3f}  p90 {cuts[89]:.3f}  p99 {cuts[98]:.3f}"


@contextmanager
def unix_server() -> Iterator[int]:
    port = free_udp_port()
    process = subprocess.Popen(
        [str(REPO / "dist/examples.dns/image.unix"), f"--port={port}"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("dns: serving")
        yield port
    finally:
        process.kill()
        process.wait()


# How each freestanding ABI's image is started on a tap in the namespace.
BOOTERS = {
    "hvt": ["dist/targets.hvt.tender/tender"],
    "virtio": ["dist/targets.virtio.runner/runner", "--accel=kvm"],
}


@contextmanager
def tap_server(abi: str) -> Iterator[str]:
    name = f"mirage-dns-bench-{abi}-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    process = None
    try:
        for command in (["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"],
                        ["ip", "address", "add", "10.0.0.1/24", "dev", "tap0"],
                        ["ip", "link", "set", "tap0", "up"]):
            subprocess.run(["ip", "netns", "exec", name, *command], check=True)
        process = subprocess.Popen(
            ["ip", "netns", "exec", name, *(str(REPO / BOOTERS[abi][0]), *BOOTERS[abi][1:]),
             "--net:stack_netif=tap0", str(REPO / f"dist/examples.dns/image.{abi}"), "--ipv4=10.0.0.2/24",
             "--port=53"],
            stdout=subprocess.PIPE, text=True,
        )
        assert process.stdout is not None and process.stdout.readline().startswith("dns: serving")
        time.sleep(0.5)
        yield name
    finally:
        if process is not None:
            process.kill()
            process.wait()
        subprocess.run(["ip", "netns", "del", name], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    subprocess.run(
        ["./pants", "package", "examples/dns:image@abi=unix", "examples/dns:image@abi=hvt",
         "examples/dns:image@abi=virtio", "targets/hvt/tender", "targets/virtio/runner"],
        cwd=REPO, check=True, capture_output=True,
    )
    os.chdir(REPO)
    with tempfile.TemporaryDirectory() as scratch:
        queries = query_file(Path(scratch))
        with nsd_server() as nsd_port:
            nsd = dnsperf((), "127.0.0.1", nsd_port, queries, args.seconds, args.clients)
            nsd_latency = latencies_ms((), "127.0.0.1", nsd_port, queries)
        print(f"nsd (1 process)      {nsd:>10.0f} q/s            {percentiles(nsd_latency)}")
        with unix_server() as port:
            ours = dnsperf((), "127.0.0.1", port, queries, args.seconds, args.clients)
            ours_latency = latencies_ms((), "127.0.0.1", port, queries)
        print(f"mirage unix sockets  {ours:>10.0f} q/s  {ours / nsd:5.2f}x  {percentiles(ours_latency)}")
        problem = kvm_problem()
        if problem:
            print(f"mirage hvt           skipped: {problem}")
            return
        for abi in ("hvt", "virtio"):
            with tap_server(abi) as namespace:
                prefix = ("ip", "netns", "exec", namespace)
                rate = dnsperf(prefix, "10.0.0.2", 53, queries, args.seconds, args.clients)
                latency = latencies_ms(prefix, "10.0.0.2", 53, queries)
            label = f"mirage {abi} (tap)"
            print(f"{label:<20} {rate:>10.0f} q/s  {rate / nsd:5.2f}x  {percentiles(latency)}")


if __name__ == "__main__":
    main()

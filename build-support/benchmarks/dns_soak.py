#!/usr/bin/env python3
"""Soak with faults: dnsperf at saturation against the DNS unikernel on hvt while random and malformed frames hit it.

    build-support/benchmarks/dns_soak.py [--seconds 60] [--seed N] [--frame-rate 1000] [--frame-count 59000]

As root, on a machine where /dev/kvm works. Packages examples/dns for hvt and the hvt tender, makes a network
namespace with a tap (removed afterwards, also on failure), boots the server there pinned to one core, and runs
dnsperf (verbose, per-second rates) pinned to another for --seconds, while a seeded, bounded stream of random and
malformed frames (bad EtherTypes, ARP, IPv4 headers, UDP lengths and checksums, ports 0 and 53, mutated DNS
queries, ICMP) goes to the guest from a raw socket on the namespace's side of the tap. Prints q/s, latency,
timeouts, rcode counts, the server's CPU seconds and q/s per server CPU-second; exits 1 when an answer carried a
wrong rcode, the rcode counts do not match the query mix, a second passed with no answers, or the server is not
answering afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "build-support"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import machine_line, server_and_client_cores, tap_namespace  # noqa: E402
from dns_server.soak import start_hvt_server, run_soak, wait_until_answering  # noqa: E402
from probes.kvm import kvm_problem  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long dnsperf runs (default 60)")
    parser.add_argument("--seed", type=int, default=None, help="the frame RNG's seed (default: from the clock)")
    parser.add_argument("--frame-rate", type=float, default=1000.0, help="frames per second, at most (default 1000)")
    parser.add_argument("--frame-count", type=int, default=None, help="frames in all, at most (default rate x (seconds - 1))")
    parser.add_argument("--clients", type=int, default=4, help="dnsperf clients (default 4)")
    parser.add_argument("--no-package", action="store_true", help="use the images already in dist/")
    args = parser.parse_args()
    if args.seconds < 1 or args.seconds > 3600 or args.frame_rate <= 0 or args.frame_rate > 100_000:
        parser.error("--seconds must be 1-3600 and --frame-rate above 0 and at most 100000")
    if os.geteuid() != 0:
        sys.exit("dns_soak: needs root (network namespace, tap, raw socket); run it with sudo")
    problem = kvm_problem()
    if problem:
        sys.exit(f"dns_soak: hvt needs a working /dev/kvm: {problem}")
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    # By default the frames end a second before dnsperf does, so every one of them lands while it runs.
    frame_count = args.frame_count if args.frame_count is not None else int(args.frame_rate * max(args.seconds - 1, 1))
    server_cpu, client_cpu = server_and_client_cores()
    if not args.no_package:
        subprocess.run(["./pants", "package", "examples/dns:image@abi=hvt", "targets/hvt/tender"], cwd=REPO,
                       check=True, capture_output=True)
    print(f"machine: {machine_line()}; server on core {server_cpu}, dnsperf and the "
          f"frame sender on core {client_cpu}")
    print(f"soak: {args.seconds} s, {args.clients} dnsperf clients, frames at most {args.frame_rate:.0f}/s and "
          f"{frame_count} in all, seed {seed}")
    with tap_namespace(f"mirage-dns-soak-{os.getpid()}") as namespace, tempfile.TemporaryDirectory() as scratch:
        server = start_hvt_server(namespace, str(REPO / "dist/targets.hvt.tender/tender"),
                                  str(REPO / "dist/examples.dns/image.hvt"), server_cpu)
        try:
            wait_until_answering(namespace, 20)
            result = run_soak(namespace, server.pid, Path(scratch), args.seconds, seed, args.frame_rate,
                              frame_count, clients=args.clients, dnsperf_cpu=client_cpu)
            still_running = server.poll() is None
        finally:
            server.kill()
            server.wait(timeout=10)
            console = server.stdout.read() if server.stdout else ""
    print(result.report())
    failures = result.rcode_problems(args.clients)
    if result.wrong_answer_count:
        failures.append(f"{result.wrong_answer_count} answers with a wrong rcode, e.g. {result.wrong_answers}")
    silent = [index for index, rate in enumerate(result.intervals_qps) if rate <= 0]
    if silent:
        failures.append(f"no answers in second(s) {silent}")
    if not result.alive_after or not still_running:
        failures.append(f"the server is not answering after the soak; its console: {console.strip()[-1000:]!r}")
    for failure in failures:
        print(f"FAIL: {failure}")
    if failures:
        print(f"(replay the frames with --seed {seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

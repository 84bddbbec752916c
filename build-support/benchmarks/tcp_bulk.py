#!/usr/bin/env python3
"""Benchmark: TCP into examples/echo on the unix stack (host sockets) beside Linux programs doing the same.

    build-support/benchmarks/tcp_bulk.py [--rounds 5] [--gigabytes 1] [--connections 2000]

Over loopback (127.0.0.1). Bulk: a client sends the bytes in 1 MiB writes, half-closes and waits for the server's
close (so every byte was read), to the echo image's sink, to a Python sink (recv_into a 64 KiB buffer, as the echo
sink reads) and to `socat -u TCP-LISTEN:... /dev/null` with a 64 KiB buffer. Connection rate: a client opens a
connection, half-closes and waits for the server's close, `--connections` times in a row, against the echo
image's echo port, a one-thread Python accept-read-close loop and `socat TCP-LISTEN:...,fork EXEC:cat` (a
process per connection, the socat-style server). Servers are pinned to the first core, clients to the second
(taskset); rows are interleaved, their order alternating per round. Printed per row: the median and spread of
the rounds, and the server's CPU time (user + system, /proc/PID/stat) per GB or per 1,000 connections.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import cpu_seconds, machine_line, pinned, process_tree, server_and_client_cores  # noqa: E402

IMAGE = REPO / "dist" / "examples.echo" / "image.unix"
ADDRESS = "127.0.0.1"

# Sends `size` bytes in 1 MiB writes, half-closes, waits for the server's close; prints the seconds taken.
BULK_CLIENT = r"""
import json, socket, sys, time
address, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
chunk = memoryview(bytes(1 << 20))
started = time.monotonic()
with socket.create_connection((address, port)) as client:
    left = size
    while left > 0:
        client.sendall(chunk[: min(left, len(chunk))])
        left -= min(left, len(chunk))
    client.shutdown(socket.SHUT_WR)
    assert client.recv(1) == b""
print(json.dumps({"seconds": time.monotonic() - started}))
"""

# Opens, half-closes and waits for the server's close, `count` times; prints the seconds taken.
CONNECT_CLIENT = r"""
import json, socket, sys, time
address, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
started = time.monotonic()
for _ in range(count):
    with socket.create_connection((address, port)) as client:
        client.shutdown(socket.SHUT_WR)
        assert client.recv(1) == b""
print(json.dumps({"seconds": time.monotonic() - started}))
"""

# Linux's side, `PYTHON_SERVER ADDRESS PORT`: one thread, blocking sockets: reads each connection to its end into a
# 64 KiB buffer, then closes it (the work of the echo image's sink, and of its echo port for a client that sends
# nothing).
PYTHON_SERVER = r"""
import socket, sys
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((sys.argv[1], int(sys.argv[2])))
listener.listen(128)
print("ready", flush=True)
buffer = bytearray(1 << 16)
while True:
    connection, _ = listener.accept()
    with connection:
        while connection.recv_into(buffer):
            pass
"""


@dataclass
class Row:
    name: str
    start: Callable[[int, int], subprocess.Popen]  # (port, core) -> the server, listening
    rates: List[float]
    cpu: List[float]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((ADDRESS, 0))
        return probe.getsockname()[1]


def wait_listening(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"a server exited before listening: {server.args}")
        with socket.socket() as probe:
            if probe.connect_ex((ADDRESS, port)) == 0:
                probe.shutdown(socket.SHUT_WR)
                probe.recv(1)
                return
        time.sleep(0.02)
    sys.exit(f"no server on port {port} after 10 s: {server.args}")


def echo_image(kind: str) -> Callable[[int, int], subprocess.Popen]:
    def start(port: int, core: int) -> subprocess.Popen:
        ports = {
            "sink": [f"--tcp-sink-port={port}", "--tcp-echo-port=0"],
            "echo": [f"--tcp-echo-port={port}", "--tcp-sink-port=0"],
        }[kind]
        return subprocess.Popen(pinned(core, [str(IMAGE), *ports, "--udp-echo-port=0"]), stdout=subprocess.DEVNULL)

    return start


def python_server(port: int, core: int) -> subprocess.Popen:
    return subprocess.Popen(
        pinned(core, [sys.executable, "-c", PYTHON_SERVER, "127.0.0.1", str(port)]), stdout=subprocess.DEVNULL
    )


def socat_sink(port: int, core: int) -> subprocess.Popen:
    return subprocess.Popen(
        pinned(core, ["socat", "-u", "-b", "65536", f"TCP-LISTEN:{port},reuseaddr,fork", "/dev/null"])
    )


def socat_fork(port: int, core: int) -> subprocess.Popen:
    return subprocess.Popen(pinned(core, ["socat", f"TCP-LISTEN:{port},reuseaddr,fork,backlog=128", "EXEC:cat"]))


def measure(row: Row, client: str, core_server: int, core_client: int, amount: float) -> None:
    port = free_port()
    server = row.start(port, core_server)
    try:
        wait_listening(port, server)
        before = cpu_seconds(process_tree(server.pid))
        # socat's children come and go: the tree's time is summed at the end, with the children reaped (cutime).
        result = subprocess.run(
            pinned(core_client, [sys.executable, "-c", client, ADDRESS, str(port), str(int(amount))]),
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        after = cpu_seconds(process_tree(server.pid)) + reaped_children_seconds(server.pid)
    finally:
        server.kill()
        server.wait()
    seconds = json.loads(result.stdout)["seconds"]
    row.rates.append(amount / seconds)
    row.cpu.append(after - before)


def reaped_children_seconds(pid: int) -> float:
    """cutime + cstime of `pid`: the CPU time of children it has waited for (socat's per-connection processes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def report(rows: Sequence[Row], unit: str, scale: float, cpu_unit: str, amount: float) -> Dict[str, float]:
    medians = {}
    for row in rows:
        rates = [rate / scale for rate in row.rates]
        median = statistics.median(rates)
        cpu_per = statistics.median(row.cpu) / (amount / (1e9 if unit == "MB/s" else 1e3))
        medians[row.name] = median
        print(
            f"  {row.name:<34} {median:>10,.0f} {unit}  (min {min(rates):,.0f}, max {max(rates):,.0f})  "
            f"server CPU {cpu_per:.3f} s {cpu_unit}"
        )
    return medians


def run_rows(rows: Sequence[Row], client: str, amount: float, rounds: int, cores: Sequence[int]) -> None:
    for number in range(rounds):
        order = list(rows) if number % 2 == 0 else list(reversed(rows))
        for row in order:
            measure(row, client, cores[0], cores[1], amount)
            print(
                f"    round {number + 1} {row.name:<34} {row.rates[-1]:>14,.0f}/s  cpu {row.cpu[-1]:.2f} s", flush=True
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gigabytes", type=float, default=1.0, help="bytes per bulk transfer, in GB (10^9)")
    parser.add_argument("--connections", type=int, default=2000, help="connections per connection-rate round")
    parser.add_argument("--no-build", action="store_true", help="use the image already in dist/")
    args = parser.parse_args()
    server_core, client_core = server_and_client_cores()
    if server_core is None or client_core is None:
        sys.exit("tcp_bulk.py pins the server and the client to different cores: it needs two")
    if shutil.which("socat") is None:
        sys.exit("tcp_bulk.py compares with socat: install it (Debian package socat)")
    if not args.no_build:
        subprocess.run([str(REPO / "pants"), "package", "examples/echo:image"], cwd=REPO, check=True)
    print(machine_line())
    cores = [server_core, client_core]

    size = args.gigabytes * 1e9
    bulk = [
        Row("echo image sink (unix sockets)", echo_image("sink"), [], []),
        Row("linux: python sink", python_server, [], []),
        Row("linux: socat -u to /dev/null", socat_sink, [], []),
    ]
    run_rows(bulk, BULK_CLIENT, size, args.rounds, cores)
    print(
        f"\nbulk: {size / 1e9:g} GB per round, {args.rounds} rounds, server on CPU {server_core}, client on CPU "
        f"{client_core}"
    )
    speeds = report(bulk, "MB/s", 1e6, "per GB", size)

    connect = [
        Row("echo image echo port (unix sockets)", echo_image("echo"), [], []),
        Row("linux: python accept-read-close", python_server, [], []),
        Row("linux: socat fork EXEC:cat", socat_fork, [], []),
    ]
    run_rows(connect, CONNECT_CLIENT, args.connections, args.rounds, cores)
    print(
        f"\nconnections: {args.connections} per round (open, half-close, wait for the server's close), "
        f"{args.rounds} rounds"
    )
    rates = report(connect, "conn/s", 1.0, "per 1,000 connections", args.connections)

    print("\nratios (echo image / linux):")
    image_speed = speeds[bulk[0].name]
    for row in bulk[1:]:
        print(f"  bulk vs {row.name}: {image_speed / speeds[row.name]:.2f}x")
    image_rate = rates[connect[0].name]
    for row in connect[1:]:
        print(f"  connections vs {row.name}: {image_rate / rates[row.name]:.2f}x")


if __name__ == "__main__":
    main()

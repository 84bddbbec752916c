"""What the DNS benchmarks share: the machine line, core pinning, CPU time of a process tree, network namespaces with a
tap or a veth pair (created and always removed), and dnsperf runs with their parsed summary.

Standard library only: the benchmarks run outside Pants, as root, on a 2-core machine where the client and the server
get a core each.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

HOST_ADDRESS = "10.0.0.1"  # the client's side of the tap or veth, in the client namespace
SERVER_ADDRESS = "10.0.0.2"  # the guest on the tap, or NSD behind the veth pair


def machine_line() -> str:
    debian = Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else "?"
    return f"nproc {os.cpu_count()}, Debian {debian}, kernel {os.uname().release}"


def server_and_client_cores() -> Tuple[Optional[int], Optional[int]]:
    """Two distinct cores this process may use (server first), or (None, None) on a one-core machine."""
    cores = sorted(os.sched_getaffinity(0))
    return (cores[0], cores[1]) if len(cores) > 1 else (None, None)


def pinned(cpu: Optional[int], command: Sequence[str]) -> List[str]:
    """`command` under taskset on `cpu` (inherited by its threads and children), or as it is without a core."""
    return ["taskset", "-c", str(cpu), *command] if cpu is not None else list(command)


def _stat_fields(pid: int) -> List[str]:
    # The command name (field 2) may hold spaces and parentheses; everything after its last ')' is plain.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(pid: int) -> List[int]:
    """`pid` and its descendants alive now (the QEMU a runner started; NSD's server and xfrd children)."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int(_stat_fields(int(entry.name))[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system time of these processes, all threads included (a vCPU's guest time counts as user time)."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def netns_exec(namespace: str, command: Sequence[str]) -> List[str]:
    return ["ip", "netns", "exec", namespace, *command]


def _run_all(commands: Sequence[Sequence[str]]) -> None:
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, timeout=20)


@contextmanager
def tap_namespace(name: str, tap: str = "tap0") -> Iterator[str]:
    """A network namespace holding `tap` at HOST_ADDRESS/24, up; the guest takes SERVER_ADDRESS on its other side."""
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=20)
    try:
        _run_all(
            [
                netns_exec(name, command)
                for command in (
                    ["ip", "link", "set", "lo", "up"],
                    ["ip", "tuntap", "add", "dev", tap, "mode", "tap"],
                    ["ip", "address", "add", f"{HOST_ADDRESS}/24", "dev", tap],
                    ["ip", "link", "set", tap, "up"],
                )
            ]
        )
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=20)


@contextmanager
def veth_namespaces(client: str, server: str) -> Iterator[Tuple[str, str]]:
    """Two network namespaces joined by a veth pair: `client` at HOST_ADDRESS, `server` at SERVER_ADDRESS."""
    created: List[str] = []
    try:
        for name in (client, server):
            subprocess.run(["ip", "netns", "add", name], check=True, timeout=20)
            created.append(name)
        _run_all(
            [
                [
                    "ip",
                    "link",
                    "add",
                    "veth-c",
                    "netns",
                    client,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    "veth-s",
                    "netns",
                    server,
                ],
                *(
                    netns_exec(client, command)
                    for command in (
                        ["ip", "link", "set", "lo", "up"],
                        ["ip", "address", "add", f"{HOST_ADDRESS}/24", "dev", "veth-c"],
                        ["ip", "link", "set", "veth-c", "up"],
                    )
                ),
                *(
                    netns_exec(server, command)
                    for command in (
                        ["ip", "link", "set", "lo", "up"],
                        ["ip", "address", "add", f"{SERVER_ADDRESS}/24", "dev", "veth-s"],
                        ["ip", "link", "set", "veth-s", "up"],
                    )
                ),
            ]
        )
        yield client, server
    finally:
        for name in created:  # deleting a namespace deletes its end of the veth pair, and so the pair
            subprocess.run(["ip", "netns", "del", name], check=False, timeout=20)


@dataclass
class DnsperfSummary:
    sent: int
    completed: int
    lost: int
    qps: float
    average_latency_ms: float


def parse_dnsperf_summary(output: str) -> DnsperfSummary:
    def number(pattern: str) -> str:
        match = re.search(pattern, output)
        if match is None:
            raise RuntimeError(f"dnsperf printed no '{pattern}':\n{output[-3000:]}")
        return match.group(1)

    return DnsperfSummary(
        sent=int(number(r"Queries sent:\s+(\d+)")),
        completed=int(number(r"Queries completed:\s+(\d+)")),
        lost=int(number(r"Queries lost:\s+(\d+)")),
        qps=float(number(r"Queries per second:\s+([\d.]+)")),
        average_latency_ms=float(number(r"Average Latency \(s\):\s+([\d.]+)")) * 1000,
    )


def dnsperf(
    prefix: Sequence[str], server: str, port: int, queries: Path, seconds: int, extra: Sequence[str] = ()
) -> str:
    """dnsperf's output; `prefix` runs it (a namespace, a core). One thread and its default 100 outstanding
    queries unless `extra` says otherwise."""
    return subprocess.run(
        [*prefix, "dnsperf", "-s", server, "-p", str(port), "-d", str(queries), "-l", str(seconds), *extra],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout


def latency_percentiles_ms(verbose_output: str) -> Tuple[float, float]:
    """p50 and p99 in ms from dnsperf -v's per-answer lines ("> NOERROR name type 0.000123")."""
    values = [float(value) * 1000 for value in re.findall(r"^> \S+ .* ([\d.]+)$", verbose_output, re.MULTILINE)]
    if len(values) < 100:
        raise RuntimeError(f"dnsperf -v gave {len(values)} latencies; 100 at least are needed for a p99")
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]

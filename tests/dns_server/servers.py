"""Start the DNS unikernel and NSD as a user would, each on its own loopback port, and stop them afterwards."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Sequence, Tuple

ZONE_FILE = "examples/dns/example.org.zone"
ORIGIN = "example.org"


def free_port() -> int:
    """A loopback port free for UDP and for TCP alike: both servers listen on both (DNS over TCP, RFC 7766)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, socket.socket(
            socket.AF_INET, socket.SOCK_DGRAM
        ) as udp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no loopback port free for both UDP and TCP in 100 tries")


free_udp_port = free_port  # the name other tests and benchmarks know it by


def read_line(process: subprocess.Popen, deadline: float) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line and time.monotonic() > deadline:
        raise AssertionError("the server printed nothing before its deadline")
    return line


def collect_lines(process: subprocess.Popen, lines: List[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)


@contextmanager
def serving_dns(command: Sequence[str], serving_on: str = "") -> Iterator[Tuple[subprocess.Popen, str]]:
    """Start the DNS example by `command` (an image, its tender or runner, maybe under `ip netns exec`); yield it and
    its banner once it printed that it serves example.org (`serving_on` in that line, where given); kill it after."""
    server = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert banner.startswith("dns: serving example.org. ") and serving_on in banner, banner
        yield server, banner
    finally:
        server.kill()
        server.wait(timeout=10)


@contextmanager
def unix_dns_server(*args: str) -> Iterator[Tuple[int, List[str]]]:
    """Run examples.dns/image.unix on 127.0.0.1 and a free port; yield the port and its console lines so far."""
    port = free_port()
    process = subprocess.Popen(
        ["examples.dns/image.unix", f"--port={port}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: List[str] = []
    try:
        lines.append(read_line(process, time.monotonic() + 10))
        assert lines[0].startswith("dns: serving example.org."), lines
        # The console goes on (zone transfers are logged): `lines` grows as the server prints.
        threading.Thread(target=collect_lines, args=(process, lines), daemon=True).start()
        yield port, lines
        assert process.poll() is None, "the server died: " + "".join(lines)
    finally:
        process.kill()
        process.wait(timeout=10)


def write_nsd_config(folder: Path, address: str, port: int, zone: str = "", verbosity: int = 0) -> Path:
    """NSD's configuration in `folder`: one server process, rate limiting off, minimal responses, listening on
    `address` and `port`, for the zone. `zone` holds the zone's own lines (a secondary's `request-xfr`); without it
    NSD serves a copy of the zone file. Returns the configuration file."""
    if not zone:
        (folder / "example.org.zone").write_bytes(Path(ZONE_FILE).read_bytes())
        zone = f'zonefile: "{folder}/example.org.zone"'
    zone_lines = "".join(f"    {line}\n" for line in zone.splitlines())
    config = folder / "nsd.conf"
    config.write_text(
        f"""server:
    ip-address: {address}
    port: {port}
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{folder}"
    xfrdir: "{folder}"
    database: ""
    zonelistfile: "{folder}/zone.list"
    xfrdfile: "{folder}/xfrd.state"
    pidfile: "{folder}/nsd.pid"
    logfile: "{folder}/nsd.log"
    rrl-ratelimit: 0
    # Our server gives minimal responses (no apex NS in the authority of positive answers); so does NSD here.
    minimal-responses: yes
    verbosity: {verbosity}
remote-control:
    control-enable: no
zone:
    name: {ORIGIN}
{zone_lines}"""
    )
    return config


@contextmanager
def nsd_server() -> Iterator[int]:
    """NSD with one server process and rate limiting off, serving the same zone file on 127.0.0.1."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_nsd_config(folder, "127.0.0.1", port)
        process = subprocess.Popen(["nsd", "-d", "-c", str(folder / "nsd.conf")], stderr=subprocess.PIPE, text=True)
        try:
            wait_until_answering(port, process)
            yield port
        finally:
            stop_nsd(process)


def stop_nsd(process: subprocess.Popen) -> None:
    """Let NSD end on SIGTERM (it writes its state), killing it if it takes longer than 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_until_answering(port: int, process: subprocess.Popen) -> None:
    # A hand-made SOA query, so this module needs nothing beyond the standard library (benchmarks import it too).
    query = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03org\x00" + bytes.fromhex("00060001")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"nsd exited: {process.stderr.read() if process.stderr else ''}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(0.2)
            client.sendto(query, ("127.0.0.1", port))
            try:
                if client.recv(4096)[:2] == query[:2]:
                    return
            except socket.timeout:
                pass
        time.sleep(0.05)
    raise AssertionError("nsd did not answer within 15 s")

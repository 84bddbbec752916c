"""examples/tlstunnel as a user runs it, in front of a Python HTTP server (backend.py): on unix over host sockets on
loopback, and on hvt, spt and virtio (the direct stack) on a tap in a network namespace whose host side runs the
backend. Through the tunnel (client.py): requests with `curl --cacert`, a 10 MB upload and a 10 MB download intact
(sha256), the backend's FIN passed on as close_notify after all its bytes and the client's close_notify as a FIN
after all of its, garbage instead of a ClientHello logged while the next client is served, connections-max held
and the excess refused and logged, an idle session closed; then the backend stopped: the client's session is
closed and logged, and once it is back the tunnel serves again. Also: a bad `backend` key stops the boot naming
the key and the fix."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from typing import Iterator, List

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace

GUEST = "10.0.0.2"
HOST = "10.0.0.1"
CA = "examples/tls_echo/credentials/ca.pem"
HERE = os.path.dirname(os.path.abspath(__file__))
CONNECTIONS_MAX = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def backend(prefix: List[str], address: str, port: int, name: str) -> Iterator[None]:
    command = [*prefix, sys.executable, os.path.join(HERE, "backend.py"), address, str(port)]
    with running_in_background(command, "backend ready", name):
        yield


def curl(prefix: List[str], address: str, port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            *prefix,
            "curl",
            "-sS",
            "--max-time",
            "20",
            "--cacert",
            CA,
            "--resolve",
            f"example.org:{port}:{address}",
            f"https://example.org:{port}/",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio", "unix"])
def test_the_tlstunnel_example(abi: str) -> None:
    require_abi(abi)
    with ExitStack() as cleanup:
        prefix: List[str] = []
        if abi == "unix":
            address, port, backend_address, backend_port = "127.0.0.1", free_port(), "127.0.0.1", free_port()
            tunnel = ["examples.tlstunnel/image.unix", f"--port={port}"]
        else:
            namespace = cleanup.enter_context(tap_namespace(f"tunnel-{abi}", host_address=f"{HOST}/24"))
            prefix = ["ip", "netns", "exec", namespace]
            address, port, backend_address, backend_port = GUEST, 4433, HOST, 8080
            tunnel = [
                TENDERS[abi],
                "--net:tls_stack_netif=tap0",
                f"examples.tlstunnel/image.{abi}",
                f"--ipv4={GUEST}/24",
            ]
        tunnel += [
            f"--backend={backend_address}:{backend_port}",
            f"--connections-max={CONNECTIONS_MAX}",
            "--idle-timeout=1500",
        ]
        backend_up = cleanup.enter_context(ExitStack())
        backend_up.enter_context(backend(prefix, backend_address, backend_port, f"tunnel-backend-{abi}"))
        process, console = cleanup.enter_context(
            running_in_background([*prefix, *tunnel], "tlstunnel: ready", f"tlstunnel-{abi}")
        )
        run = subprocess.run(
            [
                *prefix,
                sys.executable,
                os.path.join(HERE, "client.py"),
                address,
                str(port),
                CA,
                str(CONNECTIONS_MAX),
                console,
            ],
            capture_output=True,
            text=True,
            timeout=180,
        )
        with open(console) as f:
            output = f.read()
        assert run.returncode == 0, run.stderr + output
        result = json.loads(run.stdout)
        assert result["get"] == "hello from the backend\n", result
        assert result["upload"] and result["download"], result
        assert result["backend_end"], result
        assert result["ends"] == [{"count": 1 << 20, "sha256": result["sink_sha256"]}], result
        assert result["after_garbage"] == "hello from the backend\n", result
        assert re.search(rf"handshake with [\d.]+:{result['garbage_port']} failed: BR_ERR_\w+", output), output
        held, flooded = result["backpressure"][0]["held"], result["backpressure"][1]["flooded"]
        print(
            f"{abi}: the client sent {result['hold_sent']} bytes to a backend not reading, of which it got {held}; "
            f"a backend flooding a client not reading sent {flooded} bytes"
        )
        assert held <= result["hold_sent"] < 16 << 20 and flooded < 16 << 20, result
        assert result["held"] and "hello" not in result["excess"], result
        assert f"refused (connections-max {CONNECTIONS_MAX} reached)" in output, output
        assert result["after_limit"] == "hello from the backend\n", result
        assert result["idle_end"] and 1.2 < result["idle_seconds"] < 5, result
        assert "idle for idle-timeout: closed" in output, output

        backend_up.close()  # the backend stops: its port refuses
        down = curl(prefix, address, port)
        assert down.returncode != 0 and "hello" not in down.stdout, down
        backend_up.enter_context(backend(prefix, backend_address, backend_port, f"tunnel-backend-{abi}"))
        again = curl(prefix, address, port)
        with open(console) as f:
            output = f.read()
        assert again.stdout == "hello from the backend\n", (again, output)
        assert "the backend refused the connection" in output, output
        assert process.poll() is None, output


def test_a_bad_backend_key_stops_the_boot_with_the_fix() -> None:
    for value, why in (
        ("", "is empty"),
        ("backend.example:80", "host names are not resolved"),
        ("10.0.0.1", "has no :PORT"),
        ("10.0.0.1:70000", "port from 1 to 65535"),
        ("10.0.0.1:0", "port from 1 to 65535"),
        ("10.0.0.1:80x", "port from 1 to 65535"),
        ("10.0.0:80", "does not start with an IPv4 address"),
        ("10.0.0.256:80", "does not start with an IPv4 address"),
        ("010.0.0.1:80", "does not start with an IPv4 address"),
        ("0.0.0.0:80", "names no host"),
    ):
        run = subprocess.run(
            ["examples.tlstunnel/image.unix", f"--backend={value}"], capture_output=True, text=True, timeout=20
        )
        assert run.returncode == 2, run
        line = [line for line in run.stdout.splitlines() if line.startswith("tlstunnel:")]
        assert line and f'the key backend ("{value}")' in line[0] and why in line[0], run
        assert "--backend=A.B.C.D:PORT" in run.stdout + run.stderr, run


def test_connections_max_beyond_the_sessions_and_flows_stops_the_boot() -> None:
    run = subprocess.run(
        ["examples.tlstunnel/image.unix", "--backend=127.0.0.1:8080", "--connections-max=100"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert run.returncode == 2, run
    assert "the key connections-max (100) needs tls-sessions-max >= 100 (it is 64)" in run.stdout, run

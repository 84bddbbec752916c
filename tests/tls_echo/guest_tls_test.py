"""examples/tls_echo as a user runs it: on unix over host sockets on loopback, and on hvt, spt and virtio (the
direct stack) on a tap in a network namespace, Python's ssl with check_hostname gets each certificate by SNI (RSA
for example.org, EC for example.net), ALPN's http/1.1, a 256 KiB echo and a resumed session; `openssl s_client`
sees TLS 1.2 and the suite; garbage instead of a ClientHello is logged with the peer and the next client is
served. BearSSL is Debian's archive linked into every image (//3rdparty/debian:bearssl)."""

from __future__ import annotations

import json
import re
import socket
import ssl
import subprocess
import sys
import time
from contextlib import ExitStack
from typing import List

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace

GUEST = "10.0.0.2"
HOST = "10.0.0.1"
CA = "examples/tls_echo/credentials/ca.pem"

# Runs where the guest is reachable (inside the namespace, or on the host for unix); prints one JSON result.
CLIENT = r"""
import json, os, socket, ssl, subprocess, sys

address, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context(cafile=ca)
context.set_alpn_protocols(["h2", "http/1.1"])
result = {}

def session(name, data, saved=None):
    with socket.create_connection((address, port), timeout=30) as raw:
        with context.wrap_socket(raw, server_hostname=name, session=saved) as tls:
            tls.sendall(data)
            echoed = b""
            while len(echoed) < len(data):
                chunk = tls.recv(1 << 16)
                if not chunk:
                    break
                echoed += chunk
            subject = dict(item[0] for item in tls.getpeercert()["subject"])["commonName"]
            return {"subject": subject, "cipher": tls.cipher()[0], "version": tls.version(),
                    "alpn": tls.selected_alpn_protocol(), "echoed": echoed == data,
                    "reused": tls.session_reused}, tls.session

data = os.urandom(256 << 10)
result["org"], saved = session("www.example.org", data)
result["net"], _ = session("a.example.net", b"ec\n")
result["resumed"], _ = session("www.example.org", b"again\n", saved)
with socket.create_connection((address, port), timeout=30) as raw:
    result["garbage_port"] = raw.getsockname()[1]
    raw.sendall(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n")
    try:
        while raw.recv(4096):
            pass
    except ConnectionResetError:
        pass
result["after_garbage"], _ = session("example.org", b"still\n")
s_client = subprocess.run(
    ["openssl", "s_client", "-connect", f"{address}:{port}", "-servername", "example.net", "-CAfile", ca,
     "-verify_return_error"],
    input=b"", capture_output=True, timeout=30)
result["s_client"] = s_client.stdout.decode(errors="replace")
print(json.dumps(result))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def guest_command(abi: str, port: int) -> List[str]:
    if abi == "unix":
        return ["examples.tls_echo/image.unix", f"--port={port}"]
    return [TENDERS[abi], "--net:tls_stack_netif=tap0", f"examples.tls_echo/image.{abi}", f"--ipv4={GUEST}/24"]


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio", "unix"])
def test_the_tls_echo_example(abi: str) -> None:
    require_abi(abi)
    with ExitStack() as cleanup:
        prefix: List[str] = []
        address = "127.0.0.1"
        port = free_port() if abi == "unix" else 4433
        if abi != "unix":
            namespace = cleanup.enter_context(tap_namespace(f"tls-{abi}", host_address=f"{HOST}/24"))
            prefix = ["ip", "netns", "exec", namespace]
            address = GUEST
        process, console = cleanup.enter_context(
            running_in_background([*prefix, *guest_command(abi, port)], "tls_echo: ready", f"tls-echo-{abi}")
        )
        run = subprocess.run(
            [*prefix, sys.executable, "-c", CLIENT, address, str(port), CA], capture_output=True, text=True, timeout=120
        )
        with open(console) as f:
            output = f.read()
        assert run.returncode == 0, run.stderr + output
        result = json.loads(run.stdout)
        org, net, resumed = result["org"], result["net"], result["resumed"]
        assert org["subject"] == "example.org" and "RSA" in org["cipher"] and org["echoed"], result
        assert org["version"] == "TLSv1.2" and org["alpn"] == "http/1.1", result
        assert net["subject"] == "example.net" and "ECDSA" in net["cipher"] and net["echoed"], result
        assert resumed["reused"] and resumed["echoed"], result
        assert result["after_garbage"]["echoed"], result
        assert re.search(r"New, TLSv1\.2, Cipher is ECDHE-ECDSA-", result["s_client"]), result["s_client"]
        assert "Verification: OK" in result["s_client"], result["s_client"]
        assert re.search(rf"handshake with [\d.]+:{result['garbage_port']} failed: BR_ERR_\w+", output), output
        assert re.search(r"sni=www\.example\.org alpn=http/1\.1 version=0x0303 suite=0x[0-9a-f]{4} resumed=yes", output)
        assert process.poll() is None, output


def test_an_idle_session_is_closed() -> None:
    port = free_port()
    with running_in_background(
        ["examples.tls_echo/image.unix", f"--port={port}", "--idle-timeout=400"], "tls_echo: ready", "tls-echo-idle"
    ):
        context = ssl.create_default_context(cafile=CA)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="example.org") as connection:
                connection.sendall(b"ping\n")
                assert connection.recv(100) == b"ping\n"
                started = time.monotonic()
                assert connection.recv(100) == b""  # the server's close_notify, after the idle timeout
                assert 0.3 < time.monotonic() - started < 3

"""What a user's clients do through the tunnel, from where the tunnel is reachable: `python3 client.py ADDRESS PORT
CA CONNECTIONS_MAX
CONSOLE`; prints one JSON object of what each check saw. curl for HTTPS requests (--cacert), Python's
ssl for the ends of stream, the connection limit and garbage."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

address, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context(cafile=ca)
result: Dict[str, object] = {}


def curl(path: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "curl",
            "-sS",
            "--max-time",
            "60",
            "--cacert",
            ca,
            "--resolve",
            f"example.org:{port}:{address}",
            *options,
            f"https://example.org:{port}{path}",
        ],
        capture_output=True,
        timeout=90,
    )


def session(**options: object) -> ssl.SSLSocket:
    raw = socket.create_connection((address, port), timeout=20)
    return context.wrap_socket(raw, server_hostname="example.org", suppress_ragged_eofs=False, **options)


def receive_all(connection: ssl.SSLSocket) -> bytes:
    data = b""
    while True:
        chunk = connection.recv(1 << 16)
        if not chunk:
            return data
        data += chunk


def pattern(count: int) -> bytes:
    return bytes(i % 251 for i in range(251)) * (count // 251) + bytes(range(count % 251))


def wait_until_open(expected: int) -> None:
    """Wait for the tunnel's console to show `expected` connections open (accepted, not yet closed): a client's
    close reaches the tunnel, and then the backend's FIN, a little after the client has its answer."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(sys.argv[5]) as f:
            lines = [line for line in f if line.startswith("tlstunnel: client ") and "refused" not in line]
        accepted = sum(": accepted (" in line for line in lines)
        if accepted - (len(lines) - accepted) == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"the tunnel did not come to {expected} connections open within 10 s")


def request(connection: ssl.SSLSocket, path: str) -> bytes:
    connection.sendall(f"GET {path} HTTP/1.1\r\nHost: example.org\r\n\r\n".encode())
    answer = b""
    while True:
        head, _, body = answer.partition(b"\r\n\r\n")
        length = [int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length: ")]
        if length and len(body) >= length[0]:
            return answer
        chunk = connection.recv(4096)
        if not chunk:
            return answer
        answer += chunk


get = curl("/")
result["get"] = get.stdout.decode(errors="replace")

upload = os.urandom(10 << 20)
with tempfile.NamedTemporaryFile() as f:
    f.write(upload)
    f.flush()
    posted = curl("/sha", "--data-binary", f"@{f.name}", "-H", "Content-Type: application/octet-stream")
result["upload"] = posted.stdout.decode() == hashlib.sha256(upload).hexdigest()
downloaded = curl(f"/bytes/{10 << 20}")
result["download"] = hashlib.sha256(downloaded.stdout).hexdigest() == hashlib.sha256(pattern(10 << 20)).hexdigest()

# The backend's FIN arrives as close_notify after all of its bytes (a clean end, not a truncation).
with session() as connection:
    connection.sendall(b"send 300000\n")
    result["backend_end"] = receive_all(connection) == pattern(300000)

# The client's close_notify arrives at the backend as a FIN after all of its bytes.
sunk = os.urandom(1 << 20)
with session() as connection:
    connection.sendall(b"sink\n" + sunk)
    connection.unwrap()
result["sink_sha256"] = hashlib.sha256(sunk).hexdigest()

# Garbage instead of a ClientHello: logged by the tls device, and the next client is served.
with socket.create_connection((address, port), timeout=20) as raw:
    result["garbage_port"] = raw.getsockname()[1]
    raw.sendall(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n" * 4)
    try:
        while raw.recv(4096):
            pass
    except ConnectionResetError:
        pass
result["after_garbage"] = curl("/").stdout.decode(errors="replace")
time.sleep(0.2)
result["ends"] = json.loads(curl("/ends").stdout)

# Backpressure: a client sending 64 MiB to a backend that does not read, and a backend sending 64 MiB to a client
# that does not read, each stop after what the buffers on the way hold.
with session() as connection:
    connection.sendall(b"hold\n")
    connection.settimeout(1)
    sent, chunk = 0, bytes(1 << 16)
    try:
        while sent < 64 << 20:
            sent += connection.send(chunk)
    except (OSError, ssl.SSLError):
        pass
    result["hold_sent"] = sent
with session() as connection:
    connection.sendall(b"flood\n")
    time.sleep(3)
wait_until_open(0)
result["backpressure"] = [end for end in json.loads(curl("/ends").stdout) if "count" not in end]

# connections-max: that many sessions held (each with an answered request), the next one closed at once, and a
# new one served once a held one closed.
wait_until_open(0)
held: List[ssl.SSLSocket] = [session() for _ in range(int(sys.argv[4]))]
result["held"] = all(b"hello from the backend" in request(connection, "/") for connection in held)
with session() as excess:
    try:
        result["excess"] = request(excess, "/").decode(errors="replace")
    except (OSError, ssl.SSLError) as error:
        result["excess"] = repr(error)
held.pop().close()
wait_until_open(len(held))
result["after_limit"] = curl("/").stdout.decode(errors="replace")
for connection in held:
    connection.close()

# idle-timeout: a session with nothing moving is closed with close_notify.
with session() as idle:
    request(idle, "/")
    started = time.monotonic()
    result["idle_end"] = receive_all(idle) == b""
    result["idle_seconds"] = time.monotonic() - started
print(json.dumps(result))

"""HTTP clients that curl cannot be, run by the website tests where the server is reachable (on loopback, or
inside the test's network namespace with `ip netns exec`): pipelined requests on one socket, a slowloris client
that sends its header a byte at a time, a slow reader, and over TLS: Python's ssl with check_hostname for several
server names (SNI), and hostile first flights (garbage, a ClientHello stopped halfway). Prints one JSON result.
With `--tls NAME:CAFILE` first, the connections are TLS to NAME verified against CAFILE.

    python3 raw_client.py [--tls NAME:CA] pipeline HOST PORT
    python3 raw_client.py [--tls NAME:CA] slowloris HOST PORT INTERVAL_SECONDS
    python3 raw_client.py [--tls NAME:CA] slowread HOST PORT PATH SECONDS
    python3 raw_client.py --tls NAME:CA names HOST PORT NAME...
    python3 raw_client.py --tls NAME:CA hostile HOST PORT
"""

from __future__ import annotations

import hashlib
import json
import select
import socket
import ssl
import sys
import time
from typing import Dict, List, Optional, Tuple

# (server name, CA file) when the connections are TLS.
TLS: Optional[Tuple[str, str]] = None


def connect(host: str, port: int, receive_buffer: int = 0) -> socket.socket:
    """A connection to the server, TLS when --tls was given (verified, with check_hostname)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    raw.settimeout(10)
    raw.connect((host, port))
    if TLS is None:
        return raw
    context = ssl.create_default_context(cafile=TLS[1])
    return context.wrap_socket(raw, server_hostname=TLS[0])


# Bodies of refused POSTs (by length, then chunked) are skipped to reach the requests after them.
PIPELINED = (
    b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"
    b"HEAD /style.css HTTP/1.1\r\nHost: h\r\n\r\n"
    b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nGET / x\r\n\r\n"
    b"POST /form HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    b"GET /nope HTTP/1.1\r\nHost: h\r\n\r\n"
    b"GET /docs/large.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
)
PIPELINED_METHODS = ["GET", "HEAD", "POST", "POST", "GET", "GET"]


def parse_answers(data: bytes, methods: List[str]) -> Tuple[List[Dict[str, object]], bytes]:
    """Splits a stream of answers by their Content-Length (none for HEAD); returns them and what is left."""
    answers = []
    for method in methods:
        end = data.index(b"\r\n\r\n") + 4
        head = data[:end].decode("ascii").split("\r\n")
        fields = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in head[1:] if line}
        length = int(fields["content-length"]) if method != "HEAD" else 0
        body = data[end : end + length]
        assert len(body) == length, f"answer {len(answers)} is cut short"
        answers.append(
            {
                "status": int(head[0].split()[1]),
                "length": fields["content-length"],
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
        data = data[end + length :]
    return answers, data


def read_to_close(s: socket.socket) -> bytes:
    """All the server sends until it closes the connection."""
    chunks = []
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def pipeline(host: str, port: int) -> Dict[str, object]:
    """Sends six requests in one segment, then reads until the server closes after the last."""
    with connect(host, port) as s:
        s.sendall(PIPELINED)
        data = read_to_close(s)
    answers, rest = parse_answers(data, PIPELINED_METHODS)
    return {"answers": answers, "left_over": len(rest)}


def slowloris(host: str, port: int, interval: float) -> Dict[str, object]:
    """Sends a request head one byte per `interval`, never ending it, until the server closes the connection."""
    head = b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: " + b"a" * 1000
    start = time.monotonic()
    sent = 0
    closed_by = ""
    with connect(host, port) as s:
        while sent < len(head) and time.monotonic() - start < 30:
            try:
                s.sendall(head[sent : sent + 1])
            except OSError as error:
                closed_by = f"send: {error.__class__.__name__}"
                break
            sent += 1
            readable, _, _ = select.select([s], [], [], interval)
            if readable:
                try:
                    data = s.recv(4096)
                    closed_by = "end of stream" if not data else f"data: {data[:40]!r}"
                except OSError as error:  # ssl.SSLError is one
                    closed_by = f"recv: {error.__class__.__name__}"
                break
    return {"closed_by": closed_by, "seconds": round(time.monotonic() - start, 2), "bytes_sent": sent}


def slowread(host: str, port: int, path: str, seconds: float) -> Dict[str, object]:
    """GETs `path` with a small receive buffer and reads its answer in 4 KiB steps spread over about `seconds`, so
    the server must wait for room again and again (backpressure)."""
    start = time.monotonic()
    with connect(host, port, receive_buffer=4096) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
            time.sleep(seconds * 4096 / 100000)
    answers, rest = parse_answers(b"".join(chunks), ["GET"])
    return {"answer": answers[0], "left_over": len(rest), "seconds": round(time.monotonic() - start, 2)}


def get(host: str, port: int, name: str, path: str) -> Dict[str, object]:
    """GET `path` over TLS with `name` as SNI and the name the certificate must carry (check_hostname)."""
    assert TLS is not None
    context = ssl.create_default_context(cafile=TLS[1])
    try:
        with socket.create_connection((host, port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=name) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
                data = read_to_close(s)
                subject = dict(item[0] for item in s.getpeercert()["subject"])["commonName"]
                answers, rest = parse_answers(data, ["GET"])
                return {"subject": subject, "cipher": s.cipher()[0], "version": s.version(), **answers[0]}
    except ssl.SSLCertVerificationError as error:
        return {"refused": error.verify_message}


def names(host: str, port: int, server_names: List[str]) -> Dict[str, object]:
    return {name: get(host, port, name, "/index.html") for name in server_names}


def client_hello(name: str) -> bytes:
    """The first flight of a real TLS client for `name`, taken from Python's ssl without a network."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    connection = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname=name)
    try:
        connection.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def wait_closed(s: socket.socket, limit: float) -> float:
    """Seconds until the server ends the connection (reads what it sends until then)."""
    start = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(4096):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    return round(time.monotonic() - start, 2)


def hostile(host: str, port: int) -> Dict[str, object]:
    """Garbage (an HTTP request) instead of a ClientHello, then half of a real one left hanging while another client
    is served; says when the server closed each, and the local ports the server logs them under."""
    assert TLS is not None
    result: Dict[str, object] = {}
    with socket.create_connection((host, port), timeout=10) as garbage:
        result["garbage_port"] = garbage.getsockname()[1]
        garbage.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        result["garbage_closed_after"] = wait_closed(garbage, 10)
    hello = client_hello(TLS[0])
    with socket.create_connection((host, port), timeout=10) as half:
        result["half_port"] = half.getsockname()[1]
        half.sendall(hello[: len(hello) // 2])
        result["served_meanwhile"] = get(host, port, TLS[0], "/index.html")
        result["half_closed_after"] = wait_closed(half, 30)
    return result


def main() -> None:
    global TLS
    arguments = sys.argv[1:]
    if arguments[0] == "--tls":
        name, _, ca = arguments[1].partition(":")
        TLS = (name, ca)
        arguments = arguments[2:]
    command, host, port, rest = arguments[0], arguments[1], int(arguments[2]), arguments[3:]
    if command == "names":
        result = names(host, port, rest)
    elif command == "hostile":
        result = hostile(host, port)
    elif command == "pipeline":
        result = pipeline(host, port)
    elif command == "slowloris":
        result = slowloris(host, port, float(rest[0]))
    elif command == "slowread":
        result = slowread(host, port, rest[0], float(rest[1]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

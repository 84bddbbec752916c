"""HTTP clients that curl cannot be, run by the website tests where the server is reachable (on loopback, or
inside the test's network namespace with `ip netns exec`): pipelined requests on one socket, and a slowloris
client that sends its header a byte at a time. Prints one JSON result.

    python3 raw_client.py pipeline HOST PORT
    python3 raw_client.py slowloris HOST PORT INTERVAL_SECONDS
    python3 raw_client.py slowread HOST PORT PATH SECONDS
"""

from __future__ import annotations

import hashlib
import json
import select
import socket
import sys
import time
from typing import Dict, List, Tuple

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


def pipeline(host: str, port: int) -> Dict[str, object]:
    """Sends six requests in one segment, then reads until the server closes after the last."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(PIPELINED)
        chunks = []
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    answers, rest = parse_answers(b"".join(chunks), PIPELINED_METHODS)
    return {"answers": answers, "left_over": len(rest)}


def slowloris(host: str, port: int, interval: float) -> Dict[str, object]:
    """Sends a request head one byte per `interval`, never ending it, until the server closes the connection."""
    head = b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: " + b"a" * 1000
    start = time.monotonic()
    sent = 0
    closed_by = ""
    with socket.create_connection((host, port), timeout=10) as s:
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
                except OSError as error:
                    closed_by = f"recv: {error.__class__.__name__}"
                break
    return {"closed_by": closed_by, "seconds": round(time.monotonic() - start, 2), "bytes_sent": sent}


def slowread(host: str, port: int, path: str, seconds: float) -> Dict[str, object]:
    """GETs `path` with a small receive buffer and reads its answer in 4 KiB steps spread over about `seconds`, so
    the server must wait for room again and again (backpressure)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    start = time.monotonic()
    with s:
        s.connect((host, port))
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


def main() -> None:
    command, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if command == "pipeline":
        result = pipeline(host, port)
    elif command == "slowloris":
        result = slowloris(host, port, float(sys.argv[4]))
    elif command == "slowread":
        result = slowread(host, port, sys.argv[4], float(sys.argv[5]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

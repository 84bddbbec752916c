"""The backend the tunnel tests put behind examples/tlstunnel: an HTTP/1.1 server (GET /bytes/N answers N bytes of
a fixed pattern, POST answers the sha256 of its body, GET /ends tells what the end-of-stream service saw) that is
also, on the same port, a raw service for the ends of stream: a connection that starts with `send N\\n` gets N
bytes and then our FIN while we go on reading; one that starts with `sink\\n` is read to its FIN, and its byte
count and sha256 are kept for GET /ends; `hold\\n` is not read for two seconds, then read to its end (the count
kept); `flood\\n` is sent up to 64 MiB until a send blocks for two seconds (the count kept). Run as
`python3 backend.py ADDRESS PORT`."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import sys
import time
from typing import Dict, List


def pattern(count: int) -> bytes:
    return bytes(i % 251 for i in range(251)) * (count // 251) + bytes(range(count % 251))


HOLD_SECONDS = 2.0
FLOOD_BYTES = 64 << 20
ENDS: List[Dict[str, object]] = []


class Http(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/bytes/"):
            self.reply(pattern(int(self.path[len("/bytes/") :])))
        elif self.path == "/ends":
            self.reply(json.dumps(ENDS).encode())
        else:
            self.reply(b"hello from the backend\n")

    def do_POST(self) -> None:
        left = int(self.headers["Content-Length"])
        digest = hashlib.sha256()
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            digest.update(chunk)
            left -= len(chunk)
        self.reply(digest.hexdigest().encode())

    def log_message(self, *args: object) -> None:
        pass

    def handle(self) -> None:
        first = self.rfile.peek(5)[:5]
        if first == b"send ":
            count = int(self.rfile.readline()[5:])
            self.connection.sendall(pattern(count))
            self.connection.shutdown(socket.SHUT_WR)
            while self.rfile.read1(1 << 16):
                pass
        elif first == b"sink\n":
            self.rfile.readline()
            digest, count = hashlib.sha256(), 0
            while True:
                chunk = self.rfile.read1(1 << 16)
                if not chunk:
                    break
                digest.update(chunk)
                count += len(chunk)
            ENDS.append({"count": count, "sha256": digest.hexdigest()})
        elif first == b"hold\n":
            # A receiver that takes nothing for a while: how much reaches it shows what the tunnel buffered.
            self.rfile.readline()
            time.sleep(HOLD_SECONDS)
            count = 0
            while True:
                chunk = self.rfile.read1(1 << 16)
                if not chunk:
                    break
                count += len(chunk)
            ENDS.append({"held": count})
        elif first == b"flood":
            # A sender faster than its client: how much it could send before blocking for a while.
            self.rfile.readline()
            self.connection.settimeout(HOLD_SECONDS)
            sent, chunk = 0, bytes(1 << 16)
            try:
                while sent < FLOOD_BYTES:
                    sent += self.connection.send(chunk)
            except OSError:
                pass
            ENDS.append({"flooded": sent})
        else:
            super().handle()


def main() -> None:
    address, port = sys.argv[1], int(sys.argv[2])
    http_server = http.server.ThreadingHTTPServer((address, port), Http)
    print("backend ready", flush=True)
    http_server.serve_forever()


if __name__ == "__main__":
    main()

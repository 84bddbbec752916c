"""Linux's side of a TCP stream exchange with a server under test: send everything while reading, half-close, and
keep reading to the peer's end of stream. Standard library only, because the tests also run it inside network
namespaces as `python3 -c`: `with_exchange(script)` puts this module's source in front of such a script."""

import inspect
import socket
import sys
import threading
from typing import List


def exchange(sock: socket.socket, data: bytes, wait_seconds: float) -> bytes:
    """Sends `data` on `sock` while a thread reads, half-closes, and returns what the peer sent until its end of
    stream (or until `wait_seconds` after the half-close: the caller compares lengths or digests)."""
    chunks: List[bytes] = []

    def receive() -> None:
        while True:
            try:
                chunk = sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)
    reader.join(wait_seconds)
    return b"".join(chunks)


def with_exchange(script: str) -> str:
    """`script` preceded by this module, so that `exchange` is defined where `python3 -c` runs it."""
    return inspect.getsource(sys.modules[__name__]) + "\n" + script

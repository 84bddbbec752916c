"""TCP through the unix stack over an impaired link: the echo server in one network namespace, a Python client in
another, and between them a relay (impaired_link.py) that drops 5 % of the frames each way, delays them by 0-2 ms
(so they overtake one another), sends a further 10 % out of order and duplicates 1 %. This host's kernel has no
`tc qdisc netem`, so the relay does netem's work in user space, on the frames themselves.

Host sockets leave recovery to the host's TCP; this proves the stack's use of them (partial writes, EAGAIN,
half-close) holds up when segments arrive late, twice or not at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Dict, Iterator, Tuple

from echo import impaired_link
from echo.echo_server import echo_server
from probes.capabilities import require
from stream_exchange import with_exchange

SERVER_ADDRESS = "10.77.0.1"
CLIENT_ADDRESS = "10.77.0.2"
PAYLOAD_BYTES = 10 * 1000 * 1000

# Runs in the client namespace: sends PAYLOAD_BYTES of seeded random bytes to the echo port while reading the echo,
# half-closes, and prints the sha256 of what it sent and of what came back, then the sink's answer length.
CLIENT = """
import hashlib, random, socket, sys
address, echo_port, sink_port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
payload = random.Random(7).randbytes(size)
with socket.create_connection((address, echo_port), timeout=60) as client:
    echoed = exchange(client, payload, 120)
with socket.create_connection((address, sink_port), timeout=60) as sink:
    sink.sendall(payload)
    sink.shutdown(socket.SHUT_WR)
    answer = sink.recv(16)
print(hashlib.sha256(payload).hexdigest(), hashlib.sha256(echoed).hexdigest(), len(echoed), len(answer))
"""


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=10)


@contextmanager
def impaired_namespaces(counts: Dict[str, int]) -> Iterator[Tuple[str, str]]:
    """Yield (server namespace, client namespace), joined by the relay's two taps; fill `counts` with what the
    relay did when it ends."""
    require("netns", "the impaired-link test needs network namespaces")
    require("tap", "the impaired-link test needs tap devices")
    names = [f"mirage-tcp-{role}-{os.getpid()}" for role in ("server", "client")]
    try:
        for name in names:
            run("ip", "netns", "add", name)
        server, client = names
        with impaired_link.impaired_relay(server, client, 7, counts):
            for name, address in ((server, SERVER_ADDRESS), (client, CLIENT_ADDRESS)):
                run("ip", "-n", name, "link", "set", "lo", "up")
                run("ip", "-n", name, "address", "add", f"{address}/24", "dev", "tap0")
                run("ip", "-n", name, "link", "set", "tap0", "up")
            yield server, client
    finally:
        for name in names:
            subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)


def test_ten_megabytes_echo_intact_and_the_sink_drains_through_loss_reordering_and_duplication() -> None:
    counts: Dict[str, int] = {}
    with impaired_namespaces(counts) as (server_namespace, client_namespace):
        with echo_server(command_prefix=("ip", "netns", "exec", server_namespace), address=SERVER_ADDRESS) as server:
            result = subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    client_namespace,
                    sys.executable,
                    "-c",
                    with_exchange(CLIENT),
                    SERVER_ADDRESS,
                    str(server.tcp_echo_port),
                    str(server.tcp_sink_port),
                    str(PAYLOAD_BYTES),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
    assert result.returncode == 0, result.stderr
    sent, echoed, echoed_len, sink_answer = result.stdout.split()
    assert (echoed, int(echoed_len), int(sink_answer)) == (sent, PAYLOAD_BYTES, 0)
    # The link did impair this traffic: of the thousands of frames, about 5 % dropped, 1 % duplicated, 10 % ahead.
    assert counts["frames"] > 10000, counts
    assert counts["dropped"] > counts["frames"] * 0.03, counts
    assert counts["duplicated"] > 0 and counts["sent_ahead"] > counts["frames"] * 0.05, counts

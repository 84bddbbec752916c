"""TCP on the direct stack against Linux through an impaired link, on unix (its own program), hvt, spt and virtio.

The guest's tap is in one network namespace, Linux's sockets in another, and between them the user-space relay of
tests/echo/impaired_link.py drops 5 % of the frames each way, delays them by 0-2 ms (so they overtake one another),
sends 10 % ahead and duplicates 1 % (this host's kernel has no netem; the variant below uses netem where it exists).
Over it, SIZE bytes go each way at once (an echo, compared by SHA-256); after Linux's half-close the guest finishes
and closes; then a tenth of that to the sink, which answers its count after Linux's half-close and closes. Both ends
agree on SACK, so several losses in one window cost a round trip, not a timeout, and a loss at a flight's tail is
found by a tail loss probe, not the 200 ms timer. SIZE is the issue's 10 MB each way (12-14 s per ABI here;
lib/tcpip/README.md has the figures); `MIRAGE_IMPAIRED_BYTES` sets another size (e.g. 2000000 for a quick run),
passed through Pants' sandbox with `./pants test --test-extra-env-vars=MIRAGE_IMPAIRED_BYTES tests/net:tcp_impaired`.

Where the kernel has the netem qdisc, the same runs with netem on Linux's tap instead of the relay (loss, delay,
reordering and duplication of what Linux sends; netem shapes only egress); elsewhere it skips with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from typing import Dict, Iterator, List, Tuple

import pytest
from echo.impaired_link import impaired_relay
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace
from probes.capabilities import require
from stream_exchange import with_exchange

GUEST = "10.0.0.2"
HOST = "10.0.0.1"
READY = "tcp_echo: listening on"
SIZE = int(os.environ.get("MIRAGE_IMPAIRED_BYTES", "10000000"))
ABIS = ["unix", "hvt", "spt", "virtio"]

# Runs in Linux's namespace: `probe.py SIZE`; echoes SIZE random bytes (sent while the echo is read) and half-closes,
# then sends a tenth of them to the sink and half-closes: the guest answers the count and closes. Prints JSON.
PROBE = r"""
import hashlib, json, os, socket, sys, time
size = int(sys.argv[1])
data = os.urandom(size)
start = time.monotonic()
s = socket.create_connection(("10.0.0.2", 7), timeout=60)
back = exchange(s, data, 120)
s.close()
echo_seconds = time.monotonic() - start
sink = socket.create_connection(("10.0.0.2", 8), timeout=60)
sink.sendall(data[: size // 10])
sink.shutdown(socket.SHUT_WR)
reply = b""
while True:
    chunk = sink.recv(100)
    if not chunk:
        break
    reply += chunk
sink.close()
info = {"sent": hashlib.sha256(data).hexdigest(), "received": hashlib.sha256(back).hexdigest(),
        "length": len(back), "echo_seconds": echo_seconds, "reply": reply.decode()}
print(json.dumps(info))
"""


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=10)


def guest_command(abi: str) -> List[str]:
    if abi == "unix":
        return ["tests.net/tcp_echo_direct.unix", "--tap=tap0", f"--ipv4={GUEST}/24"]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"tests.net/tcp_echo.{abi}", f"--ipv4={GUEST}/24"]


@contextmanager
def peer_namespace(purpose: str) -> Iterator[str]:
    name = f"mirage-{purpose}-{os.getpid()}"
    run("ip", "netns", "add", name)
    try:
        run("ip", "-n", name, "link", "set", "lo", "up")
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)


@contextmanager
def guest_behind_relay(abi: str, counts: Dict[str, int], sack: bool = True) -> Iterator[Tuple[str, str]]:
    """The tcp_echo guest on `abi` on a tap in one namespace, the relay from that tap to a tap with HOST in a second
    namespace (Linux's, yielded with the guest's console); all removed after. `sack=False` turns SACK off in
    Linux, which then neither offers it nor uses it."""
    require_abi(abi)
    with ExitStack() as cleanup:
        guest_namespace = cleanup.enter_context(tap_namespace(f"impaired-{abi}"))
        linux = cleanup.enter_context(peer_namespace(f"impaired-peer-{abi}"))
        cleanup.enter_context(impaired_relay(f"{guest_namespace}/tap0", linux, 11, counts))
        run("ip", "-n", linux, "address", "add", f"{HOST}/24", "dev", "tap0")
        run("ip", "-n", linux, "link", "set", "tap0", "up")
        run("ip", "netns", "exec", linux, "sysctl", "-q", f"net.ipv4.tcp_sack={int(sack)}")
        command = ["ip", "netns", "exec", guest_namespace, *guest_command(abi)]
        _, console = cleanup.enter_context(running_in_background(command, READY, f"tcp_impaired-{abi}"))
        yield linux, console


def probe(linux: str, size: int, console: str) -> dict:
    result = subprocess.run(
        ["ip", "netns", "exec", linux, sys.executable, "-c", with_exchange(PROBE), str(size)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    with open(console) as f:
        output = f.read()
    assert result.returncode == 0, result.stderr + output
    return json.loads(result.stdout)


@pytest.mark.parametrize("abi", ABIS)
def test_megabytes_each_way_through_loss_reordering_duplication_and_delay(abi: str) -> None:
    counts: Dict[str, int] = {}
    with guest_behind_relay(abi, counts) as (linux, console):
        result = probe(linux, SIZE, console)
    print(f"{abi}: {SIZE} bytes each way in {result['echo_seconds']:.1f} s; relay {counts}")
    assert result["length"] == SIZE and result["received"] == result["sent"], result
    assert result["reply"] == f"{SIZE // 10}\n", result
    # The link did impair this traffic: about 5 % dropped, 1 % duplicated, 10 % sent ahead.
    assert counts["frames"] > 2 * SIZE // 1500, counts  # the data each way, in frames of at most 1500 bytes
    assert counts["dropped"] > counts["frames"] * 0.03, counts
    assert counts["duplicated"] > 0 and counts["sent_ahead"] > counts["frames"] * 0.05, counts


@pytest.mark.parametrize("abi", ABIS)
def test_the_echo_through_netem(abi: str) -> None:
    require("netem", "impairing the link with the netem qdisc")
    require_abi(abi)
    with tap_namespace(f"netem-{abi}", host_address=f"{HOST}/24") as namespace:
        netem = "loss 5% delay 1ms 1ms reorder 10% duplicate 1%"
        run("ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", "tap0", "root", "netem", *netem.split())
        command = ["ip", "netns", "exec", namespace, *guest_command(abi)]
        with running_in_background(command, READY, f"tcp_netem-{abi}") as (_, console):
            result = probe(namespace, SIZE, console)
    print(f"{abi}: {SIZE} bytes each way through netem in {result['echo_seconds']:.1f} s")
    assert result["length"] == SIZE and result["received"] == result["sent"], result
    assert result["reply"] == f"{SIZE // 10}\n", result

"""A lossy, reordering, duplicating link between two network namespaces, in user space: this host's kernel has no
`netem` qdisc (CONFIG_NET_SCH_NETEM is off), so a relay reads each Ethernet frame from a tap device in one
namespace and writes it to a tap in the other, after dropping, delaying, reordering or duplicating it.

Run as a program: `impaired_link.py NS_A NS_B SEED` opens `tap0` in both namespaces, prints `ready`, relays until
terminated, then prints how many frames it relayed, dropped, duplicated and sent ahead. The taps exist only while
it runs (they are not persistent).
"""

from __future__ import annotations

import ctypes
import fcntl
import heapq
import itertools
import os
import random
import select
import signal
import struct
import sys
import time
from typing import Dict, List, Tuple

LOSS = 0.05  # of frames, each direction
DUPLICATE = 0.01
DELAY_S = 0.001  # each frame waits 0..2 ms, uniformly: frames overtake one another
JITTER_S = 0.001
REORDER = 0.10  # of frames sent at once, ahead of the delayed ones

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap_in(namespace: str, name: str) -> int:
    """A file descriptor of a new tap device `name` inside `namespace` (a tap lives in the namespace of the
    thread that creates it, so this thread enters the namespace for the call and comes back)."""
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace}")
        tap = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
        if libc.setns(own, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back")
        return tap
    finally:
        os.close(own)
        os.close(target)


def relay(first: int, second: int, rng: random.Random, counts: Dict[str, int]) -> None:
    pending: List[Tuple[float, int, int, bytes]] = []  # (when, order, to, frame)
    order = itertools.count()
    while True:
        now = time.monotonic()
        timeout = max(0.0, pending[0][0] - now) if pending else None
        readable, _, _ = select.select([first, second], [], [], timeout)
        now = time.monotonic()
        for source in readable:
            frame = os.read(source, 65536)
            target = second if source == first else first
            counts["frames"] += 1
            if rng.random() < LOSS:
                counts["dropped"] += 1
                continue
            copies = 2 if rng.random() < DUPLICATE else 1
            counts["duplicated"] += copies - 1
            for _ in range(copies):
                ahead = rng.random() < REORDER
                counts["sent_ahead"] += ahead
                delay = 0.0 if ahead else DELAY_S + rng.uniform(-JITTER_S, JITTER_S)
                heapq.heappush(pending, (now + delay, next(order), target, frame))
        while pending and pending[0][0] <= now:
            _, _, target, frame = heapq.heappop(pending)
            try:
                os.write(target, frame)
            except OSError:
                pass  # the link is not up yet, or going away: the frame is lost, as on a wire


def main() -> None:
    first_namespace, second_namespace, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    first = open_tap_in(first_namespace, "tap0")
    second = open_tap_in(second_namespace, "tap0")
    print("ready", flush=True)
    counts = {"frames": 0, "dropped": 0, "duplicated": 0, "sent_ahead": 0}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        relay(first, second, random.Random(seed), counts)
    finally:
        print(" ".join(f"{name}={count}" for name, count in counts.items()), flush=True)


if __name__ == "__main__":
    main()

"""A lossy, reordering, duplicating link between two network namespaces, in user space: this host's kernel has no
`netem` qdisc (CONFIG_NET_SCH_NETEM is off), so a relay reads each Ethernet frame from a tap device in one
namespace and writes it to a tap in the other, after dropping, delaying, reordering or duplicating it.

Run as a program: `impaired_link.py A B SEED`, where each side is a namespace `NS` (the relay opens a new `tap0`
there, which exists only while it runs) or `NS/IFACE` (the relay attaches to the existing interface IFACE there with
a packet socket: the tap a tender or QEMU holds for a guest, so the guest's frames cross the relay). A packet socket
reads a frame as its holder wrote it: where that was a TCP segment of up to 64 KiB for the host to cut (transmit
segmentation offload, hvt's tender), the relay cuts it as the host would, and each piece is a frame on the link.
It prints
`ready`, relays until terminated, then prints how many frames it relayed, dropped, duplicated and sent ahead.
`impaired_relay` runs it for a test.
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
import socket
import struct
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Tuple

LOSS = 0.05  # of frames, each direction
DUPLICATE = 0.01
DELAY_S = 0.001  # each frame waits 0..2 ms, uniformly: frames overtake one another
JITTER_S = 0.001
REORDER = 0.10  # of frames sent at once, ahead of the delayed ones

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_VNET_HDR = 15  # each frame read or sent behind a virtio-net header (struct virtio_net_hdr, 10 bytes)
VNET_HEADER = struct.Struct("<BBHHHH")  # flags, gso_type, hdr_len, gso_size, csum_start, csum_offset
VNET_F_NEEDS_CSUM = 1
VNET_GSO_NONE = 0
VNET_GSO_TCPV4 = 1
TCP_FIN_PSH = 0x09


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def host_segments(header: bytes, frame: bytes) -> List[bytes]:
    """The frames a host makes of `frame` behind virtio-net `header`: its checksum completed where NEEDS_CSUM asks,
    and a TCPV4 segment cut into segments of gso_size payload bytes (as Linux's tcp_gso_segment: the headers copied,
    the IPv4 ID and the sequence number advanced, FIN and PSH on the last piece only). Nothing for a kind of
    segmentation this relay does not do."""
    flags, gso_type, _, gso_size, csum_start, csum_offset = VNET_HEADER.unpack(header)
    if gso_type == VNET_GSO_NONE:
        if not flags & VNET_F_NEEDS_CSUM:
            return [frame]
        # The field holds the pseudo header's sum: the sum from csum_start on, that field included, completes it.
        at = csum_start + csum_offset
        done = bytearray(frame)
        done[at : at + 2] = struct.pack("!H", checksum(frame[csum_start:]))
        return [bytes(done)]
    if gso_type != VNET_GSO_TCPV4 or gso_size == 0:
        return []
    ip_start = 14
    ip_len = (frame[ip_start] & 0x0F) * 4
    tcp_start = ip_start + ip_len
    tcp_len = (frame[tcp_start + 12] >> 4) * 4
    payload = frame[tcp_start + tcp_len :]
    ip_id, seq = (
        struct.unpack("!H", frame[ip_start + 4 : ip_start + 6])[0],
        struct.unpack("!I", frame[tcp_start + 4 : tcp_start + 8])[0],
    )
    # Each piece's checksum is made from the pseudo header's sum in the field (the whole length taken out, the
    # piece's put in), as Linux's tcp_gso_segment makes it, so a wrong field reaches Linux's receiver as wrong sums.
    field = frame[tcp_start + 16 : tcp_start + 18]
    whole_length_out = struct.pack("!H", ~(tcp_len + len(payload)) & 0xFFFF)
    pieces = []
    for index, offset in enumerate(range(0, len(payload), gso_size)):
        part = payload[offset : offset + gso_size]
        ip = bytearray(frame[ip_start:tcp_start])
        ip[2:4] = struct.pack("!H", ip_len + tcp_len + len(part))
        ip[4:6] = struct.pack("!H", (ip_id + index) & 0xFFFF)
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
        tcp = bytearray(frame[tcp_start : tcp_start + tcp_len])
        tcp[4:8] = struct.pack("!I", (seq + offset) & 0xFFFFFFFF)
        if offset + gso_size < len(payload):
            tcp[13] &= ~TCP_FIN_PSH & 0xFF
        tcp[16:18] = b"\0\0"
        sums = field + whole_length_out + struct.pack("!H", tcp_len + len(part))
        tcp[16:18] = struct.pack("!H", checksum(sums + bytes(tcp) + part))
        pieces.append(frame[:ip_start] + bytes(ip) + bytes(tcp) + part)
    return pieces


class Port:
    """One side of the link: frames are read from `fd` by `receive` (a list: empty when none is for the link) and
    written by `send`."""

    def __init__(self, fd: int, receive: Callable[[], object], send: Callable[[bytes], object]) -> None:
        self.fd, self.receive, self.send = fd, receive, send


def in_namespace(namespace: str, make: Callable[[], object]) -> object:
    """Call `make` with this thread inside `namespace`: a tap or socket belongs to the namespace it was made in."""
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace}")
        try:
            return make()
        finally:
            if libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(own)
        os.close(target)


def open_tap_in(namespace: str, name: str) -> int:
    """A file descriptor of a new tap device `name` inside `namespace`."""

    def make() -> int:
        tap = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
        return tap

    return int(in_namespace(namespace, make))  # type: ignore[call-overload]


def open_port(side: str) -> Port:
    """`NS`: a new tap0 in NS; `NS/IFACE`: a packet socket on IFACE in NS, which reads what the interface receives
    (the frames its holder writes) and sends to its holder."""
    namespace, _, interface = side.partition("/")
    if not interface:
        tap = open_tap_in(namespace, "tap0")
        return Port(tap, lambda: [os.read(tap, 65536)], lambda frame: os.write(tap, frame))

    def make() -> socket.socket:
        packets = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        packets.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        packets.bind((interface, 0))
        return packets

    packets: socket.socket = in_namespace(namespace, make)  # type: ignore[assignment]

    def receive() -> List[bytes]:
        data, address = packets.recvfrom(VNET_HEADER.size + 65536 + 14)
        if address[2] == PACKET_OUTGOING:  # our own sends come back as outgoing
            return []
        return host_segments(data[: VNET_HEADER.size], data[VNET_HEADER.size :])

    no_offload = bytes(VNET_HEADER.size)
    return Port(packets.fileno(), receive, lambda frame: packets.send(no_offload + frame))


def relay(first: Port, second: Port, rng: random.Random, counts: Dict[str, int]) -> None:
    pending: List[Tuple[float, int, Port, bytes]] = []  # (when, order, to, frame)
    order = itertools.count()
    ports = {first.fd: (first, second), second.fd: (second, first)}
    while True:
        now = time.monotonic()
        timeout = max(0.0, pending[0][0] - now) if pending else None
        readable, _, _ = select.select(list(ports), [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            source, target = ports[fd]
            for frame in source.receive():
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
                target.send(frame)
            except OSError:
                pass  # the link is not up yet, or going away: the frame is lost, as on a wire


def main() -> None:
    first, second, seed = open_port(sys.argv[1]), open_port(sys.argv[2]), int(sys.argv[3])
    print("ready", flush=True)
    counts = {"frames": 0, "dropped": 0, "duplicated": 0, "sent_ahead": 0}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        relay(first, second, random.Random(seed), counts)
    finally:
        print(" ".join(f"{name}={count}" for name, count in counts.items()), flush=True)


@contextmanager
def impaired_relay(first: str, second: str, seed: int, counts: Dict[str, int]) -> Iterator[None]:
    """Run the relay between sides `first` and `second` (see the module's doc) while the block runs; `counts` gets
    what it did when it ends. The caller has checked for namespaces and tap devices."""
    relay = subprocess.Popen(
        [sys.executable, __file__, first, second, str(seed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert relay.stdout is not None
        ready = relay.stdout.readline()
        assert ready == "ready\n", relay.stderr.read() if relay.stderr else ready
        yield
    finally:
        relay.terminate()
        summary, _ = relay.communicate(timeout=10)
        counts.update((name, int(value)) for name, value in (field.split("=") for field in summary.split()))


if __name__ == "__main__":
    main()

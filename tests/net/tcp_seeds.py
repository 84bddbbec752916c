"""Seed inputs for the TCP fuzz harness (lib/tcpip/tests/tcp_fuzz_input.h), built by hand: handshakes both ways,
data, every close, resets and SYNs in and out of the window, malformed segments. `python3 tests/net/tcp_seeds.py
lib/tcpip/tests/tcp_corpus` rewrites them.

Records: op 0 raw segment (u16 length, bytes; op | 0x80 fixes the checksum), op 1 crafted segment (flags, i16 seq
and ack offsets from RCV.NXT and SND.UNA, u16 window, option bits, payload length, payload; op | 0x40 targets the
flow that connects to port 81, (op >> 3) & 3 picks the peer port 5000 + n), op 2 time (u16 ms), op 3 application
action on flow (op >> 3) & 7 (action: 0 read, 1 write, 2 shutdown, 3 close, 4 connect; then a size byte), op 4 a
crafted segment as op 1 followed by a SACK byte (bit 3 SACK-permitted, bits 0-2 block count) and the blocks (i16 start
and end offsets from SND.UNA).
"""

from __future__ import annotations

import os
import struct
import sys
from typing import Dict, Optional, Tuple

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS, WSCALE, TIMESTAMPS = 1, 2, 4


def segment(
    flags: int,
    seq: int = 0,
    ack: int = 0,
    window: int = 8192,
    options: int = 0,
    payload: bytes = b"",
    peer: int = 0,
    connecting: bool = False,
) -> bytes:
    op = 1 | (peer << 3) | (0x40 if connecting else 0)
    return struct.pack("!BBhhHBB", op, flags, seq, ack, window, options, len(payload)) + payload


def sack_segment(
    flags: int,
    seq: int = 0,
    ack: int = 0,
    window: int = 8192,
    options: int = 0,
    payload: bytes = b"",
    permitted: bool = False,
    blocks: Tuple[Tuple[int, int], ...] = (),
    count: Optional[int] = None,
) -> bytes:
    """A crafted segment (as `segment`) with SACK-permitted and SACK blocks; `count` may claim more blocks than
    given (the harness writes at most 3)."""
    op = 4
    sack = (8 if permitted else 0) | (len(blocks) if count is None else count)
    body = b"".join(struct.pack("!hh", start, end) for start, end in blocks)
    return struct.pack("!BBhhHBB", op, flags, seq, ack, window, options, len(payload)) + payload + bytes([sack]) + body


def wait(ms: int) -> bytes:
    return struct.pack("!BH", 2, ms)


def app(flow: int, action: int, size: int = 0) -> bytes:
    return struct.pack("!BBB", 3 | (flow << 3), action, size)


def raw(data: bytes, fix_checksum: bool = True) -> bytes:
    return struct.pack("!BH", 0x80 if fix_checksum else 0, len(data)) + data


def tcp_header(
    flags: int,
    offset_words: int = 5,
    options: bytes = b"",
    source: int = 5000,
    destination: int = 80,
    seq: int = 1000,
    ack: int = 0,
) -> bytes:
    return struct.pack("!HHIIBBHHH", source, destination, seq, ack, offset_words << 4, flags, 8192, 0, 0) + options


# The same, with SACK agreed.
OPEN_SACK = sack_segment(SYN, options=MSS | WSCALE | TIMESTAMPS, permitted=True) + segment(ACK, ack=1)

# Flow 0 is the connect to port 81 made at setup; the listener's flows come next, in accept order.
OPEN = segment(SYN, options=MSS | WSCALE | TIMESTAMPS) + segment(ACK, ack=1)


def seeds() -> Dict[str, bytes]:
    return {
        "seed-passive-open-data-close": OPEN
        + segment(ACK | PSH, payload=b"hello")
        + app(1, 1, 40)
        + wait(50)
        + segment(ACK | FIN, ack=40)
        + app(1, 3)
        + wait(100),
        "seed-active-open": segment(SYN | ACK, ack=1, options=MSS | TIMESTAMPS, connecting=True)
        + app(0, 1, 100)
        + segment(ACK, ack=100, connecting=True)
        + app(0, 2)
        + segment(ACK | FIN, ack=1, connecting=True)
        + wait(1000),
        "seed-active-open-refused": segment(RST | ACK, ack=1, connecting=True),
        "seed-half-close": OPEN + segment(ACK | FIN) + app(1, 1, 200) + app(1, 0, 10) + app(1, 2) + wait(300),
        "seed-simultaneous-close": OPEN + app(1, 2) + segment(ACK | FIN) + wait(10) + segment(ACK, ack=1) + wait(10),
        "seed-rst-in-and-out-of-window": OPEN
        + segment(RST, seq=100)
        + segment(RST, seq=-30000)
        + segment(SYN, seq=5)
        + segment(RST),
        "seed-retransmission": OPEN + app(1, 1, 255) + wait(250) + wait(500) + wait(1000) + segment(ACK, ack=255),
        "seed-zero-window": OPEN + app(1, 1, 255) + segment(ACK, window=0) + wait(300) + wait(600) + segment(ACK),
        "seed-out-of-order": OPEN
        + segment(ACK, seq=10, payload=b"later")
        + segment(ACK, seq=30, payload=b"much later")
        + segment(ACK, payload=b"0123456789")
        + app(1, 0, 200),
        "seed-dupacks": OPEN
        + app(1, 1, 255)
        + app(1, 1, 255)
        + segment(ACK)
        + segment(ACK)
        + segment(ACK)
        + segment(ACK, ack=100),
        "seed-syn-flood": b"".join(segment(SYN, peer=p) for p in range(4)) + wait(5000),
        "seed-time-wait": OPEN + app(1, 3) + segment(ACK, ack=1) + segment(ACK | FIN, ack=1) + wait(65000),
        "seed-malformed": raw(tcp_header(ACK, offset_words=4))
        + raw(tcp_header(ACK, offset_words=15))
        + raw(tcp_header(ACK, offset_words=6, options=b"\x02\x04\x05"))
        + raw(tcp_header(SYN | FIN))
        + raw(tcp_header(ACK, offset_words=6, options=b"\x08\x0a\x00\x00"))
        + raw(tcp_header(ACK), fix_checksum=False)
        + raw(b"\x00" * 12),
        "seed-sack-recovery": OPEN_SACK
        + app(1, 1, 255)
        + app(1, 1, 255)
        + app(1, 1, 255)
        + app(1, 1, 255)
        + sack_segment(ACK, blocks=((255, 510),))
        + sack_segment(ACK, blocks=((255, 510), (600, 765)))
        + sack_segment(ACK, blocks=((255, 765),))
        + sack_segment(ACK, ack=255, blocks=((510, 765),))
        + wait(300)
        + segment(ACK, ack=1020),
        "seed-sack-hostile-blocks": OPEN_SACK
        + app(1, 1, 255)
        + app(1, 1, 255)
        + sack_segment(ACK, blocks=((600, 900), (-500, 0), (100, 50)))
        + sack_segment(ACK, blocks=((0, 510),), count=7)
        + sack_segment(ACK, blocks=((-32768, 32767), (10, 10)))
        + raw(tcp_header(ACK, offset_words=8, options=b"\x01\x05\x09" + b"\x00" * 7 + b"\x01\x00"))
        + raw(tcp_header(ACK, offset_words=7, options=b"\x01\x01\x05\x02" + b"\x04\x03\x00\x00"))
        + raw(tcp_header(ACK, offset_words=6, options=b"\x01\x01\x05\x2a"))
        + wait(2000),
        "seed-sack-receiver-holes": OPEN_SACK
        + segment(ACK, seq=10, payload=b"a")
        + segment(ACK, seq=30, payload=b"b")
        + segment(ACK, seq=50, payload=b"c")
        + segment(ACK, seq=70, payload=b"d")
        + segment(ACK, seq=20, payload=b"e")
        + segment(ACK, payload=b"0123456789")
        + app(1, 0, 200),
        "seed-sack-timeout": OPEN_SACK
        + app(1, 1, 255)
        + app(1, 1, 255)
        + sack_segment(ACK, blocks=((300, 510),))
        + wait(250)
        + sack_segment(ACK, blocks=((100, 200),))
        + wait(600)
        + segment(ACK, ack=510),
        "seed-closed-port": raw(tcp_header(SYN, destination=99)) + raw(tcp_header(ACK, destination=99)),
    }


def write_seeds(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tcp_seeds.py CORPUS_DIRECTORY")
    write_seeds(sys.argv[1])

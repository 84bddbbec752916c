"""A hostile hvt guest (tests/guests/hostile_hypercalls.c) makes raw hypercalls no well-behaved guest makes.

The tender answers each one the way the design says, never touching memory or disk outside what the guest owns:
PLATFORM_INVALID for a request that is wrong but harmless to refuse (a count above NET_EXCHANGE's limit, a block
request outside the disk), or one line and exit 126 for an address outside guest memory or a port that is no
hypercall. Each case checks the exact answer, and that the disk file is neither changed nor grown.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from freestanding.boot import TENDER_EXIT_ABORT, TENDERS, require_abi
from netns import ready_peer, tap_namespace

GUEST = "tests.guests/hostile_hypercalls.hvt"
PLATFORM_INVALID = 2
DISK_SIZE = 64 * 1024
# Every byte of the disk before the guest runs, so that a read or write the tender should refuse shows.
DISK_PATTERN = bytes(range(256)) * (DISK_SIZE // 256)

# Refused with PLATFORM_INVALID; the guest goes on and exits 0.
REFUSED = [
    "exchange_transmit_count",  # 65 frames to send, the limit is HVT_NET_EXCHANGE_MAX_FRAMES (64)
    "exchange_receive_count",  # 65 receive buffers
    "exchange_count_wraps",  # 2^32 - 1 frames: count * sizeof must not wrap into a small copy
    "exchange_frame_too_long",  # a frame of MTU + 14 + 1 bytes
    "exchange_bad_handle",  # NET_EXCHANGE on the block device's handle
    "offload_bad_handle",  # NET_RECEIVE_OFFLOAD on the block device's handle
    "segment_flag_unknown",  # a transmit flag beside HVT_NET_TRANSMIT_SEGMENT that the ABI does not define
    "segment_size_zero",  # gso_size 0
    "segment_size_tiny",  # 535 bytes a segment: up to 123 segments a frame is the most the host is asked for
    "segment_size_above_mtu",  # 1461 bytes after 40 bytes of headers: each segment would exceed MTU 1500
    "segment_too_long",  # 14 + 65535 + 1 bytes
    "segment_length_differs",  # the IPv4 total length says one byte more than the frame holds
    "segment_headers_past_frame",  # a TCP header length beyond the frame's end
    "segment_ip_header_past_frame",  # an IPv4 header length beyond the frame's end
    "segment_not_tcp",  # UDP: only TCP segments are offloaded
    "segment_fragment",  # an IPv4 fragment
    "segment_not_ipv4",  # an IPv6 EtherType
    "frame_flagged_too_long",  # a segment beyond the MTU without the flag: refused as any overlong frame
    "block_read_past_capacity",  # offset == capacity
    "block_write_past_capacity",  # the last block and one more
    "block_write_far_away",  # offset 16 GiB: the file must not grow
    "block_offset_wraps",  # offset + length wraps past 2^64
    "block_partial_length",  # half a block
    "block_unaligned_offset",  # half a block in
    "block_bad_handle",  # BLOCK_READ on the net device's handle
]

# Stopped with one line on stderr and exit 126, before any frame or block moves.
STOPPED = {
    "exchange_frame_outside": r"hvt: guest passed an invalid address 0xf0000000 length 60 to hypercall NET_EXCHANGE",
    "exchange_buffer_wraps": (
        r"hvt: guest passed an invalid address 0xfffffffffffff000 length 8192 to hypercall NET_EXCHANGE"
    ),
    "exchange_descriptors_outside": (
        r"hvt: guest passed an invalid address 0xf0000000 length 24 to hypercall NET_EXCHANGE"
    ),
    "block_buffer_outside": r"hvt: guest passed an invalid address 0xf0000000 length 512 to hypercall BLOCK_READ",
    "hypercall_zero": r"hvt: guest accessed I/O port 0x500 that is no hypercall \(out of 4 bytes\) at RIP 0x[0-9a-f]+",
    "hypercall_past_max": (
        r"hvt: guest accessed I/O port 0x50b that is no hypercall \(out of 4 bytes\) at RIP 0x[0-9a-f]+"
    ),
    "argument_outside": r"hvt: guest passed an invalid address 0xf0000000 length 8 to hypercall WALLTIME",
    "puts_wraps": r"hvt: guest passed an invalid address 0xfffffffffffff000 length 8192 to hypercall PUTS",
}


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    require_abi("hvt")
    with tap_namespace("hypercall") as name:
        yield name


def run_guest(namespace: str, disk: Path, action: str) -> subprocess.CompletedProcess:
    disk.write_bytes(DISK_PATTERN)
    result = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            namespace,
            TENDERS["hvt"],
            "--net:service=tap0",
            f"--block:storage={disk}",
            GUEST,
            f"--action={action}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert disk.stat().st_size == DISK_SIZE, f"{action}: the disk file changed size"
    assert disk.read_bytes() == DISK_PATTERN, f"{action}: the disk file changed"
    return result


@pytest.mark.parametrize("action", REFUSED)
def test_request_is_refused_with_invalid(action: str, namespace: str, tmp_path: Path) -> None:
    result = run_guest(namespace, tmp_path / "disk.img", action)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    assert result.stdout == f"hostile: {action}\nhostile: {action} answered {PLATFORM_INVALID}\n"


def test_segment_is_taken_whole(namespace: str, tmp_path: Path) -> None:
    # Three MSS of payload in one frame flagged HVT_NET_TRANSMIT_SEGMENT: checked, written with a virtio-net header
    # asking for TSO4, and accepted by the host kernel (which validates the header again).
    result = run_guest(namespace, tmp_path / "disk.img", "segment_sent")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    assert result.stdout == "hostile: segment_sent\nhostile: segment_sent answered 0\n"


# Runs inside the namespace: print the length of the first IPv4 frame from the guest on the tap and whether its
# payload after 54 bytes of headers is the guest's pattern (byte i is i * 7 + 3).
SEGMENT_PEER = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0x0800))
s.settimeout(20)
print("ready", flush=True)
frame = s.recv(70000)
intact = all(frame[i] == (i * 7 + 3) & 0xFF for i in range(54, len(frame)))
print(len(frame), "intact" if intact else "changed", flush=True)
"""


def test_netif_segment_leaves_whole(namespace: str, tmp_path: Path) -> None:
    # The platform's netif sends a 3-MSS segment through transmit offload: one frame of 4,434 bytes leaves the
    # tender (the host cuts it only if it forwards it on), its payload as the guest wrote it.
    with ready_peer(namespace, SEGMENT_PEER, "tap0") as peer:
        result = run_guest(namespace, tmp_path / "disk.img", "netif_segment")
        out, err = peer.communicate(timeout=25)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    assert result.stdout == "hostile: netif_segment\nhostile: netif_segment answered 0\n"
    assert out.strip() == f"{14 + 20 + 20 + 3 * 1460} intact", err


@pytest.mark.parametrize("action", sorted(STOPPED))
def test_guest_is_stopped_in_one_line(action: str, namespace: str, tmp_path: Path) -> None:
    result = run_guest(namespace, tmp_path / "disk.img", action)
    assert result.returncode == TENDER_EXIT_ABORT, result.stdout + result.stderr
    assert result.stdout == f"hostile: {action}\n"
    assert re.fullmatch(STOPPED[action], result.stderr.rstrip("\n")), result.stderr
    assert result.stderr.count("\n") == 1


def test_unknown_action_is_reported_by_the_guest(namespace: str, tmp_path: Path) -> None:
    # The guest itself refuses an action it does not know, so a misspelt test case cannot pass as "answered".
    result = run_guest(namespace, tmp_path / "disk.img", "no_such_action")
    assert result.returncode == 2
    assert result.stdout == "hostile: no_such_action\nhostile: unknown action\n"

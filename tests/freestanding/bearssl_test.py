"""Debian's BearSSL archive linked into images (tests/guests:bearssl_vectors) on unix, hvt, spt and virtio: its
digests and AEAD outputs match Python's hashlib and the published vectors, with every implementation the CPU
offers, and an overflow onto the canary of a BearSSL frame (read at %fs:0x28) stops the unikernel."""

from __future__ import annotations

import hashlib
import re
import secrets
import subprocess

import pytest
from freestanding.boot import TENDER_EXIT_ABORT, Boot, boot, image, require_abi

VECTORS = "tests.guests/bearssl_vectors"

# McGrew and Viega, "The Galois/Counter Mode of Operation", test case 2 (AES-128, zero key, IV and block).
AES_GCM = ("0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf")
# RFC 8439 section 2.8.2, the AEAD encryption of "Ladies and Gentlemen of the class of '99: ...".
CHACHA20_POLY1305 = (
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e06"
    "0b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d265"
    "86cec64b6116",
    "1ae10b594f09e26a7e902ecbd0600691",
)
ABIS = ["unix", "hvt", "spt", "virtio"]


def run_vectors(abi: str, *args: str) -> Boot:
    if abi == "unix":
        result = subprocess.run([image(VECTORS, "unix"), *args], capture_output=True, text=True, timeout=60)
        return Boot(result.returncode, result.stdout, result.stderr, 0.0)
    require_abi(abi)
    return boot(abi, image(VECTORS, abi), *args)


def outputs(console: str, algorithm: str) -> dict:
    """{implementation: (output, tag)} for each `<algorithm> <implementation>: <hex>` line and its tag line."""
    found = {}
    for match in re.finditer(rf"^{algorithm} (\w+): ([0-9a-f]+)\n  tag: ([0-9a-f]+)$", console, re.MULTILINE):
        found[match.group(1)] = (match.group(2), match.group(3))
    return found


@pytest.mark.parametrize("abi", ABIS)
def test_bearssl_matches_hashlib_and_the_published_vectors(abi: str) -> None:
    message = secrets.token_hex(12)
    result = run_vectors(abi, f"--message={message}")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "canary: seeded", result.stdout
    assert lines[1] == f"sha256: {hashlib.sha256(message.encode()).hexdigest()}"
    aes, chacha = outputs(result.stdout, "aes-gcm"), outputs(result.stdout, "chacha20-poly1305")
    # The constant-time code always; AES-NI with PCLMUL and SSE2 where BearSSL's CPUID check finds them.
    assert aes["ct"] == AES_GCM and chacha["ct"] == CHACHA20_POLY1305
    assert aes.get("x86ni", AES_GCM) == AES_GCM
    assert "x86ni" in aes or "aes-gcm x86ni: not offered by this CPU" in lines
    assert chacha.get("sse2", CHACHA20_POLY1305) == CHACHA20_POLY1305
    # x86_64 always has SSE2, so BearSSL's SSE2 ChaCha20 runs on every ABI, with the XMM registers it needs.
    assert "sse2" in chacha, result.stdout
    with open("/proc/cpuinfo") as f:
        host_flags = set(re.search(r"^flags\s*: (.*)$", f.read(), re.MULTILINE).group(1).split())
    if abi in ("unix", "spt") and {"aes", "pclmulqdq"} <= host_flags:
        assert "x86ni" in aes, "the host CPU has AES-NI and PCLMUL, but BearSSL did not use them"


@pytest.mark.parametrize("abi", ABIS)
def test_an_overflow_onto_a_bearssl_frames_canary_stops_the_unikernel(abi: str) -> None:
    result = run_vectors(abi, "--action=smash")
    assert "smash: overflowing a buffer of br_poly1305_ctmul_run" in result.stdout
    assert "smash: survived" not in result.stdout and "canary not found" not in result.stdout
    assert "stack smashing detected" in result.stdout + result.stderr
    # glibc's __stack_chk_fail raises SIGABRT on unix; ours ends the unikernel through platform_abort.
    assert result.returncode == (-6 if abi == "unix" else TENDER_EXIT_ABORT), result.stdout + result.stderr

"""The DNS unikernel on its direct stack (netif -> ethernet -> arp -> ipv4 -> udp) on a tap interface, on hvt,
spt, virtio (QEMU) and unix, inside a network namespace the test creates and removes, queried with dig from inside
it."""

from __future__ import annotations

import subprocess
import time
from typing import Iterator, List

import pytest
from dns_server.servers import serving_dns
from freestanding.boot import TENDERS, require_abi
from netns import tap_namespace

GUEST_ADDRESS = "10.0.0.2"


@pytest.fixture
def namespace() -> Iterator[str]:
    with tap_namespace("dns-test", host_address="10.0.0.1/24") as name:
        yield name


def dig(namespace: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, "dig", f"@{GUEST_ADDRESS}", "+tries=1", "+time=2", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )


def server_command(abi: str) -> List[str]:
    boot_arguments = [f"--ipv4={GUEST_ADDRESS}/24", "--port=53"]
    if abi == "unix":
        # The unix image is its own program; its netif opens the tap the `tap` key names.
        return ["examples.dns/direct.unix", "--tap=tap0", *boot_arguments]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"examples.dns/image.{abi}", *boot_arguments]


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio", "unix"])
def test_dig_gets_answers_from_the_unikernel_on_a_tap(abi: str, namespace: str) -> None:
    require_abi(abi)
    command = ["ip", "netns", "exec", namespace, *server_command(abi)]
    with serving_dns(command, serving_on=f"on {GUEST_ADDRESS} port 53") as (server, banner):
        deadline = time.monotonic() + 10
        while True:
            answer = dig(namespace, "www.example.org", "A", "+short")
            if answer.stdout.split() or time.monotonic() > deadline:
                break
        assert sorted(answer.stdout.split()) == ["192.0.2.80", "192.0.2.81"], answer.stdout + answer.stderr
        nxdomain = dig(namespace, "nonexistent.example.org", "A")
        assert "status: NXDOMAIN" in nxdomain.stdout
        # The banner says whether the stack has TCP; a stack without it (STACK_TCP_NOT_SUPPORTED) is served over UDP
        # only, and one with it must answer a large answer whole over TCP (RFC 7766).
        transport = banner.rstrip().rpartition(", ")[2]
        assert transport in ("UDP and TCP", "UDP only (this stack has no TCP)"), banner
        if transport == "UDP and TCP":
            over_tcp = dig(namespace, "+tcp", "large.example.org", "TXT")
            assert "ANSWER: 16," in over_tcp.stdout, over_tcp.stdout + over_tcp.stderr
        assert server.poll() is None

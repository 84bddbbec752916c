"""The DNS server (examples/dns) answering over TCP on the direct stack's TCP, on hvt, spt, virtio and unix (the
`direct` image on a tap): `dig +tcp` from inside the test's namespace gets the answer, a zone transfer (AXFR,
allowed to the namespace's subnet) arrives whole, the SOA first and last, and an answer too big for UDP is
truncated there and fetched whole over TCP by dig's fallback."""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from typing import List

import pytest
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace

GUEST = "10.0.0.2"
HOST = "10.0.0.1"


def server_command(abi: str) -> List[str]:
    arguments = [f"--ipv4={GUEST}/24", "--port=53", "--axfr-allow=10.0.0.0/24"]
    if abi == "unix":
        return ["examples.dns/direct.unix", "--tap=tap0", *arguments]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"examples.dns/image.{abi}", *arguments]


def dig(namespace: str, *args: str, transport: str = "+tcp") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", namespace, "dig", f"@{GUEST}", transport, "+tries=1", "+time=5", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio", "unix"])
def test_dig_over_tcp_and_a_zone_transfer(abi: str) -> None:
    require_abi(abi)
    with ExitStack() as cleanup:
        namespace = cleanup.enter_context(tap_namespace(f"dns-tcp-{abi}", host_address=f"{HOST}/24"))
        command = ["ip", "netns", "exec", namespace, *server_command(abi)]
        cleanup.enter_context(running_in_background(command, "dns: serving example.org.", f"dns-tcp-{abi}"))
        answer = dig(namespace, "www.example.org", "A", "+short")
        assert sorted(answer.stdout.split()) == ["192.0.2.80", "192.0.2.81"], answer.stdout + answer.stderr
        transfer = dig(namespace, "example.org", "AXFR", "+nocmd", "+nostats")
        records = [line.split() for line in transfer.stdout.splitlines() if line and not line.startswith(";")]
        assert len(records) >= 50, transfer.stdout + transfer.stderr
        assert records[0][3] == "SOA" and records[-1][3] == "SOA", transfer.stdout
        # 16 TXT records, 1,951 octets: more than dig offers over UDP, so it is told TC and asks again over TCP.
        fallback = dig(namespace, "large.example.org", "TXT", transport="+notcp")
        assert "Truncated, retrying in TCP mode" in fallback.stdout, fallback.stdout + fallback.stderr
        assert "ANSWER: 16," in fallback.stdout and "(TCP)" in fallback.stdout, fallback.stdout

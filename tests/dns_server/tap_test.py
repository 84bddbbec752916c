"""The DNS unikernel on its direct stack (netif -> ethernet -> arp -> ipv4 -> udp) on a tap interface, on hvt,
spt and unix, inside a network namespace the test creates and removes, queried with dig from inside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from typing import Iterator, List

import pytest

from freestanding.boot import TENDERS, require_abi

GUEST_ADDRESS = "10.0.0.2"


@pytest.fixture
def namespace() -> Iterator[str]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and ip(8) to create a network namespace with a tap interface")
    name = f"mirage-dns-test-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        for command in (
            ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"],
            ["ip", "address", "add", "10.0.0.1/24", "dev", "tap0"],
            ["ip", "link", "set", "tap0", "up"],
            ["ip", "link", "set", "lo", "up"],
        ):
            subprocess.run(["ip", "netns", "exec", name, *command], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


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


@pytest.mark.parametrize("abi", ["hvt", "spt", "unix"])
def test_dig_gets_answers_from_the_unikernel_on_a_tap(abi: str, namespace: str) -> None:
    require_abi(abi)
    server = subprocess.Popen(
        ["ip", "netns", "exec", namespace, *server_command(abi)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert banner.startswith("dns: serving example.org. ") and f"on {GUEST_ADDRESS} port 53" in banner, banner
        deadline = time.monotonic() + 10
        while True:
            answer = dig(namespace, "www.example.org", "A", "+short")
            if answer.stdout.split() or time.monotonic() > deadline:
                break
        assert sorted(answer.stdout.split()) == ["192.0.2.80", "192.0.2.81"], answer.stdout + answer.stderr
        nxdomain = dig(namespace, "nonexistent.example.org", "A")
        assert "status: NXDOMAIN" in nxdomain.stdout
        assert server.poll() is None
    finally:
        server.kill()
        server.wait(timeout=10)

"""A network namespace with a tap interface `tap0`, made for one test and removed after it, also on failure.

Test traffic stays inside it: tenders and clients run there with `ip netns exec`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from contextlib import contextmanager
from typing import Iterator, Optional

import pytest

_serial = itertools.count()


@contextmanager
def tap_namespace(purpose: str, host_address: Optional[str] = None) -> Iterator[str]:
    """Yield the name of a fresh namespace holding an up `tap0` (with `host_address`, e.g. 10.0.0.1/24, if given)."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and ip(8) to create a network namespace with a tap interface")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("needs /dev/net/tun to create a tap interface")
    name = f"mirage-{purpose}-{os.getpid()}-{next(_serial)}"
    created = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
    if created.returncode != 0:
        pytest.skip(f"this machine cannot create a network namespace: {created.stderr.strip()}")
    try:
        commands = [
            ["ip", "link", "set", "lo", "up"],
            ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"],
            *([["ip", "address", "add", host_address, "dev", "tap0"]] if host_address else []),
            ["ip", "link", "set", "tap0", "up"],
        ]
        for command in commands:
            subprocess.run(["ip", "netns", "exec", name, *command], check=True, capture_output=True, timeout=10)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True, timeout=10)

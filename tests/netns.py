"""A network namespace with a tap interface `tap0`, made for one test and removed after it, also on failure.

Test traffic stays inside it: tenders and clients run there with `ip netns exec`.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from contextlib import contextmanager
from typing import Iterator, Optional

from probes.capabilities import missing, require

_serial = itertools.count()


@contextmanager
def tap_namespace(purpose: str, host_address: Optional[str] = None) -> Iterator[str]:
    """Yield the name of a fresh namespace holding an up `tap0` (with `host_address`, e.g. 10.0.0.1/24, if given)."""
    require("netns", f"{purpose} needs a network namespace")
    require("tap", f"{purpose} needs a tap interface")
    name = f"mirage-{purpose}-{os.getpid()}-{next(_serial)}"
    created = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
    if created.returncode != 0:
        missing("netns", f"ip netns add failed: {created.stderr.strip()}", f"{purpose} needs a network namespace")
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

"""NSD as a secondary of the DNS unikernel on the direct stack (hvt, spt, virtio, and unix's `direct` image on a
tap): inside the test's network namespace, NSD transfers the zone from the guest over the guest's own TCP (RFC
5936), then answers the differential query set, in every EDNS variant, exactly as the guest does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import List

import dns.zone
import pytest
from dns_server.servers import ORIGIN, ZONE_FILE
from dns_tcp.secondary import secondary_config
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace

GUEST = "10.0.0.2"
HOST = "10.0.0.1"  # the tap's side, where NSD listens and transfers from
SECONDARY_PORT = 5300


def guest_command(abi: str) -> List[str]:
    arguments = [f"--ipv4={GUEST}/24", "--port=53", f"--axfr-allow={HOST}"]
    if abi == "unix":
        return ["examples.dns/direct.unix", "--tap=tap0", *arguments]
    return [TENDERS[abi], "--net:stack_netif=tap0", f"examples.dns/image.{abi}", *arguments]


def in_namespace(namespace: str, command: str, **args: object) -> dict:
    """Runs a check of dns_tcp/in_namespace.py inside `namespace`, with this test's modules and dnspython."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-m", "dns_tcp.in_namespace", command, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("abi", ["hvt", "spt", "virtio", "unix"])
def test_nsd_in_the_namespace_transfers_the_zone_from_the_guest_and_answers_as_it_does(abi: str) -> None:
    require_abi(abi)
    serial = dns.zone.from_file(ZONE_FILE, origin=ORIGIN).get_soa().serial
    with ExitStack() as cleanup:
        namespace = cleanup.enter_context(tap_namespace(f"dns-secondary-{abi}", host_address=f"{HOST}/24"))
        _, console = cleanup.enter_context(
            running_in_background(
                ["ip", "netns", "exec", namespace, *guest_command(abi)], "dns: serving example.org.", f"dns-{abi}"
            )
        )
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        config = secondary_config(folder, HOST, SECONDARY_PORT, GUEST, 53, "AXFR ")
        nsd, _ = cleanup.enter_context(
            running_in_background(["ip", "netns", "exec", namespace, "nsd", "-d", "-c", str(config)], "", "nsd")
        )
        taken = in_namespace(namespace, "wait_for_serial", server=[HOST, SECONDARY_PORT], serial=serial, seconds=30)
        log = (folder / "nsd.log").read_text() if (folder / "nsd.log").exists() else ""
        assert taken["ok"], f"NSD did not take the zone from the guest on {abi} ({taken}):\n{log}"
        assert f"received update to serial {serial}" in log and f"from {GUEST}@53" in log, log
        with open(console) as f:
            assert f"XFR of {ORIGIN}. to {HOST}: the whole zone" in f.read()
        differences = in_namespace(namespace, "compare", primary=[GUEST, 53], secondary=[HOST, SECONDARY_PORT])
        assert differences["differences"] == [], "answers differ from the secondary's:\n" + "\n".join(
            differences["differences"]
        )
        assert nsd.poll() is None, log

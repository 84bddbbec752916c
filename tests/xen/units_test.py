"""The xen ABI's C on the host: its pure parts against hostile values (tests/xen/units: the console ring, event
channels, pvclock, start info), and its restatement of Xen's interface against Xen's own headers
(tests/xen/abi_facts)."""

from __future__ import annotations

import re
import subprocess


def test_ring_evtchn_pvclock_and_start_info_survive_hostile_values() -> None:
    result = subprocess.run(["tests.xen.units/xen_units"], capture_output=True, text=True, timeout=60)
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    planned = re.search(r"^1\.\.(\d+)$", result.stdout, re.MULTILINE)
    assert planned is not None, result.stdout
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) == int(planned.group(1)) >= 50, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_xen_constant_and_layout_the_abi_restates_matches_xen_s_own_headers() -> None:
    result = subprocess.run(["tests.xen.abi_facts/xen_abi_facts"], capture_output=True, text=True, timeout=60)
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    planned = re.search(r"^1\.\.(\d+)$", result.stdout, re.MULTILINE)
    assert planned is not None, result.stdout + result.stderr
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) == int(planned.group(1)) >= 60, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr

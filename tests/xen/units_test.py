"""The xen ABI's pure parts on the host (tests/xen/units): the console ring, event channels, pvclock, start info."""

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

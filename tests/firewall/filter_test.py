"""The firewall's filter on the build host (examples/firewall/tests/filter_test.c): every TAP check passes."""

from __future__ import annotations

import re
import subprocess

FILTER_TEST = "examples.firewall/filter_test"


def test_every_filter_check_passes() -> None:
    result = subprocess.run([FILTER_TEST], capture_output=True, text=True, timeout=60)
    plan = re.match(r"1\.\.(\d+)\n", result.stdout)
    assert plan, f"no TAP plan on the first line of:\n{result.stdout}\n{result.stderr}"
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    oks = re.findall(r"^ok \d+ - ", result.stdout, re.MULTILINE)
    assert len(oks) == int(plan.group(1)) >= 30, result.stdout
    assert result.returncode == 0, result.stderr

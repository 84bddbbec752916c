"""The board's device tree and boot word parsers on the host against good and hostile input (tests/rpi4/parsers)."""

from __future__ import annotations

import re
import subprocess


def test_the_parsers_take_good_input_and_refuse_hostile_input() -> None:
    result = subprocess.run(["tests.rpi4.parsers/parsers_check"], capture_output=True, text=True, timeout=60)
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) >= 15, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr

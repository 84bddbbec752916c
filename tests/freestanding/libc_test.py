"""The freestanding C library's own checks (lib/libc/tests), run as a unikernel on each freestanding ABI."""

from __future__ import annotations

import re

import pytest
from freestanding.boot import boot, require_abi


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_every_libc_check_passes(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, f"lib.libc.tests/image.{abi}")
    plan = re.search(r"^1\.\.(\d+)$", result.stdout, re.MULTILINE)
    assert plan, result.stdout
    oks = re.findall(r"^ok \d+ - ", result.stdout, re.MULTILINE)
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    assert len(oks) == int(plan.group(1))
    assert result.returncode == 0, result.stderr

"""The firewall's filter on the build host (examples/firewall/tests/filter_test.c): every TAP check passes."""

from __future__ import annotations

from tap import ok_count, run_tap

FILTER_TEST = "examples.firewall/filter_test"


def test_every_filter_check_passes() -> None:
    assert ok_count(run_tap(FILTER_TEST, timeout=60)) >= 30

"""The virtqueue code on the host against a fake device: honest and lying used rings (tests/virtio/virtqueue)."""

from __future__ import annotations

import re
import subprocess


def test_virtqueue_survives_a_lying_device() -> None:
    result = subprocess.run(
        ["tests.virtio.virtqueue/virtqueue_fake_device"], capture_output=True, text=True, timeout=120
    )
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) >= 20, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr

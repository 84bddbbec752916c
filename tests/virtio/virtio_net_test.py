"""virtio-net's receive path on the host against a fake device: merged buffers, receive offload, and a device that
lies about buffer counts and lengths (tests/virtio/virtio_net)."""

from __future__ import annotations

import re
import subprocess


def test_virtio_net_receives_merged_frames_and_survives_a_lying_device() -> None:
    result = subprocess.run(
        ["tests.virtio.virtio_net/virtio_net_fake_device"], capture_output=True, text=True, timeout=120
    )
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) >= 20, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr

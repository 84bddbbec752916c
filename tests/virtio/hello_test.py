"""hello on the virtio ABI under QEMU microvm, with KVM and with TCG: output, boot arguments and exit codes."""

from __future__ import annotations

import pytest
from freestanding.boot import measured
from virtio.runner import HELLO, require, run

ACCELS = ["kvm", "tcg"]


@pytest.mark.parametrize("accel", ACCELS)
def test_hello_prints_and_exits_0(accel: str) -> None:
    require(accel)
    result = run(HELLO, "--count=1", runner_args=[f"--accel={accel}"])
    assert (result.returncode, result.stdout) == (0, "Hello World!\n"), result.stderr


@pytest.mark.parametrize("accel", ACCELS)
def test_boot_arguments_with_spaces_and_backslashes_arrive_whole(accel: str) -> None:
    require(accel)
    result = run(HELLO, "--message=Bonjour, le \\ monde", "--count=2", runner_args=[f"--accel={accel}"])
    assert (result.returncode, result.stdout) == (0, "Bonjour, le \\ monde\n" * 2), result.stderr
    refused = run(HELLO, "--count=many", runner_args=[f"--accel={accel}"])
    assert refused.returncode == 2
    assert "mirage: malformed value in `--count=many`: expected int" in refused.stdout + refused.stderr


@pytest.mark.parametrize("accel", ACCELS)
def test_sleep_waits_on_the_timer_instead_of_spinning(accel: str) -> None:
    require(accel)
    result, elapsed, cpu = measured(lambda: run(HELLO, "--count=3", runner_args=[f"--accel={accel}"]))
    assert result.returncode == 0, result.stderr
    assert 2.0 <= elapsed < 10, f"two one-second sleeps took {elapsed:.2f} s"
    # A spinning guest would burn about two seconds of CPU.
    assert cpu < 1.0, f"hello used {cpu:.2f} s of CPU to sleep 2 s"

"""hello on hvt and spt: the same application and boot arguments as on unix, booted by our tenders."""

from __future__ import annotations

import pytest
from freestanding.boot import boot, image, require_abi

HELLO = "examples.hello/image"


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_hello_prints_and_exits_0(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, image(HELLO, abi), "--count=1")
    assert (result.returncode, result.stdout) == (0, "Hello World!\n"), result.stderr


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_boot_arguments_work_as_on_unix(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, image(HELLO, abi), "--message=Bonjour, monde", "--count=2")
    assert (result.returncode, result.stdout) == (0, "Bonjour, monde\n" * 2), result.stderr
    refused = boot(abi, image(HELLO, abi), "--count=many")
    assert refused.returncode == 2
    assert "mirage: malformed value in `--count=many`: expected int" in refused.stdout + refused.stderr


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_sleep_blocks_in_the_host_instead_of_spinning(abi: str) -> None:
    require_abi(abi)
    result = boot(abi, image(HELLO, abi), "--count=3")
    assert result.returncode == 0, result.stderr
    # Two one-second sleeps: a spinning guest would burn about two seconds of CPU.
    assert result.cpu_seconds < 0.5, f"{abi} hello used {result.cpu_seconds:.2f} s of CPU to sleep 2 s"

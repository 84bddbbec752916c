"""rpi4 images under QEMU's raspi4b: console, boot arguments, sleeping in wfi, the wall clock, exit codes, the
fault report, W^X, and the refusal to start an image that needs entropy the board lacks."""

from __future__ import annotations

import re

import pytest
from freestanding.boot import measured
from rpi4.board import EXIT_ABORT, HELLO, MISBEHAVE, NO_RNG, RANDOM_DRAW, run


def test_hello_prints_its_boot_arguments_and_exits_0() -> None:
    result = run(HELLO, "--message=Bonjour, le \\ monde", "--count=2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.guest_lines == ["Bonjour, le \\ monde"] * 2
    # The runner gave the host's time: the board does not say that the wall clock starts at 1970.
    assert "1970" not in result.stdout


def test_a_malformed_key_is_refused_with_the_usage_exit_code() -> None:
    result = run(HELLO, "--count=many")
    assert result.returncode == 2
    assert "mirage: malformed value in `--count=many`: expected int" in result.stdout + result.stderr


def test_sleep_waits_in_wfi_on_the_timer_instead_of_spinning() -> None:
    result, elapsed, cpu = measured(lambda: run(HELLO, "--count=3"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert 2.0 <= elapsed < 10, f"two one-second sleeps took {elapsed:.2f} s"
    # A spinning board would keep QEMU's vCPU busy for the whole two seconds.
    assert cpu < 1.0, f"hello used {cpu:.2f} s of CPU to sleep 2 s"


@pytest.mark.parametrize("code", [0, 1, 42, 255])
def test_the_exit_code_reaches_the_runner(code: int) -> None:
    result = run(MISBEHAVE, "--action=exit", f"--code={code}")
    assert result.returncode == code, result.stdout + result.stderr
    assert "rpi4: exit" not in result.stdout


def test_abort_exits_126() -> None:
    result = run(MISBEHAVE, "--action=abort")
    assert result.returncode == EXIT_ABORT, result.stdout + result.stderr


def test_a_fault_is_reported_with_its_syndrome_address_and_registers() -> None:
    result = run(MISBEHAVE, "--action=fault")
    assert result.returncode == EXIT_ABORT, result.stdout + result.stderr
    report = re.search(
        r"rpi4: fault: synchronous exception from EL1 on SP_EL1: ESR (0x[0-9a-f]{16}) \(class 0x25, data abort\), "
        r"FAR (0x[0-9a-f]{16}), ELR (0x[0-9a-f]{16})",
        result.stdout,
    )
    assert report, result.stdout
    assert int(report.group(2), 16) == 0x7FFF00000000
    assert re.search(r"  x0  0x[0-9a-f]{16}  x1  0x[0-9a-f]{16}\n", result.stdout), result.stdout
    assert re.search(r"  x30 0x[0-9a-f]{16}  sp  0x[0-9a-f]{16}\n", result.stdout), result.stdout


def test_code_is_not_writable() -> None:
    result = run(MISBEHAVE, "--action=write_code")
    assert result.returncode == EXIT_ABORT, result.stdout + result.stderr
    # A permission fault (data fault status 0b0011xx) on a write (WnR, bit 6) into the image's text.
    report = re.search(r"ESR (0x[0-9a-f]{16}) \(class 0x25, data abort\), FAR (0x[0-9a-f]{16})", result.stdout)
    assert report, result.stdout
    esr, far = int(report.group(1), 16), int(report.group(2), 16)
    assert esr & 0x3C == 0x0C and esr & (1 << 6), hex(esr)
    assert 0x80000 <= far < 0x100000, hex(far)


def test_a_stack_overflow_faults_on_the_guard_page_and_is_reported() -> None:
    result = run(MISBEHAVE, "--action=stack_overflow")
    assert result.returncode == EXIT_ABORT, result.stdout + result.stderr
    # A translation fault (data fault status 0b0001xx): the page below the boot stack is not mapped.
    report = re.search(r"ESR (0x[0-9a-f]{16}) \(class 0x25, data abort\), FAR (0x[0-9a-f]{16})", result.stdout)
    assert report, result.stdout
    assert int(report.group(1), 16) & 0x3C == 0x04, report.group(1)
    assert "(stack overflow: the guard page below the boot stack)" in result.stdout, result.stdout


def test_an_image_that_needs_random_gets_entropy_or_refuses_to_start() -> None:
    result = run(RANDOM_DRAW)
    if NO_RNG not in result.stdout:
        # A QEMU that models the RNG200 (10.0 does not).
        assert result.returncode == 0, result.stdout + result.stderr
        assert any(re.fullmatch("[0-9a-f]{32}", line) for line in result.guest_lines), result.stdout
        return
    assert result.returncode != 0
    assert "-> random failed: lib/platform/devices:random" in result.stdout
    # It stopped before the start function: no line of random bytes.
    assert not any(re.fullmatch("[0-9a-f]{32}", line) for line in result.guest_lines), result.stdout

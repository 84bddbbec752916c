"""The virt_arm64 ABI under qemu-system-aarch64 -M virt (TCG), booted by the virtio runner as a user would: hello's
output, boot arguments, exit codes and sleeping, and the DNS server answering dig through user networking."""

from __future__ import annotations

import re
import shlex
import shutil
import struct
import subprocess
import time

from dns_server.servers import free_udp_port
from freestanding.boot import measured
from probes.capabilities import require
from virtio.runner import RUNNER, dns_behind_port_forward

HELLO = "examples.hello/image.virt_arm64"
DNS = "examples.dns/image.virt_arm64"
MISBEHAVE = "tests.guests/misbehave.virt_arm64"
RANDOM_DRAW = "tests.guests/random_draw.virt_arm64"
EXIT_ABORT = 126


def run(image: str, *args: str, runner_args: tuple = ()) -> subprocess.CompletedProcess:
    require("qemu_aarch64", "virt_arm64 images boot in qemu-system-aarch64 -M virt")
    return subprocess.run([RUNNER, *runner_args, image, *args], capture_output=True, text=True, timeout=60)


def test_hello_prints_and_exits_0() -> None:
    result = run(HELLO, "--count=1")
    assert (result.returncode, result.stdout) == (0, "Hello World!\n"), result.stderr


def test_boot_arguments_arrive_whole_and_exit_codes_pass_through() -> None:
    result = run(HELLO, "--message=Bonjour, le \\ monde", "--count=2")
    assert (result.returncode, result.stdout) == (0, "Bonjour, le \\ monde\n" * 2), result.stderr
    refused = run(HELLO, "--count=many")
    assert refused.returncode == 2, refused.stderr
    assert "mirage: malformed value in `--count=many`: expected int" in refused.stdout + refused.stderr


def test_sleep_waits_in_wfi_instead_of_spinning() -> None:
    result, elapsed, cpu = measured(lambda: run(HELLO, "--count=3"))
    assert result.returncode == 0, result.stderr
    assert 2.0 <= elapsed < 10, f"two one-second sleeps took {elapsed:.2f} s"
    # A guest spinning on the counter would keep TCG busy for about two seconds.
    assert cpu < 1.0, f"hello used {cpu:.2f} s of CPU to sleep 2 s"


def test_every_exit_code_passes_and_an_abort_is_126() -> None:
    assert run(MISBEHAVE, "--code=255").returncode == 255
    assert run(MISBEHAVE, "--code=1").returncode == 1
    aborted = run(MISBEHAVE, "--action=abort")
    assert aborted.returncode == 126 and "abort() called" in aborted.stdout + aborted.stderr


def test_a_fault_prints_esr_far_elr_and_the_registers_then_ends_with_126() -> None:
    result = run(MISBEHAVE, "--action=fault")
    assert result.returncode == 126, result.stderr
    report = re.search(
        r"virt_arm64: fault: synchronous exception from EL1 on SP_EL0: ESR 0x([0-9a-f]{16}) "
        r"\(class 0x25, data abort\), FAR 0x00007fff00000000, ELR 0x00000000402[0-9a-f]{5}, SPSR 0x[0-9a-f]{16}\n",
        result.stdout,
    )
    assert report is not None, result.stdout
    assert re.search(r"  x30 0x[0-9a-f]{16}  sp  0x[0-9a-f]{16}\n", result.stdout), result.stdout


def fault_syndrome(stdout: str) -> tuple:
    """The ESR and FAR of the fault report, as numbers."""
    report = re.search(r"ESR (0x[0-9a-f]{16}) \(class 0x25, data abort\), FAR (0x[0-9a-f]{16})", stdout)
    assert report, stdout
    return int(report.group(1), 16), int(report.group(2), 16)


def executable_ranges(image: str) -> list:
    """[start, end) of each executable PT_LOAD segment of an ELF64 little-endian image."""
    with open(image, "rb") as f:
        elf = f.read()
    assert elf[:4] == b"\x7fELF" and elf[4] == 2 and elf[5] == 1, image
    (phoff,) = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    ranges = []
    for i in range(phnum):
        kind, flags, _, vaddr, _, _, memsz, _ = struct.unpack_from("<IIQQQQQQ", elf, phoff + i * phentsize)
        if kind == 1 and flags & 1:  # PT_LOAD, PF_X
            ranges.append((vaddr, vaddr + memsz))
    return ranges


def test_a_stack_overflow_faults_on_the_guard_page_and_is_reported() -> None:
    result = run(MISBEHAVE, "--action=stack_overflow")
    assert result.returncode == EXIT_ABORT, result.stdout + result.stderr
    esr, _ = fault_syndrome(result.stdout)
    # A translation fault (data fault status 0b0001xx): the page below the boot stack is not mapped.
    assert esr & 0x3C == 0x04, hex(esr)
    assert "(stack overflow: the guard page below the boot stack)" in result.stdout, result.stdout


def test_code_is_not_writable() -> None:
    result = run(MISBEHAVE, "--action=write_code")
    assert result.returncode == EXIT_ABORT, result.stdout + result.stderr
    esr, far = fault_syndrome(result.stdout)
    # A permission fault (data fault status 0b0011xx) on a write (WnR, bit 6) into the image's own text.
    assert esr & 0x3C == 0x0C and esr & (1 << 6), hex(esr)
    assert any(start <= far < end for start, end in executable_ranges(MISBEHAVE)), hex(far)


def test_an_image_that_needs_random_refuses_to_start_without_virtio_rng_and_says_what_to_add() -> None:
    attached = run(RANDOM_DRAW)
    assert attached.returncode == 0, attached.stdout + attached.stderr
    assert re.search(r"^[0-9a-f]{32}$", attached.stdout, re.M), attached.stdout
    # QEMU started by hand from the runner's own command, without the virtio-rng device it adds.
    printed = subprocess.run([RUNNER, "--print-command", RANDOM_DRAW], capture_output=True, text=True, timeout=30)
    assert printed.returncode == 0, printed.stderr
    command = shlex.split(printed.stdout.split("  #", 1)[0])
    at = next(i for i, word in enumerate(command) if word.startswith("virtio-rng-device,"))
    assert command[at - 1] == "-device", command
    del command[at - 1 : at + 1]
    by_hand = subprocess.run(
        [*command, "-semihosting-config", "enable=on,target=native"], capture_output=True, text=True, timeout=60
    )
    assert by_hand.returncode != 0, by_hand.stdout
    assert (
        "virt_arm64: no virtio-rng device on virtio-mmio transport 31, so no entropy (the runner attaches one; by "
        "hand: -device virtio-rng-device,bus=virtio-mmio-bus.31)" in by_hand.stdout
    ), by_hand.stdout
    assert "-> random failed: lib/platform/devices:random" in by_hand.stdout, by_hand.stdout
    # It stopped before the start function: no line of random bytes.
    assert not re.search(r"^[0-9a-f]{32}$", by_hand.stdout, re.M), by_hand.stdout


def test_kvm_is_refused_for_an_aarch64_image_with_the_fix() -> None:
    result = run(HELLO, runner_args=("--accel=kvm",))
    assert result.returncode == 125
    assert "is an aarch64 image, which KVM on this host cannot run (use --accel=tcg or --accel=auto)" in result.stderr


def test_dns_answers_dig_through_a_user_network_port_forward() -> None:
    require("qemu_aarch64", "virt_arm64 images boot in qemu-system-aarch64 -M virt")
    dig = shutil.which("dig")
    assert dig is not None, "dig is missing (build-support/bootstrap/debian-packages.txt lists bind9-dnsutils)"
    port = free_udp_port()
    with dns_behind_port_forward(DNS, port) as server:
        deadline = time.monotonic() + 20
        while True:
            answer = subprocess.run(
                [dig, "+short", "+time=1", "+tries=1", "@127.0.0.1", "-p", str(port), "www.example.org", "A"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            if answer.returncode == 0 and answer.stdout.strip():
                break
            assert time.monotonic() < deadline, f"no answer through the port forward within 20 s: {answer.stdout}"
        assert sorted(answer.stdout.split()) == ["192.0.2.80", "192.0.2.81"]
        assert server.poll() is None

"""The virt_arm64 ABI under qemu-system-aarch64 -M virt (TCG), booted by the virtio runner as a user would: hello's
output, boot arguments, exit codes and sleeping, and the DNS server answering dig through user networking."""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import time

from dns_server.servers import free_udp_port
from probes.capabilities import require

RUNNER = "targets.virtio.runner/runner"
HELLO = "examples.hello/image.virt_arm64"
DNS = "examples.dns/image.virt_arm64"
MISBEHAVE = "tests.guests/misbehave.virt_arm64"


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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = run(HELLO, "--count=3")
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
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


def test_kvm_is_refused_for_an_aarch64_image_with_the_fix() -> None:
    result = run(HELLO, runner_args=("--accel=kvm",))
    assert result.returncode == 125
    assert "is an aarch64 image, which KVM on this host cannot run (use --accel=tcg or --accel=auto)" in result.stderr


def test_dns_answers_dig_through_a_user_network_port_forward() -> None:
    require("qemu_aarch64", "virt_arm64 images boot in qemu-system-aarch64 -M virt")
    dig = shutil.which("dig")
    assert dig is not None, "dig is missing (build-support/bootstrap/debian-packages.txt lists bind9-dnsutils)"
    port = free_udp_port()
    server = subprocess.Popen(
        [
            RUNNER,
            f"--net:stack_netif=user:hostfwd=udp:127.0.0.1:{port}-:53",
            DNS,
            "--ipv4=10.0.2.15/24",
            "--ipv4-gateway=10.0.2.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert banner.startswith("dns: serving example.org. ") and "on 10.0.2.15 port 53" in banner, banner
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
    finally:
        server.kill()
        server.wait(timeout=10)

"""The virtio runner and the guest's end: exit codes, aborts, faults, QEMU's own failures, the exit report a hostile
guest can garble, the host resources and user networking options it refuses, the sandbox, the printed command and
refused images."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dns_server.servers import serving_dns
from netns import tap_namespace
from virtio.runner import (
    ACCELERATORS,
    HELLO,
    MISBEHAVE,
    RUNNER,
    TENDER_EXIT_ABORT,
    TENDER_EXIT_ERROR,
    Run,
    one_line,
    require,
    run,
    run_accelerated,
)

BLOCK = "examples.block/image.virtio"
DNS = "examples.dns/image.virtio"
SANDBOX = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"


# Codes a QEMU exit status cannot carry alone: 0 (status 1, QEMU's own failure), 128 and 255 (past 7 bits).
@pytest.mark.parametrize("accel", ACCELERATORS)
@pytest.mark.parametrize("code", [0, 1, 7, 126, 127, 128, 255])
def test_guest_exit_code_passes_through(accel: str, code: int) -> None:
    result = run_accelerated(accel, MISBEHAVE, f"--code={code}")
    assert (result.returncode, result.stdout) == (code, "misbehave: about to exit\n"), result.stderr
    assert result.stderr == ""


def test_exit_code_passes_through_on_the_pc_machine_whose_firmware_logs_to_a_debug_port() -> None:
    # SeaBIOS writes its log to port 0x402 where QEMU has a debugcon: the exit report must not share it.
    result = run_accelerated("tcg", MISBEHAVE, "--code=128", runner_args=["--machine=pc"])
    assert result.returncode == 128, result.stderr


@pytest.mark.parametrize("code, kept", [(256, 0), (-1, 255), (1000, 232)])
def test_exit_codes_keep_their_low_8_bits_as_on_hvt_and_spt(code: int, kept: int) -> None:
    result = run_accelerated("tcg", MISBEHAVE, f"--code={code}")
    assert result.returncode == kept, result.stderr


def test_guest_abort_is_reported() -> None:
    require("tcg")
    result = run(MISBEHAVE, "--action=abort", runner_args=["--accel=tcg"])
    assert result.returncode == TENDER_EXIT_ABORT
    assert "abort() called" in result.stdout + result.stderr


@pytest.mark.parametrize("accel", ["kvm", "tcg"])
def test_fault_is_reported_and_ends_qemu(accel: str) -> None:
    require(accel)
    result = run(MISBEHAVE, "--action=fault", runner_args=[f"--accel={accel}"])
    assert result.returncode == TENDER_EXIT_ABORT, result.stdout + result.stderr
    report = re.search(
        r"virtio: fault: vector 14 \(#PF\) at RIP 0x[0-9a-f]{16} CR2 0x00007fff00000000 error 0x[0-9a-f]{16}",
        result.stdout,
    )
    assert report, result.stdout
    assert re.search(r"rax 0x[0-9a-f]{16} rbx 0x[0-9a-f]{16}", result.stdout)


def test_printed_command_runs_the_guest() -> None:
    require("tcg")
    printed = run(HELLO, "--message=a b", "--count=1", runner_args=["--accel=tcg", "--print-command"])
    assert printed.returncode == 0, printed.stderr
    command = printed.stdout.strip()
    assert command.startswith("qemu-system-x86_64 -M microvm,"), command
    assert "\n" not in command
    assert "  # the runner adds an exit report channel (isa-debugcon on port 0xf8)" in command
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    # Without the runner's exit report channel QEMU's status is (0 << 1) | 1.
    assert (result.returncode, result.stdout) == (1, "a b\n"), result.stderr


def test_pc_machine_uses_pci_slots() -> None:
    require("tcg")
    printed = run(HELLO, runner_args=["--machine=pc", "--accel=tcg", "--print-command"])
    assert printed.returncode == 0, printed.stderr
    assert " -M pc " in printed.stdout


@pytest.mark.parametrize("other", ["examples.hello/image.hvt", "examples.hello/image.unix"])
def test_image_for_another_abi_is_refused(other: str) -> None:
    result = run(other, runner_args=["--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert other in one_line(result.stderr)
    assert result.stdout == ""


def test_device_the_manifest_lacks_is_refused(tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    result = run(HELLO, runner_args=[f"--block:storage={disk}", "--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert "storage" in one_line(result.stderr)


def test_bad_runner_option_is_refused() -> None:
    result = subprocess.run([RUNNER, "--machine=q35", HELLO], capture_output=True, text=True, timeout=30)
    assert result.returncode == TENDER_EXIT_ERROR
    assert "--machine" in one_line(result.stderr)


# QEMU's own failures: the runner exits TENDER_EXIT_ERROR and says why, never a guest code.


def test_missing_disk_file_is_refused_before_qemu_starts() -> None:
    result = run(BLOCK, runner_args=["--block:storage=/does/not/exist"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == (
        "runner: block device 'storage': cannot open '/does/not/exist': No such file or directory"
    )
    assert result.stdout == ""


@pytest.mark.parametrize("size", [0, 1000])
def test_disk_file_that_is_not_whole_blocks_is_refused(tmp_path: Path, size: int) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * size)
    result = run(BLOCK, runner_args=[f"--block:storage={disk}"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == (
        f"runner: block device 'storage': '{disk}' is {size} bytes; it must be a nonzero multiple of 512"
    )


@pytest.mark.parametrize("accel", ACCELERATORS)
def test_memory_qemu_cannot_allocate_is_qemus_failure(accel: str) -> None:
    result = run_accelerated(accel, HELLO, runner_args=["--mem=999999"])
    assert result.returncode == TENDER_EXIT_ERROR, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert "cannot set up guest memory" in result.stderr, result.stderr  # QEMU's own message, passed on
    assert lines[-1] == (
        "runner: QEMU failed (exit status 1, its message is above) before the guest reported an exit code"
    )
    assert result.stdout == ""


def test_missing_tap_is_refused_before_qemu_starts() -> None:
    tap = f"mgnotap{os.getpid() % 100000}"
    result = run(DNS, runner_args=[f"--net:stack_netif=tap:{tap}"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == (
        f"runner: net device 'stack_netif': no tap interface '{tap}' (create it: ip tuntap add {tap} mode tap)"
    )


def test_interface_that_is_not_a_tap_is_refused_before_qemu_starts() -> None:
    result = run(DNS, runner_args=["--net:stack_netif=tap:lo"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == (
        "runner: net device 'stack_netif': cannot attach to tap interface 'lo': it exists but is not a tap interface"
    )


# User networking: options that serve host files or run host commands need --allow-host-services.


@pytest.mark.parametrize(
    "options, refused, why",
    [
        ("tftp=/", "tftp", "serves a host directory to the guest over TFTP"),
        ("hostfwd=udp:127.0.0.1:5353-:53,tftp=/etc,bootfile=passwd", "tftp", "serves a host directory"),
        ("smb=/home", "smb", "shares a host directory with the guest through an smbd that QEMU starts"),
        ("guestfwd=tcp:10.0.2.100:80-cmd:id", "guestfwd", "connects a guest address to a host program (cmd:)"),
        ("guestfwd=tcp:10.0.2.100:80-file:/etc/shadow", "guestfwd", "connects a guest address to a host program"),
        # QEMU reads a bare name as NAME=on and a bare noNAME as NAME=off: both would still start the service.
        ("restrict=on,tftp", "tftp", "serves a host directory"),
        ("nosmb", "smb", "shares a host directory"),
        # ",," is a comma inside hostfwd's value; the next option after a single comma is QEMU's.
        ("hostfwd=tcp::1-:2,,x,guestfwd=tcp:10.0.2.100:80-cmd:sh", "guestfwd", "connects a guest address"),
    ],
)
def test_user_network_options_reaching_host_files_or_commands_are_refused(options: str, refused: str, why: str) -> None:
    result = run(DNS, runner_args=[f"--net:stack_netif=user:{options}", "--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    line = one_line(result.stderr)
    assert line.startswith(f"runner: --net:stack_netif=user:{options[:64]}: option '{refused}' {why}"), line
    assert line.endswith("; pass --allow-host-services to allow it"), line
    assert result.stdout == ""


def test_allow_host_services_passes_them_and_lets_qemu_start_programs() -> None:
    result = run(
        DNS, runner_args=["--net:stack_netif=user:tftp=/srv,smb=/srv", "--allow-host-services", "--print-command"]
    )
    assert result.returncode == 0, result.stderr
    assert " -netdev user,id=net0,tftp=/srv,smb=/srv " in result.stdout
    if sandbox_works():
        assert " -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=allow,resourcecontrol=deny " in result.stdout


def test_escaped_comma_keeps_a_would_be_option_inside_its_value() -> None:
    result = run(DNS, runner_args=["--net:stack_netif=user:hostfwd=udp:127.0.0.1:5353-:53,,tftp=/", "--print-command"])
    assert result.returncode == 0, result.stderr
    assert " -netdev user,id=net0,hostfwd=udp:127.0.0.1:5353-:53,,tftp=/ " in result.stdout


@pytest.mark.parametrize("options, owned", [("id=other", "id"), ("type=stream,addr.type=inet", "type")])
def test_options_the_runner_sets_are_refused(options: str, owned: str) -> None:
    result = run(DNS, runner_args=[f"--net:stack_netif=user:{options}", "--allow-host-services", "--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == (
        f"runner: --net:stack_netif=user:{options}: option '{owned}' is set by the runner; leave it out"
    )


def test_stray_comma_in_user_options_is_refused() -> None:
    result = run(DNS, runner_args=["--net:stack_netif=user:,tftp=/", "--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    assert "an empty option (a stray comma?)" in one_line(result.stderr)


def test_commas_in_a_disk_file_name_cannot_add_options(tmp_path: Path) -> None:
    disk = tmp_path / "a,format=qcow2,,b.img"
    disk.write_bytes(b"\0" * 4096)
    result = run(BLOCK, runner_args=[f"--block:storage={disk}", "--print-command"])
    assert result.returncode == 0, result.stderr
    escaped = str(disk).replace(",", ",,")
    assert f" driver=raw,node-name=blk0,file.driver=file,file.filename={escaped} " in result.stdout.replace("'", " ")


def test_commas_in_a_tap_name_cannot_add_options() -> None:
    """A tap called "tp,id=x": QEMU must attach that interface, not one called "tp" with an extra id option."""
    require("tcg")
    tap = "tp,id=x"
    with tap_namespace("virtio-comma") as namespace:
        in_namespace = ["ip", "netns", "exec", namespace]
        for command in (["ip", "tuntap", "add", "dev", tap, "mode", "tap"], ["ip", "link", "set", tap, "up"]):
            subprocess.run([*in_namespace, *command], check=True, capture_output=True, timeout=10)
        printed = subprocess.run(
            [*in_namespace, RUNNER, "--print-command", f"--net:stack_netif=tap:{tap}", DNS],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert printed.returncode == 0, printed.stderr
        assert " -netdev tap,id=net0,ifname=tp,,id=x,script=no,downscript=no " in printed.stdout
        with serving_dns(
            [*in_namespace, RUNNER, "--accel=tcg", f"--net:stack_netif=tap:{tap}", DNS, "--ipv4=10.0.0.2/24"]
        ):
            links = subprocess.run(
                [*in_namespace, "ip", "-o", "link", "show"], capture_output=True, text=True, timeout=10, check=True
            ).stdout
            # LOWER_UP: a process (QEMU) holds the tap; without one an up tap shows NO-CARRIER.
            assert re.search(r"^\d+: tp,id=x: <[A-Z_,]*LOWER_UP", links, re.MULTILINE), links
            assert not re.search(r"^\d+: tp:", links, re.MULTILINE), links


# The sandbox.


def sandbox_works() -> bool:
    """Whether this QEMU accepts the runner's -sandbox options (Debian's QEMU is built with seccomp)."""
    qemu = shutil.which("qemu-system-x86_64", path=os.environ.get("PATH") or "/usr/bin:/bin")
    if qemu is None:
        return False
    return subprocess.run([qemu, "-sandbox", SANDBOX, "-version"], capture_output=True, timeout=30).returncode == 0


def test_qemu_runs_in_its_sandbox_where_it_has_one() -> None:
    require("tcg")
    printed = run(HELLO, runner_args=["--accel=tcg", "--print-command"])
    assert printed.returncode == 0, printed.stderr
    if sandbox_works():
        assert f" -sandbox {SANDBOX} " in printed.stdout
        assert "-sandbox left out" not in printed.stdout
        # And it boots under it, with nothing on stderr (no note about a missing sandbox).
        result = run(HELLO, "--count=1", runner_args=["--accel=tcg"])
        assert (result.returncode, result.stdout, result.stderr) == (0, "Hello World!\n", "")
    else:
        assert "-sandbox" not in printed.stdout.split("#")[0]
        assert "# " in printed.stdout and "-sandbox left out: " in printed.stdout


# The exit report, as a hostile guest can write it: QEMU passes on whatever the guest writes to the isa-debugcon port,
# so a stand-in for QEMU that writes chosen bytes to the report pipe and exits with a chosen status tests exactly
# what the runner trusts.

FAKE_QEMU = """#!{python}
import json, os, signal, sys, time
if "-version" in sys.argv:
    sys.exit({probe_status})
behaviour = json.load(open({behaviour!r}))
path = next(a.split("path=", 1)[1] for a in sys.argv if a.startswith("file,id=exitreport,path="))
with open(path, "wb", buffering=0) as report:
    report.write(bytes.fromhex(behaviour["report"]) * behaviour.get("repeat", 1))
    if behaviour.get("linger") and os.fork() == 0:
        # Like an smbd QEMU started: it holds the pipe open after QEMU exits.
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        time.sleep(behaviour["linger"])
        os._exit(0)
if behaviour.get("signal"):
    os.kill(os.getpid(), behaviour["signal"])
sys.exit(behaviour["status"])
"""


def run_with_fake_qemu(tmp_path: Path, report: bytes, status: int, probe_status: int = 0, **more: object) -> Run:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    behaviour = tmp_path / "behaviour.json"
    behaviour.write_text(json.dumps({"report": report.hex(), "status": status, **more}))
    fake = bin_dir / "qemu-system-x86_64"
    fake.write_text(FAKE_QEMU.format(python=sys.executable, behaviour=str(behaviour), probe_status=probe_status))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    result = subprocess.run(
        [RUNNER, "--accel=tcg", HELLO],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"},
    )
    return Run(result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("code", [0, 7, 128, 255])
def test_one_report_agreeing_with_qemus_status_passes_the_code(tmp_path: Path, code: int) -> None:
    result = run_with_fake_qemu(tmp_path, f"exit {code:03d}\n".encode(), ((code << 1) | 1) & 0xFF)
    assert (result.returncode, result.stderr) == (code, "")


@pytest.mark.parametrize(
    "report, repeat",
    [
        (b"exit 256\n", 1),  # past 255
        (b"exit 7\n", 1),  # not three digits
        (b"exit 007", 1),  # no newline
        (b"exit 0x7\n", 1),
        (b"exit 007\n", 2),  # two reports
        (b"EXIT 007\n", 1),
        (b"\xff" * 4096, 256),  # 1 MiB of garbage: read and counted, not kept
    ],
)
def test_malformed_report_is_the_guest_breaking_the_protocol(tmp_path: Path, report: bytes, repeat: int) -> None:
    result = run_with_fake_qemu(tmp_path, report, 15, repeat=repeat)
    assert result.returncode == TENDER_EXIT_ABORT
    assert one_line(result.stderr) == (
        f"runner: the guest broke the exit protocol: it wrote {len(report) * repeat} bytes on port 0xf8, not one "
        '"exit NNN" line (QEMU exited with status 15)'
    )


def test_report_that_disagrees_with_qemus_status_is_refused(tmp_path: Path) -> None:
    result = run_with_fake_qemu(tmp_path, b"exit 000\n", 15)
    assert result.returncode == TENDER_EXIT_ABORT
    assert one_line(result.stderr) == (
        "runner: the guest reported exit code 0 but QEMU exited with status 15, not (0 << 1) | 1 = 1: it did not end "
        "through isa-debug-exit"
    )


@pytest.mark.parametrize(
    "status, says",
    [
        (1, "QEMU failed (exit status 1, its message is above) before the guest reported an exit code"),
        (0, "QEMU ended without the guest's exit code (a reset or triple fault, or the guest lacks the exit device)"),
        (241, "the guest stopped at boot: QEMU gave it no PVH start info"),
        (243, "the guest stopped at boot: this CPU (--accel, -cpu) has no long mode"),
        (
            15,
            "QEMU exited with status 15 and the guest reported no exit code (QEMU failed, or the guest ended it "
            "without its exit path)",
        ),
    ],
)
def test_no_report_is_never_a_guest_code(tmp_path: Path, status: int, says: str) -> None:
    result = run_with_fake_qemu(tmp_path, b"", status)
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == f"runner: {says}"


def test_qemu_killed_after_the_report_is_not_a_guest_exit(tmp_path: Path) -> None:
    result = run_with_fake_qemu(tmp_path, b"exit 000\n", 1, signal=9)
    assert result.returncode == TENDER_EXIT_ERROR
    assert one_line(result.stderr) == "runner: qemu-system-x86_64 was killed by signal 9 (Killed)"


def test_a_process_holding_the_report_pipe_does_not_hold_the_runner(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_with_fake_qemu(tmp_path, b"exit 042\n", 85, linger=5)
    assert (result.returncode, result.stderr) == (42, "")
    assert time.monotonic() - started < 4, "the runner waited for the pipe instead of for QEMU"


def test_qemu_without_a_sandbox_runs_with_a_note(tmp_path: Path) -> None:
    result = run_with_fake_qemu(tmp_path, b"exit 003\n", 7, probe_status=1)
    assert result.returncode == 3
    assert one_line(result.stderr) == (
        "runner: note: running QEMU without -sandbox: this QEMU refuses -sandbox (built without seccomp, or older "
        "than its options)"
    )


def test_pc_machine_refuses_an_image_with_devices(tmp_path: Path) -> None:
    """The guest drives devices over virtio-mmio only (microvm): on pc they would be silently absent."""
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    result = run(BLOCK, runner_args=["--machine=pc", f"--block:storage={disk}", "--print-command"])
    assert result.returncode == TENDER_EXIT_ERROR
    line = one_line(result.stderr)
    assert "--machine=pc" in line and "storage" in line and "--machine=microvm" in line
    assert result.stdout == ""

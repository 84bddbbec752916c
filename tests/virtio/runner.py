"""Boot packaged virtio images with the virtio runner under QEMU, as a user would from a shell."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

from dns_server.servers import serving_dns
from probes.capabilities import require as require_capability

RUNNER = "targets.virtio.runner/runner"
HELLO = "examples.hello/image.virtio"
MISBEHAVE = "tests.guests/misbehave.virtio"
TENDER_EXIT_ERROR = 125
TENDER_EXIT_ABORT = 126

# The accelerators every test runs under: TCG anywhere, KVM where KVM_CREATE_VM works.
ACCELERATORS = ["tcg", "kvm"]


def require(accel: str) -> None:
    """Skip, with the reason, where the machine lacks QEMU or (for accel="kvm") a working KVM; fail instead where
    the machine declares them (probes.capabilities)."""
    require_capability("qemu", "the virtio runner needs QEMU")
    if accel == "kvm":
        require_capability("kvm", "QEMU with --accel=kvm needs a working /dev/kvm")


def run_accelerated(accel: str, image: str, *args: str, runner_args: Sequence[str] = ()) -> "Run":
    """`runner --accel=ACCEL [runner_args] image [args]`, skipping where the machine lacks QEMU or KVM."""
    require(accel)
    return run(image, *args, runner_args=[f"--accel={accel}", *runner_args])


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(image: str, *args: str, runner_args: Sequence[str] = (), timeout: float = 120) -> Run:
    """`runner [runner_args] image [args]`, with what a user sees."""
    result = subprocess.run([RUNNER, *runner_args, image, *args], capture_output=True, text=True, timeout=timeout)
    return Run(result.returncode, result.stdout, result.stderr)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line of explanation, got:\n{stderr}"
    return lines[0]


@contextmanager
def dns_behind_port_forward(image: str, port: int, runner_args: Sequence[str] = ()) -> Iterator[subprocess.Popen]:
    """The DNS example `image` booted by the runner on QEMU user networking, 10.0.2.15 forwarded from UDP
    127.0.0.1:`port` to its port 53: yields the runner once the guest printed that it serves there; kills it after."""
    command = [
        RUNNER,
        *runner_args,
        f"--net:stack_netif=user:hostfwd=udp:127.0.0.1:{port}-:53",
        image,
        "--ipv4=10.0.2.15/24",
        "--ipv4-gateway=10.0.2.2",
    ]
    with serving_dns(command, serving_on="on 10.0.2.15 port 53") as (server, _):
        yield server

"""Boot packaged freestanding images in their tenders, as a user would from a shell."""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence, Tuple, TypeVar

from probes.capabilities import require

# What boots each freestanding ABI's images; the virtio runner starts QEMU (with KVM where it works).
TENDERS = {
    "hvt": "targets.hvt.tender/tender",
    "spt": "targets.spt.tender/tender",
    "virtio": "targets.virtio.runner/runner",
    # The same runner: it boots an aarch64 image in qemu-system-aarch64 -M virt.
    "virt_arm64": "targets.virtio.runner/runner",
}
TENDER_EXIT_ERROR = 125
TENDER_EXIT_ABORT = 126


def require_abi(abi: str) -> None:
    """Skip, with the reason, where this machine cannot boot `abi` images (fail where it declares it can)."""
    if abi == "hvt":
        require("kvm", "hvt needs a working /dev/kvm")
    if abi == "virtio":
        require("qemu", "virtio needs QEMU")
    if abi == "virt_arm64":
        require("qemu_aarch64", "virt_arm64 needs qemu-system-aarch64")


@dataclass(frozen=True)
class Boot:
    returncode: int
    stdout: str
    stderr: str
    cpu_seconds: float


T = TypeVar("T")


def measured(call: Callable[[], T]) -> Tuple[T, float, float]:
    """`call()`'s result, the wall-clock seconds it took, and the CPU seconds of the child processes it waited for
    (a tender, a runner and its QEMU)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = call()
    elapsed = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def boot(abi: str, image: str, *args: str, tender_args: Sequence[str] = (), timeout: float = 60) -> Boot:
    """Run `tender [tender_args] image [args]`; return what a user sees, and the CPU time it used."""
    command = [TENDERS[abi], *tender_args, image, *args]
    result, _, cpu = measured(lambda: subprocess.run(command, capture_output=True, text=True, timeout=timeout))
    return Boot(result.returncode, result.stdout, result.stderr, cpu)


@contextmanager
def running_in_background(
    command: Sequence[str], ready: str, name: str, timeout: float = 30
) -> Iterator[Tuple[subprocess.Popen, str]]:
    """Start `command` (a tender or runner, often under `ip netns exec`) with its console in a file; yield the process
    and the file's path once the console shows `ready`; then stop it and remove the file, also on failure."""
    console = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".out", delete=False)
    process = None
    try:
        process = subprocess.Popen(list(command), stdout=console, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            with open(console.name) as f:
                output = f.read()
            if ready in output:
                break
            assert process.poll() is None, f"{name} stopped ({process.returncode}):\n{output}"
            assert time.monotonic() < deadline, f"{name} did not come up in {timeout} s:\n{output}"
            time.sleep(0.05)
        yield process, console.name
    finally:
        if process is not None:
            process.kill()
            process.wait(timeout=10)
        console.close()
        os.unlink(console.name)


def image(path: str, abi: str) -> str:
    """The packaged image `<folder>/<name>.<abi>`, e.g. image("examples.hello/image", "hvt")."""
    return f"{path}.{abi}"


PF_X, PF_W = 1, 2
PT_LOAD = 1


def make_writable_and_executable(source: str, destination: str) -> None:
    """Copy an ELF image, marking its executable PT_LOAD segment writable too (W+X), which tenders must refuse."""
    data = bytearray(open(source, "rb").read())
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for index in range(phnum):
        offset = phoff + index * phentsize
        p_type, p_flags = struct.unpack_from("<II", data, offset)
        if p_type == PT_LOAD and p_flags & PF_X:
            struct.pack_into("<I", data, offset + 4, p_flags | PF_W)
            break
    else:
        raise AssertionError(f"{source} has no executable PT_LOAD segment")
    with open(destination, "wb") as f:
        f.write(data)


def patch_image(source: str, destination: str, marker: bytes, offset: int, value: int) -> None:
    """Copy an image, overwriting the 32-bit field `offset` bytes after the only occurrence of `marker`."""
    data = bytearray(open(source, "rb").read())
    at = data.find(marker)
    assert at >= 0 and data.find(marker, at + 1) < 0, f"{marker!r} is not unique in {source}"
    struct.pack_into("<I", data, at + offset, value)
    with open(destination, "wb") as f:
        f.write(data)


# The ABI note's header and owner (lib/platform/image_notes.h): namesz 7, descsz 8, MIRAGE_NOTE_TYPE_ABI, "MIRAGE".
ABI_NOTE = struct.pack("<III", 7, 8, 0x4D490001) + b"MIRAGE\0\0"
# The manifest note's type and owner; its description follows: version, count, then {char name[64]; u32 type}.
MANIFEST_NOTE = struct.pack("<I", 0x4D490002) + b"MIRAGE\0\0"
FIRST_ENTRY_TYPE = len(MANIFEST_NOTE) + 8 + 64

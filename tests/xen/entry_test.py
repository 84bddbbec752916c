"""The xen image's way into C, under plain QEMU (no Xen): QEMU boots a PVH ELF from its Xen entry note as Xen does,
so the 32-bit entry, the boot page tables, long mode, the GDT and the IDT all run. Without Xen's CPUID leaves
boot.c finds no hypercall page and halts in xen_start by design: the test asks QEMU's monitor where the vCPU
stopped. A fault on the way (a triple fault ends QEMU under -no-reboot) or a halt elsewhere fails it."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from probes.capabilities import require
from xen.elf_image import read_elf

IMAGE = Path("examples.hello/image.xen")
WAIT_SECONDS = 20


def test_the_entry_reaches_64_bit_c_and_halts_in_xen_start_when_there_is_no_xen() -> None:
    require("qemu", "booting a PVH image under plain QEMU needs QEMU")
    qemu = shutil.which("qemu-system-x86_64", path="/usr/local/bin:/usr/bin:/bin")
    assert qemu is not None, "the probe found QEMU"
    command = [
        qemu, "-M", "microvm", "-accel", "tcg", "-m", "128", "-nodefaults", "-display", "none", "-no-reboot",
        "-serial", "none", "-monitor", "stdio", "-kernel", str(IMAGE),
    ]  # fmt: skip
    qemu_process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert qemu_process.stdin is not None and qemu_process.stdout is not None
    registers = ""
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert qemu_process.poll() is None, f"QEMU ended (a triple fault?): {qemu_process.stderr.read()}"
            qemu_process.stdin.write("info registers\n")
            qemu_process.stdin.flush()
            registers = ""
            while "HLT=" not in registers or "CS =" not in registers:
                line = qemu_process.stdout.readline()
                assert line, "QEMU's monitor closed"
                registers += line
            if "HLT=1" in registers:
                break
            time.sleep(0.2)
    finally:
        qemu_process.kill()
        qemu_process.wait(timeout=10)
    assert "HLT=1" in registers, f"the vCPU did not halt within {WAIT_SECONDS} s:\n{registers}"
    assert re.search(r"CS =0008 .* CS64", registers), f"not in 64-bit kernel code:\n{registers}"
    rip = re.search(r"RIP=([0-9a-f]{16})", registers)
    assert rip is not None, registers
    where = read_elf(IMAGE).symbol_at(int(rip.group(1), 16))
    assert where == "xen_start", f"halted at {rip.group(1)} in `{where}`, not in xen_start:\n{registers}"

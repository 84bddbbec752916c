"""Whether this machine can run a KVM guest: shared by tests (to skip with the reason) and benchmarks."""

from __future__ import annotations

import fcntl
import os
from typing import Optional

_KVM_CREATE_VM = 0xAE01


def kvm_problem() -> Optional[str]:
    """Why KVM cannot run a guest here, or None."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"cannot open /dev/kvm: {e.strerror}"
    try:
        os.close(fcntl.ioctl(fd, _KVM_CREATE_VM, 0))
    except OSError as e:
        return f"KVM_CREATE_VM failed: {e.strerror}"
    finally:
        os.close(fd)
    return None


_KVM_CHECK_EXTENSION = 0xAE03
_KVM_CAP_XEN_HVM = 38
# What QEMU's Xen emulation asks of KVM (KVM_XEN_HVM_CONFIG_HYPERCALL_MSR, _INTERCEPT_HCALL, _SHARED_INFO).
_KVM_XEN_HVM_NEEDED = 0x1 | 0x2 | 0x4


def kvm_xen_problem() -> Optional[str]:
    """Why KVM cannot host QEMU's Xen HVM emulation here (KVM_CAP_XEN_HVM without the features QEMU needs), or
    None."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"cannot open /dev/kvm: {e.strerror}"
    try:
        flags = fcntl.ioctl(fd, _KVM_CHECK_EXTENSION, _KVM_CAP_XEN_HVM)
    except OSError as e:
        return f"KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM) failed: {e.strerror}"
    finally:
        os.close(fd)
    if flags & _KVM_XEN_HVM_NEEDED != _KVM_XEN_HVM_NEEDED:
        return f"KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM) answers {flags:#x}: this KVM has no Xen HVM support"
    return None

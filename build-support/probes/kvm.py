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

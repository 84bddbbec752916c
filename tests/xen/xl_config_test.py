"""The `xl` configuration `pants package` writes beside a xen image, read by Xen's own parser: libxlutil (Debian's
libxen-dev, which installs without a hypervisor), through ctypes, as `xl create` reads it."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path
from typing import Iterator

import pytest

FOLDER = Path("examples.hello")
CONFIG = FOLDER / "image.xen.xl.cfg"


class XlConfig:
    """A configuration parsed by libxlutil's xlu_cfg_readfile; values read with xlu_cfg_get_string / _long."""

    def __init__(self, library: ctypes.CDLL, path: Path) -> None:
        libc = ctypes.CDLL(None)
        libc.fdopen.restype = ctypes.c_void_p
        libc.fdopen.argtypes = [ctypes.c_int, ctypes.c_char_p]
        library.xlu_cfg_init.restype = ctypes.c_void_p
        library.xlu_cfg_init.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        library.xlu_cfg_readfile.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        library.xlu_cfg_get_string.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
        ]
        library.xlu_cfg_get_long.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.POINTER(ctypes.c_long),
            ctypes.c_int,
        ]
        library.xlu_cfg_destroy.argtypes = [ctypes.c_void_p]
        self.library = library
        # Its parse errors go to stderr, which pytest shows on failure.
        self.handle = library.xlu_cfg_init(libc.fdopen(2, b"w"), str(path).encode())
        assert self.handle, "xlu_cfg_init failed"
        self.status = library.xlu_cfg_readfile(self.handle, str(path).encode())

    def string(self, name: str) -> str:
        value = ctypes.c_char_p()
        status = self.library.xlu_cfg_get_string(self.handle, name.encode(), ctypes.byref(value), 0)
        assert status == 0, f"`{name}` is not a string setting (libxlutil says {status})"
        return value.value.decode()

    def long(self, name: str) -> int:
        value = ctypes.c_long()
        status = self.library.xlu_cfg_get_long(self.handle, name.encode(), ctypes.byref(value), 0)
        assert status == 0, f"`{name}` is not a number setting (libxlutil says {status})"
        return value.value

    def close(self) -> None:
        self.library.xlu_cfg_destroy(self.handle)


@pytest.fixture
def config() -> Iterator[XlConfig]:
    name = ctypes.util.find_library("xlutil")
    if name is None:
        pytest.skip("libxlutil, Xen's xl configuration parser, is not installed (Debian package libxen-dev)")
    parsed = XlConfig(ctypes.CDLL(name), CONFIG)
    yield parsed
    parsed.close()


def test_xl_parses_the_configuration_as_a_pvh_guest_of_the_image_beside_it(config: XlConfig) -> None:
    assert config.status == 0, "libxlutil refused the file (its message is on stderr)"
    assert config.string("type") == "pvh"
    assert config.string("name") == "examples-hello-image"
    kernel = config.string("kernel")
    assert kernel == "image.xen" and (FOLDER / kernel).is_file()
    assert 16 <= config.long("memory") <= 4096
    assert config.long("vcpus") == 1
    assert config.string("on_crash") == "destroy"


def test_the_command_line_carries_every_key_as_a_boot_argument_after_xl_unquotes_it(config: XlConfig) -> None:
    # hello's keys at their built-in values; the space stays escaped for the guest's own splitting.
    assert config.string("cmdline") == "--count=4 --message=Hello\\ World!"

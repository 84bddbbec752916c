"""The muen ABI's C on the build host: tests/muen/muen_test.c as Pants builds it, and again under ASan and UBSan
(hostile sinfo pages, a SHMStream v2 reader of the channel writer across wrap-around, the TSC arithmetic), and
tests/muen/net_test.c, the network transport over muennet channels, under ASan and UBSan."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tap import ok_count, run_tap

SOURCES = [
    "tests/muen/muen_test.c",
    "targets/muen/sinfo.c",
    "targets/muen/subject.c",
    "targets/muen/channel_writer.c",
    "targets/muen/channel_reader.c",
    "targets/muen/debuglog.c",
    "targets/muen/time_info.c",
    "lib/testing/tap.c",
]


def test_muen_pure_parts_as_built() -> None:
    assert ok_count(run_tap("tests.muen/muen_test")) >= 70


NET_SOURCES = [
    "tests/muen/net_test.c",
    "targets/muen/net.c",
    "targets/muen/sinfo.c",
    "targets/muen/channel_writer.c",
    "targets/muen/channel_reader.c",
    "lib/testing/tap.c",
]


def sanitized(program: Path, sources: list) -> Path:
    gcc = shutil.which("gcc", path=os.environ.get("PATH") or "/usr/bin:/bin")
    assert gcc, "gcc is not on PATH (the bootstrap installs it)"
    subprocess.run(
        [
            gcc, "-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-I.",
            "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-o", str(program), *sources,
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return program


def test_muen_pure_parts_under_asan_and_ubsan(tmp_path: Path) -> None:
    output = run_tap(str(sanitized(tmp_path / "muen_test_sanitized", SOURCES)))
    assert ok_count(output) >= 70


def test_muen_network_transport_under_asan_and_ubsan(tmp_path: Path) -> None:
    output = run_tap(str(sanitized(tmp_path / "net_test_sanitized", NET_SOURCES)))
    assert ok_count(output) >= 14

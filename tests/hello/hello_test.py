"""Boot the packaged hello unikernel as a user would and read its console."""

from __future__ import annotations

import subprocess
import time
from typing import List, Tuple

IMAGE = "examples.hello/image.unix"


def run_timed(*args: str) -> Tuple[int, List[Tuple[float, bytes]], bytes]:
    """Run the image; return its exit code, each stdout line with the time it arrived, and stderr."""
    started = time.monotonic()
    process = subprocess.Popen([IMAGE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    lines = [(time.monotonic() - started, line) for line in process.stdout]
    stderr = process.stderr.read()
    return process.wait(timeout=30), lines, stderr


def test_hello_prints_four_greetings_one_second_apart_and_exits_0() -> None:
    code, lines, stderr = run_timed()
    assert code == 0, stderr
    assert [line for _, line in lines] == [b"Hello World!\n"] * 4
    gaps = [b[0] - a[0] for a, b in zip(lines, lines[1:])]
    assert all(0.95 <= gap <= 1.5 for gap in gaps), gaps
    assert lines[0][0] < 0.5, "the first greeting should come at once"


def test_boot_arguments_override_the_configured_keys() -> None:
    code, lines, _ = run_timed("--message=Bonjour, monde", "--count=2")
    assert code == 0
    assert [line for _, line in lines] == [b"Bonjour, monde\n"] * 2


def test_count_zero_prints_nothing() -> None:
    code, lines, _ = run_timed("--count=0")
    assert (code, lines) == (0, [])


def test_malformed_boot_argument_is_refused_with_exit_code_2() -> None:
    code, lines, stderr = run_timed("--count=many")
    assert (code, lines) == (2, [])
    assert stderr == b"mirage: malformed value in `--count=many`: expected int\n"


def test_unknown_boot_argument_is_refused() -> None:
    code, _, stderr = run_timed("--colour=blue")
    assert code == 2
    assert b"unknown key in boot argument `--colour=blue`" in stderr


def test_help_lists_keys_with_their_values() -> None:
    code, lines, stderr = run_timed("--message=x", "--help")
    assert (code, lines) == (0, [])
    assert b"  --count=4\n" in stderr
    assert b"  --message=x\n" in stderr

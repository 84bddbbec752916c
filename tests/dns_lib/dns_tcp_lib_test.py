"""The DNS library's TCP checks (lib/dns/tests/tcp_test.c) and the replay of the TCP fuzzers' corpora."""

from __future__ import annotations

import os
import subprocess

import pytest
from tap import ok_count, run_tap

TCP_TEST = "lib.dns.tests/tcp_test"


def test_every_tcp_check_passes() -> None:
    output = run_tap(TCP_TEST)
    # Answers over TCP, transfers, framing and the access list: a collapse in their number means a group stopped.
    assert ok_count(output) >= 40


@pytest.mark.parametrize("corpus, flag", [("corpus_frames", "--frames"), ("corpus_acl", "--acl")])
def test_corpus_replays(corpus: str, flag: str) -> None:
    folder = f"lib/dns/tests/{corpus}"
    files = [name for name in os.listdir(folder) if not name.startswith(".")]
    assert len(files) >= 8, files
    output = run_tap(TCP_TEST, flag, folder)
    assert ok_count(output) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([TCP_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "usage" in result.stderr

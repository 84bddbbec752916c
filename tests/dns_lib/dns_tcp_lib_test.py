"""The DNS library's TCP checks (lib/dns/tests/tcp_test.c) and the replay of the TCP fuzzers' corpora."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

TCP_TEST = "lib.dns.tests/tcp_test"


def run_tap(*args: str) -> str:
    result = subprocess.run([TCP_TEST, *args], capture_output=True, text=True, timeout=120)
    plan = re.match(r"1\.\.(\d+)\n", result.stdout)
    assert plan, f"no TAP plan on the first line of:\n{result.stdout}\n{result.stderr}"
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    assert len(re.findall(r"^ok \d+ - ", result.stdout, re.MULTILINE)) == int(plan.group(1)), result.stdout
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_tcp_check_passes() -> None:
    output = run_tap()
    # Answers over TCP, transfers, framing and the access list: a collapse in their number means a group stopped.
    assert len(re.findall(r"^ok ", output, re.MULTILINE)) >= 40


@pytest.mark.parametrize("corpus, flag", [("corpus_frames", "--frames"), ("corpus_acl", "--acl")])
def test_corpus_replays(corpus: str, flag: str) -> None:
    folder = f"lib/dns/tests/{corpus}"
    files = [name for name in os.listdir(folder) if not name.startswith(".")]
    assert len(files) >= 8, files
    output = run_tap(flag, folder)
    assert len(re.findall(r"^ok ", output, re.MULTILINE)) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([TCP_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "usage" in result.stderr

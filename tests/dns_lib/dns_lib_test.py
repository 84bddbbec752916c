"""The DNS library's own checks (lib/dns/tests/dns_test.c) and the replay of its corpus of queries and crashers."""

from __future__ import annotations

import os
import re
import subprocess

DNS_TEST = "lib.dns.tests/dns_test"
CORPUS = "lib/dns/tests/corpus"


def run_tap(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([DNS_TEST, *args], capture_output=True, text=True, timeout=120)
    # The plan comes first, so a run that stops part-way has fewer `ok` lines than it planned.
    plan = re.match(r"1\.\.(\d+)\n", result.stdout)
    assert plan, f"no TAP plan on the first line of:\n{result.stdout}\n{result.stderr}"
    oks = re.findall(r"^ok \d+ - ", result.stdout, re.MULTILINE)
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    assert len(oks) == int(plan.group(1)), result.stdout
    assert result.returncode == 0, result.stderr
    return result


def test_every_check_passes() -> None:
    result = run_tap()
    # The checks cover names, the zone parser, the responder, headers and EDNS0: a collapse in their number
    # means a group stopped running.
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) >= 100


def test_corpus_replays_without_crashing() -> None:
    files = [name for name in os.listdir(CORPUS) if not name.startswith(".")]
    assert len(files) >= 12, files
    result = run_tap("--corpus", CORPUS)
    assert len(re.findall(r"^ok ", result.stdout, re.MULTILINE)) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([DNS_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "usage" in result.stderr

"""The DNS library's own checks (lib/dns/tests/dns_test.c) and the replay of its corpus of queries and crashers."""

from __future__ import annotations

import os
import subprocess

from tap import ok_count, run_tap

DNS_TEST = "lib.dns.tests/dns_test"
CORPUS = "lib/dns/tests/corpus"


def test_every_check_passes() -> None:
    output = run_tap(DNS_TEST)
    # The checks cover names, the zone parser, the responder, headers and EDNS0: a collapse in their number
    # means a group stopped running.
    assert ok_count(output) >= 100


def test_corpus_replays_without_crashing() -> None:
    files = [name for name in os.listdir(CORPUS) if not name.startswith(".")]
    assert len(files) >= 12, files
    output = run_tap(DNS_TEST, "--corpus", CORPUS)
    assert ok_count(output) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([DNS_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "usage" in result.stderr

"""The TCP core on the build host (lib/tcpip/tests/tcp_test): its TAP checks (wire format, ISNs, RTO, rings, and
scenarios between two cores or against a scripted peer over a simulated link), and the replay of the fuzz corpus,
seeds (written by tcp_seeds.py) and crashers alike."""

from __future__ import annotations

import os
import subprocess

from net.tcp_seeds import seeds
from tap import ok_count, run_tap

TCP_TEST = "lib.tcpip.tests/tcp_test"
CORPUS = "lib/tcpip/tests/tcp_corpus"


def test_every_check_passes() -> None:
    out = run_tap(TCP_TEST)
    # Handshakes, data, closes, RFC 5961, limits: a collapse in the count means a group stopped running.
    assert ok_count(out) >= 80


def test_seed_files_are_what_tcp_seeds_writes() -> None:
    for name, data in seeds().items():
        path = os.path.join(CORPUS, name)
        assert os.path.exists(path), f"{path} is missing: run python3 tests/net/tcp_seeds.py {CORPUS}"
        with open(path, "rb") as f:
            assert f.read() == data, f"{path} is stale: run python3 tests/net/tcp_seeds.py {CORPUS}"


def test_corpus_replays_with_every_invariant_holding() -> None:
    files = [name for name in os.listdir(CORPUS) if not name.startswith(".")]
    assert len(files) >= len(seeds())
    out = run_tap(TCP_TEST, "--corpus", CORPUS)
    assert ok_count(out) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([TCP_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "usage" in result.stderr

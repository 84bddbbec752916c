"""The TCP core on the build host (lib/tcpip/tests/tcp_test): its TAP checks (wire format, ISNs, RTO, rings, and
scenarios between two cores or against a scripted peer over a simulated link), and the replay of the fuzz corpus,
seeds (written by tcp_seeds.py) and crashers alike."""

from __future__ import annotations

import os
import re
import subprocess

from net.tcp_seeds import seeds

TCP_TEST = "lib.tcpip.tests/tcp_test"
CORPUS = "lib/tcpip/tests/tcp_corpus"


def run_tap(*args: str) -> str:
    result = subprocess.run([TCP_TEST, *args], capture_output=True, text=True, timeout=120)
    plan = re.match(r"1\.\.(\d+)\n", result.stdout)
    assert plan, f"no TAP plan on the first line of:\n{result.stdout}\n{result.stderr}"
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures)
    oks = re.findall(r"^ok \d+ - ", result.stdout, re.MULTILINE)
    # The plan comes first, so a run that stops part-way (a crash) has fewer `ok` lines than it planned.
    assert len(oks) == int(plan.group(1)), result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_check_passes() -> None:
    out = run_tap()
    # Handshakes, data, closes, RFC 5961, limits: a collapse in the count means a group stopped running.
    assert len(re.findall(r"^ok ", out, re.MULTILINE)) >= 80


def test_seed_files_are_what_tcp_seeds_writes() -> None:
    for name, data in seeds().items():
        path = os.path.join(CORPUS, name)
        assert os.path.exists(path), f"{path} is missing: run python3 tests/net/tcp_seeds.py {CORPUS}"
        with open(path, "rb") as f:
            assert f.read() == data, f"{path} is stale: run python3 tests/net/tcp_seeds.py {CORPUS}"


def test_corpus_replays_with_every_invariant_holding() -> None:
    files = [name for name in os.listdir(CORPUS) if not name.startswith(".")]
    assert len(files) >= len(seeds())
    out = run_tap("--corpus", CORPUS)
    assert len(re.findall(r"^ok ", out, re.MULTILINE)) == len(files)


def test_bad_arguments_are_refused() -> None:
    result = subprocess.run([TCP_TEST, "--bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "usage" in result.stderr

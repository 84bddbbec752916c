"""Run a C test program that prints TAP (lib/testing/tap.h) and check what it printed, the one way every test does."""

from __future__ import annotations

import re
import subprocess


def run_tap(program: str, *args: str, timeout: float = 120) -> str:
    """Runs `program` with `args`; asserts a plan on the first line, no `not ok`, as many `ok` lines as planned (a
    run that stops part-way, a crash, has fewer) and exit status 0. Returns its standard output."""
    result = subprocess.run([program, *args], capture_output=True, text=True, timeout=timeout)
    plan = re.match(r"1\.\.(\d+)\n", result.stdout)
    assert plan, f"no TAP plan on the first line of:\n{result.stdout}\n{result.stderr}"
    failures = re.findall(r"^not ok .*$", result.stdout, re.MULTILINE)
    assert failures == [], "\n".join(failures) + "\n" + result.stderr
    oks = re.findall(r"^ok \d+ - ", result.stdout, re.MULTILINE)
    assert len(oks) == int(plan.group(1)), result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    return result.stdout


def ok_count(output: str) -> int:
    """The `ok` lines of a TAP output."""
    return len(re.findall(r"^ok ", output, re.MULTILINE))

"""Rule test of `pants run` on a host program: lib/dns/tests:dns_test is built and runs with the given arguments."""

from __future__ import annotations

import subprocess

from mirage.goals.checkout_testutil import checkout_rule_runner
from mirage.goals.run_host_program import HostProgramRunFieldSet
from pants.core.goals.run import RunRequest
from pants.engine.addresses import Address


def test_run_builds_the_host_program_and_passes_arguments() -> None:
    rule_runner = checkout_rule_runner()
    target = rule_runner.get_target(Address("lib/dns/tests", target_name="dns_test"))
    request = rule_runner.request(RunRequest, [HostProgramRunFieldSet.create(target)])
    assert request.args == ("{chroot}/lib.dns.tests/dns_test",)

    # Do what `pants run` does: materialize the digest, put its folder in for {chroot}, then append `-- ARGS`.
    rule_runner.write_digest(request.digest)
    argv = [arg.replace("{chroot}", rule_runner.build_root) for arg in request.args]
    usage = subprocess.run([*argv, "--help"], capture_output=True, timeout=60)
    assert b"usage: dns_test [--corpus DIR" in usage.stdout + usage.stderr

    # The program's own checks pass when run without arguments; a bad argument is refused non-zero.
    checks = subprocess.run(argv, capture_output=True, timeout=120)
    assert checks.returncode == 0, checks.stdout.decode()[-2000:]
    assert b"not ok" not in checks.stdout and b"\nok " in checks.stdout
    refused = subprocess.run([*argv, "--no-such-option"], capture_output=True, timeout=60)
    assert refused.returncode != 0

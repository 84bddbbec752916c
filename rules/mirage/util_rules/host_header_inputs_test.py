"""The system headers a hosted compile may read: the real folders and packages are found, the probe's output is
read exactly, and the identity that keys hosted compiles moves with any package version or unowned file."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from mirage.testutil import mirage_rule_runner
from mirage.util_rules.compile import AbiCompileSettings, AbiCompileSettingsRequest
from mirage.util_rules.host_header_inputs import (
    HOST_HEADER_INPUTS_VARIABLE,
    HostHeaderInputs,
    HostHeaderInputsRequest,
    parse_probe_output,
)
from mirage.util_rules.toolchain import Toolchain, ToolchainRequest
from pants.engine.addresses import Address
from pants.engine.rules import QueryRule

RULES = (
    QueryRule(HostHeaderInputs, [HostHeaderInputsRequest]),
    QueryRule(Toolchain, [ToolchainRequest]),
    QueryRule(AbiCompileSettings, [AbiCompileSettingsRequest]),
)


def test_the_probe_output_is_read_section_by_section() -> None:
    output = (
        "#folders\n/usr/lib/gcc/x86_64-linux-gnu/12/include\n/usr/local/include\n/usr/include\n"
        "#packages\nlinux-libc-dev:amd64=6.1.140-1\nlibc6-dev:amd64=2.36-9+deb12u14\n"
        "#unowned\n" + "ab" * 32 + "  /usr/local/include/extra.h\n"
    )
    inputs = parse_probe_output(output)
    assert inputs.folders == ("/usr/lib/gcc/x86_64-linux-gnu/12/include", "/usr/local/include", "/usr/include")
    assert inputs.packages == ("libc6-dev:amd64=2.36-9+deb12u14", "linux-libc-dev:amd64=6.1.140-1")
    assert inputs.unowned == (("/usr/local/include/extra.h", "ab" * 32),)
    # Any change of a package's version or of an unowned file moves the identity.
    newer = dataclasses.replace(inputs, packages=("libc6-dev:amd64=2.36-9+deb12u15", inputs.packages[1]))
    edited = dataclasses.replace(inputs, unowned=(("/usr/local/include/extra.h", "cd" * 32),))
    assert len({inputs.identity, newer.identity, edited.identity}) == 3


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="no dpkg on this machine: packages are not known")
def test_the_compilers_folders_and_their_debian_packages_are_found_and_key_hosted_compiles() -> None:
    rule_runner = mirage_rule_runner(
        {"tools/BUILD": 'abi(name="hosted", traits=["hosted", "posix", "x86_64"], runner="exec")\n'},
        extra_rules=RULES,
    )
    toolchain = rule_runner.request(Toolchain, [ToolchainRequest("gcc")])
    inputs = rule_runner.request(HostHeaderInputs, [HostHeaderInputsRequest(toolchain)])
    assert "/usr/include" in inputs.folders, inputs.folders
    names = {package.split(":")[0].split("=")[0] for package in inputs.packages}
    # glibc's headers, the kernel's (linux/kvm.h, which the hvt tender includes) and libseccomp's (the tenders').
    assert {"libc6-dev", "linux-libc-dev", "libseccomp-dev"} <= names, sorted(names)
    assert all("=" in package for package in inputs.packages), inputs.packages
    settings = rule_runner.request(
        AbiCompileSettings, [AbiCompileSettingsRequest(Address("tools", target_name="hosted"))]
    )
    assert settings.toolchain.env[HOST_HEADER_INPUTS_VARIABLE] == inputs.identity
    assert settings.host_header_inputs == inputs

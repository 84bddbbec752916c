"""Rule tests of `pants check`: implementations and C libraries compile alone for every ABI they support."""

from __future__ import annotations

from textwrap import dedent
from typing import Dict

from mirage.goals.check import MirageCheckFieldSet, MirageCheckRequest
from mirage.goals.checkout_testutil import checkout_rule_runner, run_goal
from pants.core.goals.check import Check, CheckResults
from pants.engine.addresses import Address

UNUSED_BROKEN = {
    "lib/unused/BUILD": dedent(
        """\
        implementation(
            name="console",
            description="A console no unikernel uses, with a compile error.",
            sources=["console.c"],
            provides="//devices:console",
            connect="unused_console_connect",
            abi_traits=["freestanding"],
        )
        """
    ),
    "lib/unused/console.c": dedent(
        """\
        #include "devices/console.h"

        int unused_console_connect(struct console *self)
        {
            return undeclared_name;
        }
        """
    ),
}


def check_results(rule_runner, *addresses: Address) -> Dict[str, str]:
    """What `check` reports for `addresses`, by partition (`abi hvt`, or `abi hvt failed`)."""
    field_sets = [MirageCheckFieldSet.create(rule_runner.get_target(address)) for address in addresses]
    results = rule_runner.request(CheckResults, [MirageCheckRequest(field_sets)])
    return {
        result.partition_description + (" failed" if result.exit_code else ""): result.stdout
        for result in results.results
    }


def test_unused_implementation_with_a_compile_error_fails_check_with_file_and_line() -> None:
    rule_runner = checkout_rule_runner(extra_files=UNUSED_BROKEN)
    assert run_goal(rule_runner, Check, "lib/unused::").exit_code == 1
    # Only the ABIs with the `freestanding` trait are tried, each its own partition.
    results = check_results(rule_runner, Address("lib/unused", target_name="console"))
    # virt_arm64 and rpi4 are aarch64: the same library is compiled by the cross compiler there.
    assert sorted(results) == [
        "abi hvt failed",
        "abi muen failed",
        "abi rpi4 failed",
        "abi spt failed",
        "abi virt_arm64 failed",
        "abi virtio failed",
        "abi xen failed",
    ]
    for abi in ("hvt", "muen", "rpi4", "spt", "virt_arm64", "virtio", "xen"):
        output = results[f"abi {abi} failed"]
        assert output.startswith(f"0 of 1 targets compiled for abi {abi}.\n")
        assert "lib/unused/console.c:5:" in output and "undeclared_name" in output
        assert "Fix the error in lib/unused/console.c" in output


def test_check_passes_on_the_repository_libraries() -> None:
    rule_runner = checkout_rule_runner()
    assert run_goal(rule_runner, Check, "lib/tcpip::", "lib/platform::").exit_code == 0
    # lib/tcpip's layers are portable (`abi_traits=[]`): compiled alone for every declared ABI, the host's too.
    results = check_results(rule_runner, Address("lib/tcpip", target_name="ipv4"))
    assert sorted(results) == [
        "abi host",
        "abi hvt",
        "abi muen",
        "abi rpi4",
        "abi spt",
        "abi unix",
        "abi virt_arm64",
        "abi virtio",
        "abi xen",
    ]
    assert results["abi host"] == "1 of 1 targets compiled for abi host.\n"


def test_c_library_is_checked_on_the_abis_with_its_traits_only() -> None:
    rule_runner = checkout_rule_runner()
    # lib/platform:platform needs `freestanding`; lib/dns says nothing, so check leaves it to what uses it.
    results = check_results(
        rule_runner, Address("lib/platform", target_name="platform"), Address("lib/dns", target_name="dns")
    )
    assert sorted(results) == ["abi hvt", "abi muen", "abi rpi4", "abi spt", "abi virt_arm64", "abi virtio", "abi xen"]

"""Rule tests of what `dependencies` and `dependents` see: an ABI's tender and defaults, and a unikernel that does not
resolve, which must not break them for the rest of the repository."""

from __future__ import annotations

import re
from textwrap import dedent

import pytest
from mirage.graph.errors import ResolutionError
from mirage.testutil import mirage_rule_runner, package, repo_files
from pants.backend.project_info import dependencies, dependents
from pants.backend.project_info.dependencies import Dependencies as DependenciesGoal
from pants.backend.project_info.dependents import DependentsGoal
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.engine.target import TransitiveTargets, TransitiveTargetsRequest
from pants.testutil.rule_runner import engine_error

TENDER = {
    "tools/boot/BUILD": 'host_program(name="boot", sources=["boot.c"])\n',
    "tools/boot/boot.c": "int main(void) { return 0; }\n",
}


def unix_build(tender: str) -> str:
    """The unix ABI of this repository, booted through a tender (the field, not how it boots, is under test)."""
    build = repo_files("targets/unix")["targets/unix/BUILD"]
    return build.replace('runner="exec",', f'runner="exec",\n    tender="{tender}",', 1)


def rule_runner_with(files: dict):
    return mirage_rule_runner(
        files,
        extra_rules=(
            *dependencies.rules(),
            *dependents.rules(),
            QueryRule(TransitiveTargets, [TransitiveTargetsRequest]),
        ),
    )


def listed(rule_runner, goal, *args: str) -> list:
    result = rule_runner.run_goal_rule(goal, args=args)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def test_abi_tender_is_a_dependency_of_the_abi_and_defaults_are_not() -> None:
    rule_runner = rule_runner_with({**TENDER, "targets/unix/BUILD": unix_build("//tools/boot")})
    deps = listed(rule_runner, DependenciesGoal, "targets/unix:unix")
    assert "tools/boot:boot" in deps
    assert "targets/unix:unix" in listed(rule_runner, DependentsGoal, "tools/boot:boot")
    # Every unix image depends on the ABI: a default as a dependency would mark them all when it is edited.
    assert "targets/unix:console" not in deps
    assert "targets/unix:unix" not in listed(rule_runner, DependentsGoal, "targets/unix:socket_stack")


def test_abi_tender_stays_out_of_the_images_closure() -> None:
    # An image links what its graph uses: not the tender (host code), nor defaults it does not use.
    files = repo_files("examples/hello")
    files["examples/hello/BUILD"] = re.sub(r"\n *abi=parametrize\([^)]*\),", "", files["examples/hello/BUILD"])
    rule_runner = rule_runner_with({**files, **TENDER, "targets/unix/BUILD": unix_build("//tools/boot")})
    closure = rule_runner.request(
        TransitiveTargets, [TransitiveTargetsRequest([Address("examples/hello", target_name="image")])]
    )
    transitive = {t.address.spec for t in closure.closure}
    assert {"targets/unix:unix", "targets/unix:console", "targets/unix:sleep"} <= transitive
    assert "targets/unix:socket_stack" not in transitive
    assert "tools/boot:boot" not in transitive


@pytest.mark.parametrize(
    "build, field, typo, hint",
    [
        (unix_build("//tools/boto"), "tender", "//tools/boto", "does not exist on disk"),
        (
            unix_build("//tools/boot").replace('"//devices:mclock": ":mclock"', '"//devices:mclock": ":mclok"'),
            "defaults",
            ":mclok",
            "Did you mean one of these target names?",
        ),
    ],
)
def test_a_typo_in_an_abi_field_names_the_field_the_abi_and_the_fix(
    build: str, field: str, typo: str, hint: str
) -> None:
    rule_runner = rule_runner_with({**TENDER, "targets/unix/BUILD": build})
    with pytest.raises(ExecutionError) as error:
        rule_runner.run_goal_rule(DependenciesGoal, args=["targets/unix:unix"])
    message = str(error.value)
    assert f"The `{field}` field of targets/unix:unix names `{typo}`, which is not a target." in message
    assert "fix: write the address of a" in message
    assert hint in message


BROKEN = {
    "apps/BUILD": dedent(
        """\
        unikernel(
            name="good",
            sources=["good.c"],
            start="good_start",
            devices={"console": "//devices:console"},
        )

        unikernel(
            name="broken",
            sources=["broken.c"],
            start="broken_start",
            devices={"console": "//devices:console", "disk": "//devices:block"},
        )
        """
    ),
    "apps/good.c": dedent(
        """\
        #include "devices/console.h"
        int good_start(struct console *console) { (void)console; return 0; }
        """
    ),
    "apps/broken.c": dedent(
        """\
        #include "devices/block.h"
        #include "devices/console.h"
        int broken_start(struct console *console, struct block *disk) { (void)console; (void)disk; return 0; }
        """
    ),
}


def test_a_unikernel_that_does_not_resolve_breaks_only_its_own_build() -> None:
    rule_runner = rule_runner_with(BROKEN)
    good = listed(rule_runner, DependenciesGoal, "apps:good")
    assert {"devices:console", "targets/unix:console", "targets/unix:unix"} <= set(good)

    # The whole repository still answers: the broken unikernel infers only what its fields name.
    everything = listed(rule_runner, DependenciesGoal, "::")
    assert "devices:block" in everything
    console_dependents = listed(rule_runner, DependentsGoal, "//devices:console")
    assert {"apps:good", "apps:broken"} <= set(console_dependents)
    assert "apps:broken" in listed(rule_runner, DependentsGoal, "targets/unix:unix")
    assert "apps:broken" not in listed(rule_runner, DependentsGoal, "targets/unix:console")


def test_an_abi_default_of_the_wrong_kind_is_refused() -> None:
    build = unix_build("//tools/boot").replace(
        '"//devices:mclock": ":mclock"', '"//devices:mclock": "//devices:mclock"'
    )
    rule_runner = rule_runner_with({**TENDER, "targets/unix/BUILD": build})
    expected = "The `defaults` field of targets/unix:unix names devices:mclock, a `device` target"
    with pytest.raises(ExecutionError, match=expected):
        rule_runner.run_goal_rule(DependenciesGoal, args=["targets/unix:unix"])

    # Packaging it still fails with the whole resolution error. (A fresh runner: goal rules reset the options
    # that find gcc on PATH.)
    rule_runner = rule_runner_with(BROKEN)
    with engine_error(ResolutionError, contains="apps:broken (abi unix): no implementation of devices:block"):
        package(rule_runner, Address("apps", target_name="broken"))
    built = package(rule_runner, Address("apps", target_name="good"))
    assert built.artifacts[0].relpath == "apps/good.unix"

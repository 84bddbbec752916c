"""Rule tests of the `environment` field: a target's compile and link run in the Pants environment it names.

Outside any environment, these tests' options say the toolchain is in a folder that does not exist
(`[mirage].executable_search_paths`, an option each environment may override); the local environment `gcc_host`
overrides it with the host's PATH. So a build that runs in the environment its target names finds gcc, and one that
ignored the field would not. Docker is not installed on the machines these tests run on: a `docker_environment` is
exercised through Pants' fallback to a local one, which is what `--no-docker-execution` asks for.
"""

from __future__ import annotations

import os
import subprocess
from textwrap import dedent

import pytest
from mirage.goals.check import MirageCheckFieldSet, MirageCheckRequest
from mirage.goals.package_host_program import HostProgramFieldSet
from mirage.testutil import mirage_rule_runner, package, repo_files
from mirage.util_rules.toolchain import Toolchain, ToolchainRequest
from pants.core.goals.check import CheckResults
from pants.core.goals.package import BuiltPackage
from pants.core.util_rules import environments
from pants.core.util_rules.environments import (
    DockerEnvironmentTarget,
    LocalEnvironmentTarget,
    UnrecognizedEnvironmentError,
)
from pants.core.util_rules.system_binaries import BinaryNotFoundError
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import engine_error

NO_TOOLCHAIN = "/nonexistent/mirage-toolchain"

ENVIRONMENTS = {
    "envs/BUILD": dedent(
        """\
        local_environment(name="gcc_host", mirage_executable_search_paths=["<PATH>"])
        docker_environment(name="container", image="debian:12", fallback_environment="gcc_host")
        """
    ),
}
OPTIONS = (
    '--environments-preview-names={"gcc_host": "//envs:gcc_host", "container": "//envs:container"}',
    f"--mirage-executable-search-paths=['{NO_TOOLCHAIN}']",
    "--no-docker-execution",
)

HELLO_BUILD = """\
unikernel(
    name="image",
    sources=["hello.c"],
    start="hello_start",
    devices={"console": "//devices:console", "time": "//devices:sleep"},
    keys={"message": "string=Hello World!", "count": "int=4"},
    environment=parametrize("gcc_host", "container"),
)

unikernel(
    name="nowhere",
    sources=["hello.c"],
    start="hello_start",
    devices={"console": "//devices:console", "time": "//devices:sleep"},
    keys={"message": "string=Hello World!", "count": "int=4"},
    environment="nowhere",
)
"""

TOOL = {
    "tools/BUILD": 'host_program(name="tool", sources=["tool.c"], abi="unix", environment="gcc_host")\n',
    "tools/tool.c": '#include <stdio.h>\nint main(void)\n{\n    return puts("tool ran") < 0;\n}\n',
    "lib/portable/BUILD": 'c_library(name="portable", sources=["portable.c"], abi_traits=["posix"], '
    'environment="gcc_host")\n',
    "lib/portable/portable.c": "int portable_twice(int x);\nint portable_twice(int x) { return 2 * x; }\n",
}


@pytest.fixture(scope="module")
def rule_runner():
    files = {**repo_files("examples/hello"), "examples/hello/BUILD": HELLO_BUILD, **ENVIRONMENTS, **TOOL}
    return mirage_rule_runner(
        files,
        options=OPTIONS,
        extra_rules=(
            *environments.rules(),
            QueryRule(BuiltPackage, [HostProgramFieldSet]),
            QueryRule(CheckResults, [MirageCheckRequest]),
            QueryRule(Toolchain, [ToolchainRequest]),
        ),
        extra_target_types=(LocalEnvironmentTarget, DockerEnvironmentTarget),
    )


def hello(environment: str) -> Address:
    return Address("examples/hello", target_name="image", parameters={"environment": environment})


def run(rule_runner, built: BuiltPackage) -> subprocess.CompletedProcess:
    rule_runner.write_digest(built.digest)
    return subprocess.run(
        [os.path.join(rule_runner.build_root, built.artifacts[0].relpath), "--count=1"], capture_output=True, timeout=30
    )


def test_outside_any_environment_there_is_no_toolchain(rule_runner) -> None:
    # What every build below would see if it ignored its target's `environment`.
    wanted = f"Cannot find `gcc` (needed to build unikernels for x86_64) in ['{NO_TOOLCHAIN}']"
    with engine_error(BinaryNotFoundError, contains=wanted):
        rule_runner.request(Toolchain, [ToolchainRequest("gcc")])


def test_a_unikernel_builds_in_the_environment_it_names(rule_runner) -> None:
    built = package(rule_runner, hello("gcc_host"))
    assert built.artifacts[0].relpath == "examples.hello/image@environment=gcc_host.unix"
    assert run(rule_runner, built).stdout == b"Hello World!\n"


def test_a_docker_environment_without_docker_falls_back_as_pants_says(rule_runner) -> None:
    built = package(rule_runner, hello("container"))
    assert run(rule_runner, built).stdout == b"Hello World!\n"


def test_an_unknown_environment_name_is_pants_own_error(rule_runner) -> None:
    with pytest.raises(ExecutionError) as raised:
        package(rule_runner, Address("examples/hello", target_name="nowhere"))
    (error,) = raised.value.wrapped_exceptions
    assert isinstance(error, UnrecognizedEnvironmentError)
    message = " ".join(str(error).split())
    assert "Unrecognized environment name `nowhere`" in message
    assert "the `environment` field from the target examples/hello:nowhere" in message
    assert "['container', 'gcc_host']" in message


def test_a_host_program_builds_in_the_environment_it_names(rule_runner) -> None:
    field_set = HostProgramFieldSet.create(rule_runner.get_target(Address("tools", target_name="tool")))
    built = rule_runner.request(BuiltPackage, [field_set])
    assert run(rule_runner, built).stdout == b"tool ran\n"


def test_check_compiles_each_target_in_its_own_environment(rule_runner) -> None:
    target = rule_runner.get_target(Address("lib/portable", target_name="portable"))
    results = rule_runner.request(CheckResults, [MirageCheckRequest([MirageCheckFieldSet.create(target)])])
    assert [(r.exit_code, r.stdout) for r in results.results] == [(0, "1 of 1 targets compiled for abi unix.\n")]

"""An ABI's architecture picks its compiler, its traits and its sources; real gcc and aarch64-linux-gnu-gcc."""

from __future__ import annotations

import os
import shutil
from textwrap import dedent

import pytest
from mirage.architecture import ArchitectureError, abi_traits, source_architecture, sources_for
from mirage.testutil import mirage_rule_runner
from mirage.util_rules.compile import (
    AbiCompileSettings,
    AbiCompileSettingsRequest,
    CompiledTarget,
    CompileTargetRequest,
)
from pants.core.util_rules.system_binaries import BinaryNotFoundError
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import engine_error

CROSS_COMPILER = "aarch64-linux-gnu-gcc"
needs_cross_compiler = pytest.mark.skipif(
    shutil.which(CROSS_COMPILER) is None, reason=f"{CROSS_COMPILER} is not installed (Debian: gcc-aarch64-linux-gnu)"
)

# Two ABIs that differ only in their architecture, and a library with a portable file and one file per architecture.
FILES = {
    "targets/both/BUILD": dedent(
        """\
        abi(name="amd", traits=["freestanding"], cflags=["-ffreestanding"])
        abi(name="arm", traits=["freestanding"], architecture="aarch64", cflags=["-ffreestanding"])
        abi(name="arm_with_gcc", traits=["freestanding"], architecture="aarch64", compiler="gcc")
        abi(name="confused", traits=["freestanding", "x86_64"], architecture="aarch64")
        """
    ),
    "lib/cpu/BUILD": 'c_library(name="cpu", sources=["*.c"], abi_traits=["freestanding"])\n',
    "lib/cpu/portable.c": "int cpu_portable(int x);\nint cpu_portable(int x) { return x + 1; }\n",
    "lib/cpu/pause_x86_64.c": 'void cpu_pause(void);\nvoid cpu_pause(void) { __asm__ __volatile__("pause"); }\n',
    "lib/cpu/pause_aarch64.c": 'void cpu_pause(void);\nvoid cpu_pause(void) { __asm__ __volatile__("yield"); }\n',
}
AMD = Address("targets/both", target_name="amd")
ARM = Address("targets/both", target_name="arm")
CPU = Address("lib/cpu", target_name="cpu")

# ELF e_machine values, at offset 18 of the header.
EM_X86_64, EM_AARCH64 = 62, 183


def rule_runner(options: tuple = ()):
    return mirage_rule_runner(
        FILES, options=options, extra_rules=(QueryRule(AbiCompileSettings, [AbiCompileSettingsRequest]),)
    )


def machines(runner, compiled: CompiledTarget) -> dict:
    contents = runner.request(DigestContents, [compiled.digest])
    return {c.path: int.from_bytes(c.content[18:20], "little") for c in contents}


def test_the_architecture_is_a_trait_and_no_other_architecture_may_be_one() -> None:
    assert abi_traits(("freestanding",), "aarch64", "abi x") == ("freestanding", "aarch64")
    assert abi_traits(("freestanding", "x86_64"), "x86_64", "abi x") == ("freestanding", "x86_64")
    with pytest.raises(ArchitectureError, match=r"abi x: its `traits` name the architecture x86_64, but its "):
        abi_traits(("x86_64",), "aarch64", "abi x")


def test_a_source_named_for_an_architecture_is_compiled_only_for_it() -> None:
    assert source_architecture("lib/cpu/pause_aarch64.S") == "aarch64"
    assert source_architecture("lib/cpu/x86_64.c") is None  # a file named after the CPU, not for it
    files = ("a.c", "b_x86_64.c", "c_aarch64.S")
    assert sources_for(files, "aarch64") == ("a.c", "c_aarch64.S")
    assert sources_for(files, "x86_64") == ("a.c", "b_x86_64.c")


@needs_cross_compiler
def test_each_abi_compiles_its_architectures_files_with_its_architectures_compiler() -> None:
    runner = rule_runner()
    amd = runner.request(CompiledTarget, [CompileTargetRequest(CPU, AMD)])
    arm = runner.request(CompiledTarget, [CompileTargetRequest(CPU, ARM)])
    assert machines(runner, amd) == {"lib/cpu/pause_x86_64.c.o": EM_X86_64, "lib/cpu/portable.c.o": EM_X86_64}
    assert machines(runner, arm) == {"lib/cpu/pause_aarch64.c.o": EM_AARCH64, "lib/cpu/portable.c.o": EM_AARCH64}
    settings = runner.request(AbiCompileSettings, [AbiCompileSettingsRequest(ARM)])
    assert os.path.basename(settings.toolchain.compiler) == CROSS_COMPILER
    assert settings.traits == ("freestanding", "aarch64")
    # The architecture is in every compile's environment, so it is part of each object's cache key.
    assert settings.toolchain.env["MIRAGE_TARGET_ARCHITECTURE"] == "aarch64"


def test_an_abi_whose_traits_name_another_architecture_is_refused() -> None:
    with engine_error(ArchitectureError, contains="its `traits` name the architecture x86_64, but its `architecture`"):
        rule_runner().request(
            AbiCompileSettings, [AbiCompileSettingsRequest(Address("targets/both", target_name="confused"))]
        )


def test_a_compiler_for_another_architecture_is_refused() -> None:
    wanted = "builds for `x86_64-linux-gnu`, not for aarch64"
    with engine_error(ArchitectureError, contains=wanted):
        rule_runner().request(
            AbiCompileSettings, [AbiCompileSettingsRequest(Address("targets/both", target_name="arm_with_gcc"))]
        )


def test_a_missing_cross_compiler_names_the_debian_package(tmp_path) -> None:
    # A toolchain folder with the host's tools only, as on a machine without gcc-aarch64-linux-gnu.
    for tool in ("gcc", "as", "ld"):
        os.symlink(shutil.which(tool), tmp_path / tool)
    runner = rule_runner((f"--mirage-executable-search-paths=['{tmp_path}']",))
    runner.request(AbiCompileSettings, [AbiCompileSettingsRequest(AMD)])
    wanted = (
        f"Cannot find `{CROSS_COMPILER}` (needed to build unikernels for aarch64) in ['{tmp_path}']. "
        "Install it (Debian: `apt-get install gcc-aarch64-linux-gnu`)"
    )
    with engine_error(BinaryNotFoundError, contains=wanted):
        runner.request(AbiCompileSettings, [AbiCompileSettingsRequest(ARM)])


def test_an_unknown_architecture_lists_the_known_ones() -> None:
    runner = rule_runner()
    runner.write_files({"targets/odd/BUILD": 'abi(name="odd", architecture="riscv64")\n'})
    with pytest.raises(ExecutionError) as raised:
        runner.request(AbiCompileSettings, [AbiCompileSettingsRequest(Address("targets/odd", target_name="odd"))])
    (error,) = raised.value.wrapped_exceptions
    assert "the 'architecture' field in target targets/odd:odd must be one of ['aarch64', 'x86_64'], but 'riscv64'" in (
        str(error)
    )

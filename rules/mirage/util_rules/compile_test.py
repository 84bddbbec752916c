"""Compile rules with real gcc: one object per source, and headers stay private to the target that owns them."""

from __future__ import annotations

import os
from textwrap import dedent

import pytest
from mirage.testutil import mirage_rule_runner
from mirage.util_rules.compile import (
    AbiCompileSettings,
    AbiCompileSettingsRequest,
    CompiledTarget,
    CompileTargetRequest,
    compile_argv,
)
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule

UNIX = Address("targets/unix", target_name="unix")

LIBRARY = {
    "lib/util/BUILD": 'c_library(name="util", sources=["*.c", "*.h"])\n',
    "lib/util/util.h": "int util_twice(int x);\n",
    "lib/util/twice.c": '#include "lib/util/util.h"\nint util_twice(int x) { return 2 * x; }\n',
    "lib/util/thrice.c": (
        '#include "lib/util/util.h"\nint util_thrice(int x);\nint util_thrice(int x) { return 3 * x; }\n'
    ),
}


def test_each_source_becomes_one_object() -> None:
    rule_runner = mirage_rule_runner(LIBRARY)
    compiled = rule_runner.request(
        CompiledTarget, [CompileTargetRequest(Address("lib/util", target_name="util"), UNIX)]
    )
    assert compiled.objects == ("lib/util/thrice.c.o", "lib/util/twice.c.o")


def test_an_implementations_private_header_is_not_visible_to_others() -> None:
    files = {
        "lib/impl/BUILD": dedent(
            """\
            implementation(name="console", sources=["impl.c", "private.h"], provides="//devices:console",
                           connect="impl_connect", abis=["unix"])
            c_library(name="user", sources=["user.c"], dependencies=[":console"])
            """
        ),
        "lib/impl/private.h": "#define PRIVATE 1\n",
        "lib/impl/impl.c": '#include "lib/impl/private.h"\n#include "devices/console.h"\n'
        "int impl_connect(struct console *self) { (void)self; return PRIVATE - 1; }\n",
        "lib/impl/user.c": '#include "lib/impl/private.h"\nint user(void) { return PRIVATE; }\n',
    }
    rule_runner = mirage_rule_runner(files)
    compiled = rule_runner.request(
        CompiledTarget, [CompileTargetRequest(Address("lib/impl", target_name="console"), UNIX)]
    )
    assert compiled.objects == ("lib/impl/impl.c.o",)
    # Include inference names the private header before gcc would fail on it with "No such file".
    with pytest.raises(ExecutionError, match="lib/impl/private.h belongs to lib/impl:console .* private to it"):
        rule_runner.request(CompiledTarget, [CompileTargetRequest(Address("lib/impl", target_name="user"), UNIX)])


def test_compile_and_link_commands_are_the_same_on_every_machine() -> None:
    """Fit for a remote worker: the compiler is named, not located (the env's PATH finds it), no argument waits for
    Pants to put the sandbox's path in (it does not remotely), and the env holds no path but the declared PATH."""
    rule_runner = mirage_rule_runner(extra_rules=[QueryRule(AbiCompileSettings, [AbiCompileSettingsRequest])])
    settings = rule_runner.request(AbiCompileSettings, [AbiCompileSettingsRequest(UNIX)])
    argv = compile_argv(settings, "lib/util/twice.c", "__mirage__/prototype.h")
    assert argv[0] == "gcc"
    assert not [a for a in argv if "{chroot}" in a or a.startswith("/")], argv
    env = dict(settings.toolchain.env)
    assert {k for k, v in env.items() if "/" in v} == {"PATH"}, env
    # `gcc` on that PATH is the compiler the toolchain found.
    assert os.path.join(env["PATH"].split(os.pathsep)[0], "gcc") == settings.toolchain.compiler

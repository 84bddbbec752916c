"""Rule tests of #include inference with real gcc: an included header's owner becomes a dependency and is built
and linked; an include that nothing provides fails with its file and line before any compiler runs."""

from __future__ import annotations

from textwrap import dedent

import pytest
from mirage.goals.package_test import HELLO, hello_files, run_image
from mirage.include_inference import IncludeError
from mirage.testutil import mirage_rule_runner, package
from pants.backend.project_info import dependencies
from pants.backend.project_info.dependencies import Dependencies
from pants.engine.internals.scheduler import ExecutionError

GREETING_LIBRARY = {
    "lib/greeting/BUILD": 'c_library(name="greeting", sources=["*.c", "*.h"])\n',
    "lib/greeting/greeting.h": dedent(
        """\
        /* greeting.h: the word hello says, from a library the unikernel does not list. */
        #ifndef GREETING_H
        #define GREETING_H
        const char *greeting_word(void);
        #endif
        """
    ),
    "lib/greeting/greeting.c": dedent(
        """\
        /* greeting.c: the word itself. */
        #include "greeting.h"
        const char *greeting_word(void) { return "inferred"; }
        """
    ),
}

# Includes the library's header by repository path and lists no `dependencies`: inference alone brings it in.
HELLO_WITH_GREETING = """\
    #include <string.h>
    #include "devices/console.h"
    #include \\
        "lib/greeting/greeting.h"

    int hello_start(struct console *console)
    {
        const char *word = greeting_word();
        return console_write(console, word, strlen(word)) != 0 || console_write(console, "\\n", 1) != 0;
    }
    """

HELLO_BUILD = """\
    unikernel(name="image", sources=["hello.c"], start="hello_start", devices={"console": "//devices:console"})
    """


def _include_error(rule_runner) -> str:
    """Package hello, which must fail on an include before anything compiles; the error's message."""
    with pytest.raises(ExecutionError) as excinfo:
        package(rule_runner, HELLO)
    errors = excinfo.value.wrapped_exceptions
    assert [type(e) for e in errors] == [IncludeError]
    return str(errors[0])


def test_included_header_of_another_target_becomes_a_dependency_that_builds() -> None:
    # Without the inferred dependency the header is absent from the compile's sandbox and greeting.c is not linked.
    files = {**hello_files(build=HELLO_BUILD, source=HELLO_WITH_GREETING), **GREETING_LIBRARY}
    rule_runner = mirage_rule_runner(files)
    built = package(rule_runner, HELLO)
    run = run_image(rule_runner, built)
    assert (run.returncode, run.stdout) == (0, b"inferred\n")


def test_include_that_no_target_owns_names_the_file_line_and_fix() -> None:
    source = """\
        #include "devices/console.h"
        /* The header below was never added to the repository. */
        #include "lib/nowhere/missing.h"
        #include <a_system_header_is_left_to_the_compiler.h>
        int hello_start(struct console *console) { (void)console; return 0; }
        """
    rule_runner = mirage_rule_runner(hello_files(build=HELLO_BUILD, source=source))
    message = _include_error(rule_runner)
    assert "examples/hello:image has includes that no dependency provides" in message
    assert 'examples/hello/hello.c:3: #include "lib/nowhere/missing.h": no target owns' in message
    assert "examples/hello/lib/nowhere/missing.h or lib/nowhere/missing.h" in message
    assert "fix: add a `c_library` (or `device`) owning that header" in message
    assert "a_system_header" not in message


def test_missing_header_in_a_folder_whose_library_globs_its_headers() -> None:
    # lib/greeting's `*.h` would match the missing name: the error must still say that no target owns it.
    source = HELLO_WITH_GREETING.replace("lib/greeting/greeting.h", "lib/greeting/salutation.h")
    files = {**hello_files(build=HELLO_BUILD, source=source), **GREETING_LIBRARY}
    message = _include_error(mirage_rule_runner(files))
    assert 'examples/hello/hello.c:3: #include "lib/greeting/salutation.h": no target owns' in message


def test_header_private_to_a_host_program_cannot_be_included_elsewhere() -> None:
    files = hello_files(
        build=HELLO_BUILD,
        source="""\
            #include "devices/console.h"
            #include "tools/probe/probe_detail.h"
            int hello_start(struct console *console) { (void)console; return 0; }
            """,
    )
    files["tools/probe/BUILD"] = 'host_program(name="probe", sources=["probe.c", "probe_detail.h"])\n'
    files["tools/probe/probe.c"] = '#include "probe_detail.h"\nint main(void) { return PROBE_EXIT; }\n'
    files["tools/probe/probe_detail.h"] = "/* probe_detail.h: belongs to one host program. */\n#define PROBE_EXIT 0\n"
    rule_runner = mirage_rule_runner(files)
    message = _include_error(rule_runner)
    assert 'examples/hello/hello.c:2: #include "tools/probe/probe_detail.h"' in message
    assert "belongs to tools/probe:probe (a `host_program`), whose headers are private" in message
    assert "fix: move tools/probe/probe_detail.h into a `c_library` (or `device`)" in message


def test_a_bad_include_breaks_only_its_own_build_not_dependencies_of_the_repository() -> None:
    source = '#include "devices/console.h"\n#include "lib/nowhere/missing.h"\nint hello_start(struct console *c);\n'
    files = {**hello_files(build=HELLO_BUILD, source=source), **GREETING_LIBRARY}
    rule_runner = mirage_rule_runner(files, extra_rules=dependencies.rules())
    assert rule_runner.run_goal_rule(Dependencies, args=["::"], env_inherit={"PATH"}).exit_code == 0
    # Inference still reports what the target's other includes provide.
    result = rule_runner.run_goal_rule(Dependencies, args=["examples/hello:image"], env_inherit={"PATH"})
    assert result.exit_code == 0 and "devices:console" in result.stdout.split()
    # Building it still fails, with the include's file and line.
    assert 'examples/hello/hello.c:2: #include "lib/nowhere/missing.h": no target owns' in _include_error(rule_runner)

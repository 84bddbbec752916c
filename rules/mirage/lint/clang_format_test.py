"""Rule tests of clang-format for mirage targets: `pants lint` reports C that is not in the repository's style and
`pants fmt` rewrites it, with clang-format built from the lockfile bundled with Pants."""

from __future__ import annotations

import os
from typing import Mapping

import pytest
from mirage import register
from mirage.lint.clang_format import config_file_candidates, formatted_files
from pants.core.goals import fix, fmt, lint
from pants.core.goals.fmt import Fmt
from pants.core.goals.lint import Lint
from pants.core.util_rules import config_files, source_files, system_binaries
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

# The pex tool is a local file that ./pants builds (the host Pants downloads it from is unreachable): the test's
# Pants uses the same one, through these variables (rules/mirage/lint/BUILD passes them to the test).
PEX_TOOL_VARIABLES = ("PANTS_PEX_CLI_URL_TEMPLATE", "PANTS_PEX_CLI_KNOWN_VERSIONS")

CONFIG = "BasedOnStyle: LLVM\nIndentWidth: 4\nColumnLimit: 120\nBreakBeforeBraces: Linux\nSortIncludes: Never\n"
FORMATTED = "int twice(int x)\n{\n    if (x > 0) {\n        return 2 * x;\n    }\n    return 0;\n}\n"
UNFORMATTED = "int twice(int x) {\n  if (x>0)\n  {\n  return 2*x; }\n  return 0;\n}\n"


def clang_format_rule_runner(files: Mapping[str, str]) -> RuleRunner:
    missing = [name for name in PEX_TOOL_VARIABLES if name not in os.environ]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run this test with ./pants, which builds the pex tool it names")
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *config_files.rules(),
            *fix.rules(),
            *fmt.rules(),
            *lint.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
        ],
        target_types=register.target_types(),
    )
    rule_runner.write_files(files)
    return rule_runner


def run(rule_runner: RuleRunner, goal: type, *args: str) -> GoalRuleResult:
    return rule_runner.run_goal_rule(
        goal,
        global_args=[
            "--ca-certs-path=/etc/ssl/certs/ca-certificates.crt",
            '--subprocess-environment-env-vars=["PIP_CONFIG_FILE=/dev/null"]',
            "--python-bootstrap-search-path=['<PATH>', '<PYENV>']",
        ],
        args=args,
        env_inherit={"PATH", "HOME", "PYENV_ROOT", *PEX_TOOL_VARIABLES},
    )


def read(rule_runner: RuleRunner, path: str) -> str:
    with open(os.path.join(rule_runner.build_root, path)) as f:
        return f.read()


def test_lint_reports_unformatted_c_and_fmt_fixes_it() -> None:
    rule_runner = clang_format_rule_runner(
        {
            ".clang-format": CONFIG,
            "lib/util/BUILD": 'c_library(name="util", sources=["*.c", "*.h"])\n',
            "lib/util/good.c": FORMATTED,
            "lib/util/bad.c": UNFORMATTED,
            "lib/util/util.h": "int twice(int x);\n",
        }
    )
    result = run(rule_runner, Lint, "lib/util::")
    assert result.exit_code == 1
    assert "clang-format failed" in result.stderr

    result = run(rule_runner, Fmt, "lib/util::")
    assert result.exit_code == 0
    assert read(rule_runner, "lib/util/bad.c") == FORMATTED
    assert read(rule_runner, "lib/util/good.c") == FORMATTED

    result = run(rule_runner, Lint, "lib/util::")
    assert result.exit_code == 0, result.stderr
    assert "clang-format succeeded" in result.stderr


def test_opted_out_files_are_left_alone() -> None:
    asm = "  .globl start\nstart:   jmp   start\n"
    rule_runner = clang_format_rule_runner(
        {
            ".clang-format": CONFIG,
            # The target opts out.
            "lib/skipped/BUILD": 'c_library(sources=["*.c"], skip_clang_format=True)\n',
            "lib/skipped/skipped.c": UNFORMATTED,
            # A folder above the file opts out in its own .clang-format, as for vendored code.
            "vendor/.clang-format": "DisableFormat: true\n",
            "vendor/nested/BUILD": 'c_library(sources=["*.c"])\n',
            "vendor/nested/vendored.c": UNFORMATTED,
            # Assembler and linker scripts are not C.
            "targets/mini/BUILD": 'abi(name="mini", sources=["*.S", "*.c", "mini.ld"], linker_script="mini.ld")\n',
            "targets/mini/start.S": asm,
            "targets/mini/mini.ld": "SECTIONS{.text:{*(.text)}}\n",
            "targets/mini/start.c": FORMATTED,
            # Data of a crunch target, whatever its name.
            "data/BUILD": 'crunch(name="data", sources=["*.c"])\n',
            "data/blob.c": UNFORMATTED,
        }
    )
    result = run(rule_runner, Lint, "::")
    assert result.exit_code == 0, result.stderr
    result = run(rule_runner, Fmt, "::")
    assert result.exit_code == 0, result.stderr
    for path in ("lib/skipped/skipped.c", "vendor/nested/vendored.c", "data/blob.c"):
        assert read(rule_runner, path) == UNFORMATTED, path
    assert read(rule_runner, "targets/mini/start.S") == asm
    assert read(rule_runner, "targets/mini/mini.ld") == "SECTIONS{.text:{*(.text)}}\n"


def test_without_a_clang_format_file_nothing_is_reformatted() -> None:
    rule_runner = clang_format_rule_runner(
        {"lib/util/BUILD": 'c_library(sources=["*.c"])\n', "lib/util/bad.c": UNFORMATTED}
    )
    result = run(rule_runner, Lint, "::")
    assert result.exit_code == 0, result.stderr
    assert read(rule_runner, "lib/util/bad.c") == UNFORMATTED


def test_only_c_files_are_formatted_each_once() -> None:
    files = ["a/x.c", "a/x.h", "a/start.S", "a/a.ld", "b/x.c", "a/x.c"]
    assert formatted_files(files) == ("a/x.c", "a/x.h", "b/x.c")


def test_config_is_looked_up_in_every_folder_above_a_file() -> None:
    assert config_file_candidates(["a/b/x.c", "a/y.c"]) == (
        ".clang-format",
        "_clang-format",
        "a/.clang-format",
        "a/_clang-format",
        "a/b/.clang-format",
        "a/b/_clang-format",
    )

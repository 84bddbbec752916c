"""Rule tests of the everyday goals: a RuleRunner over copies of this repository's own folders (//:checkout)."""

from __future__ import annotations

import os
from typing import Dict, Iterable, Mapping, Sequence, Union

from mirage import register
from mirage.goals.check import MirageCheckRequest
from mirage.goals.run_host_program import HostProgramRunFieldSet
from pants.core.goals import check
from pants.core.goals.check import CheckResults
from pants.core.goals.run import RunRequest
from pants.core.target_types import FilesGeneratorTarget, FileTarget
from pants.core.util_rules import distdir, source_files, system_binaries
from pants.engine.internals.parametrize import Parametrize
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

BUILD_MACROS = "build-support/build_macros"
# What resolving and building the examples needs: devices, ABIs, libraries (with the Debian archives some import)
# and the BUILD prelude's macros.
SDK_FOLDERS = ("devices", "lib", "targets", "3rdparty/debian", BUILD_MACROS)
# Options every run needs (run_goal_rule sets options anew: pass these as its `global_args`).
GLOBAL_ARGS = (f"--build-file-prelude-globs={BUILD_MACROS}/*.py",)


def checkout_files(*folders: str) -> Dict[str, bytes]:
    """Every file under `folders` (recursively), keyed by its repository path."""
    files = {}
    for folder in folders:
        for parent, _, names in os.walk(folder):
            for name in sorted(names):
                path = os.path.join(parent, name)
                with open(path, "rb") as f:
                    files[path] = f.read()  # bytes: test corpora are binary
    return files


def checkout_rule_runner(
    folders: Iterable[str] = (),
    extra_files: Mapping[str, Union[str, bytes]] = {},
    extra_rules: Sequence = (),
    extra_target_types: Sequence[type] = (),
) -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *check.rules(),
            *distdir.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
            QueryRule(RunRequest, [HostProgramRunFieldSet]),
            QueryRule(CheckResults, [MirageCheckRequest]),
            *extra_rules,
        ],
        target_types=[*register.target_types(), FilesGeneratorTarget, FileTarget, *extra_target_types],
        objects={"parametrize": Parametrize},
    )
    rule_runner.set_options(GLOBAL_ARGS, env_inherit={"PATH"})
    rule_runner.write_files({**checkout_files(*SDK_FOLDERS, *folders), **extra_files})
    return rule_runner


def run_goal(rule_runner: RuleRunner, goal: type, *args: str):
    return rule_runner.run_goal_rule(goal, global_args=GLOBAL_ARGS, args=args, env_inherit={"PATH"})

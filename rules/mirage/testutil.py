"""Helpers for rule tests: a RuleRunner with the whole plugin and a throw-away repository around the real unix ABI."""

from __future__ import annotations

import os
from typing import Dict, Mapping, Sequence

from mirage import register
from mirage.goals.package import UnikernelFieldSet
from mirage.util_rules.compile import CompiledTarget, CompileTargetRequest
from mirage.util_rules.resolution import ResolvedUnikernel, ResolveUnikernelRequest
from pants.core.goals.package import BuiltPackage
from pants.core.util_rules import source_files, system_binaries
from pants.engine.addresses import Address
from pants.engine.internals.parametrize import Parametrize
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

# Folders of this repository that every throw-away repository starts from (the root BUILD's unix_abi_files).
REPO_FOLDERS = ("devices", "lib/runtime", "targets/unix")


def repo_files(*folders: str) -> Dict[str, str]:
    files = {}
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                with open(path) as f:
                    files[path] = f.read()
    return files


def mirage_rule_runner(
    extra_files: Mapping[str, str] = {},
    options: tuple = (),
    extra_rules: Sequence = (),
    extra_target_types: Sequence[type] = (),
) -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
            QueryRule(BuiltPackage, [UnikernelFieldSet]),
            QueryRule(CompiledTarget, [CompileTargetRequest]),
            QueryRule(ResolvedUnikernel, [ResolveUnikernelRequest]),
            *extra_rules,
        ],
        target_types=[*register.target_types(), *extra_target_types],
        objects={"parametrize": Parametrize},
    )
    rule_runner.set_options(list(options), env_inherit={"PATH"})
    rule_runner.write_files({**repo_files(*REPO_FOLDERS), **extra_files})
    return rule_runner


def package(rule_runner: RuleRunner, address: Address) -> BuiltPackage:
    target = rule_runner.get_target(address)
    return rule_runner.request(BuiltPackage, [UnikernelFieldSet.create(target)])

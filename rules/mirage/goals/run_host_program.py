"""`pants run` on a host program: build it as `package` does and run it, with `-- ARGS` as its arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mirage.goals.package_host_program import HostProgramFieldSet
from mirage.target_types import HostProgramOutputPathField, HostProgramSourcesField
from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.core.util_rules.environments import EnvironmentField
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule


@dataclass(frozen=True)
class HostProgramRunFieldSet(RunFieldSet):
    required_fields = (HostProgramSourcesField,)
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC

    sources: HostProgramSourcesField
    output_path: HostProgramOutputPathField
    environment: EnvironmentField


@rule
async def run_host_program(field_set: HostProgramRunFieldSet) -> RunRequest:
    package_field_set = HostProgramFieldSet(
        field_set.address, field_set.sources, field_set.output_path, field_set.environment
    )
    package = await Get(BuiltPackage, PackageFieldSet, package_field_set)
    program = os.path.join("{chroot}", package.artifacts[0].relpath or "")
    # `pants run ... -- ARGS` appends ARGS after the program.
    return RunRequest(digest=package.digest, args=(program,))


def rules():
    return [*collect_rules(), *HostProgramRunFieldSet.rules()]

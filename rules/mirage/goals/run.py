"""`pants run` on a unikernel: build the image and boot it the way its ABI's runner says."""

from __future__ import annotations

import os

from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.run import RunRequest
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule

from mirage.goals.package import UnikernelFieldSet


@rule
async def run_unikernel(field_set: UnikernelFieldSet) -> RunRequest:
    package = await Get(BuiltPackage, PackageFieldSet, field_set)
    image = package.artifacts[0].relpath
    assert image is not None
    # The `exec` runner: the image is a host program; `pants run ... -- --key=value` appends boot arguments.
    return RunRequest(digest=package.digest, args=(os.path.join("{chroot}", image),))


def rules():
    return [*collect_rules(), *UnikernelFieldSet.rules()]

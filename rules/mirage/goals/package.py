"""`pants package` on a unikernel: the image `<path>.<abi>` under dist/, with its main.c and provenance."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior
from pants.engine.fs import AddPrefix, Digest
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from mirage.target_types import UnikernelOutputPathField, UnikernelStartField
from mirage.util_rules.build_options import UnikernelBuildOptions, UnikernelBuildOptionsRequest
from mirage.util_rules.image import BuildImageRequest, BuiltImage


@dataclass(frozen=True)
class UnikernelFieldSet(PackageFieldSet, RunFieldSet):
    required_fields = (UnikernelStartField,)
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC

    start: UnikernelStartField
    output_path: UnikernelOutputPathField


def image_relpath(field_set: UnikernelFieldSet, abi: str) -> str:
    """`<folder with dots>/<target name>.<abi>` (or `<output_path>.<abi>`), as MirageOS names images."""
    address = field_set.address
    if field_set.output_path.value:
        return f"{field_set.output_path.value}.{abi}"
    return os.path.join(address.spec_path.replace(os.sep, "."), f"{address.target_name}.{abi}")


@rule(desc="Package a unikernel image", level=LogLevel.DEBUG)
async def package_unikernel(field_set: UnikernelFieldSet) -> BuiltPackage:
    options = await Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(field_set.address))
    relpath = image_relpath(field_set, options.abi)
    folder, file_name = os.path.split(relpath)
    image = await Get(BuiltImage, BuildImageRequest(field_set.address, file_name))
    digest = await Get(Digest, AddPrefix(image.digest, folder)) if folder else image.digest
    return BuiltPackage(
        digest,
        (
            BuiltPackageArtifact(relpath, extra_log_lines=(f"    abi {image.abi}",)),
            BuiltPackageArtifact(os.path.join(folder, image.main_c)),
            BuiltPackageArtifact(os.path.join(folder, image.provenance)),
        ),
    )


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, UnikernelFieldSet)]

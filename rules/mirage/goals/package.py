"""`pants package` on a unikernel: the image `<path>.<abi>` under dist/, with its main.c and provenance."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

from mirage.graph.locations import location_of_address
from mirage.target_types import UnikernelAbiField, UnikernelOutputPathField, UnikernelStartField
from mirage.util_rules.build_options import UnikernelBuildOptions, UnikernelBuildOptionsRequest
from mirage.util_rules.image import BuildImageRequest, BuiltImage
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior
from pants.core.util_rules.environments import EnvironmentField, EnvironmentNameRequest
from pants.engine.environment import EnvironmentName
from pants.engine.fs import AddPrefix, Digest
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

_UNSAFE_FILE_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_.,=@+-]")


@dataclass(frozen=True)
class UnikernelFieldSet(PackageFieldSet, RunFieldSet):
    required_fields = (UnikernelStartField,)
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC

    start: UnikernelStartField
    output_path: UnikernelOutputPathField
    environment: EnvironmentField


def _parametrization_suffix(parameters: Mapping[str, str]) -> str:
    """`@keys=a,bindings=b` for the parameters other than `abi` (which the `.<abi>` suffix already says).

    Without it, two targets parametrized on anything but `abi` would write one dist path twice. Characters a file
    name cannot hold safely become `_`.
    """
    named = [f"{name}={value}" for name, value in sorted(parameters.items()) if name != UnikernelAbiField.alias]
    if not named:
        return ""
    return "@" + _UNSAFE_FILE_NAME_CHARACTERS.sub("_", ",".join(named))


def image_relpath(field_set: UnikernelFieldSet, abi: str) -> str:
    """`<folder with dots>/<target name>.<abi>` (or `<output_path>.<abi>`), as MirageOS names images.

    A target parametrized on other fields than `abi` gets its parameters before the ABI:
    `<target name>@keys=a.<abi>`, so each parametrization has an image path of its own.
    """
    address = field_set.address
    suffix = f"{_parametrization_suffix(address.parameters)}.{abi}"
    if field_set.output_path.value:
        return f"{field_set.output_path.value}{suffix}"
    folder, name = location_of_address(address)
    return os.path.join(folder.replace(os.sep, "."), f"{name}{suffix}")


@rule(desc="Package a unikernel image", level=LogLevel.DEBUG)
async def package_unikernel(field_set: UnikernelFieldSet) -> BuiltPackage:
    options, environment = await MultiGet(
        Get(UnikernelBuildOptions, UnikernelBuildOptionsRequest(field_set.address)),
        Get(EnvironmentName, EnvironmentNameRequest, EnvironmentNameRequest.from_field_set(field_set)),
    )
    relpath = image_relpath(field_set, options.abi)
    folder, file_name = os.path.split(relpath)
    # Compile and link in the environment the unikernel names, also when `run` (which stays local) asks for it:
    # the toolchain is looked up there too, so a docker or remote environment builds with its own gcc.
    image = await Get(
        BuiltImage, {BuildImageRequest(field_set.address, file_name): BuildImageRequest, environment: EnvironmentName}
    )
    digest = await Get(Digest, AddPrefix(image.digest, folder)) if folder else image.digest
    return BuiltPackage(
        digest,
        (
            BuiltPackageArtifact(relpath, extra_log_lines=(f"    abi {image.abi}",)),
            BuiltPackageArtifact(os.path.join(folder, image.main_c)),
            BuiltPackageArtifact(os.path.join(folder, image.provenance)),
            *(BuiltPackageArtifact(os.path.join(folder, path)) for path in image.package_files),
        ),
    )


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, UnikernelFieldSet)]

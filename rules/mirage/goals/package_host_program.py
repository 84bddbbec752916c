"""`pants package` on a host program: `dist/<folder with dots>/<target name>`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mirage.target_types import HostProgramOutputPathField, HostProgramSourcesField
from mirage.util_rules.host_program import BuildHostProgramRequest, BuiltHostProgram
from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.core.util_rules.environments import EnvironmentField, EnvironmentNameRequest
from pants.engine.environment import EnvironmentName
from pants.engine.fs import AddPrefix, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class HostProgramFieldSet(PackageFieldSet):
    required_fields = (HostProgramSourcesField,)

    sources: HostProgramSourcesField
    output_path: HostProgramOutputPathField
    environment: EnvironmentField


@rule(desc="Package a host program", level=LogLevel.DEBUG)
async def package_host_program(field_set: HostProgramFieldSet) -> BuiltPackage:
    relpath = field_set.output_path.value_or_default(file_ending=None)
    folder, file_name = os.path.split(relpath)
    environment = await Get(EnvironmentName, EnvironmentNameRequest, EnvironmentNameRequest.from_field_set(field_set))
    # Built in the environment the program names, as a unikernel is (an ABI's tender too, when `run` builds it).
    program = await Get(
        BuiltHostProgram,
        {BuildHostProgramRequest(field_set.address, file_name): BuildHostProgramRequest, environment: EnvironmentName},
    )
    provenance = await Get(
        Digest, CreateDigest([FileContent(f"{file_name}.provenance.json", program.provenance.encode("utf-8"))])
    )
    merged = await Get(Digest, MergeDigests([program.digest, provenance]))
    digest = await Get(Digest, AddPrefix(merged, folder)) if folder else merged
    # The program first: `pants run` and the tests run the first artifact.
    return BuiltPackage(digest, (BuiltPackageArtifact(relpath), BuiltPackageArtifact(f"{relpath}.provenance.json")))


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, HostProgramFieldSet)]

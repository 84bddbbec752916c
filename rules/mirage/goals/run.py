"""`pants run` on a unikernel: build the image and boot it the way its ABI's runner says."""

from __future__ import annotations

import os

from mirage.goals.package import UnikernelFieldSet
from mirage.goals.package_host_program import HostProgramFieldSet
from mirage.subsystems.mirage import MirageSubsystem
from mirage.target_types import AbiRunnerField, AbiTenderField
from mirage.util_rules.resolution import ResolvedUnikernel, ResolveUnikernelRequest
from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.run import RunRequest
from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.fs import Digest, MergeDigests
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import DescriptionField, InvalidFieldException, WrappedTarget, WrappedTargetRequest


@rule
async def run_unikernel(field_set: UnikernelFieldSet, mirage: MirageSubsystem) -> RunRequest:
    package, resolved = await MultiGet(
        Get(BuiltPackage, PackageFieldSet, field_set),
        Get(ResolvedUnikernel, ResolveUnikernelRequest(field_set.address)),
    )
    image = os.path.join("{chroot}", package.artifacts[0].relpath or "")
    abi = await Get(WrappedTarget, WrappedTargetRequest(resolved.abi_address, description_of_origin="mirage run"))
    if abi.target[AbiRunnerField].value == "none":
        raise InvalidFieldException(
            f"`pants run` cannot boot {field_set.address}: no program on this machine boots images of the abi "
            f'{abi.target.address} (runner="none"). {abi.target[DescriptionField].value or ""} '
            f"`pants package {field_set.address}` builds {package.artifacts[0].relpath}; "
            f"{abi.target.address.spec_path}/README.md says how to boot it."
        )
    if abi.target[AbiRunnerField].value == "exec":
        # The image is a host program; `pants run ... -- --key=value` appends boot arguments.
        return RunRequest(digest=package.digest, args=(image,))

    tender_spec = abi.target[AbiTenderField].value
    if not tender_spec:
        raise InvalidFieldException(
            f'The abi {abi.target.address} has runner="tender" but no `tender` field. Set it to the address of '
            "the `host_program` that boots its images."
        )
    tender_address = await Get(
        Addresses, UnparsedAddressInputs, abi.target[AbiTenderField].to_unparsed_address_inputs()
    )
    tender_target = await Get(
        WrappedTarget, WrappedTargetRequest(tender_address[0], description_of_origin="mirage run")
    )
    if not HostProgramFieldSet.is_applicable(tender_target.target):
        raise InvalidFieldException(
            f"The `tender` field of {abi.target.address} names {tender_target.target.address}, a "
            f"`{tender_target.target.alias}` target: it must name the `host_program` that boots images of the ABI."
        )
    tender = await Get(BuiltPackage, PackageFieldSet, HostProgramFieldSet.create(tender_target.target))
    digest = await Get(Digest, MergeDigests([package.digest, tender.digest]))
    tender_path = os.path.join("{chroot}", tender.artifacts[0].relpath or "")
    # Boot arguments from `pants run ... -- ARGS` land after the image, where the tender expects them.
    return RunRequest(digest=digest, args=(tender_path, *mirage.tender_arguments(), image))


def rules():
    return [*collect_rules(), *UnikernelFieldSet.rules()]

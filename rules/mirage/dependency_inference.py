"""Make the resolved functor graph part of the build graph.

A unikernel depends on its ABI, the devices it takes, and the implementations resolution chose for it; an
implementation on the devices it provides and requires. So `pants dependencies`, `peek`, `dependents` and
`--changed-since` all see the graph that is linked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Tuple

from mirage.graph.errors import MirageConfigError
from mirage.sdk.sdk_rules import MirageSdk, provided_device
from mirage.target_types import (
    AbiDefaultsField,
    AbiDependenciesField,
    AbiTenderField,
    CrunchTarget,
    DeviceTarget,
    HostProgramTarget,
    ImplementationDependenciesField,
    ImplementationProvidesField,
    ImplementationRequiresField,
    ImplementationTarget,
    UnikernelDependenciesField,
)
from mirage.util_rules.resolution import (
    DeclaredUnikernelTargets,
    DeclaredUnikernelTargetsRequest,
    ResolvedUnikernel,
    ResolveUnikernelRequest,
)
from pants.build_graph.address import ResolveError
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    InvalidFieldException,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnikernelInferenceFieldSet(FieldSet):
    required_fields = (UnikernelDependenciesField,)

    dependencies: UnikernelDependenciesField


class InferUnikernelDependencies(InferDependenciesRequest):
    infer_from = UnikernelInferenceFieldSet


@rule(desc="Infer a unikernel's dependencies from its resolved device graph")
async def infer_unikernel_dependencies(request: InferUnikernelDependencies) -> InferredDependencies:
    address = request.field_set.address
    try:
        resolved = await Get(ResolvedUnikernel, ResolveUnikernelRequest(address))
    except (MirageConfigError, InvalidFieldException) as e:
        # One unikernel that does not resolve must not fail `dependents ::` or `--changed-since` for the whole
        # repository: infer what its BUILD names, and leave the full error to `package` and `run` of this target.
        logger.warning(
            f"{address} does not resolve, so its dependencies are only the targets its fields name "
            f"(`pants package {address}` shows why): {first_line(e)}"
        )
        declared = await Get(DeclaredUnikernelTargets, DeclaredUnikernelTargetsRequest(address))
        return InferredDependencies(declared.addresses)
    return InferredDependencies([resolved.abi_address, *resolved.device_addresses, *resolved.implementation_addresses])


def first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@dataclass(frozen=True)
class ImplementationInferenceFieldSet(FieldSet):
    required_fields = (ImplementationDependenciesField, ImplementationProvidesField)

    dependencies: ImplementationDependenciesField
    provides: ImplementationProvidesField
    requires: ImplementationRequiresField


class InferImplementationDependencies(InferDependenciesRequest):
    infer_from = ImplementationInferenceFieldSet


@rule(desc="Infer an implementation's dependencies on its devices")
async def infer_implementation_dependencies(
    request: InferImplementationDependencies, sdk: MirageSdk
) -> InferredDependencies:
    field_set = request.field_set
    requires = field_set.requires.value or FrozenDict()
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(field_set.address, description_of_origin="mirage dependency inference")
    )
    addresses = await Get(
        Addresses,
        UnparsedAddressInputs(
            [provided_device(wrapped.target, sdk), *requires.values()],
            owning_address=field_set.address,
            description_of_origin=f"the `provides` or `requires` field of {field_set.address}",
        ),
    )
    return InferredDependencies(addresses)


@dataclass(frozen=True)
class AbiTargetFieldsFieldSet(FieldSet):
    required_fields = (AbiDependenciesField, AbiDefaultsField)

    dependencies: AbiDependenciesField
    tender: AbiTenderField
    defaults: AbiDefaultsField


class CheckAbiTargetFields(InferDependenciesRequest):
    """Checks the targets an ABI's `tender` and `defaults` name, before Pants resolves the special-cased `tender`,
    so that a typo is reported naming the field, the ABI and the fix, not as an address `from <infallible>`.
    Infers nothing: the tender is a special-cased dependency, and defaults are no dependency (see `defaults`)."""

    infer_from = AbiTargetFieldsFieldSet


@dataclass(frozen=True)
class NamedTargetRequest:
    """One address in a field of `owner` that must name a target of one of `kinds` (target aliases)."""

    spec: str
    owner: Address
    field_alias: str
    kinds: Tuple[str, ...]


@dataclass(frozen=True)
class NamedTarget:
    address: Address


@rule(desc="Check an address a field names", level=LogLevel.DEBUG)
async def check_named_target(request: NamedTargetRequest) -> NamedTarget:
    origin = f"the `{request.field_alias}` field of {request.owner}"
    wanted = " or ".join(f"`{kind}`" for kind in request.kinds)
    fix = f"  fix: write the address of a {wanted} target there (`pants list <folder>:` lists a folder's targets)."
    try:
        addresses = await Get(
            Addresses,
            UnparsedAddressInputs([request.spec], owning_address=request.owner, description_of_origin=origin),
        )
        wrapped = await Get(WrappedTarget, WrappedTargetRequest(addresses[0], description_of_origin=origin))
    except ResolveError as e:
        raise InvalidFieldException(
            f"The `{request.field_alias}` field of {request.owner} names `{request.spec}`, which is not a target.\n"
            f"{fix}\n{e}"
        ) from None
    if wrapped.target.alias not in request.kinds:
        raise InvalidFieldException(
            f"The `{request.field_alias}` field of {request.owner} names {wrapped.target.address}, a "
            f"`{wrapped.target.alias}` target.\n{fix}"
        )
    return NamedTarget(wrapped.target.address)


@rule(desc="Check the targets an ABI's `tender` and `defaults` name", level=LogLevel.DEBUG)
async def check_abi_target_fields(request: CheckAbiTargetFields) -> InferredDependencies:
    field_set = request.field_set
    defaults = field_set.defaults.value or FrozenDict()
    address = field_set.address
    tender_kinds = (HostProgramTarget.alias,)
    device_kinds = (DeviceTarget.alias,)
    implementation_kinds = (ImplementationTarget.alias, CrunchTarget.alias)
    checks = [
        *(
            Get(NamedTarget, NamedTargetRequest(spec, address, AbiTenderField.alias, tender_kinds))
            for spec in field_set.tender.target_specs()
        ),
        *(
            Get(NamedTarget, NamedTargetRequest(spec, address, AbiDefaultsField.alias, device_kinds))
            for spec in defaults.keys()
        ),
        *(
            Get(NamedTarget, NamedTargetRequest(spec, address, AbiDefaultsField.alias, implementation_kinds))
            for spec in defaults.values()
        ),
    ]
    if checks:  # MultiGet needs at least one Get; the host ABI names no targets.
        await MultiGet(checks)
    return InferredDependencies([])


def rules():
    return [
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferUnikernelDependencies),
        UnionRule(InferDependenciesRequest, InferImplementationDependencies),
        UnionRule(InferDependenciesRequest, CheckAbiTargetFields),
    ]

"""Make the resolved functor graph part of the build graph.

A unikernel depends on its ABI, the devices it takes, and the implementations resolution chose for it; an implementation on the
devices it provides and requires. So `pants dependencies`, `peek`, `dependents` and `--changed-since` all see the
graph that is linked.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule
from pants.engine.target import FieldSet, InferDependenciesRequest, InferredDependencies
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict

from mirage.target_types import (
    ImplementationDependenciesField,
    ImplementationProvidesField,
    ImplementationRequiresField,
    UnikernelDependenciesField,
)
from mirage.util_rules.resolution import ResolvedUnikernel, ResolveUnikernelRequest


@dataclass(frozen=True)
class UnikernelInferenceFieldSet(FieldSet):
    required_fields = (UnikernelDependenciesField,)

    dependencies: UnikernelDependenciesField


class InferUnikernelDependencies(InferDependenciesRequest):
    infer_from = UnikernelInferenceFieldSet


@rule(desc="Infer a unikernel's dependencies from its resolved device graph")
async def infer_unikernel_dependencies(request: InferUnikernelDependencies) -> InferredDependencies:
    resolved = await Get(ResolvedUnikernel, ResolveUnikernelRequest(request.field_set.address))
    return InferredDependencies(
        [resolved.abi_address, *resolved.device_addresses, *resolved.implementation_addresses]
    )


@dataclass(frozen=True)
class ImplementationInferenceFieldSet(FieldSet):
    required_fields = (ImplementationDependenciesField, ImplementationProvidesField)

    dependencies: ImplementationDependenciesField
    provides: ImplementationProvidesField
    requires: ImplementationRequiresField


class InferImplementationDependencies(InferDependenciesRequest):
    infer_from = ImplementationInferenceFieldSet


@rule(desc="Infer an implementation's dependencies on its devices")
async def infer_implementation_dependencies(request: InferImplementationDependencies) -> InferredDependencies:
    field_set = request.field_set
    requires = field_set.requires.value or FrozenDict()
    addresses = await Get(
        Addresses,
        UnparsedAddressInputs(
            [field_set.provides.value, *requires.values()],
            owning_address=field_set.address,
            description_of_origin=f"the `provides` or `requires` field of {field_set.address}",
        ),
    )
    return InferredDependencies(addresses)


def rules():
    return [
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferUnikernelDependencies),
        UnionRule(InferDependenciesRequest, InferImplementationDependencies),
    ]

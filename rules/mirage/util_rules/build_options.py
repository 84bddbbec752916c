"""Decide, in one place, how `[mirage]` options and a unikernel's fields combine."""

from __future__ import annotations

from dataclasses import dataclass

from mirage.subsystems.mirage import MirageSubsystem
from mirage.target_types import UnikernelAbiField
from pants.engine.addresses import Address
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict


@dataclass(frozen=True)
class UnikernelBuildOptionsRequest:
    address: Address


@dataclass(frozen=True)
class UnikernelBuildOptions:
    abi: str
    configured_keys: FrozenDict[str, str]


@rule
async def unikernel_build_options(
    request: UnikernelBuildOptionsRequest, mirage: MirageSubsystem
) -> UnikernelBuildOptions:
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin="mirage build options"),
    )
    # The target's `abi` field wins over `[mirage].abi`; configure-time keys come only from `[mirage].keys`
    # and override the defaults declared in BUILD files (resolve_keys applies them).
    abi = wrapped.target[UnikernelAbiField].value or mirage.abi
    return UnikernelBuildOptions(abi=abi, configured_keys=FrozenDict(mirage.keys))


def rules():
    return collect_rules()

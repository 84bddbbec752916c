"""`pants check`: compile every implementation and C library for every ABI it says it works on.

An image compiles only what it resolves to, so an implementation that no unikernel uses yet (or uses only on some
ABIs) would otherwise break unnoticed until someone picks it. This compiles each one alone for every ABI it
supports (by `abis`, or by `abi_traits` against each declared ABI's `traits`), with the same flags and functor
prototype check as a real build.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from mirage.graph.errors import MirageConfigError
from mirage.graph.model import Abi
from mirage.target_types import CLibraryAbiTraitsField, CLibraryTarget, ImplementationTarget
from mirage.util_rules.catalogue import MirageCatalogue
from mirage.util_rules.compile import CompiledTarget, CompileError, CompileTargetRequest
from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.core.util_rules.environments import EnvironmentNameRequest
from pants.engine.addresses import Address
from pants.engine.environment import EnvironmentName
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import FieldSet, MultipleSourcesField, Target, WrappedTarget, WrappedTargetRequest
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class MirageCheckFieldSet(FieldSet):
    required_fields = (MultipleSourcesField,)

    sources: MultipleSourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return not isinstance(tgt, (ImplementationTarget, CLibraryTarget))


class MirageCheckRequest(CheckRequest):
    field_set_type = MirageCheckFieldSet
    tool_name = "mirage-compile"


def abis_to_check(target: Target, catalogue: MirageCatalogue) -> Tuple[Abi, ...]:
    """The ABIs `target` says it works on; none for a C library without `abi_traits` (it does not say)."""
    abis = sorted(catalogue.abis.values(), key=lambda abi: abi.name)
    if isinstance(target, ImplementationTarget):
        implementation = catalogue.catalogue.implementations[target.address.spec]
        return tuple(abi for abi in abis if implementation.supports(abi))
    needed: Optional[Tuple[str, ...]] = target[CLibraryAbiTraitsField].value
    if needed is None:
        return ()
    return tuple(abi for abi in abis if set(needed) <= set(abi.traits))


@dataclass(frozen=True)
class CheckCompileRequest:
    address: Address
    abi: Address


@dataclass(frozen=True)
class CheckedCompile:
    """None when it compiled; else the compiler's diagnostics (file:line) or the configuration error."""

    failure: Optional[str]


@rule(desc="Compile a target for one ABI to check it", level=LogLevel.DEBUG)
async def check_compile(request: CheckCompileRequest) -> CheckedCompile:
    try:
        await Get(CompiledTarget, CompileTargetRequest(request.address, request.abi))
    except (CompileError, MirageConfigError) as e:
        return CheckedCompile(str(e))
    return CheckedCompile(None)


@rule(desc="Compile implementations and C libraries for every ABI they support", level=LogLevel.DEBUG)
async def check_mirage(request: MirageCheckRequest, catalogue: MirageCatalogue) -> CheckResults:
    wrapped = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(fs.address, description_of_origin="mirage check"))
        for fs in request.field_sets
    )
    # Each target compiles in the environment it names. (Its field set leaves the field out, so Pants' `check`
    # runs this request once, in the local environment, rather than once per environment named.)
    environments = await MultiGet(
        Get(EnvironmentName, EnvironmentNameRequest, EnvironmentNameRequest.from_target(w.target)) for w in wrapped
    )
    pairs = [
        (w.target.address, abi, environment)
        for w, environment in zip(wrapped, environments)
        for abi in abis_to_check(w.target, catalogue)
    ]
    checked = await MultiGet(
        Get(
            CheckedCompile,
            {
                CheckCompileRequest(address, catalogue.addresses[abi.address]): CheckCompileRequest,
                environment: EnvironmentName,
            },
        )
        for address, abi, environment in pairs
    )
    by_abi: Dict[str, List[Tuple[Address, CheckedCompile]]] = defaultdict(list)
    for (address, abi, _), outcome in zip(pairs, checked):
        by_abi[abi.name].append((address, outcome))
    results = []
    for abi_name in sorted(by_abi):
        outcomes = by_abi[abi_name]
        failures = [f"{address}: {outcome.failure}" for address, outcome in outcomes if outcome.failure]
        compiled = len(outcomes) - len(failures)
        summary = f"{compiled} of {len(outcomes)} targets compiled for abi {abi_name}.\n"
        results.append(
            CheckResult(
                exit_code=1 if failures else 0,
                stdout=summary + "".join(f"{failure}\n" for failure in failures),
                stderr="",
                partition_description=f"abi {abi_name}",
            )
        )
    return CheckResults(results, checker_name=MirageCheckRequest.tool_name)


def rules():
    return [*collect_rules(), UnionRule(CheckRequest, MirageCheckRequest)]

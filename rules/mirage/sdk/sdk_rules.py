"""The bundled SDK as Pants targets, with sources from the wheel.

A repository that loads the plugin's wheel gets the SDK's targets without having its folders: a synthetic target
generator `//:mirage` (Pants' `SyntheticTargetsRequest`) in the root folder generates one target per target of the
SDK's BUILD files, bundled in the wheel: `//devices:console` there is `//:mirage#devices/console` here (see
graph/locations.py for why the root), and addresses inside the SDK are rewritten the same way. Their sources come
from the wheel as digests of their content, so upgrading the wheel rebuilds exactly what changed.

Every rule that reads a mirage target's sources asks for `MirageSourcesRequest`, which returns files on disk for
the repository's own targets and the bundled files for the SDK's. A target of the repository's BUILD files with
the same address as an SDK target replaces it (Pants' rule for synthetic targets).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from mirage.graph.errors import MirageConfigError
from mirage.graph.locations import SDK_GENERATOR_NAME, rewrite_sdk_spec, sdk_address, sdk_generated_name
from mirage.sdk.build_files import SdkTarget, evaluate_build_file, evaluate_prelude, match_sources
from mirage.sdk.bundle import PRELUDE_PATH, SdkBundle, bundled_sdk
from mirage.target_types import (
    AbiDefaultsField,
    AbiSourcesField,
    AbiTarget,
    CLibrarySourcesField,
    CLibraryTarget,
    DebianStaticLibraryTarget,
    DeviceSourceField,
    DeviceTarget,
    HostProgramSourcesField,
    HostProgramTarget,
    ImplementationProvidesField,
    ImplementationSourcesField,
    ImplementationTarget,
)
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests, Snapshot
from pants.engine.internals.parametrize import Parametrize
from pants.engine.internals.selectors import Get
from pants.engine.internals.synthetic_targets import SyntheticAddressMaps, SyntheticTargetsRequest
from pants.engine.internals.target_adaptor import TargetAdaptor
from pants.engine.rules import collect_rules, rule
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    GeneratedTargets,
    GenerateTargetsRequest,
    SourcesField,
    StringSequenceField,
    Target,
    TargetGenerator,
)
from pants.engine.unions import UnionMembership, UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap

# The target types the SDK declares, and the field that holds each one's sources (None: its files are the host's,
# as a Debian static library's are).
SDK_SOURCE_FIELDS: Dict[str, Optional[Type[SourcesField]]] = {
    DeviceTarget.alias: DeviceSourceField,
    ImplementationTarget.alias: ImplementationSourcesField,
    CLibraryTarget.alias: CLibrarySourcesField,
    AbiTarget.alias: AbiSourcesField,
    HostProgramTarget.alias: HostProgramSourcesField,
    DebianStaticLibraryTarget.alias: None,
}
SDK_TARGET_TYPES = (
    DeviceTarget,
    ImplementationTarget,
    CLibraryTarget,
    AbiTarget,
    HostProgramTarget,
    DebianStaticLibraryTarget,
)
# Fields of the SDK's BUILD files that hold addresses, and the shape of each: a string, a list, or a dict whose
# values (and, for an ABI's `defaults`, keys too) are addresses.
ADDRESS_FIELDS = {
    "dependencies": "list",
    "provides": "str",
    "tender": "str",
    "requires": "values",
    "bindings": "values",
}
ADDRESS_FIELDS[AbiDefaultsField.alias] = "items"


class SdkFilesField(StringSequenceField):
    alias = "sdk_files"
    help = softwrap(
        """
        Set by the mirage plugin on the targets of its bundled SDK: the files of the wheel that the target's
        sources are. Leave it unset in BUILD files.
        """
    )


def _sdk_variant(base: Type[Target]) -> Type[Target]:
    """`base` whose sources field is left empty: a generated SDK target owns no file of the repository (its files
    are in the wheel, named by `sdk_files`), so Pants' ownership (`--changed-since`, tailor, include inference)
    never gives it a file of the repository's root folder, where it lives. The rules read its files through
    `MirageSourcesRequest`."""
    field = SDK_SOURCE_FIELDS[base.alias]
    if field is None:
        return type(base.__name__, (base,), {"__module__": __name__})
    empty = type(field.__name__, (field,), {"required": False, "default": None, "expected_num_files": range(0, 2)})
    core_fields = tuple(empty if f is field else f for f in base.core_fields)
    return type(base.__name__, (base,), {"core_fields": core_fields, "__module__": __name__})


SDK_GENERATED_TYPES = {target_type.alias: _sdk_variant(target_type) for target_type in SDK_TARGET_TYPES}


class SdkSourcesError(MirageConfigError):
    """A target claims bundled SDK files that the installed plugin does not have."""


def _frozen(value: Any) -> Any:
    """A hashable copy of a BUILD-file value (engine values must be hashable)."""
    if isinstance(value, dict):
        return FrozenDict({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _rewrite_addresses(target: SdkTarget, is_sdk_target) -> SdkTarget:
    def spec(value: str) -> str:
        return rewrite_sdk_spec(value, target.directory, is_sdk_target)

    kwargs = []
    for alias, value in target.kwargs:
        shape = ADDRESS_FIELDS.get(alias)
        if shape == "list":
            value = tuple(spec(v) for v in value)
        elif shape == "str":
            value = spec(value)
        elif shape == "values":
            value = {k: spec(v) for k, v in value.items()}
        elif shape == "items":
            value = {spec(k): spec(v) for k, v in value.items()}
        kwargs.append((alias, value))
    return SdkTarget(target.alias, target.directory, target.name, tuple(kwargs))


@dataclass(frozen=True)
class BundledSdkTarget:
    # As the SDK's BUILD file declares it, with addresses rewritten to the generated targets' addresses.
    target: SdkTarget
    files: Tuple[str, ...]

    @property
    def generated_name(self) -> str:
        return sdk_generated_name(self.target.directory, self.target.name)

    @property
    def address(self) -> Address:
        return Address("", target_name=SDK_GENERATOR_NAME, generated_name=self.generated_name)


@dataclass(frozen=True)
class MirageSdk:
    """The SDK bundled in the installed wheel (empty when the plugin runs from its own repository)."""

    bundle: Optional[SdkBundle]
    targets: Tuple[BundledSdkTarget, ...]
    # Bundled file -> the SDK targets whose sources include it.
    owners: FrozenDict[str, Tuple[Address, ...]]


def _prelude(bundle: SdkBundle) -> Dict[str, Callable[..., Any]]:
    if PRELUDE_PATH not in bundle.files:
        return {}
    return evaluate_prelude(PRELUDE_PATH, bundle.read(PRELUDE_PATH).decode("utf-8"))


def _declared(bundle: SdkBundle) -> List[SdkTarget]:
    symbols: Dict[str, Any] = {"parametrize": Parametrize, **_prelude(bundle)}
    return [
        target
        for build_file in bundle.build_files()
        for target in evaluate_build_file(
            build_file, bundle.read(build_file).decode("utf-8"), SDK_SOURCE_FIELDS, symbols
        )
    ]


def sdk_build_file_symbols(bundle: Optional[SdkBundle]) -> Dict[str, Callable[..., Any]]:
    """The SDK's BUILD-file prelude for the repository's own BUILD files (`freestanding_settings()` for an ABI of
    one's own), with the SDK addresses its values name rewritten to the generated targets'. Empty here, where the
    repository's own prelude (build-support/build_macros) provides them."""
    if bundle is None:
        return {}
    known = {(t.directory, t.name) for t in _declared(bundle)}

    def rewritten(function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            value = function(*args, **kwargs)
            if not isinstance(value, dict):
                return value
            target = _rewrite_addresses(SdkTarget("", "", "", tuple(value.items())), lambda f, n: (f, n) in known)
            return dict(target.kwargs)

        call.__doc__ = function.__doc__
        return call

    return {name: rewritten(function) for name, function in _prelude(bundle).items()}


def read_sdk(bundle: Optional[SdkBundle]) -> MirageSdk:
    if bundle is None:
        return MirageSdk(bundle=None, targets=(), owners=FrozenDict())
    declared = _declared(bundle)
    known = {(t.directory, t.name) for t in declared}
    targets: List[BundledSdkTarget] = []
    owners: Dict[str, List[Address]] = defaultdict(list)
    for target in declared:
        field = SDK_SOURCE_FIELDS[target.alias]
        value = target.field(field.alias, field.default) if field is not None else None
        globs = (value,) if isinstance(value, str) else tuple(value or ())
        rewritten = _rewrite_addresses(target, lambda folder, name: (folder, name) in known)
        frozen = SdkTarget(target.alias, target.directory, target.name, _frozen(rewritten.kwargs))
        bundled = BundledSdkTarget(frozen, match_sources(target.directory, globs, bundle.files) if globs else ())
        targets.append(bundled)
        for path in bundled.files:
            owners[path].append(bundled.address)
    return MirageSdk(
        bundle=bundle, targets=tuple(targets), owners=FrozenDict({p: tuple(a) for p, a in sorted(owners.items())})
    )


@rule(desc="Read the mirage plugin's bundled SDK")
def mirage_sdk() -> MirageSdk:
    return read_sdk(bundled_sdk())


class MirageSdkTarget(TargetGenerator):
    alias = "mirage_sdk"
    core_fields = COMMON_TARGET_FIELDS
    generated_target_cls = DeviceTarget
    copied_fields = ()
    moved_fields = ()
    help = softwrap(
        f"""
        The mirage plugin's bundled SDK: devices, libraries, ABIs and tenders. Declared by the plugin itself as
        `//:{SDK_GENERATOR_NAME}` in every repository that loads its wheel (do not declare it in a BUILD file); it
        generates `//:{SDK_GENERATOR_NAME}#<folder>/<name>` for the SDK's target `//<folder>:<name>`, for example
        `//:{SDK_GENERATOR_NAME}#devices/console` and `//:{SDK_GENERATOR_NAME}#lib/tcpip/stack`.
        `pants list //:` lists them (with the root folder's other targets).
        """
    )


def provided_device(target: Target, sdk: MirageSdk) -> str:
    """The device an implementation provides; a crunch target's default is the SDK's kv device, wherever it is."""
    value = target[ImplementationProvidesField].value
    if value:
        return value
    return sdk_address("devices", "kv") if sdk.bundle is not None else "//devices:kv"


@dataclass(frozen=True)
class MirageSdkTargetsRequest(SyntheticTargetsRequest):
    path: str = SyntheticTargetsRequest.SINGLE_REQUEST_FOR_ALL_TARGETS


@rule(desc="Declare the bundled SDK's target generator")
async def mirage_sdk_generator(request: MirageSdkTargetsRequest, sdk: MirageSdk) -> SyntheticAddressMaps:
    if sdk.bundle is None:
        return SyntheticAddressMaps()
    generator = TargetAdaptor(
        MirageSdkTarget.alias,
        SDK_GENERATOR_NAME,
        __description_of_origin__="the mirage plugin's wheel",
        description=f"The mirage plugin's SDK ({len(sdk.targets)} targets, bundled in its wheel).",
    )
    return SyntheticAddressMaps.for_targets_request(request, [("BUILD.mirage-sdk", (generator,))])


def _sources_alias(target_alias: str) -> Optional[str]:
    field = SDK_SOURCE_FIELDS[target_alias]
    return field.alias if field is not None else None


class GenerateMirageSdkTargetsRequest(GenerateTargetsRequest):
    generate_from = MirageSdkTarget


@rule(desc="Generate the bundled SDK's targets")
async def generate_mirage_sdk_targets(
    request: GenerateMirageSdkTargetsRequest, sdk: MirageSdk, union_membership: UnionMembership
) -> GeneratedTargets:
    return GeneratedTargets(
        request.generator,
        (
            SDK_GENERATED_TYPES[bundled.target.alias](
                {
                    **{k: v for k, v in bundled.target.kwargs if k != _sources_alias(bundled.target.alias)},
                    SdkFilesField.alias: bundled.files,
                },
                request.generator.address.create_generated(bundled.generated_name),
                union_membership,
            )
            for bundled in sdk.targets
        ),
    )


@dataclass(frozen=True)
class MirageSourcesRequest:
    """The sources of mirage targets: from disk for the repository's own, from the wheel for the SDK's."""

    targets: Tuple[Target, ...]


def sdk_files_of(target: Target) -> Tuple[str, ...]:
    return tuple(target.get(SdkFilesField).value or ())


@rule(desc="Gather mirage targets' sources")
async def mirage_source_files(request: MirageSourcesRequest, sdk: MirageSdk) -> SourceFiles:
    from_disk = [t[SourcesField] for t in request.targets if t.has_field(SourcesField) and not sdk_files_of(t)]
    bundled = sorted({path for t in request.targets for path in sdk_files_of(t)})
    missing = [p for p in bundled if sdk.bundle is None or p not in sdk.owners]
    if missing:
        claimed_by = ", ".join(str(t.address) for t in request.targets if set(sdk_files_of(t)) & set(missing))
        raise SdkSourcesError(
            f"{claimed_by} names SDK files that the installed mirage plugin does not bundle: {', '.join(missing)}.\n"
            "  fix: remove the `sdk_files` field from your BUILD file (only the plugin's own SDK targets carry it)."
        )
    on_disk = await Get(SourceFiles, SourceFilesRequest(from_disk))
    if not bundled:
        return on_disk
    assert sdk.bundle is not None
    from_wheel = await Get(Digest, CreateDigest([FileContent(p, sdk.bundle.read(p)) for p in bundled]))
    snapshot = await Get(Snapshot, MergeDigests([on_disk.snapshot.digest, from_wheel]))
    return SourceFiles(snapshot, on_disk.unrooted_files)


def rules():
    return [
        *collect_rules(),
        *MirageSdkTargetsRequest.rules(),
        UnionRule(GenerateTargetsRequest, GenerateMirageSdkTargetsRequest),
        *(target_type.register_plugin_field(SdkFilesField) for target_type in SDK_TARGET_TYPES),
    ]

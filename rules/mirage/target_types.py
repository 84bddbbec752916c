"""Target types: `device`, `implementation`, `abi`, `unikernel`, `c_library` for portable C code, and
`debian_static_library` for a static archive that a Debian package installs."""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar, Dict, Optional, Sequence, Tuple, Type

from mirage.architecture import ARCHITECTURES, DEFAULT_ARCHITECTURE
from mirage.graph.errors import MirageConfigError
from mirage.graph.keys import KEY_DECLARATION_HELP, parse_key_declarations
from mirage.graph.locations import location_of_address
from mirage.graph.names import identifier_problem
from mirage.util_rules.package_files import entry_problem, mapping_problem, writers_help
from pants.core.goals.package import OutputPathField
from pants.core.util_rules.environments import EnvironmentField
from pants.engine.addresses import Address, UnparsedAddressInputs
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    Dependencies,
    DictStringToStringField,
    Field,
    InvalidFieldException,
    MultipleSourcesField,
    SingleSourceField,
    SpecialCasedDependencies,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap

C_SOURCE_EXTENSIONS = (".c", ".h", ".S")
_C_SYMBOL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,126}$")
_TRAIT_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class _TraitsField(StringSequenceField):
    """A list of ABI traits: lower-case names such as `freestanding` or `x86_64`."""

    @classmethod
    def compute_value(cls, raw_value: Optional[Sequence[str]], address: Address) -> Optional[Tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        for trait in value or ():
            if not _TRAIT_RE.match(trait):
                raise InvalidFieldException(
                    f"The `{cls.alias}` field of {address} has the trait `{trait}`: use lower-case letters, digits "
                    "and `_`, starting with a letter, as in `freestanding` or `x86_64`."
                )
        return value


def _check_c_symbol(alias: str, value: Optional[str], address: Address, what: str) -> Optional[str]:
    if value is not None and not _C_SYMBOL_RE.match(value):
        raise InvalidFieldException(
            f"The `{alias}` field of {address} is `{value}`, which is not a C function name. "
            f"Give the name of the {what} as it is defined in the C sources."
        )
    return value


class _IdentifierKeyedDictField(DictStringToStringField):
    """A dict whose keys become names in generated C (device parameters)."""

    key_description: ClassVar[str] = "parameter name"

    @classmethod
    def compute_value(cls, raw_value: Optional[Dict[str, str]], address: Address) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        for name in value or {}:
            problem = identifier_problem(name)
            if problem:
                raise InvalidFieldException(
                    f"The `{cls.alias}` field of {address} has the {cls.key_description} `{name}`: {problem}."
                )
        return value


class _KeysField(DictStringToStringField):
    alias = "keys"
    help = softwrap(
        f"""
        Configure-time keys this target declares, by name. A key has a configure-time value (its default here, or
        `[mirage].keys`) and can be overridden at boot with the runtime argument `--<name>=<value>`.
        C code reads keys with `mirage_key_string("name")`, `mirage_key_int(...)` or `mirage_key_bool(...)`.
        {KEY_DECLARATION_HELP}
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Dict[str, str]], address: Address) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        try:
            parse_key_declarations(value or {}, str(address))
        except MirageConfigError as e:
            raise InvalidFieldException(f"The `{cls.alias}` field of {e}") from None
        return value


_TARGET_ADDRESSES_HELP = (
    "The target it names is a dependency of the ABI for `pants dependencies`, `dependents` and "
    "`--changed-dependents`, but not part of the closure every image of the ABI compiles and links."
)


class _TargetAddressesField(SpecialCasedDependencies):
    """A field whose value names targets, other than `dependencies`: an ABI's tender.

    Pants shows the targets of a `SpecialCasedDependencies` field in `dependencies` and `dependents` (so
    `--changed-dependents` sees them) and leaves them out of `TransitiveTargets`, which is what images compile and
    link: an ABI must not pull its tender (host code) into each image. The value keeps its own shape (here a
    string), checked by `value_field`; `target_specs` says which parts are addresses.
    """

    value_field: ClassVar[Type[Field]]

    @classmethod
    def compute_value(cls, raw_value: Any, address: Address) -> Any:
        return cls.value_field.compute_value(raw_value, address)

    def target_specs(self) -> Tuple[str, ...]:
        raise NotImplementedError(type(self).__name__)

    def to_unparsed_address_inputs(self) -> UnparsedAddressInputs:
        return UnparsedAddressInputs(
            self.target_specs(),
            owning_address=self.address,
            description_of_origin=f"the `{self.alias}` field of {self.address}",
        )


# --- device --------------------------------------------------------------------------------------------------


class DeviceSourceField(SingleSourceField):
    expected_file_extensions = (".h",)
    required = True
    help = softwrap(
        """
        The C header that declares the device's interface: `struct <device name>` holding an ops table and a
        state pointer, plus the ops table's type. Implementations and applications include it by its path from
        the repository root, for example `#include "devices/console.h"`.
        """
    )


class DeviceDependenciesField(Dependencies):
    help = "Other devices or C libraries whose headers this device's header includes."


class DeviceTarget(Target):
    alias = "device"
    core_fields = (*COMMON_TARGET_FIELDS, DeviceSourceField, DeviceDependenciesField)
    help = softwrap(
        """
        A device signature, like a MirageOS module type (CONSOLE, MCLOCK, NETWORK, ...). The target's name is the
        device's name and the name of its C struct, so it must be a C identifier.
        """
    )

    def validate(self) -> None:
        name = location_of_address(self.address)[1]
        problem = identifier_problem(name)
        if problem:
            raise InvalidFieldException(
                f"The device {self.address} cannot be named `{name}`: {problem}. "
                "A device's target name is its C struct name; rename the target."
            )


# --- implementation ------------------------------------------------------------------------------------------


class ImplementationSourcesField(MultipleSourcesField):
    expected_file_extensions = C_SOURCE_EXTENSIONS
    required = True
    help = "The implementation's C sources and private headers (`.c`, `.h`, `.S`)."


class ImplementationProvidesField(StringField):
    alias = "provides"
    required = True
    help = "The address of the `device` this implementation provides, for example `//devices:console`."


class ImplementationRequiresField(_IdentifierKeyedDictField):
    alias = "requires"
    help = softwrap(
        """
        The devices this implementation is a functor over, as ordered parameters: parameter name -> device
        address, for example `{"netif": "//devices:netif", "time": "//devices:sleep"}`. The connect function
        receives the resolved devices in this order, after the device it fills in.
        """
    )


class ImplementationConnectField(StringField):
    alias = "connect"
    required = True
    help = softwrap(
        """
        The C function that initialises the device: `int connect(struct <provided> *self, struct <required> *p,
        ...)` with one pointer per entry of `requires`, in order. It returns 0 on success; anything else stops the
        boot with a message that names the instance. The plugin declares this prototype from BUILD in
        `__mirage__/<folder>/<name>.connect.h` and force-includes it into the implementation's `.c` sources, so a
        definition that differs in parameter count, order or device type (or is K&R-style) does not compile.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        return _check_c_symbol(cls.alias, super().compute_value(raw_value, address), address, "connect function")


class ImplementationAbisField(StringSequenceField):
    alias = "abis"
    help = softwrap(
        """
        The names of the ABIs this implementation works on, for example `["unix"]`: for code written against one
        ABI's own interface. Portable code says what it needs with `abi_traits` instead, so a new ABI gets it
        without an edit here. An implementation works on an ABI that `abis` names or whose traits include all of
        `abi_traits`; it sets at least one of the two.
        """
    )


class ImplementationAbiTraitsField(_TraitsField):
    alias = "abi_traits"
    help = softwrap(
        """
        The ABI traits this implementation needs, for example `["freestanding"]` (code on the platform interface of
        lib/platform): it works on every ABI whose `traits` include them all. `[]` means portable C that needs
        nothing of the ABI and works on every one. See `abis` for ABI-specific code.
        """
    )


class ImplementationKeysField(_KeysField):
    pass


class ImplementationPlatformDeviceField(StringField):
    alias = "platform_device"
    valid_choices = ("net", "block")
    help = softwrap(
        """
        Set on implementations whose device the host attaches at boot (a tap interface, a disk file). Each instance
        becomes an entry of the image's manifest, named after the instance, and its connect function receives
        that name as a last argument (`const char *name`). The tender refuses to boot when the host resource for
        an entry is missing.
        """
    )


class ImplementationDependenciesField(Dependencies):
    help = softwrap(
        """
        C libraries this implementation uses. Devices named in `provides` and `requires`, and the devices and C
        libraries whose headers its sources `#include`, are added for you.
        Implementations listed here are visible to this implementation's `requires` parameters during resolution
        (as are the implementations in its own BUILD folder); see `pants help unikernel`.
        """
    )


class ImplementationTarget(Target):
    alias = "implementation"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        ImplementationSourcesField,
        ImplementationProvidesField,
        ImplementationRequiresField,
        ImplementationConnectField,
        ImplementationAbisField,
        ImplementationAbiTraitsField,
        ImplementationKeysField,
        ImplementationPlatformDeviceField,
        ImplementationDependenciesField,
        EnvironmentField,
    )
    help = softwrap(
        """
        An implementation of a device, like a MirageOS functor: C sources that provide one device given the devices
        they require, on the ABIs listed. Resolution picks it for a unikernel through a binding, an ABI default, or
        because it is the one implementation of its device visible where the parameter is: listed in the
        `dependencies` of the unikernel or functor that has the parameter, or declared in that target's own BUILD
        folder (see `pants help unikernel`).
        """
    )

    def validate(self) -> None:
        if self[ImplementationAbisField].value is None and self[ImplementationAbiTraitsField].value is None:
            raise InvalidFieldException(
                f"The implementation {self.address} says neither which ABIs it works on nor what it needs of one: "
                'set `abi_traits` (for example `abi_traits=["freestanding"]`, or `[]` for portable C) or `abis` '
                '(for example `abis=["unix"]` for code written against one ABI).'
            )


# --- crunch --------------------------------------------------------------------------------------------------


class CrunchSourcesField(MultipleSourcesField):
    required = True
    help = "The files to bake into the image. Each is a key, named by its path relative to this BUILD file."


class CrunchProvidesField(ImplementationProvidesField):
    required = False
    default = None
    help = softwrap(
        """
        The device the generated code provides: by default the SDK's read-only key-value device, `//devices:kv`
        in the plugin's own repository and `//:mirage#devices/kv` where the plugin is loaded from its wheel.
        """
    )


class CrunchDependenciesField(ImplementationDependenciesField):
    help = "Not needed: the kv device is added for you."


class CrunchTarget(Target):
    alias = "crunch"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        CrunchSourcesField,
        CrunchProvidesField,
        CrunchDependenciesField,
        EnvironmentField,
    )
    help = softwrap(
        """
        Files baked into the image as a read-only key-value device, like MirageOS's crunch: an implementation of
        `//devices:kv` for every ABI, generated at build time, so editing a file rebuilds the images that use it.
        Each value's SHA-256 is computed then too and answers the device's `digest` (an ETag, say, without
        hashing at boot).
        Resolution never picks a crunch target by itself, not even from the unikernel's own folder: bind the
        unikernel's kv parameter to it, for example `bindings={"zone": ":zone"}`.
        """
    )


# --- C library -----------------------------------------------------------------------------------------------


class CLibrarySourcesField(MultipleSourcesField):
    expected_file_extensions = C_SOURCE_EXTENSIONS
    required = True
    help = "The library's C sources and headers (`.c`, `.h`, `.S`)."


class CLibraryDependenciesField(Dependencies):
    help = "Other C libraries this library uses. Those whose headers its sources `#include` are inferred."


class CLibraryAbiTraitsField(_TraitsField):
    alias = "abi_traits"
    help = softwrap(
        """
        The ABI traits the library needs, for example `["freestanding"]`: compiling it for an ABI whose `traits`
        lack one is an error that names the library and the ABI. Unset for portable C (also compiled for the
        build host's tenders).
        """
    )


class CLibraryTarget(Target):
    alias = "c_library"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        CLibrarySourcesField,
        CLibraryDependenciesField,
        CLibraryAbiTraitsField,
        EnvironmentField,
    )
    help = softwrap(
        """
        Portable C code that is not a device implementation (the mirage runtime, parsers, protocol code). It is
        compiled once per ABI and linked into every image whose graph depends on it. Its headers (like a
        `device`'s) are the ones other targets may include: a C source that `#include`s one depends on this
        library without listing it, and an include that no device or c_library owns is an error naming the
        file and line. `pants tailor` proposes a c_library for a folder's `.c`/`.h`/`.S` files that no mirage
        target owns.
        """
    )


# --- Debian static library -------------------------------------------------------------------------------------

_DEBIAN_PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


def _check_absolute_paths(alias: str, paths: Tuple[str, ...], address: Address) -> None:
    for path in paths:
        if not os.path.isabs(path) or ".." in path.split("/"):
            raise InvalidFieldException(
                f"The `{alias}` field of {address} has `{path}`, which is not an absolute path without `..`. "
                "Give the path the Debian package installs, as `dpkg-query -L <package>` lists it."
            )


class DebianStaticLibraryPackageField(StringField):
    alias = "package"
    required = True
    help = softwrap(
        """
        The Debian package that installs the archive and headers, for example `libbearssl-dev`. Its name and
        installed version (from `dpkg-query`) go into each image's `provenance.json`. The package goes into
        build-support/bootstrap/debian-packages.txt so the launcher installs it.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        if value is not None and not _DEBIAN_PACKAGE_RE.match(value):
            raise InvalidFieldException(
                f"The `{cls.alias}` field of {address} is `{value}`, which is not a Debian package name "
                "(lower-case letters, digits, `+`, `-` and `.`)."
            )
        return value


class DebianStaticLibraryArchiveField(StringField):
    alias = "archive"
    required = True
    help = softwrap(
        """
        The absolute path of the static archive (`.a`) the package installs, for example
        `/usr/lib/x86_64-linux-gnu/libbearssl.a`. It must be one of the package's files, unmodified (checked with
        `dpkg --verify`): its bytes enter the build graph, so they are part of every image's cache key.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        if value is not None:
            _check_absolute_paths(cls.alias, (value,), address)
            if not value.endswith(".a"):
                raise InvalidFieldException(
                    f"The `{cls.alias}` field of {address} is `{value}`, which is not a static archive (`.a`)."
                )
        return value


class DebianStaticLibraryHeadersField(StringSequenceField):
    alias = "headers"
    default = ()
    help = softwrap(
        """
        The package's headers that C sources include, as absolute paths or shell globs under `include_root`, for
        example `["/usr/include/bearssl.h", "/usr/include/bearssl/*.h"]`. They are copied into the build graph
        (each compile that may include them has their bytes in its cache key) at their path below
        `include_root`, which is searched with `-isystem`: write `#include <bearssl.h>`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Sequence[str]], address: Address) -> Optional[Tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        _check_absolute_paths(cls.alias, tuple(value or ()), address)
        return value


class DebianStaticLibraryIncludeRootField(StringField):
    alias = "include_root"
    default = "/usr/include"
    help = "The folder `headers` are relative to, as the package's users include them (`#include <bearssl.h>`)."

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        _check_absolute_paths(cls.alias, (value,) if value else (), address)
        return value


class DebianStaticLibraryAbiTraitsField(_TraitsField):
    alias = "abi_traits"
    required = True
    help = softwrap(
        """
        The ABI traits the archive's code needs: at least its architecture, for example `["x86_64"]`. Linking it
        into an image for an ABI whose `traits` lack one is an error naming the library and the ABI.
        """
    )


class DebianStaticLibraryTarget(Target):
    alias = "debian_static_library"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        DebianStaticLibraryPackageField,
        DebianStaticLibraryArchiveField,
        DebianStaticLibraryHeadersField,
        DebianStaticLibraryIncludeRootField,
        DebianStaticLibraryAbiTraitsField,
    )
    help = softwrap(
        """
        A static library that a Debian package installs, linked into images that depend on it (list it in the
        `dependencies` of a `unikernel`, `implementation` or `c_library`): for code that is not ours to write,
        such as crypto (`libbearssl-dev`).

        The archive's and headers' bytes are copied into the build graph by a process that runs once per Pants
        run and checks, with `dpkg-query -L` and `dpkg --verify`, that they are the package's own, unmodified: a
        package upgrade or a changed file changes their digests, so the images that use them rebuild. The
        package's name, version and architecture and the archive's digest go into `provenance.json`.

        Before linking a freestanding image, the archive members the link pulls in are computed the way the
        linker does it (a member is pulled when it defines a symbol still undefined, until nothing changes), and
        their undefined symbols are checked against what the image's objects (the ABI's startup, lib/libc, the
        runtime, the application) define. Members no path of the image needs are not pulled, so their needs
        (BearSSL's `/dev/urandom` seeder needing `open`) do not matter. A missing symbol stops the build with
        each symbol, the members that need it, and the chain of symbols that pulled each member in. On hosted
        ABIs (unix) the host's C library completes the link, and the linker's own error names what is missing.

        Debian compiles with `-fstack-protector-strong` and reads the canary at `%fs:0x28`: every freestanding
        x86_64 ABI here points `%fs` at lib/libc's thread block, whose canary is seeded at boot.
        """
    )


# --- abi -----------------------------------------------------------------------------------------------------


class AbiSourcesField(MultipleSourcesField):
    expected_file_extensions = (*C_SOURCE_EXTENSIONS, ".ld", ".j2")
    help = softwrap(
        """
        The ABI's startup sources (`.c`, `.S`, `.h`), which call `mirage_main(argc, argv)` (hosted ABIs) or
        `platform_main()` (freestanding ABIs, see lib/platform), and the file `linker_script` names, if any:
        the sources field owns every file of the target, so `--changed-since` and file arguments see the script.
        The jinja2 templates `package_files` names (`.j2`) are sources too.
        """
    )


class AbiLinkerScriptField(StringField):
    alias = "linker_script"
    help = softwrap(
        """
        The linker script every image of this ABI links with (`-T`), by file name relative to the BUILD file,
        for example `"hvt.ld"`; it must also be in `sources`. Unset: the toolchain's default layout (hosted ABIs).
        """
    )


class AbiTraitsField(_TraitsField):
    alias = "traits"
    default = ()
    help = softwrap(
        """
        What the ABI offers portable code, for example `["freestanding", "x86_64"]` (the platform interface of
        lib/platform, no host OS) or `["hosted", "posix", "x86_64"]`. Implementations with `abi_traits` and C
        libraries with `abi_traits` work on every ABI that has all the traits they need, so a new ABI gets them
        by declaring its traits, without an edit to lib/. The ABI's `architecture` is one of its traits whether
        listed here or not.
        """
    )


class AbiDefaultsField(DictStringToStringField):
    alias = "defaults"
    help = softwrap(
        """
        The implementation of each base device on this ABI: device address -> implementation address. A
        unikernel's `bindings` override these. Both sides are checked like dependencies (a typo, or a target of
        the wrong kind, is an error naming this field), but they are not dependencies of the ABI: every image of
        the ABI depends on the ABI, so `--changed-since` would then mark images that do not use an edited default.
        `pants dependencies <unikernel>` lists the defaults the unikernel uses.
        """
    )


class AbiPackageFilesField(DictStringToStringField):
    alias = "package_files"
    help = softwrap(
        f"""
        Files `pants package` writes beside each image of this ABI, for what boots it: suffix of the image's file
        name -> writer. A writer is a jinja2 template among `sources` (`.j2`), which sees `name` (a name for the
        guest, from the unikernel's address), `image` (the image's file name), `abi`, `keys` (name, type and value
        of each key, by name) and `cmdline` (every key as a boot argument, `--name=value`), and the filter `quoted`
        (a double-quoted string, backslash and quote escaped); or one of the plugin's writers, which compute their
        files from the linked image: {writers_help()}. A suffix ending with `/` is a folder, for a writer of
        several files. For example `{{".xl.cfg": "xl.cfg.j2"}}` writes `image.xen.xl.cfg`,
        `{{".xml": "muen_subject"}}` writes `image.muen.xml` and `{{".boot/": "raspberry_pi_boot"}}` writes
        `image.rpi4.boot/kernel8.img` and the rest. Unset: none.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Dict[str, str]], address: Address) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        for suffix, writer in (value or {}).items():
            problem = entry_problem(suffix, writer)
            if problem:
                raise InvalidFieldException(
                    f"The `{cls.alias}` field of {address} maps `{suffix}` to `{writer}`: {problem}."
                )
        problem = mapping_problem(value or {})
        if problem:
            raise InvalidFieldException(f"The `{cls.alias}` field of {address}: {problem}.")
        return value


_DEFAULT_COMPILERS = ", ".join(f"{a.name}: `{a.default_compiler}`" for a in ARCHITECTURES.values())


class AbiArchitectureField(StringField):
    alias = "architecture"
    default = DEFAULT_ARCHITECTURE
    valid_choices = tuple(sorted(ARCHITECTURES))
    help = softwrap(
        f"""
        The CPU the ABI's images run on. It picks the default `compiler` ({_DEFAULT_COMPILERS}), is a trait of the ABI
        (added to `traits` for you; naming another architecture there is an error), and selects the
        architecture-specific sources of every target compiled for the ABI: a file named `*_<architecture>.c` or
        `.S` is compiled only for that architecture, so portable libraries compile for a new one without a BUILD
        edit.
        """
    )


class AbiCompilerField(StringField):
    alias = "compiler"
    help = softwrap(
        """
        The C compiler's program name, found on `[mirage].executable_search_paths`; it also drives the link.
        Unset: the `architecture`'s compiler. It must build for that architecture (`-dumpmachine` is checked).
        """
    )


class AbiCflagsField(StringSequenceField):
    alias = "cflags"
    default = ()
    help = "Flags for compiling every C source of an image on this ABI, after the reproducibility flags."


class AbiLdflagsField(StringSequenceField):
    alias = "ldflags"
    default = ()
    help = "Flags for linking an image on this ABI."


class AbiRunnerField(StringField):
    alias = "runner"
    default = "exec"
    valid_choices = ("exec", "tender", "none")
    help = softwrap(
        """
        How `pants run` boots an image: `exec` runs it as a host program; `tender` builds the ABI's `tender` and
        runs `tender [--mem=...] [--net:NAME=TAP]... [--block:NAME=FILE]... IMAGE BOOT-ARGS...`; `none` refuses,
        for an ABI whose images boot only elsewhere (xen: on a Xen host; muen: in a Muen system), quoting the ABI's
        description.
        """
    )


class _AbiTenderValue(StringField):
    alias = "tender"


class AbiTenderField(_TargetAddressesField):
    alias = "tender"
    value_field = _AbiTenderValue
    help = softwrap(
        f"""
        The `host_program` that boots images of this ABI (required when `runner` is `tender`).
        {_TARGET_ADDRESSES_HELP}
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        return super().compute_value(raw_value, address)

    def target_specs(self) -> Tuple[str, ...]:
        return (self.value,) if self.value else ()


class AbiDependenciesField(Dependencies):
    help = "C libraries every image on this ABI links (the mirage runtime)."


class AbiTarget(Target):
    alias = "abi"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        AbiSourcesField,
        AbiLinkerScriptField,
        AbiTraitsField,
        AbiArchitectureField,
        AbiDefaultsField,
        AbiPackageFilesField,
        AbiCompilerField,
        AbiCflagsField,
        AbiLdflagsField,
        AbiRunnerField,
        AbiTenderField,
        AbiDependenciesField,
        EnvironmentField,
    )
    help = softwrap(
        """
        A target ABI, like a MirageOS target (`-t unix`, `-t hvt`): the toolchain and flags, the startup object
        and linker script every image links against, how to boot an image, and the default implementations of
        the base devices. The target's name is the ABI name that `unikernel(abi=...)` uses; it must be unique.
        """
    )


# --- unikernel -----------------------------------------------------------------------------------------------


class UnikernelSourcesField(MultipleSourcesField):
    expected_file_extensions = (".c", ".h")
    required = True
    help = "The application's C sources and headers."


class UnikernelStartField(StringField):
    alias = "start"
    required = True
    help = softwrap(
        """
        The application's start function: `int start(struct <device> *p, ...)` with one pointer per entry of
        `devices`, in order, named as in `devices` (so two devices of one type are two parameters). Its return
        value is the unikernel's exit code. The plugin declares this prototype from BUILD in
        `__mirage__/<folder>/<name>.start.h` and force-includes it into the application's `.c` sources, so a
        definition that does not match `devices` does not compile.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        return _check_c_symbol(cls.alias, super().compute_value(raw_value, address), address, "start function")


class UnikernelDevicesField(_IdentifierKeyedDictField):
    alias = "devices"
    help = softwrap(
        """
        The devices the application takes, as ordered parameters of its start function: parameter name -> device
        address, for example `{"console": "//devices:console", "time": "//devices:sleep"}`.

        Several instances of one device: each parameter is its own root. A device the host attaches (net, block)
        and an implementation with keys are never shared between two parameters, so
        `{"inside": "//devices:netif", "outside": "//devices:netif"}` is two interfaces, two manifest entries
        (`inside`, `outside`) and two host resources (`--net:inside=tap0 --net:outside=tap1`), and every layer
        above them is distinct too; devices without either (a clock) stay one shared instance. An implementation
        with several instances reads its keys per instance, named `<parameter>.<key>`: `--inside.ipv4=...` and
        `--outside.ipv4=...` at boot, `--mirage-keys="{'inside.ipv4': ...}"` at configure time, where a bare
        `ipv4` sets every instance that has no value of its own. A bare key at boot is only valid where it is
        unambiguous (one instance). Why: an interface is a host resource, not a value computed from its
        arguments, so functoria's sharing of equal applications would silently merge two of them into one.
        """
    )


class UnikernelBindingsField(DictStringToStringField):
    alias = "bindings"
    help = softwrap(
        """
        Pin implementations: path -> implementation address. A path is a device parameter of `devices`, or a
        parameter of the implementation chosen for it, joined by `.` (for example `stack.netif`). Bindings win
        over the ABI's defaults. Data implementations (`crunch`) are only ever chosen through a binding.
        """
    )


class UnikernelKeysField(_KeysField):
    pass


class UnikernelAbiField(StringField):
    alias = "abi"
    help = softwrap(
        """
        The ABI to build for, by name (the name of an `abi` target). Defaults to `[mirage].abi`. Use
        `parametrize("unix", "hvt")` to build one image per ABI.
        """
    )


class UnikernelDependenciesField(Dependencies):
    help = softwrap(
        """
        C libraries the application uses. The implementations resolution chooses, and the devices and C libraries
        whose headers its sources `#include`, are added for you.
        Implementations listed here are visible to the `devices` parameters during resolution.
        """
    )


class UnikernelOutputPathField(OutputPathField):
    help = softwrap(
        """
        Where the image goes under `dist/`, without the ABI suffix; the image is named `<path>.<abi>`, as MirageOS
        names them. Defaults to `<folder with dots>/<target name>`, for example `examples.hello/image.unix`.
        A target parametrized on other fields than `abi` has them before the ABI, so each image has a path of its
        own: `keys=parametrize(a={...}, b={...})` gives `image@keys=a.unix` and `image@keys=b.unix`.
        """
    )


class UnikernelTarget(Target):
    alias = "unikernel"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        UnikernelSourcesField,
        UnikernelStartField,
        UnikernelDevicesField,
        UnikernelBindingsField,
        UnikernelKeysField,
        UnikernelAbiField,
        UnikernelDependenciesField,
        UnikernelOutputPathField,
        EnvironmentField,
    )
    help = softwrap(
        """
        A single-purpose machine image: the application (a functor over `devices`), composed with the
        implementations resolution chooses for its ABI. `pants package` links it; `pants run` boots it.

        Resolution is local, so a target added in an unrelated folder never changes this image. Each device
        parameter (of `devices`, or of an implementation's `requires`, by path such as `stack.netif`) gets:
        1. the implementation `bindings` names for its path; else
        2. the ABI's default for the device (the `defaults` of the `abi` target); else
        3. the one implementation, supporting the ABI, that is visible to the target having the parameter (this
        unikernel for `devices`, the implementation for its `requires`): listed in that target's own
        `dependencies`, or declared in that target's own BUILD folder (not a parent or child folder). Two visible
        candidates are an error. `crunch` targets are never visible: bind them.
        When nothing fits, the error lists every candidate in the repository with the `bindings` entry that picks
        it.

        The image is compiled and linked, implementations and libraries included, in the Pants environment its
        `environment` field names (see `pants help environments-preview`).
        """
    )


# --- host program --------------------------------------------------------------------------------------------


class HostProgramSourcesField(MultipleSourcesField):
    expected_file_extensions = (".c", ".h")
    required = True
    help = "The program's C sources and headers."


class HostProgramLibrariesField(StringSequenceField):
    alias = "libraries"
    default = ()
    help = "Host libraries to link, by name (`seccomp` links `-lseccomp`)."


class HostProgramAbiField(StringField):
    alias = "abi"
    default = "host"
    help = "The ABI the program is built for: the build host's own, `host`."


class HostProgramDependenciesField(Dependencies):
    help = "C libraries the program uses."


class HostProgramOutputPathField(OutputPathField):
    def value_or_default(self, *, file_ending: Optional[str]) -> str:
        if self.value:
            return self.value
        # `dist/<folder with dots>/<name>` after the program's place in the SDK's layout, also for the SDK's own
        # programs in a repository that loads the wheel (`//:mirage#targets/hvt/tender/tender`).
        folder, name = location_of_address(self.address)
        file_name = f"{name}{self.address.parameters_repr.replace('.', '_')}" + (
            f".{file_ending}" if file_ending else ""
        )
        return os.path.join(folder.replace(os.sep, "."), file_name)


class HostProgramTarget(Target):
    alias = "host_program"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        HostProgramSourcesField,
        HostProgramLibrariesField,
        HostProgramAbiField,
        HostProgramDependenciesField,
        HostProgramOutputPathField,
        EnvironmentField,
    )
    help = softwrap(
        """
        A C program for the build host, such as an ABI's tender (the program that loads and boots its images).
        `pants package` builds it, in the Pants environment its `environment` field names; an `abi` with
        `runner="tender"` builds and uses it for `pants run`.
        """
    )


def target_types() -> Tuple[type, ...]:
    return (
        DeviceTarget,
        ImplementationTarget,
        CrunchTarget,
        CLibraryTarget,
        AbiTarget,
        UnikernelTarget,
        HostProgramTarget,
        DebianStaticLibraryTarget,
    )

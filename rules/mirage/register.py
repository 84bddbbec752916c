"""The mirage Pants plugin: MirageOS-style unikernels as build targets. This module only aggregates."""

from mirage import dependency_inference, include_inference, tailor
from mirage import target_types as mirage_target_types
from mirage.goals import package, package_host_program, run, workflow
from mirage.lint import clang_format
from mirage.sdk import sdk_rules
from mirage.sdk.bundle import bundled_sdk
from mirage.util_rules import (
    build_options,
    catalogue,
    compile,
    crunch,
    debian_library,
    host_header_inputs,
    host_link_inputs,
    host_program,
    image,
    link,
    prototypes,
    resolution,
    toolchain,
)
from pants.build_graph.build_file_aliases import BuildFileAliases


def rules():
    return [
        *build_options.rules(),
        *catalogue.rules(),
        *clang_format.rules(),
        *compile.rules(),
        *crunch.rules(),
        *debian_library.rules(),
        *dependency_inference.rules(),
        *host_header_inputs.rules(),
        *host_link_inputs.rules(),
        *host_program.rules(),
        *image.rules(),
        *include_inference.rules(),
        *link.rules(),
        *package.rules(),
        *package_host_program.rules(),
        *prototypes.rules(),
        *resolution.rules(),
        *run.rules(),
        *sdk_rules.rules(),
        *tailor.rules(),
        *toolchain.rules(),
        *workflow.rules(),
    ]


def build_file_aliases():
    # Where the plugin comes from its wheel, BUILD files may call the SDK's prelude (`freestanding_settings()`).
    return BuildFileAliases(objects=sdk_rules.sdk_build_file_symbols(bundled_sdk()))


def target_types():
    return (*mirage_target_types.target_types(), sdk_rules.MirageSdkTarget)

"""Where a target sits in the SDK's layout, whether it comes from a BUILD file or from the plugin's bundled SDK.

In this repository the SDK's targets have their ordinary addresses (`//devices:console`). In a repository that
loads the plugin's wheel they are generated targets of one synthetic generator in the root folder,
`//:mirage#devices/console` (Pants 2.17 resolves an address only in a folder that exists, and only the root is sure
to). Their device names, ABI names, header paths and linker scripts still follow the folder and name they have in
the SDK: `location_of` recovers both from either form.
"""

from __future__ import annotations

from typing import Callable, Optional, Tuple

# The generator of the bundled SDK's targets: `//:mirage#<folder>/<name>`.
SDK_GENERATOR_NAME = "mirage"
SDK_ADDRESS_PREFIX = f"//:{SDK_GENERATOR_NAME}#"


def sdk_generated_name(folder: str, name: str) -> str:
    return f"{folder}/{name}"


def sdk_address(folder: str, name: str) -> str:
    """The address of the bundled SDK's target `//<folder>:<name>` in a repository that loads the wheel."""
    return SDK_ADDRESS_PREFIX + sdk_generated_name(folder, name)


def location_of(spec_path: str, target_name: str, generated_name: Optional[str]) -> Tuple[str, str]:
    """The (folder, name) a target has in the SDK's layout, from the parts of its address."""
    if spec_path == "" and target_name == SDK_GENERATOR_NAME and generated_name and "/" in generated_name:
        folder, name = generated_name.rsplit("/", 1)
        return folder, name
    return spec_path, target_name


def location_of_spec(spec: str) -> Tuple[str, str]:
    """`location_of` for an address spec string: `lib/tcpip:arp`, `//:mirage#lib/tcpip/arp`, `//:x`."""
    if spec.startswith(SDK_ADDRESS_PREFIX):
        generated = spec[len(SDK_ADDRESS_PREFIX) :].split("@", 1)[0]
        if "/" in generated:
            folder, name = generated.rsplit("/", 1)
            return folder, name
    path, _, name = spec.lstrip("/").partition(":")
    name = name.split("@", 1)[0].split("#", 1)[0]
    return path, name or path.rsplit("/", 1)[-1]


def rewrite_sdk_spec(spec: str, folder: str, is_sdk_target: Callable[[str, str], bool]) -> str:
    """An address as an SDK BUILD file in `folder` writes it, as the address the wheel's SDK target has.

    `:console` and `//devices:console` become `//:mirage#<folder>/console` and `//:mirage#devices/console`;
    `//lib/runtime` names the target `runtime` there. Addresses of targets outside the SDK stay as they are.
    """
    if spec.startswith(":"):
        target_folder, name = folder, spec[1:]
    else:
        path, has_name, name = spec.lstrip("/").partition(":")
        target_folder, name = path, (name if has_name else path.rsplit("/", 1)[-1])
    return sdk_address(target_folder, name) if is_sdk_target(target_folder, name) else spec


def location_of_address(address) -> Tuple[str, str]:
    """`location_of` for a Pants `Address` (anything with `spec_path`, `target_name` and `generated_name`)."""
    return location_of(address.spec_path, address.target_name, address.generated_name)

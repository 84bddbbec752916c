# BUILD-file prelude (see `build_file_prelude_globs` in pants.toml): what every freestanding ABI shares.
# Pants evaluates it like a BUILD file, so target types such as `abi` are in scope.


def freestanding_abi(name, description, linker_script, **kwargs):
    """An `abi` for freestanding C on the platform interface (lib/platform): our libc, no host headers or
    libraries, W^X segments from `linker_script`, and the base devices over the platform interface."""
    abi(
        name=name,
        description=description,
        sources=["*.c", "*.S", "*.h", linker_script],
        cflags=[
            "-O2", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-nostdinc", "-isystem", "lib/libc/include",
            "-fno-pie", "-fno-pic", "-fno-common", "-mno-red-zone", "-fstack-protector-strong",
            "-mstack-protector-guard=global", "-fno-asynchronous-unwind-tables", "-ffunction-sections",
            "-fdata-sections",
        ],
        ldflags=[
            "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,noexecstack",
            "-Wl,-z,max-page-size=0x1000", "-Wl,--gc-sections",
            # Segments stay page-aligned in memory (W^X); in the file they are packed, since tenders copy them.
            "-Wl,--nmagic",
        ],
        defaults={
            "//devices:console": "//lib/platform/devices:console",
            "//devices:mclock": "//lib/platform/devices:mclock",
            "//devices:pclock": "//lib/platform/devices:pclock",
            "//devices:sleep": "//lib/platform/devices:sleep",
            "//devices:random": "//lib/platform/devices:random",
            # Devices the tender attaches, and the direct stack over them (MirageOS's choice off unix).
            "//devices:netif": "//lib/platform/devices:netif",
            "//devices:block": "//lib/platform/devices:block",
            "//devices:stack": "//lib/tcpip:stack",
        },
        dependencies=["//lib/runtime", "//lib/platform", "//lib/libc"],
        **kwargs,
    )

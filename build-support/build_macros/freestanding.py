# BUILD-file prelude (see `build_file_prelude_globs` in pants.toml): the settings every freestanding ABI shares.
# Data only: an `abi(...)` in targets/<name>/BUILD passes them on with `**freestanding_settings()`, and declares its
# own sources, linker script and traits. (A function, because prelude symbols must be hashable: no bare dicts.)


def freestanding_settings():
    """Compile and link flags, default devices and runtime libraries for an ABI on lib/platform's interface."""
    return dict(
        # Our libc, no host headers or libraries, no red zone (interrupts run on the guest's stack).
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
        # What every freestanding image links: the mirage runtime, the platform's boot glue and our libc.
        dependencies=["//lib/runtime", "//lib/platform", "//lib/libc"],
    )

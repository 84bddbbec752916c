# BUILD-file prelude (see `build_file_prelude_globs` in pants.toml): the settings every freestanding ABI shares.
# Data only: an `abi(...)` in targets/<name>/BUILD passes them on with `**freestanding_settings()` (or
# `**freestanding_settings("aarch64")`, which also sets its `architecture`), and declares its own sources, linker
# script and traits. (A function, because prelude symbols must be hashable: no bare dicts.)


def freestanding_settings(architecture="x86_64", dependencies=()):
    """Compile and link flags, default devices and runtime libraries for an ABI on lib/platform's interface.

    `architecture` is the abi's `architecture` field (passed on with the rest); the flags that only one
    architecture's compiler takes follow it. `dependencies` are C libraries the ABI links besides the common ones
    (drivers it shares with other ABIs).
    """
    if architecture == "x86_64":
        # No red zone: interrupts and exceptions run on the guest's stack, below its stack pointer.
        architecture_cflags = ["-mno-red-zone"]
        architecture_dependencies = []
    elif architecture == "aarch64":
        # Strict alignment: the board's code may run before the MMU makes RAM normal memory, where an unaligned
        # access faults; no outline atomics (their helpers ask the OS for CPU features through getauxval).
        architecture_cflags = ["-mstrict-align", "-mno-outline-atomics"]
        # The board code every aarch64 ABI shares (lib/platform/aarch64/board.h).
        architecture_dependencies = ["//lib/platform/aarch64"]
    else:
        # The abi's own field check names the known architectures; this keeps the prelude from guessing.
        raise ValueError(f"freestanding_settings(): no flags for architecture {architecture!r}")
    return dict(
        architecture=architecture,
        # Our libc, no host headers or libraries.
        cflags=[
            "-O2", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-nostdinc", "-isystem", "lib/libc/include",
            "-fno-pie", "-fno-pic", "-fno-common", *architecture_cflags, "-fstack-protector-strong",
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
        dependencies=["//lib/runtime", "//lib/platform", "//lib/libc", *architecture_dependencies, *dependencies],
    )

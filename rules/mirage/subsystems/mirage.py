"""The `[mirage]` options: defaults that unikernel target fields override."""

from __future__ import annotations

from pants.core.util_rules.search_paths import ExecutableSearchPathsOptionMixin
from pants.option.option_types import DictOption, IntOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class MirageSubsystem(Subsystem):
    options_scope = "mirage"
    help = "Options for building MirageOS-style unikernels."

    abi = StrOption(
        default="unix",
        help=softwrap(
            """
            The ABI a `unikernel` builds for when its `abi` field is not set (like `mirage configure -t`).
            """
        ),
    )
    keys = DictOption[str](
        default={},
        help=softwrap(
            """
            Configure-time key values, by key name, for every unikernel that declares the key, for example
            `--mirage-keys="{'message': 'Hi', 'count': '2'}"`. They override the defaults in BUILD files and
            are part of the cache key; a runtime argument `--name=value` overrides them again at boot.
            """
        ),
    )

    mem = IntOption(
        default=None,
        help="Guest memory in MiB for `pants run` on an ABI with a tender (the tender's own default otherwise).",
    )
    net = DictOption[str](
        default={},
        help=softwrap(
            """
            For `pants run` on an ABI with a tender: the host tap interface for each network device of the image's
            manifest, by device name, for example `--mirage-net="{'service': 'tap0'}"`.
            """
        ),
    )
    block = DictOption[str](
        default={},
        help=softwrap(
            """
            For `pants run` on an ABI with a tender: the disk file for each block device of the image's manifest,
            by device name, for example `--mirage-block="{'storage': 'disk.img'}"`.
            """
        ),
    )

    tender_args = StrListOption(
        default=[],
        help=softwrap(
            """
            More arguments for the tender (or runner) of `pants run`, before the image: for example
            `--mirage-tender-args="['--print-command']"` shows the QEMU command line the virtio runner would use
            (its image path is Pants' temporary copy: run the runner on `dist/` to keep one), and
            `['--accel=tcg']` forces QEMU's emulator.
            """
        ),
    )

    def tender_arguments(self) -> tuple:
        """The tender's own arguments, which go before the image on its command line."""
        return (
            *self.tender_args,
            *((f"--mem={self.mem}",) if self.mem is not None else ()),
            *(f"--net:{name}={tap}" for name, tap in sorted(self.net.items())),
            *(f"--block:{name}={path}" for name, path in sorted(self.block.items())),
        )

    class EnvironmentAware(ExecutableSearchPathsOptionMixin, Subsystem.EnvironmentAware):
        env_vars_used_by_options = ("PATH",)
        executable_search_paths_help = softwrap(
            """
            Where to look for the C toolchain (the compiler named by each `abi` target, and the assembler and
            linker it drives). Only these directories are on the compiler's PATH.
            """
        )

"""The SDK bundled in the plugin's wheel: this repository's devices, libraries, ABIs and tenders as package data.

`./pants package //:plugin` copies them under `mirage/sdk_files/` at their repository paths (devices/console.h,
lib/tcpip/udp.c, targets/hvt/BUILD, ...). Run from this repository's sources the folder does not exist: here the
SDK is the repository itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

BUNDLE_DIR = Path(__file__).resolve().parent.parent / "sdk_files"
# The BUILD-file prelude of the SDK's ABIs (`freestanding_settings()`), bundled at its repository path.
PRELUDE_PATH = "build-support/build_macros/freestanding.py"


@dataclass(frozen=True)
class SdkBundle:
    root: Path
    # Every bundled file, by its repository path, sorted.
    files: Tuple[str, ...]

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def build_files(self) -> Tuple[str, ...]:
        return tuple(f for f in self.files if os.path.basename(f) == "BUILD")


def scan(root: Path) -> SdkBundle:
    files = sorted(
        os.path.relpath(os.path.join(parent, name), root)
        for parent, _, names in os.walk(root)
        for name in names
        if "__pycache__" not in parent
    )
    return SdkBundle(root=root, files=tuple(files))


def bundled_sdk() -> Optional[SdkBundle]:
    """The wheel's SDK, or None when the plugin runs from this repository's sources."""
    return scan(BUNDLE_DIR) if BUNDLE_DIR.is_dir() else None

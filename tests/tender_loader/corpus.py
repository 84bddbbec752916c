"""The loader's seed corpus (targets/tender/tests/corpus): hello and block images and their hostile variants.

Run as a script from the repository root after `./pants package examples/hello:image examples/block:image` to
rebuild the accept-* and refuse-* files from the packaged images (after an ABI or image layout change).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

from freestanding.bad_images import BAD_IMAGES, build

CORPUS = "targets/tender/tests/corpus"
LOADER_ABIS = ("hvt", "spt")
BASES = ("hello", "block")


def regenerate(dist: Path, corpus: Path) -> Dict[str, bytes]:
    files = {}
    for abi in LOADER_ABIS:
        for base in BASES:
            files[f"accept-{base}.{abi}"] = (dist / f"examples.{base}/image.{abi}").read_bytes()
        for bad in BAD_IMAGES.values():
            files[f"refuse-{bad.name}.{abi}"] = build(bad, (dist / f"examples.{bad.base}/image.{abi}").read_bytes())
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    return files


if __name__ == "__main__":
    written = regenerate(Path("dist"), Path(CORPUS))
    print(f"wrote {len(written)} files to {CORPUS}", file=sys.stderr)

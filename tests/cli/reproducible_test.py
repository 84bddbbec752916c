"""Two checkouts in different directories, Pants caches off: hello's images for every ABI are byte-identical."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cli.checkout import make_checkout, run_pants

OUTPUTS = (
    *(
        f"image.{abi}{suffix}"
        for abi in ("unix", "hvt", "spt", "virtio", "xen", "muen", "rpi4")
        for suffix in ("", ".main.c", ".provenance.json")
    ),
    "image.xen.xl.cfg",
    # The Muen subject's component specification, written beside its image.
    "image.muen.xml",
    *(f"image.rpi4.boot/{name}" for name in ("kernel8.img", "config.txt", "cmdline.txt")),
)


def test_hello_builds_bit_for_bit_identical_from_two_directories(tmp_path: Path) -> None:
    first = make_checkout(tmp_path / "one")
    second = make_checkout(tmp_path / "a-longer" / "path-to" / "another-checkout")
    digests = []
    for checkout in (first, second):
        run_pants(checkout, ["--no-local-cache", "--no-remote-cache-read", "package", "examples/hello:image"])
        folder = checkout / "dist" / "examples.hello"
        digests.append({name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in OUTPUTS})
    assert digests[0] == digests[1]

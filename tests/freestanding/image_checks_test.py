"""Every check of the tenders' ELF loader, through hvt, spt and the virtio runner, on images made hostile on purpose.

Each bad image is a packaged image (hello, or block where the check needs a manifest) with one header patched
(freestanding/bad_images.py). The tender or runner must refuse it before running anything: exit 125 and one line on
stderr that names the image and what is wrong. The virtio runner reads images with the same loader before it starts
QEMU, so its cases need no QEMU.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from freestanding.bad_images import BAD_IMAGES, build, segment_past_memory
from freestanding.boot import TENDER_EXIT_ERROR, boot, image, require_abi

ABIS = ["hvt", "spt", "virtio"]
PREFIX = {"hvt": "hvt", "spt": "spt", "virtio": "runner"}


def require_loader(abi: str) -> None:
    # hvt opens /dev/kvm before it reads the image; the runner checks the image before it looks for QEMU.
    if abi != "virtio":
        require_abi(abi)


def write_bad_image(abi: str, name: str, tmp_path: Path) -> str:
    bad = BAD_IMAGES[name]
    path = tmp_path / f"{name}.{abi}"
    path.write_bytes(build(bad, Path(image(f"examples.{bad.base}/image", abi)).read_bytes()))
    return str(path)


@pytest.mark.parametrize("abi", ABIS)
@pytest.mark.parametrize("name", sorted(BAD_IMAGES))
def test_bad_image_is_refused_in_one_line(abi: str, name: str, tmp_path: Path) -> None:
    require_loader(abi)
    path = write_bad_image(abi, name, tmp_path)
    # Block images name their disk, so the only thing wrong is the image itself.
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    tender_args = [f"--block:storage={disk}"] if BAD_IMAGES[name].base == "block" else []
    result = boot(abi, path, tender_args=tender_args)
    assert result.returncode == TENDER_EXIT_ERROR, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{PREFIX[abi]}: {path}: "), lines[0]
    assert BAD_IMAGES[name].expected in lines[0]


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_segment_past_memory_boots_with_more_memory(abi: str, tmp_path: Path) -> None:
    # The same 64 MiB .bss that the default 32 MiB refuses fits in --mem=128: the check is against --mem.
    require_loader(abi)
    path = tmp_path / f"big_bss.{abi}"
    data = bytearray(Path(image("examples.hello/image", abi)).read_bytes())
    segment_past_memory(data)
    path.write_bytes(bytes(data))
    refused = boot(abi, str(path), tender_args=["--mem=32"])
    assert refused.returncode == TENDER_EXIT_ERROR
    assert "beyond the 32 MiB of guest memory: raise --mem" in refused.stderr
    result = boot(abi, str(path), "--count=1", tender_args=["--mem=128"])
    assert (result.returncode, result.stdout) == (0, "Hello World!\n"), result.stderr


@pytest.mark.parametrize("abi", ABIS)
@pytest.mark.parametrize("base", ["hello", "block"])
def test_original_images_are_accepted(abi: str, base: str, tmp_path: Path) -> None:
    # The bad images differ from these in the patched field alone, so each refusal above is that field's.
    require_loader(abi)
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    tender_args = [f"--block:storage={disk}"] if base == "block" else []
    boot_args = {"hello": ["--count=1"], "block": ["--blocks=1"]}[base]
    if abi == "virtio":
        tender_args.append("--print-command")  # the runner's image check, without starting QEMU
    result = boot(abi, image(f"examples.{base}/image", abi), *boot_args, tender_args=tender_args)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout + result.stderr
    for name, bad in BAD_IMAGES.items():
        if bad.base == base:
            original = Path(image(f"examples.{base}/image", abi)).read_bytes()
            patched = build(bad, original)
            assert len(patched) == len(original) and patched != original, name

"""The tenders' ELF loader on its own (targets/tender/tests/loader_test): the seed corpus and every fuzzer find get an
answer without a crash, and freshly packaged images load with the entry and segments their headers give while each
hostile variant of them is refused for its reason."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
from freestanding.bad_images import BAD_IMAGES, build, entry_point, load_segments
from tender_loader.corpus import CORPUS, LOADER_ABIS

LOADER_TEST = "targets.tender.tests/loader_test"
OTHER = {"hvt": "spt", "spt": "hvt"}


def answers(*paths: str) -> Dict[str, Dict[str, str]]:
    """{path: {abi: "accepted: ..." or "refused: ..."}} from one run of loader_test."""
    result = subprocess.run([LOADER_TEST, *paths], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, ""), f"loader_test crashed or failed:\n{result.stderr}"
    found: Dict[str, Dict[str, str]] = {}
    for line in result.stdout.splitlines():
        head, answer = line.split(": ", 1)
        path, abi = head.rsplit(" ", 1)
        found.setdefault(path, {})[abi] = answer
    assert sorted(found) == sorted(paths) and all(sorted(v) == sorted(LOADER_ABIS) for v in found.values())
    return found


def described(data: bytes) -> str:
    """What loader_test prints for an accepted image, from the image's own headers."""
    segments = []
    for vaddr, memsz, flags in load_segments(data):
        perms = ("r" if flags & 4 else "-") + ("w" if flags & 2 else "-") + ("x" if flags & 1 else "-")
        segments.append(f"{vaddr:#x}+{memsz:#x}:{perms}")
    end = max(v + m for v, m, _ in load_segments(data))
    end = (end + 4095) // 4096 * 4096
    return f"accepted: entry {entry_point(data):#x} end {end:#x} segments {' '.join(segments)} devices"


def corpus_files() -> List[str]:
    return sorted(str(p) for p in Path(CORPUS).iterdir() if p.is_file())


def test_corpus_holds_every_case() -> None:
    names = {Path(p).name for p in corpus_files()}
    for abi in LOADER_ABIS:
        assert {f"accept-hello.{abi}", f"accept-block.{abi}"} <= names
        assert {f"refuse-{name}.{abi}" for name in BAD_IMAGES} <= names


def test_corpus_is_answered_without_a_crash() -> None:
    # The corpus seeds the fuzzer and keeps its finds; it is a snapshot of images from some ABI version, so what it
    # must show is that every file gets a one-line answer. What each kind of image must get is checked below on
    # images packaged now.
    files = corpus_files()
    results = answers(*files)
    for path in files:
        for abi, answer in results[path].items():
            assert answer.startswith("accepted: ") or (answer.startswith("refused: ") and len(answer) > 10), (
                path,
                abi,
                answer,
            )


@pytest.mark.parametrize("abi", LOADER_ABIS)
def test_packaged_images_load_with_their_headers(abi: str, tmp_path: Path) -> None:
    # The corpus is a snapshot; the images packaged now must load too, and their hostile variants be refused.
    paths = []
    for base in ("hello", "block"):
        paths.append(f"examples.{base}/image.{abi}")
    for bad in BAD_IMAGES.values():
        path = tmp_path / f"{bad.name}.{abi}"
        path.write_bytes(build(bad, Path(f"examples.{bad.base}/image.{abi}").read_bytes()))
        paths.append(str(path))
    results = answers(*paths)
    hello, block = paths[0], paths[1]
    assert results[hello][abi] == described(Path(hello).read_bytes())
    assert results[block][abi] == described(Path(block).read_bytes()) + " storage:block"
    for bad, path in zip(BAD_IMAGES.values(), paths[2:]):
        answer = results[path][abi]
        assert answer.startswith("refused: ") and bad.expected in answer, (bad.name, answer)

#!/usr/bin/env python3
"""Benchmark: hello's image size and median process-start-to-exit time on hvt, spt and virtio, beside Solo5's.

    build-support/benchmarks/hello_boot.py [--runs 50] [--solo5 DIR]

Packages hello and the tenders with ./pants, then times `tender image --count=1` from process start to exit.
With --solo5 DIR (holding solo5-hvt, solo5-spt, test_hello.hvt, test_hello.spt), times Solo5's hello in the same
run and prints the ratios. virtio rows time the QEMU runner (microvm and pc, KVM and TCG) against hvt's time and
size. KVM rows are skipped, with the reason, where /dev/kvm cannot create a VM.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Sequence

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build-support"))

from probes.kvm import kvm_problem  # noqa: E402

TARGETS = [
    "examples/hello:image@abi=hvt",
    "examples/hello:image@abi=spt",
    "examples/hello:image@abi=virtio",
    "targets/hvt/tender",
    "targets/spt/tender",
    "targets/virtio/runner",
]
# QEMU's pc machine boots through SeaBIOS (seconds under nested KVM): fewer runs there.
PC_RUNS = 5


def stripped_size(path: Path) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        shutil.copy(path, copy)
        subprocess.run(["strip", str(copy)], check=True)
        return copy.stat().st_size


def median_ms(argv: Sequence[str], runs: int) -> float:
    times: List[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        if result.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited {result.returncode}")
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--solo5", type=Path, help="folder with solo5-hvt, solo5-spt, test_hello.hvt, test_hello.spt")
    args = parser.parse_args()

    subprocess.run(["./pants", "package", *TARGETS], cwd=REPO, check=True, capture_output=True)
    dist = REPO / "dist"
    kvm = kvm_problem()
    hvt_ms, hvt_size = 0.0, 1
    print(f"{'abi':<6} {'image':<28} {'bytes':>8} {'stripped':>9} {'median ms':>10}   vs Solo5")
    for abi in ("hvt", "spt"):
        if abi == "hvt" and kvm:
            print(f"{abi:<6} skipped: {kvm}")
            continue
        ours = dist / f"examples.hello/image.{abi}"
        ours_ms = median_ms([str(dist / f"targets.{abi}.tender/tender"), str(ours), "--count=1"], args.runs)
        ours_size, ours_stripped = ours.stat().st_size, stripped_size(ours)
        comparison = ""
        if args.solo5:
            theirs = args.solo5 / f"test_hello.{abi}"
            theirs_ms = median_ms([str(args.solo5 / f"solo5-{abi}"), str(theirs), "Hello_Solo5"], args.runs)
            theirs_size, theirs_stripped = theirs.stat().st_size, stripped_size(theirs)
            print(f"{abi:<6} {'solo5 test_hello':<28} {theirs_size:>8} {theirs_stripped:>9} {theirs_ms:>10.2f}")
            comparison = (
                f"   time {ours_ms / theirs_ms:.2f}x, size {ours_size / theirs_size:.2f}x "
                f"(stripped {ours_stripped / theirs_stripped:.2f}x)"
            )
        print(f"{abi:<6} {'mirage hello':<28} {ours_size:>8} {ours_stripped:>9} {ours_ms:>10.2f}{comparison}")
        if abi == "hvt":
            hvt_ms, hvt_size = ours_ms, ours_size
    virtio = dist / "examples.hello/image.virtio"
    runner = str(dist / "targets.virtio.runner/runner")
    size, stripped = virtio.stat().st_size, stripped_size(virtio)
    for machine in ("microvm", "pc"):
        for accel in ("kvm", "tcg"):
            label = f"mirage hello {machine} {accel}"
            if accel == "kvm" and kvm:
                print(f"{'virtio':<6} {label:<28} skipped: {kvm}")
                continue
            runs = PC_RUNS if machine == "pc" else args.runs
            ms = median_ms([runner, f"--machine={machine}", f"--accel={accel}", str(virtio), "--count=1"], runs)
            versus = f"   vs hvt: time {ms / hvt_ms:.1f}x, size {size / hvt_size:.2f}x" if not kvm else ""
            print(f"{'virtio':<6} {label:<28} {size:>8} {stripped:>9} {ms:>10.2f}{versus}")


if __name__ == "__main__":
    main()

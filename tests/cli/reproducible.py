"""Comparing two `dist/` trees file by file, with diffoscope's report for each file that differs."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Tuple

# diffoscope opens ELF files, archives and JSON; its report is cut here so one broken image cannot flood the log.
REPORT_LIMIT_BYTES = 200_000
DIFFOSCOPE_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class TreeComparison:
    """What two trees hold: files only one side has, and files both have whose bytes differ (relative paths)."""

    only_first: Tuple[str, ...]
    only_second: Tuple[str, ...]
    differing: Tuple[str, ...]
    identical: Tuple[str, ...]

    @property
    def same(self) -> bool:
        return not (self.only_first or self.only_second or self.differing)


def tree_files(root: Path) -> Dict[str, Path]:
    """Every regular file under `root`, keyed by its path relative to `root`."""
    return {str(path.relative_to(root)): path for path in sorted(root.rglob("*")) if path.is_file()}


def compare_trees(first: Path, second: Path) -> TreeComparison:
    first_files, second_files = tree_files(first), tree_files(second)
    common = sorted(first_files.keys() & second_files.keys())
    differing = tuple(name for name in common if first_files[name].read_bytes() != second_files[name].read_bytes())
    return TreeComparison(
        only_first=tuple(sorted(first_files.keys() - second_files.keys())),
        only_second=tuple(sorted(second_files.keys() - first_files.keys())),
        differing=differing,
        identical=tuple(name for name in common if name not in differing),
    )


def diffoscope_report(first: Path, second: Path) -> str:
    """diffoscope's text report of how two files differ (it exits 1 when they do, 0 when they do not)."""
    diffoscope = shutil.which("diffoscope")
    if diffoscope is None:
        raise AssertionError(
            "diffoscope is missing: the ./pants launcher installs it (build-support/bootstrap/debian-packages.txt)"
        )
    result = subprocess.run(
        [diffoscope, "--no-progress", "--text", "-", str(first), str(second)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=DIFFOSCOPE_TIMEOUT_SECONDS,
    )
    if result.returncode not in (0, 1):
        raise AssertionError(f"diffoscope failed ({result.returncode}) on {first} and {second}:\n{result.stderr}")
    return result.stdout[:REPORT_LIMIT_BYTES]


def explain(comparison: TreeComparison, first: Path, second: Path) -> str:
    """A failure message: what is missing on either side, then diffoscope's report for every differing file."""
    lines = []
    if comparison.only_first:
        lines.append(f"only in {first}: {', '.join(comparison.only_first)}")
    if comparison.only_second:
        lines.append(f"only in {second}: {', '.join(comparison.only_second)}")
    for name in comparison.differing:
        lines.append(f"--- {name} differs; diffoscope says:")
        lines.append(diffoscope_report(first / name, second / name))
    return "\n".join(lines)

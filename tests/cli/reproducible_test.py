"""Every artifact `pants package examples:: targets::` writes (each example for each of its ABIs, the tenders, the
runner, and the files beside images) is byte-identical from two checkouts that differ in path, time zone, umask,
locale and user, Pants' caches off and shared by neither; a difference is reported with diffoscope's output."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Tuple

import pytest
from cli.checkout import make_checkout
from cli.other_user import bootstrap_paths, ensure_system_user, run_as_user
from cli.reproducible import compare_trees, explain, tree_files
from probes.capabilities import require

# What is built: everything these folders package. A new ABI, example or host program is covered without editing
# this test, and so is every file a package rule writes beside an image.
PACKAGE_ARGS = (
    "--no-local-cache",
    "--no-remote-cache-read",
    "--no-remote-cache-write",
    "package",
    "examples::",
    "targets::",
)
BUILD_TIMEOUT_SECONDS = 900
WROTE = re.compile(r"Wrote (dist/\S+)")

# The two builds' surroundings: each line differs between them.
FIRST_ENV = {"TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
FIRST_UMASK = 0o022
# UTC+12:45 (+13:45 in its summer), a quarter-hour offset far from UTC; Turkish, whose dotted and dotless i break
# naive case folding.
SECOND_ENV = {"TZ": "Pacific/Chatham", "LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8"}
SECOND_UMASK = 0o077


def pants_env(home: str, extra: Mapping[str, str], caches: Path) -> Dict[str, str]:
    """The launcher's environment: the caller's PATH, `extra`, and Pants caches of this build's own."""
    env = {key: os.environ[key] for key in ("PATH", "PYENV_ROOT") if key in os.environ}
    env.update(extra)
    env["HOME"] = home
    env["PANTS_LOCAL_STORE_DIR"] = str(caches / "lmdb_store")
    env["PANTS_NAMED_CACHES_DIR"] = str(caches / "named_caches")
    return env


def written_files(stderr: str) -> List[str]:
    """The files `pants package` says it wrote, relative to dist/."""
    return sorted(name[len("dist/") :] for name in WROTE.findall(stderr))


def check_written(dist: Path, stderr: str) -> None:
    """What the build said it wrote is exactly what its dist/ holds (nothing stale, nothing unannounced)."""
    assert written_files(stderr) == sorted(tree_files(dist)), f"dist/ and Pants' output disagree:\n{stderr}"


def children_cpu_seconds() -> float:
    """CPU time of the waited-for child processes so far: what the builds cost the suite, whatever the load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(run: Callable[[], subprocess.CompletedProcess]) -> Tuple[subprocess.CompletedProcess, float]:
    """What `run` returns, and how many seconds it took."""
    started = time.monotonic()
    result = run()
    return result, time.monotonic() - started


def chown_tree(root: Path, uid: int, gid: int) -> None:
    for parent, directories, files in os.walk(root):
        for name in (parent, *(os.path.join(parent, entry) for entry in directories + files)):
            os.chown(name, uid, gid, follow_symlinks=False)


def locale_installed(name: str) -> bool:
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout.split()
    wanted = name.lower().replace("utf-8", "utf8")
    return any(entry.lower() == wanted for entry in listed)


def test_every_packaged_artifact_is_identical_across_path_tz_umask_locale_and_user(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("building as another user needs root (to create the user and switch to it)")
    require("mountns", "the unprivileged build reads the launcher's bootstrap through a private mount namespace")
    assert locale_installed(SECOND_ENV["LANG"]), "locales-all is missing: ./pants installs it (debian-packages.txt)"

    # The first build: the test's user, a short path.
    first = make_checkout(tmp_path / "one")
    # The second build: an unprivileged system user with a home and caches of its own, a longer path elsewhere.
    uid, gid = ensure_system_user()
    scratch = Path(tempfile.mkdtemp(prefix="mirage-reproducible-", dir="/tmp"))
    try:
        os.chown(scratch, uid, gid)
        second = make_checkout(scratch / "a-longer" / "path-to" / "another-checkout")
        home = scratch / "home"
        home.mkdir()
        for path in (scratch / "a-longer", home):
            chown_tree(path, uid, gid)
        # The launcher's venv and pex tool are shared (read-only), as a team shares an installed Pants; no cache is.
        readable = bootstrap_paths(os.environ)

        def first_build() -> subprocess.CompletedProcess:
            return subprocess.run(
                ["./pants", "--no-pantsd", "--no-dynamic-ui", *PACKAGE_ARGS],
                cwd=first,
                env=pants_env(os.environ["HOME"], FIRST_ENV, tmp_path / "first-caches"),
                umask=FIRST_UMASK,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_SECONDS,
            )

        def second_build() -> subprocess.CompletedProcess:
            return run_as_user(
                ["./pants", "--no-pantsd", "--no-dynamic-ui", *PACKAGE_ARGS],
                uid=uid,
                gid=gid,
                cwd=second,
                env=pants_env(str(home), {**SECOND_ENV, "MIRAGE_BOOTSTRAP_CACHE": str(readable[0])}, home / "caches"),
                umask=SECOND_UMASK,
                readable=readable,
                staging=tmp_path / "staging",
                timeout=BUILD_TIMEOUT_SECONDS,
            )

        # The builds share no file, cache or process, so they run side by side: each spends long stretches on one
        # core (Pants' rule graphs at its start, the last links at its end) while the other compiles.
        started_cpu = children_cpu_seconds()
        with ThreadPoolExecutor(max_workers=2) as pool:
            builds = [pool.submit(timed, build) for build in (first_build, second_build)]
            (first_result, first_seconds), (second_result, second_seconds) = (build.result() for build in builds)
        cpu = children_cpu_seconds() - started_cpu
        assert first_result.returncode == 0, f"the first build failed:\n{first_result.stderr}"
        check_written(first / "dist", first_result.stderr)
        assert second_result.returncode == 0, f"the unprivileged build failed:\n{second_result.stderr}"
        check_written(second / "dist", second_result.stderr)

        comparison = compare_trees(first / "dist", second / "dist")
        print(
            f"{len(comparison.identical)} files identical, {len(comparison.differing)} differ; the builds, side by"
            f" side, took {first_seconds:.0f} s and {second_seconds:.0f} s ({cpu:.0f} s of CPU together)"
        )
        assert comparison.same, explain(comparison, first / "dist", second / "dist")
        assert comparison.identical, "the builds packaged nothing"
    finally:
        shutil.rmtree(scratch)


def test_a_changed_byte_is_reported_with_diffoscopes_output(tmp_path: Path) -> None:
    """The comparison itself, without a build: one flipped byte in a real ELF file (/bin/true) is found and
    diffoscope's report names it, and a file only one side has is named too."""
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        (root / "examples.demo").mkdir(parents=True)
        (root / "examples.demo" / "image.provenance.json").write_text('{"abi": "hvt", "keys": {}}\n')
    image = bytearray(Path("/bin/true").read_bytes())
    (first / "examples.demo" / "image.hvt").write_bytes(image)
    image[len(image) // 2] ^= 0x01
    (second / "examples.demo" / "image.hvt").write_bytes(image)
    (second / "examples.demo" / "image.hvt.main.c").write_text("int main(void) { return 0; }\n")

    comparison = compare_trees(first, second)
    assert comparison.differing == ("examples.demo/image.hvt",)
    assert comparison.only_second == ("examples.demo/image.hvt.main.c",)
    assert comparison.identical == ("examples.demo/image.provenance.json",)
    report = explain(comparison, first, second)
    assert f"--- {first}/examples.demo/image.hvt" in report, report
    assert f"+++ {second}/examples.demo/image.hvt" in report, report
    assert "only in" in report and "image.hvt.main.c" in report


def test_identical_trees_compare_the_same(tmp_path: Path) -> None:
    for root in (tmp_path / "first", tmp_path / "second"):
        (root / "sub").mkdir(parents=True)
        (root / "sub" / "file").write_bytes(b"\x7fELF same bytes")
    comparison = compare_trees(tmp_path / "first", tmp_path / "second")
    assert comparison.same and comparison.identical == ("sub/file",)

"""Two checkouts that differ in path, TZ, umask, locale and user (the second builds as nobody), Pants caches off:
every artifact they package is byte-identical, and where one is not, diffoscope's report says how.

What is built comes from the build itself, so an ABI added later is covered without editing this file: one image
per ABI that `pants peek` shows a unikernel for (hello's where it has one), and every host program in
targets/ (tenders, runners) outside test folders. Packaging every example twice from scratch takes minutes on two
cores; MIRAGE_REPRODUCIBLE_TARGETS="examples:: targets::" (specs separated by spaces) builds all of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Iterator, List, Mapping

import pytest
from cli.checkout import make_checkout, run_pants

NOBODY = 65534
PREFERRED_UNIKERNEL = "examples/hello:image"


def artifacts_to_build(checkout: Path) -> List[str]:
    configured = os.environ.get("MIRAGE_REPRODUCIBLE_TARGETS", "").split()
    if configured:
        return configured
    peeked = run_pants(checkout, ["--filter-target-type=unikernel,host_program,abi", "peek", "examples::", "targets::"])
    targets = json.loads(peeked.stdout)
    one_per_abi: Dict[str, str] = {}
    unikernels = [t for t in targets if t["target_type"] == "unikernel"]
    for unikernel in sorted(unikernels, key=lambda t: not t["address"].startswith(PREFERRED_UNIKERNEL)):
        one_per_abi.setdefault(unikernel["abi"], unikernel["address"])
    abis = {t["address"].rsplit(":", 1)[1] for t in targets if t["target_type"] == "abi"} - {"host"}
    print(f"ABIs: {sorted(abis)}; an image for {sorted(one_per_abi)}; none for {sorted(abis - set(one_per_abi))}")
    programs = [
        t["address"]
        for t in targets
        if t["target_type"] == "host_program" and t["address"].startswith("targets/") and "/tests" not in t["address"]
    ]
    return sorted(one_per_abi.values()) + sorted(programs)


def _package(checkout: Path, targets: List[str], env: Mapping[str, str], umask: int, user: int = 0) -> None:
    """`./pants package` with the launcher, caches off, in `env` (nothing else of ours), under `umask` and `user`."""
    argv = ["./pants", "--no-pantsd", "--no-dynamic-ui", "--no-local-cache", "--no-remote-cache-read", "package"]
    prefix: List[str] = []
    if user:
        # An unprivileged uid that may still read root's bootstrap cache (Python 3.9, the Pants venv under /root);
        # everything it writes, the checkout and its Pants caches, is its own.
        prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
        prefix += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    result = subprocess.run(
        [*prefix, *argv, *targets],
        cwd=checkout,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=lambda: os.umask(umask),
    )
    if result.returncode != 0:
        raise AssertionError(f"./pants package in {checkout} failed ({result.returncode}):\n{result.stderr[-5000:]}")


def _digests(dist: Path) -> Dict[str, str]:
    return {
        str(p.relative_to(dist)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(dist.rglob("*"))
        if p.is_file()
    }


def _diffoscope(first: Path, second: Path) -> str:
    if shutil.which("diffoscope") is None:
        return "(diffoscope is not installed: Debian package diffoscope-minimal)"
    report = subprocess.run(
        ["diffoscope", "--text", "-", "--no-progress", str(first), str(second)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return (report.stdout + report.stderr)[:20000]


@pytest.fixture
def unprivileged_folder() -> Iterator[Path]:
    """A folder outside pytest's private tmp_path that nobody may enter, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="mirage-reproducible-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_every_artifact_builds_bit_for_bit_identical_across_checkouts(
    tmp_path: Path, unprivileged_folder: Path
) -> None:
    first = make_checkout(tmp_path / "one")
    targets = artifacts_to_build(first)
    print(f"building {len(targets)} targets: {' '.join(targets)}")
    base = {key: os.environ[key] for key in ("HOME", "PATH", "PYENV_ROOT") if key in os.environ}
    _package(first, targets, {**base, "TZ": "UTC", "LC_ALL": "POSIX"}, umask=0o022)

    second = make_checkout(unprivileged_folder / "a-longer" / "path-to" / "another-checkout")
    second_env = {**base, "TZ": "Pacific/Chatham", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    user = 0
    if os.geteuid() == 0 and shutil.which("setpriv"):
        user = NOBODY
        home = unprivileged_folder / "home"
        home.mkdir()
        # The launcher's bootstrap (the Pants venv, the pex tool) is root's, linked into a cache folder of nobody's
        # own, where the launcher keeps its stamps; nobody's Pants caches start empty in its HOME.
        bootstrap = unprivileged_folder / "bootstrap"
        bootstrap.mkdir()
        root_bootstrap = Path(os.environ.get("HOME", "/root")) / ".cache" / "mirage-bootstrap"
        subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(unprivileged_folder)], check=True)
        for built in [*root_bootstrap.glob("venv-*"), *root_bootstrap.glob("pex-*")]:
            (bootstrap / built.name).symlink_to(built)
        second_env.update(HOME=str(home), MIRAGE_BOOTSTRAP_CACHE=str(bootstrap))
    else:
        print("the second build runs as this user: only root can start one as nobody (setpriv)")
    _package(second, targets, second_env, umask=0o077, user=user)

    one, two = _digests(first / "dist"), _digests(second / "dist")
    assert one, "nothing was packaged"
    print(f"{len(one)} files compared")
    differing = sorted(name for name in one.keys() | two.keys() if one.get(name) != two.get(name))
    reports = [
        f"--- {name}\n"
        + (_diffoscope(first / "dist" / name, second / "dist" / name) if name in one and name in two else "(missing)")
        for name in differing
    ]
    assert not differing, "\n".join(reports)

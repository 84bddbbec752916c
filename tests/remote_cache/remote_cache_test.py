"""A team's shared cache on a real REAPI server (BuildGrid on loopback): checkout A builds and writes it; checkout B,
at another path with an empty local store and no daemon, reads it and compiles and links nothing itself, as Pants'
own accounting (its workunits and counters) shows, and its images are byte-identical to A's.

Packaging every example twice from scratch takes minutes on two cores, so `pants test ::` covers a representative
set: hello for every ABI (hosted unix against the host libc; freestanding hvt, spt and virtio), both tenders
(libseccomp) and the virtio runner. MIRAGE_REMOTE_CACHE_TARGETS="examples:: targets::" (specs separated by spaces)
widens it to everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from cli.checkout import make_checkout, run_pants
from remote_cache.buildgrid import BuildGrid, start_buildgrid

REPRESENTATIVE_TARGETS = (
    "examples/hello:image",
    "targets/hvt/tender",
    "targets/spt/tender",
    "targets/virtio/runner",
)
# Pants' workunit logger (a backend of Pants itself) writes every workunit of the run as JSON.
WORKUNIT_LOGGER = "--backend-packages=+['pants.backend.experimental.tools.workunit_logger']"


@pytest.fixture(scope="module")
def buildgrid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildGrid]:
    yield from start_buildgrid(tmp_path_factory.mktemp("buildgrid"))


def _targets() -> List[str]:
    configured = os.environ.get("MIRAGE_REMOTE_CACHE_TARGETS", "").split()
    return configured or list(REPRESENTATIVE_TARGETS)


def _remote_args(server: BuildGrid) -> List[str]:
    return [
        f"--remote-store-address={server.address}",
        f"--remote-instance-name={server.instance_name}",
        # Pants gives a cache lookup 1.5 s by default, then runs the process itself; a busy 2-core machine
        # serving BuildGrid from Python can be slower than that.
        "--remote-cache-rpc-timeout-millis=15000",
    ]


def _counters(stderr: str) -> Dict[str, int]:
    """The `--stats-log` counters Pants prints at the end of a run."""
    return {name: int(value) for name, value in re.findall(r"^\s+([a-z_]+): (\d+)$", stderr, re.MULTILINE)}


def _dist_digests(checkout: Path) -> Dict[str, str]:
    dist = checkout / "dist"
    return {
        str(path.relative_to(dist)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(dist.rglob("*"))
        if path.is_file()
    }


def test_a_second_checkout_builds_everything_from_the_shared_cache(tmp_path: Path, buildgrid: BuildGrid) -> None:
    targets = _targets()
    writer = make_checkout(tmp_path / "a")
    reader = make_checkout(tmp_path / "elsewhere" / "b")

    # A: nothing from the local cache, so every process runs here and its result goes to the server.
    written = run_pants(
        writer,
        ["--no-local-cache", "--remote-cache-write", *_remote_args(buildgrid), "--stats-log", "package", *targets],
    )
    write_counters = _counters(written.stderr)
    assert write_counters["remote_cache_write_errors"] == 0, written.stderr[-3000:]
    assert write_counters["remote_cache_write_successes"] > 0, written.stderr[-3000:]

    # B: its own empty store, read-only access to the server, and the workunit log to see what ran where.
    workunits_folder = tmp_path / "workunits"
    workunits_folder.mkdir()
    read = run_pants(
        reader,
        [
            "--no-local-cache",
            f"--local-store-dir={tmp_path / 'b-store'}",
            "--remote-cache-read",
            "--no-remote-cache-write",
            *_remote_args(buildgrid),
            "--stats-log",
            WORKUNIT_LOGGER,
            "--workunit-logger-enabled",
            f"--workunit-logger-logdir={workunits_folder}",
            "package",
            *targets,
        ],
    )
    (log,) = workunits_folder.glob("*.json")
    workunits = json.loads(log.read_text())
    ran_here = sorted(w.get("description") or "" for w in workunits if w["name"] == "run_local_process")
    toolchain_steps_here = [d for d in ran_here if d.startswith(("Compile ", "Link "))]
    hits = [
        w["description"]
        for w in workunits
        if w["name"] == "check_action_cache"
        and w.get("description", "").startswith(("Remote cache lookup for: Compile ", "Remote cache lookup for: Link "))
    ]
    read_counters = _counters(read.stderr)
    warnings = "\n".join(line for line in read.stderr.splitlines() if "[WARN]" in line or "[ERROR]" in line)
    print(
        f"checkout B: {len(hits)} compile and link results from BuildGrid, {len(toolchain_steps_here)} run locally; "
        f"local processes: {len(ran_here)} (tool probes), counters: "
        f"{ {k: v for k, v in read_counters.items() if v and ('cache' in k or 'execution' in k)} }"
    )
    assert toolchain_steps_here == [], f"{toolchain_steps_here}\n{warnings}"
    assert len(hits) > 100, f"only {len(hits)} compile/link lookups: did B build the targets?"
    assert read_counters["remote_cache_read_errors"] == 0, warnings
    assert read_counters["remote_cache_requests_uncached"] == 0, warnings
    # Every compile and link lookup was a hit. A lookup for a process of another kind can lose its race to the
    # local run (seen in CI: 291 lookups, 290 hits, 1 local first), which Pants counts apart.
    assert read_counters["remote_cache_requests_cached"] >= len(hits), warnings
    assert (
        read_counters["remote_cache_requests_cached"]
        + read_counters.get("remote_cache_speculation_local_completed_first", 0)
        == read_counters["remote_cache_requests"]
    ), warnings
    # What did run here are the per-run probes of the host (tools' --version, the files a link reads), which
    # are never cached: every one of them is a workunit above, so the counter agrees with the log.
    # Local runs are the per-run host probes only: Pants' counter and its workunit log have disagreed by one in CI
    # (23 counted, 22 logged), so the counter is bounded, not matched; no compile or link is among the logged ones.
    assert read_counters["local_execution_requests"] < len(hits) // 4, warnings

    images_a, images_b = _dist_digests(writer), _dist_digests(reader)
    assert images_a, "checkout A packaged nothing"
    assert images_a == images_b

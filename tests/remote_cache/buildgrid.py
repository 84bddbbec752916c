"""A BuildGrid server (CAS and ActionCache in memory) on a free loopback port, from a venv made once per machine.

BuildGrid 0.4.4 needs Python >= 3.11, which Pants' own 3.9 is not: the venv is built with a 3.11+ interpreter
found on PATH or under pyenv, in the launcher's bootstrap cache, keyed by the pinned requirements beside this file.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

REQUIREMENTS = Path(__file__).with_name("buildgrid-requirements.txt")
INSTANCE_NAME = "mirage"
_CA_CERTS = "/etc/ssl/certs/ca-certificates.crt"
_PYTHONS = ("python3.11", "python3.12", "python3.13")
# gRPC refuses calls beyond the server's thread pool ("Concurrent RPC limit exceeded"), which defaults to 5 per
# core: Pants sends up to 128 cache and 128 store calls at once, so the pool is sized for them.
_CONFIG = """\
thread-pool-size: 256
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
storages:
  - !lru-storage &cas
    size: 2048mb
caches:
  - !lru-action-cache &action-cache
    storage: *cas
    max-cached-refs: 100000
    allow-updates: true
    cache-failed-actions: false
instances:
  - name: "{instance}"
    services:
      - !action-cache
        cache: *action-cache
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
"""


def _cache_root() -> Path:
    # The same folder the ./pants launcher keeps its bootstrap in.
    configured = os.environ.get("MIRAGE_BOOTSTRAP_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mirage-bootstrap"


def find_python() -> Optional[str]:
    """A CPython >= 3.11 on PATH or under pyenv's root, or None."""
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    for name in _PYTHONS:
        candidates = [shutil.which(name), *sorted(glob.glob(f"{pyenv_root}/versions/{name[6:]}*/bin/{name}"))]
        for candidate in candidates:
            if candidate and os.access(candidate, os.X_OK):
                return candidate
    return None


def buildgrid_venv() -> Path:
    """The venv with `bgd`, built on first use (about 30 s from PyPI) and reused while the requirements hold."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    venv = _cache_root() / f"buildgrid-venv-{key}"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "buildgrid-venv.lock", "w") as lock:
        # Two test runs at once build it once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".complete").exists():
            python = find_python()
            if python is None:
                raise RuntimeError(
                    f"BuildGrid needs CPython >= 3.11: looked for {', '.join(_PYTHONS)} on PATH and under "
                    f"{os.environ.get('PYENV_ROOT') or '~/.pyenv'}/versions"
                )
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
            # The machine's pip.conf may name wheel folders that do not exist (ENVIRONMENT.md), so it is ignored;
            # the system's CA bundle (pants.toml's ca_certs_path) is named instead, as the test env has no PIP_CERT.
            pip_env = {**os.environ, "PIP_CONFIG_FILE": "/dev/null"}
            if os.path.exists(_CA_CERTS):
                pip_env["PIP_CERT"] = _CA_CERTS
            installed = subprocess.run(
                [
                    str(venv / "bin" / "pip"),
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                    str(REQUIREMENTS),
                ],
                env=pip_env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if installed.returncode != 0:
                raise RuntimeError(f"pip could not install {REQUIREMENTS} into {venv}:\n{installed.stderr[-3000:]}")
            (venv / ".complete").touch()
    return venv


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class BuildGrid:
    address: str  # grpc://127.0.0.1:PORT
    instance_name: str
    log: Path


def start_buildgrid(folder: Path) -> Iterator[BuildGrid]:
    """Run `bgd server start` until the generator is closed; yield once its port accepts connections."""
    venv = buildgrid_venv()
    port = free_port()
    config = folder / "buildgrid.yml"
    config.write_text(_CONFIG.format(port=port, instance=INSTANCE_NAME))
    log = folder / "buildgrid.log"
    with open(log, "w") as output:
        server = subprocess.Popen(
            [str(venv / "bin" / "bgd"), "server", "start", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"bgd server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"bgd server did not listen on 127.0.0.1:{port} in 60 s:\n{log.read_text()}")
                time.sleep(0.2)
        yield BuildGrid(address=f"grpc://127.0.0.1:{port}", instance_name=INSTANCE_NAME, log=log)
    finally:
        # Its own session: the signal reaches bgd and whatever it started, and nothing else.
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)

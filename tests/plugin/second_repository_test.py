"""A repository that is not this one loads the plugin from its wheel and builds with the SDK in it.

The repository (user_repository.py) holds only its own files: a pants.toml naming the wheel, a `counter` device
with an implementation, and a unikernel over that counter and the SDK's console, sleep and network stack. It is
packaged for unix, hvt, spt and virtio with the Pants this repository runs, and each image is booted and asked
over UDP as a user would. README's "Use it in your repository" lists the same steps.

All of the module's Pants runs in that repository go to its one pantsd, stopped when the module ends: Pants resolves
the plugin and builds its rule graphs once, not once per command (about 20 s of CPU each).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Sequence

import pytest
from cli.checkout import stop_pantsd
from freestanding.boot import TENDERS, require_abi, running_in_background
from netns import tap_namespace
from plugin.user_repository import PLUGIN_VERSION, files
from virtio.runner import require as require_qemu

WHEEL = f"mirage_pants-{PLUGIN_VERSION}-py3-none-any.whl"
ABIS = ("unix", "hvt", "spt", "virtio")
IMAGES = {abi: f"dist/app/echo.{abi}" for abi in ABIS}
# The SDK's tenders and runner, packaged in the user's repository from the wheel's sources.
TENDER_TARGETS = (
    "//:mirage#targets/hvt/tender/tender",
    "//:mirage#targets/spt/tender/tender",
    "//:mirage#targets/virtio/runner/runner",
)
COUNTER_START = 41
# Ask the echo at host:port, one datagram at a time until each is answered; print the replies, one per line.
UDP_CLIENT = """
import socket, sys, time
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
deadline = time.monotonic() + 30
for i in range(count):
    while True:
        assert time.monotonic() < deadline, "no answer from %s:%d" % (host, port)
        s.sendto(b"hello %d" % i, (host, port))
        try:
            print(s.recvfrom(512)[0].decode())
            break
        except socket.timeout:
            pass
"""


@dataclass(frozen=True)
class UserRepository:
    root: Path
    pants_bin: str
    store: Path

    def pants(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Pants in the user's repository, through its pantsd, with a store of its own: nothing cached here comes
        from this repository's builds, and a wheel rebuilt under the same version is resolved afresh."""
        started = time.monotonic()
        result = subprocess.run(
            [self.pants_bin, "--pantsd", "--no-dynamic-ui", f"--local-store-dir={self.store}", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=900,
            env={**_inherited_environment(), "NO_SCIE_WARNING": "1"},
        )
        print(f"pants {' '.join(args)}: {time.monotonic() - started:.1f} s (pantsd)")
        if check and result.returncode != 0:
            raise AssertionError(f"pants {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def git(self, *args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", *args],
            cwd=self.root,
            check=True,
            capture_output=True,
        )


def _inherited_environment() -> dict:
    # HOME and PATH for Pants' caches and the compiler; the pex tool as ./pants provides it on this machine.
    names = ("HOME", "PATH", "PYENV_ROOT", "PANTS_PEX_CLI_URL_TEMPLATE", "PANTS_PEX_CLI_KNOWN_VERSIONS")
    return {name: os.environ[name] for name in names if name in os.environ}


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UserRepository]:
    pants_bin = os.environ.get("MIRAGE_PANTS_BIN")
    if not pants_bin:
        pytest.fail("MIRAGE_PANTS_BIN is not set: run the tests through this repository's ./pants, which sets it")
    base = tmp_path_factory.mktemp("second-repository")
    wheels = base / "wheels"
    wheels.mkdir()
    shutil.copy(WHEEL, wheels / WHEEL)
    root = base / "repo"
    for path, text in files(wheels).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    repository = UserRepository(root=root, pants_bin=pants_bin, store=base / "store")
    repository.git("init", "-q")
    repository.git("add", "-A")
    repository.git("commit", "-q", "-m", "a repository of our own")
    try:
        repository.pants("package", "app:echo", *TENDER_TARGETS)
        yield repository
    finally:
        stop_pantsd(root)


def test_the_wheel_carries_the_sdk_and_declares_its_needs() -> None:
    with zipfile.ZipFile(WHEEL) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"mirage_pants-{PLUGIN_VERSION}.dist-info/METADATA").decode()
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any(r.startswith("jinja2") for r in requires), requires
    # The Pants series of pants.toml's `pants_version` (pants_requirements in 3rdparty/python/BUILD).
    assert "pantsbuild.pants (<2.18,>=2.17.0a0)" in requires, requires
    assert not any("testutil" in r for r in requires), "the wheel must not need Pants' test utilities"
    for path in (
        "mirage/register.py",
        "mirage/sdk_files/devices/console.h",
        "mirage/sdk_files/targets/hvt/BUILD",
        "mirage/sdk_files/3rdparty/debian/BUILD",
        "mirage/sdk_files/lib/bearssl/system_seeder.c",
    ):
        assert path in names, f"{path} is not in the wheel"
    assert not any("/tests/" in name for name in names), "the SDK's tests do not travel with it"


def test_every_abi_is_packaged_in_the_other_repository(repository: UserRepository) -> None:
    for abi, image in IMAGES.items():
        assert (repository.root / image).is_file(), f"no {abi} image"
        assert (repository.root / f"{image}.provenance.json").is_file()
    for tender in TENDERS.values():
        assert os.access(repository.root / "dist" / tender, os.X_OK), f"no {tender}"


def _ask(host: str, port: int, count: int, namespace: Sequence[str] = ()) -> List[str]:
    result = subprocess.run(
        [*namespace, sys.executable, "-c", UDP_CLIENT, host, str(port), str(count)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _expect_echo(command: Sequence[str], name: str, ask) -> None:
    with running_in_background(command, "echo ready", name, timeout=60) as (process, console):
        assert ask() == [f"count={COUNTER_START}", f"count={COUNTER_START + 1}"]
        assert process.wait(timeout=30) == 0, Path(console).read_text()
        assert "echo done" in Path(console).read_text()


def test_unix_image_answers_over_host_sockets(repository: UserRepository) -> None:
    port = _free_udp_port()
    image = str(repository.root / IMAGES["unix"])
    _expect_echo(
        [image, f"--port={port}", f"--counter-start={COUNTER_START}"],
        "second-repository-unix",
        lambda: _ask("127.0.0.1", port, 2),
    )


@pytest.mark.parametrize("abi", ["hvt", "spt"])
def test_tender_image_answers_on_a_tap(repository: UserRepository, abi: str) -> None:
    require_abi(abi)
    tender = str(repository.root / "dist" / TENDERS[abi])
    image = str(repository.root / IMAGES[abi])
    with tap_namespace(f"plugin-{abi}", "10.0.0.1/24") as namespace:
        inside = ["ip", "netns", "exec", namespace]
        _expect_echo(
            [
                *inside,
                tender,
                "--net:stack_netif=tap0",
                image,
                "--ipv4=10.0.0.2/24",
                f"--counter-start={COUNTER_START}",
            ],
            f"second-repository-{abi}",
            lambda: _ask("10.0.0.2", 7, 2, namespace=inside),
        )


def test_virtio_image_answers_through_a_user_network_port_forward(repository: UserRepository) -> None:
    require_qemu("tcg")
    port = _free_udp_port()
    runner = str(repository.root / "dist" / TENDERS["virtio"])
    image = str(repository.root / IMAGES["virtio"])
    _expect_echo(
        [
            runner,
            f"--net:stack_netif=user:hostfwd=udp:127.0.0.1:{port}-:7",
            image,
            "--ipv4=10.0.2.15/24",
            "--ipv4-gateway=10.0.2.2",
            f"--counter-start={COUNTER_START}",
        ],
        "second-repository-virtio",
        lambda: _ask("127.0.0.1", port, 2),
    )


def test_help_and_dependencies_work_there(repository: UserRepository) -> None:
    help_text = repository.pants("help", "unikernel").stdout
    assert "bindings" in help_text and "devices" in help_text
    sdk = repository.pants("list", "//:").stdout.split()
    assert "//:mirage#devices/console" in sdk and "//:mirage#lib/tcpip/stack" in sdk
    dependencies = repository.pants("dependencies", "app:echo@abi=hvt").stdout.split()
    for expected in ("counter:memory_counter", "//:mirage#lib/tcpip/stack", "//:mirage#devices/console"):
        assert expected in dependencies, f"{expected} is not a dependency of app:echo@abi=hvt: {dependencies}"


def test_changed_since_marks_the_images_that_use_an_edited_implementation(repository: UserRepository) -> None:
    source = repository.root / "counter/memory_counter.c"
    original = source.read_text()
    try:
        source.write_text(original + "/* edited */\n")
        changed = set(
            repository.pants("--changed-since=HEAD", "--changed-dependents=transitive", "list").stdout.split()
        )
    finally:
        source.write_text(original)
    assert "counter:memory_counter" in changed
    assert {f"app:echo@abi={abi}" for abi in ABIS} <= changed, changed
    assert not any(t.startswith("//:mirage#") for t in changed), "the SDK's targets do not depend on the counter"


BEARSSL_APP = {
    "tls_app/BUILD": """\
unikernel(
    name="image",
    sources=["app.c"],
    start="app_start",
    abi="unix",
    devices={"console": "//:mirage#devices/console"},
    dependencies=["//:mirage#lib/bearssl/bearssl"],
)
""",
    "tls_app/app.c": """\
/* app.c: print the SHA-256 of "second repository" with the SDK's BearSSL. */
#include <bearssl.h>
#include <string.h>

#include "devices/console.h"

int app_start(struct console *console)
{
    static const char digits[] = "0123456789abcdef";
    static const char text[] = "second repository";
    br_sha256_context sha;
    unsigned char digest[br_sha256_SIZE];
    char hex[2 * br_sha256_SIZE + 1];

    br_sha256_init(&sha);
    br_sha256_update(&sha, text, strlen(text));
    br_sha256_out(&sha, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
    hex[sizeof hex - 1] = '\\n';
    return console_write(console, hex, sizeof hex);
}
""",
}


def test_the_sdks_debian_static_library_links_there(repository: UserRepository) -> None:
    for path, text in BEARSSL_APP.items():
        (repository.root / path).parent.mkdir(parents=True, exist_ok=True)
        (repository.root / path).write_text(text)
    repository.pants("package", "tls_app:image")
    image = repository.root / "dist/tls_app/image.unix"
    run = subprocess.run([str(image)], capture_output=True, text=True, timeout=30)
    assert (run.returncode, run.stdout) == (0, hashlib.sha256(b"second repository").hexdigest() + "\n")
    provenance = json.loads((repository.root / "dist/tls_app/image.unix.provenance.json").read_text())
    (library,) = provenance["debian_libraries"]
    assert library["address"] == "//:mirage#3rdparty/debian/bearssl" and library["package"] == "libbearssl-dev"

"""Rule tests of debian_static_library with the real libbearssl-dev (the bootstrap installs it), dpkg, gcc and nm:
an image that links it, the missing-symbol error, and the import errors."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from textwrap import dedent

import pytest
from mirage.testutil import mirage_rule_runner, package
from mirage.util_rules.compile import CompiledTarget, CompileTargetRequest
from mirage.util_rules.debian_library import (
    CheckArchiveSymbolsRequest,
    CheckedArchiveSymbols,
    ImportDebianLibraryRequest,
    ImportedDebianLibrary,
)
from mirage.util_rules.toolchain import Toolchain, ToolchainRequest
from pants.engine.addresses import Address
from pants.engine.fs import Digest, MergeDigests
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule

UNIX = Address("targets/unix", target_name="unix")
BEARSSL = Address("3rdparty/debian", target_name="bearssl")
ARCHIVE = "/usr/lib/x86_64-linux-gnu/libbearssl.a"


def bearssl_build(package: str = "libbearssl-dev", archive: str = ARCHIVE) -> dict:
    return {
        "3rdparty/debian/BUILD": dedent(
            f"""\
            debian_static_library(
                name="bearssl",
                package="{package}",
                archive="{archive}",
                headers=["/usr/include/bearssl.h", "/usr/include/bearssl/*.h"],
                abi_traits=["x86_64"],
            )
            """
        )
    }


def rule_runner_with(files: dict):
    return mirage_rule_runner(
        files,
        extra_rules=[
            QueryRule(ImportedDebianLibrary, [ImportDebianLibraryRequest]),
            QueryRule(CheckedArchiveSymbols, [CheckArchiveSymbolsRequest]),
            QueryRule(Toolchain, [ToolchainRequest]),
            QueryRule(Digest, [MergeDigests]),
        ],
    )


def installed_version() -> str:
    return subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", "libbearssl-dev"], capture_output=True, text=True, check=True
    ).stdout


SHA256_APP = {
    "app/BUILD": dedent(
        """\
        unikernel(name="image", sources=["app.c"], start="app_start", devices={"console": "//devices:console"},
                  dependencies=["//3rdparty/debian:bearssl"])
        """
    ),
    "app/app.c": dedent(
        """\
        #include <bearssl.h>
        #include <string.h>
        #include "devices/console.h"
        int app_start(struct console *console)
        {
            static const char digits[] = "0123456789abcdef";
            static const char text[] = "debian_static_library";
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
        """
    ),
}


def test_an_image_links_the_archive_and_records_the_package() -> None:
    rule_runner = rule_runner_with({**bearssl_build(), **SHA256_APP})
    built = package(rule_runner, Address("app", target_name="image"))
    rule_runner.write_digest(built.digest)
    image = os.path.join(rule_runner.build_root, built.artifacts[0].relpath)
    run = subprocess.run([image], capture_output=True, timeout=30)
    assert (run.returncode, run.stdout.decode()) == (0, hashlib.sha256(b"debian_static_library").hexdigest() + "\n")

    with open(os.path.join(rule_runner.build_root, built.artifacts[2].relpath)) as f:
        provenance = json.load(f)
    with open(ARCHIVE, "rb") as f:
        archive_sha256 = hashlib.sha256(f.read()).hexdigest()
    (library,) = provenance["debian_libraries"]
    assert library["address"] == "3rdparty/debian:bearssl"
    assert (library["package"], library["version"], library["architecture"]) == (
        "libbearssl-dev",
        installed_version(),
        "amd64",
    )
    assert (library["archive"], library["archive_sha256"]) == ("libbearssl.a", archive_sha256)


# What the image around BearSSL's TLS engine defines: everything the engine's members need but `open`.
STUBS = dedent(
    """\
    #include <stddef.h>
    int memcmp(const void *a, const void *b, size_t n) { (void)a; (void)b; return (int)n; }
    void *memmove(void *d, const void *s, size_t n) { (void)s; (void)n; return d; }
    size_t strlen(const char *s) { (void)s; return 0; }
    long time(long *t) { (void)t; return -1; }
    int *__errno_location(void) { static int e; return &e; }
    void *__memcpy_chk(void *d, const void *s, size_t n, size_t m) { (void)s; (void)n; (void)m; return d; }
    void *__memmove_chk(void *d, const void *s, size_t n, size_t m) { (void)s; (void)n; (void)m; return d; }
    void *__memset_chk(void *d, int c, size_t n, size_t m) { (void)c; (void)n; (void)m; return d; }
    void __stack_chk_fail(void) { for (;;) {} }
    long read(int fd, void *b, size_t n) { (void)fd; (void)b; (void)n; return -1; }
    int close(int fd) { return fd; }
    """
)

ENGINE_USER = {
    "lib/tlsuser/BUILD": dedent(
        """\
        c_library(name="engine", sources=["engine.c"], dependencies=["//3rdparty/debian:bearssl"])
        c_library(name="stubs", sources=["stubs.c"])
        c_library(name="open", sources=["open.c"])
        """
    ),
    "lib/tlsuser/engine.c": dedent(
        """\
        #include <bearssl.h>
        int tls_user(br_ssl_server_context *server);
        int tls_user(br_ssl_server_context *server) { return br_ssl_server_reset(server); }
        """
    ),
    "lib/tlsuser/stubs.c": STUBS,
    "lib/tlsuser/open.c": "int open(const char *path, int flags, ...);\n"
    "int open(const char *path, int flags, ...) { (void)path; return flags; }\n",
}


def check_symbols(rule_runner, libraries: tuple) -> CheckedArchiveSymbols:
    imported = rule_runner.request(ImportedDebianLibrary, [ImportDebianLibraryRequest(BEARSSL)])
    compiled = [
        rule_runner.request(CompiledTarget, [CompileTargetRequest(Address("lib/tlsuser", target_name=name), UNIX)])
        for name in libraries
    ]
    digest = rule_runner.request(Digest, [MergeDigests([imported.digest, *(c.digest for c in compiled)])])
    toolchain = rule_runner.request(Toolchain, [ToolchainRequest("gcc")])
    return rule_runner.request(
        CheckedArchiveSymbols,
        [
            CheckArchiveSymbolsRequest(
                input_digest=digest,
                objects=tuple(o for c in compiled for o in c.objects),
                library=imported,
                toolchain=toolchain,
                owner="app:image",
            )
        ],
    )


def test_a_missing_symbol_is_named_with_the_member_that_needs_it_and_why() -> None:
    rule_runner = rule_runner_with({**bearssl_build(), **ENGINE_USER})
    with pytest.raises(ExecutionError) as failure:
        check_symbols(rule_runner, ("engine", "stubs"))
    message = str(failure.value)
    assert (
        f"app:image: the archive libbearssl.a of 3rdparty/debian:bearssl (libbearssl-dev {installed_version()}) "
        "needs symbols that nothing in the image defines (1):\n  open: needed by sysrng.o\n" in message
    )
    # The engine's member pulls the seeder in, and our object pulls the engine's member in.
    assert (
        "sysrng.o is pulled in for `br_prng_seeder_system`, needed by ssl_engine.o; ssl_engine.o is pulled in for "
        in message
    )
    assert "needed by lib/tlsuser/engine.c.o" in message
    assert "define the symbol it is pulled in for (`br_prng_seeder_system` for sysrng.o)" in message


def test_with_every_symbol_defined_the_check_lists_the_members_the_link_takes() -> None:
    rule_runner = rule_runner_with({**bearssl_build(), **ENGINE_USER})
    checked = check_symbols(rule_runner, ("engine", "stubs", "open"))
    assert {"ssl_engine.o", "sysrng.o", "ssl_server.o"} <= set(checked.pulled_members)
    # Nothing here validates certificates: the member that calls time() stays out.
    assert "x509_minimal.o" not in checked.pulled_members


def test_an_abi_without_the_librarys_traits_is_refused() -> None:
    files = bearssl_build()
    files["3rdparty/debian/BUILD"] = files["3rdparty/debian/BUILD"].replace('["x86_64"]', '["aarch64"]')
    rule_runner = rule_runner_with({**files, **SHA256_APP})
    with pytest.raises(ExecutionError) as failure:
        package(rule_runner, Address("app", target_name="image"))
    assert "app:image: 3rdparty/debian:bearssl (libbearssl-dev " in str(failure.value)
    assert "needs the ABI traits aarch64 (its `abi_traits`), but abi `unix` lacks aarch64" in str(failure.value)


@pytest.mark.parametrize(
    "build, expected",
    [
        (
            bearssl_build(package="mirage-no-such-package"),
            "the Debian package mirage-no-such-package is not installed",
        ),
        (
            bearssl_build(archive="/usr/lib/x86_64-linux-gnu/libc.a"),
            "/usr/lib/x86_64-linux-gnu/libc.a is not a file of the Debian package libbearssl-dev",
        ),
    ],
)
def test_import_errors_name_the_package_and_the_fix(build: dict, expected: str) -> None:
    rule_runner = rule_runner_with(build)
    with pytest.raises(ExecutionError) as failure:
        rule_runner.request(ImportedDebianLibrary, [ImportDebianLibraryRequest(BEARSSL)])
    assert expected in str(failure.value)
    assert "fix: add " in str(failure.value) and "build-support/bootstrap/debian-packages.txt" in str(failure.value)

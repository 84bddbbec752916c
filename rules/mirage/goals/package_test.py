"""Rule tests of `package` with real gcc: a working image, and a clear error for each kind of bad input."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from textwrap import dedent

import pytest
from mirage.graph.errors import MirageConfigError, ResolutionError
from mirage.testutil import mirage_rule_runner, package, repo_files
from mirage.util_rules.compile import AbiTraitError, FunctorMismatchError
from mirage.util_rules.link import LinkError
from mirage.util_rules.package_files import PackageFilesError
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.target import InvalidFieldException, InvalidTargetException
from pants.testutil.rule_runner import engine_error

HELLO = Address("examples/hello", target_name="image")


def hello_files(build: str | None = None, source: str | None = None) -> dict:
    files = repo_files("examples/hello")
    # These throw-away repositories have only the unix ABI: build hello for the default ABI.
    files["examples/hello/BUILD"] = re.sub(r"\n *abi=parametrize\([^)]*\),", "", files["examples/hello/BUILD"])
    if build is not None:
        files["examples/hello/BUILD"] = dedent(build)
    if source is not None:
        files["examples/hello/hello.c"] = dedent(source)
    return files


def run_image(rule_runner, built, *args: str) -> subprocess.CompletedProcess:
    """Write the package under the build root and boot its image with `args`."""
    rule_runner.write_digest(built.digest)
    image = os.path.join(rule_runner.build_root, built.artifacts[0].relpath)
    return subprocess.run([image, *args], capture_output=True, timeout=30)


def test_package_hello_and_run_it() -> None:
    rule_runner = mirage_rule_runner(hello_files())
    built = package(rule_runner, HELLO)
    relpaths = [a.relpath for a in built.artifacts]
    assert relpaths == [
        "examples.hello/image.unix",
        "examples.hello/image.unix.main.c",
        "examples.hello/image.unix.provenance.json",
    ]
    run = run_image(rule_runner, built, "--count=2", "--message=hi there")
    assert (run.returncode, run.stdout) == (0, b"hi there\nhi there\n")

    with open(os.path.join(rule_runner.build_root, relpaths[2])) as f:
        provenance = json.load(f)
    assert provenance["abi"] == "unix"
    assert [i["implementation"] for i in provenance["instances"]] == ["targets/unix:console", "targets/unix:sleep"]
    assert provenance["keys"]["count"]["value"] == "4"


def test_configure_time_key_option_changes_the_default() -> None:
    rule_runner = mirage_rule_runner(hello_files(), options=("--mirage-keys={'count': '1', 'message': 'once'}",))
    built = package(rule_runner, HELLO)
    run = run_image(rule_runner, built)
    assert (run.returncode, run.stdout) == (0, b"once\n")


def test_failing_connect_stops_the_boot_and_names_the_instance() -> None:
    failing = {
        "lib/broken/BUILD": dedent(
            """\
            implementation(
                name="console",
                sources=["console.c"],
                provides="//devices:console",
                connect="broken_console_connect",
                abis=["unix"],
            )
            """
        ),
        "lib/broken/console.c": dedent(
            """\
            #include "devices/console.h"
            int broken_console_connect(struct console *self) { (void)self; return -19; }
            """
        ),
    }
    build = """\
        unikernel(
            name="image",
            sources=["hello.c"],
            start="hello_start",
            devices={"console": "//devices:console", "time": "//devices:sleep"},
            bindings={"console": "//lib/broken:console"},
            keys={"message": "string=Hello World!", "count": "int=4"},
        )
        """
    rule_runner = mirage_rule_runner({**hello_files(build=build), **failing})
    built = package(rule_runner, HELLO)
    run = run_image(rule_runner, built)
    assert run.returncode == 3
    assert b"connecting examples/hello:image -> console failed: lib/broken:console" in run.stderr
    assert b"returned -19" in run.stderr
    assert run.stdout == b""


# --- bad input: every case ends in a message naming the target and the fix -------------------------------------


def test_unknown_abi_name() -> None:
    rule_runner = mirage_rule_runner(hello_files(), options=("--mirage-abi=nonesuch",))
    with engine_error(InvalidFieldException, contains="asks for abi `nonesuch`, but no `abi` target has that name"):
        package(rule_runner, HELLO)


def test_missing_start_function_field() -> None:
    build = """\
        unikernel(name="image", sources=["hello.c"], devices={"console": "//devices:console"})
        """
    rule_runner = mirage_rule_runner(hello_files(build=build))
    with pytest.raises(ExecutionError, match="The 'start' field in target examples/hello:image must be defined"):
        rule_runner.get_target(HELLO)


def test_start_function_missing_from_the_sources_fails_the_link_with_a_hint() -> None:
    build = """\
        unikernel(name="image", sources=["hello.c"], start="main_start", devices={"console": "//devices:console"})
        """
    source = """\
        #include "devices/console.h"
        int hello_start(struct console *console) { (void)console; return 0; }
        """
    rule_runner = mirage_rule_runner(hello_files(build=build, source=source))
    with engine_error(LinkError, contains="undefined reference to `main_start'"):
        package(rule_runner, HELLO)


def test_sources_with_the_wrong_extension() -> None:
    build = """\
        unikernel(name="image", sources=["hello.cc"], start="hello_start")
        """
    files = hello_files(build=build)
    files["examples/hello/hello.cc"] = "int x;\n"
    rule_runner = mirage_rule_runner(files)
    with engine_error(InvalidFieldException, contains="hello.cc"):
        package(rule_runner, HELLO)


def test_compile_error_shows_the_users_file_and_line() -> None:
    source = """\
        #include "devices/console.h"
        #include "devices/sleep.h"

        int hello_start(struct console *console, struct sleep *time)
        {
            return console_write(console, "x") + undeclared_thing;
        }
        """
    rule_runner = mirage_rule_runner(hello_files(source=source))
    with pytest.raises(ExecutionError) as excinfo:
        package(rule_runner, HELLO)
    message = str(excinfo.value)
    assert "CompileError" in message
    assert "Compiling examples/hello/hello.c (from examples/hello:image) for abi `unix` failed" in message
    assert "examples/hello/hello.c:6:" in message
    assert "undeclared_thing" in message


def test_resolution_error_reaches_the_user_unchanged() -> None:
    build = """\
        unikernel(
            name="image",
            sources=["hello.c"],
            start="hello_start",
            devices={"console": "//devices:console", "time": "//devices:sleep"},
            bindings={"time": "//devices:sleep"},
            keys={"message": "string=Hello World!", "count": "int=4"},
        )
        """
    rule_runner = mirage_rule_runner(hello_files(build=build))
    with engine_error(
        ResolutionError,
        contains="names devices:sleep, which is a `device` target, not an `implementation`",
    ):
        package(rule_runner, HELLO)


def test_binding_to_an_address_that_does_not_exist() -> None:
    build = """\
        unikernel(
            name="image",
            sources=["hello.c"],
            start="hello_start",
            devices={"console": "//devices:console"},
            bindings={"console": "//lib/nowhere:console"},
        )
        """
    rule_runner = mirage_rule_runner(hello_files(build=build))
    with pytest.raises(ExecutionError, match="the `bindings` field of examples/hello:image"):
        package(rule_runner, HELLO)


def test_malformed_key_declaration_in_build() -> None:
    build = """\
        unikernel(name="image", sources=["hello.c"], start="hello_start", keys={"count": "int=four"})
        """
    rule_runner = mirage_rule_runner(hello_files(build=build))
    with pytest.raises(ExecutionError, match="The `keys` field of examples/hello:image: key `count`: malformed"):
        rule_runner.get_target(HELLO)


def test_device_parameter_that_is_not_a_c_identifier() -> None:
    build = """\
        unikernel(name="image", sources=["hello.c"], start="hello_start", devices={"my console": "//devices:console"})
        """
    rule_runner = mirage_rule_runner(hello_files(build=build))
    with pytest.raises(ExecutionError, match="has the parameter name `my console`"):
        rule_runner.get_target(HELLO)


def test_connect_field_that_is_not_a_c_name() -> None:
    files = {
        "lib/odd/BUILD": 'implementation(name="c", sources=["c.c"], provides="//devices:console", '
        'connect="odd-connect", abis=["unix"])\n',
        "lib/odd/c.c": "int x;\n",
    }
    rule_runner = mirage_rule_runner(files)
    with pytest.raises(ExecutionError, match="`odd-connect`, which is not a C function name"):
        rule_runner.get_target(Address("lib/odd", target_name="c"))


def test_parametrized_abi_gives_one_image_per_abi_named_after_it() -> None:
    # A second ABI: the unix one at -O0, sharing the unix implementations.
    unix = repo_files("targets/unix")
    unix_build = unix["targets/unix/BUILD"].replace('abis=["unix"]', 'abis=["unix", "unix_debug"]')
    unix_build += dedent(
        """
        abi(
            name="unix_debug",
            sources=["start.c"],
            cflags=["-O0", "-g"],
            ldflags=["-static", "-no-pie", "-Wl,--build-id=none"],
            defaults={"//devices:console": ":console", "//devices:sleep": ":sleep"},
            dependencies=["//lib/runtime"],
        )
        """
    )
    build = hello_files()["examples/hello/BUILD"].replace(
        'start="hello_start",', 'start="hello_start",\n    abi=parametrize("unix", "unix_debug"),'
    )
    rule_runner = mirage_rule_runner({**hello_files(build=build), "targets/unix/BUILD": unix_build})
    images = {}
    for abi in ("unix", "unix_debug"):
        built = package(rule_runner, Address("examples/hello", target_name="image", parameters={"abi": abi}))
        images[abi] = built.artifacts[0].relpath
        run = run_image(rule_runner, built, "--count=1")
        assert (run.returncode, run.stdout) == (0, b"Hello World!\n")
    assert images == {"unix": "examples.hello/image.unix", "unix_debug": "examples.hello/image.unix_debug"}


def test_a_target_parametrized_on_keys_gets_one_image_path_per_parametrization() -> None:
    build = hello_files()["examples/hello/BUILD"].replace(
        """    keys={
        "message": "string=Hello World!",
        "count": "int=4",
    },""",
        """    keys=parametrize(
        once={"message": "string=once", "count": "int=1"},
        twice={"message": "string=twice", "count": "int=2"},
    ),""",
    )
    rule_runner = mirage_rule_runner(hello_files(build=build))
    outputs = {}
    for name in ("once", "twice"):
        built = package(rule_runner, Address("examples/hello", target_name="image", parameters={"keys": name}))
        outputs[built.artifacts[0].relpath] = run_image(rule_runner, built).stdout
    assert outputs == {
        "examples.hello/image@keys=once.unix": b"once\n",
        "examples.hello/image@keys=twice.unix": b"twice\ntwice\n",
    }


def test_crunch_files_become_a_kv_device_and_edits_rebuild_the_image() -> None:
    files = {
        "examples/kv/BUILD": dedent(
            """\
            crunch(name="files", sources=["data/*"])
            unikernel(
                name="image",
                sources=["show.c"],
                start="show_start",
                devices={"console": "//devices:console", "files": "//devices:kv"},
                bindings={"files": ":files"},
            )
            """
        ),
        "examples/kv/data/greeting.txt": "hello from a baked file\n",
        "examples/kv/data/zeros.bin": "\0\0\0",
        "examples/kv/show.c": dedent(
            """\
            #include <string.h>
            #include "devices/console.h"
            #include "devices/kv.h"

            int show_start(struct console *console, struct kv *files)
            {
                const unsigned char *value;
                size_t len;
                for (size_t i = 0; kv_key_at(files, i) != NULL; i++) {
                    const char *key = kv_key_at(files, i);
                    console_write(console, key, strlen(key));
                    console_write(console, "\\n", 1);
                }
                if (kv_get(files, "data/zeros.bin", &value, &len) != 0 || len != 3 || value[1] != 0)
                    return 4;
                if (kv_get(files, "missing", &value, &len) != KV_NOT_FOUND)
                    return 5;
                if (kv_get(files, "data/greeting.txt", &value, &len) != 0)
                    return 6;
                console_write(console, (const char *)value, len);
                unsigned char digest[KV_DIGEST_SIZE];
                char hex[2 * KV_DIGEST_SIZE + 1];
                if (kv_digest(files, "data/zeros.bin", digest) != 0)
                    return 7;
                if (kv_digest(files, "missing", digest) != KV_NOT_FOUND)
                    return 8;
                for (size_t i = 0; i < KV_DIGEST_SIZE; i++) {
                    hex[2 * i] = "0123456789abcdef"[digest[i] >> 4];
                    hex[2 * i + 1] = "0123456789abcdef"[digest[i] & 15];
                }
                hex[2 * KV_DIGEST_SIZE] = '\\n';
                console_write(console, hex, sizeof hex);
                return 0;
            }
            """
        ),
    }
    rule_runner = mirage_rule_runner(files)
    address = Address("examples/kv", target_name="image")
    run = run_image(rule_runner, package(rule_runner, address))
    # The digest of data/zeros.bin was computed when the image was built (the kv device's `digest`).
    zeros_digest = hashlib.sha256(b"\0\0\0").hexdigest().encode()
    expected = b"data/greeting.txt\ndata/zeros.bin\nhello from a baked file\n" + zeros_digest + b"\n"
    assert (run.returncode, run.stdout) == (0, expected)

    rule_runner.write_files({"examples/kv/data/greeting.txt": "edited\n"})
    run = run_image(rule_runner, package(rule_runner, address))
    assert run.stdout.endswith(b"edited\n" + zeros_digest + b"\n")


def test_configure_time_key_with_a_typo_is_refused() -> None:
    rule_runner = mirage_rule_runner(hello_files(), options=("--mirage-keys={'cuont': '1'}",))
    with engine_error(MirageConfigError, contains="`[mirage].keys` sets `cuont`, which no unikernel"):
        package(rule_runner, HELLO)


def test_abi_sources_with_a_linker_script_that_linker_script_does_not_name_are_refused() -> None:
    unix = repo_files("targets/unix")
    build = unix["targets/unix/BUILD"].replace('sources=["start.c"],', 'sources=["start.c", "a.ld", "b.ld"],')
    files = {**hello_files(), "targets/unix/BUILD": build, "targets/unix/a.ld": "", "targets/unix/b.ld": ""}
    rule_runner = mirage_rule_runner(files)
    with engine_error(
        InvalidFieldException,
        contains="The `sources` of targets/unix:unix hold the linker scripts targets/unix/a.ld, targets/unix/b.ld, "
        "which `linker_script` does not name",
    ):
        package(rule_runner, HELLO)

    named = build.replace('sources=["start.c", "a.ld", "b.ld"],', 'sources=["start.c"],\n    linker_script="a.ld",')
    rule_runner.write_files({"targets/unix/BUILD": named})
    with engine_error(
        InvalidFieldException, contains="`linker_script` field of targets/unix:unix is `a.ld`, which is not"
    ):
        package(rule_runner, HELLO)


# --- ABIs declare traits; portable code selects ABIs by trait ------------------------------------------------

POSIX = {
    "lib/posix/BUILD": dedent(
        """\
        implementation(
            name="console",
            sources=["console.c"],
            provides="//devices:console",
            connect="posix_console_connect",
            abi_traits=["posix"],
        )
        c_library(name="freestanding_only", sources=["only.c"], abi_traits=["freestanding"])
        """
    ),
    "lib/posix/console.c": dedent(
        """\
        /* console.c: a console on standard output for any ABI with POSIX write(2). */
        #include <unistd.h>
        #include "devices/console.h"

        static int posix_write(struct console *self, const char *text, size_t len)
        {
            (void)self;
            return write(1, text, len) == (ssize_t)len ? 0 : -1;
        }

        static const struct console_ops ops = { .write = posix_write };

        int posix_console_connect(struct console *self)
        {
            self->ops = &ops;
            self->state = NULL;
            return 0;
        }
        """
    ),
    "lib/posix/only.c": "int freestanding_only(void);\nint freestanding_only(void) { return 0; }\n",
    # A new ABI: one folder in targets/, and no file in lib/ names it.
    "targets/posix_static/BUILD": dedent(
        """\
        abi(
            name="posix_static",
            sources=["start.c"],
            traits=["hosted", "posix"],
            defaults={"//devices:console": "//lib/posix:console"},
            cflags=["-O1", "-Wall", "-Werror"],
            ldflags=["-static", "-no-pie", "-Wl,--build-id=none"],
            dependencies=["//lib/runtime"],
        )
        """
    ),
    "targets/posix_static/start.c": repo_files("targets/unix")["targets/unix/start.c"],
}
GREET_BUILD = """\
    unikernel(name="image", sources=["hello.c"], start="greet_start", devices={"console": "//devices:console"}, %s)
    """
GREET_SOURCE = """\
    #include "devices/console.h"
    int greet_start(struct console *console) { return console_write(console, "portable\\n", 9); }
    """


def test_a_new_abi_gets_portable_implementations_by_its_traits() -> None:
    files = {**hello_files(build=GREET_BUILD % 'abi="posix_static"', source=GREET_SOURCE), **POSIX}
    rule_runner = mirage_rule_runner(files)
    built = package(rule_runner, HELLO)
    assert built.artifacts[0].relpath == "examples.hello/image.posix_static"
    run = run_image(rule_runner, built)
    assert (run.returncode, run.stdout) == (0, b"portable\n")
    with open(os.path.join(rule_runner.build_root, built.artifacts[2].relpath)) as f:
        assert [i["implementation"] for i in json.load(f)["instances"]] == ["lib/posix:console"]


def test_a_library_that_needs_a_trait_the_abi_lacks_is_refused() -> None:
    build = GREET_BUILD % 'abi="unix", dependencies=["//lib/posix:freestanding_only"]'
    rule_runner = mirage_rule_runner({**hello_files(build=build, source=GREET_SOURCE), **POSIX})
    with engine_error(
        AbiTraitError,
        contains="lib/posix:freestanding_only needs the ABI traits freestanding (its `abi_traits`), but abi `unix` "
        "(targets/unix:unix) lacks freestanding (its traits: hosted, posix, x86_64).",
    ):
        package(rule_runner, HELLO)


def test_an_implementation_must_say_where_it_works() -> None:
    files = {
        "lib/odd/BUILD": 'implementation(name="c", sources=["c.c"], provides="//devices:console", connect="c")\n',
        "lib/odd/c.c": "int x;\n",
    }
    rule_runner = mirage_rule_runner(files)
    with pytest.raises(ExecutionError, match="set `abi_traits`"):
        rule_runner.get_target(Address("lib/odd", target_name="c"))


# --- functor application is checked by the compiler against prototypes generated from BUILD -------------------


def functor_mismatch(rule_runner, address: Address = HELLO) -> str:
    """Package `address`, expect the compiler to refuse a connect or start function, and return the message."""
    with pytest.raises(ExecutionError) as excinfo:
        package(rule_runner, address)
    (underlying,) = excinfo.value.wrapped_exceptions
    assert isinstance(underlying, FunctorMismatchError), underlying
    return str(underlying)


HELLO_WITH_FOUR_DEVICES = """\
    unikernel(
        name="image",
        sources=["hello.c"],
        start="hello_start",
        devices={
            "console": "//devices:console",
            "time": "//devices:sleep",
            "clock": "//devices:mclock",
            "random": "//devices:random",
        },
        keys={"message": "string=Hello World!", "count": "int=4"},
    )
    """


def test_start_function_with_fewer_parameters_than_devices_is_a_compile_error() -> None:
    rule_runner = mirage_rule_runner(hello_files(build=HELLO_WITH_FOUR_DEVICES))
    message = functor_mismatch(rule_runner)
    assert message.startswith(
        "examples/hello:image: the start function `hello_start` in examples/hello/hello.c does not match the "
        "`devices` and `start` fields of its BUILD target."
    )
    assert (
        "BUILD declares: int hello_start(struct console *console, struct sleep *time, struct mclock *clock, "
        "struct random *random);" in message
    )
    assert "conflicting types for 'hello_start'" in message
    assert "fix: make hello_start take one `struct <device> *` per entry of `devices`" in message


def test_start_function_in_kr_style_is_not_accepted_against_its_prototype() -> None:
    source = """\
        #include "devices/console.h"
        #include "devices/sleep.h"

        int hello_start(console, time)
            struct console *console;
            struct sleep *time;
        {
            (void)time;
            return console_write(console, "x\\n", 2);
        }
        """
    rule_runner = mirage_rule_runner(hello_files(source=source))
    with engine_error(FunctorMismatchError, contains="old-style function definition"):
        package(rule_runner, HELLO)


TEE = {
    "lib/tee/BUILD": dedent(
        """\
        implementation(
            name="console",
            sources=["tee.c"],
            provides="//devices:console",
            requires={"inner": "//devices:console", "time": "//devices:sleep"},
            connect="tee_connect",
            abis=["unix"],
            dependencies=["//devices:mclock"],
        )
        """
    ),
}
TEE_BINDING = hello_files()["examples/hello/BUILD"].replace(
    'start="hello_start",', 'start="hello_start",\n    bindings={"console": "//lib/tee:console"},'
)


def tee_source(params: str) -> str:
    return dedent(
        f"""\
        #include "devices/console.h"
        #include "devices/mclock.h"
        #include "devices/sleep.h"

        int tee_connect({params})
        {{
            (void)time;
            *self = *inner;
            return 0;
        }}
        """
    )


def test_connect_function_with_requires_in_another_order_is_a_compile_error() -> None:
    files = {**hello_files(build=TEE_BINDING), **TEE}
    files["lib/tee/tee.c"] = tee_source("struct console *self, struct sleep *time, struct console *inner")
    rule_runner = mirage_rule_runner(files)
    message = functor_mismatch(rule_runner)
    assert message.startswith(
        "lib/tee:console: the connect function `tee_connect` in lib/tee/tee.c does not match the `provides`, "
        "`requires` and `connect` fields of its BUILD target."
    )
    assert (
        "BUILD declares: int tee_connect(struct console *self, struct console *inner, struct sleep *time);" in message
    )
    assert "one `struct <device> *` per entry of `requires`, in the same order" in message


def test_connect_function_with_a_wrong_device_type_is_a_compile_error() -> None:
    files = {**hello_files(build=TEE_BINDING), **TEE}
    files["lib/tee/tee.c"] = tee_source("struct console *self, struct console *inner, struct mclock *time")
    rule_runner = mirage_rule_runner(files)
    with engine_error(FunctorMismatchError, contains="have 'int(struct console *, struct console *, struct mclock *)'"):
        package(rule_runner, HELLO)

    # The same implementation with the parameters BUILD declares builds and runs.
    rule_runner.write_files(
        {"lib/tee/tee.c": tee_source("struct console *self, struct console *inner, struct sleep *time")}
    )
    run = run_image(rule_runner, package(rule_runner, HELLO), "--count=1")
    assert (run.returncode, run.stdout) == (0, b"Hello World!\n")


def test_two_devices_of_one_type_build_and_run() -> None:
    build = """\
        unikernel(
            name="image",
            sources=["hello.c"],
            start="two_start",
            devices={"out": "//devices:console", "err": "//devices:console"},
        )
        """
    source = """\
        #include "devices/console.h"

        int two_start(struct console *out, struct console *err)
        {
            if (console_write(out, "out\\n", 4) != 0 || console_write(err, "err\\n", 4) != 0)
                return 1;
            return 0;
        }
        """
    rule_runner = mirage_rule_runner(hello_files(build=build, source=source))
    built = package(rule_runner, HELLO)
    run = run_image(rule_runner, built)
    assert (run.returncode, run.stdout) == (0, b"out\nerr\n")
    with open(os.path.join(rule_runner.build_root, built.artifacts[1].relpath)) as f:
        assert "return two_start(&dev_out, &dev_out);" in f.read()


def test_two_netifs_are_two_manifest_entries_two_connect_calls_and_keys_per_instance() -> None:
    # An attached network interface (as lib/platform's netif is on the freestanding ABIs) with a key, built here
    # for unix: each parameter is its own instance, manifest entry and key.
    files = hello_files(
        build="""\
            unikernel(
                name="image",
                sources=["hello.c"],
                start="router_start",
                devices={"console": "//devices:console", "inside": "//devices:netif", "outside": "//devices:netif"},
                bindings={"inside": "//lib/fake:netif", "outside": "//lib/fake:netif"},
                dependencies=["//lib/platform:notes"],
            )
            """,
        source="""\
            #include <string.h>
            #include "devices/console.h"
            #include "devices/netif.h"

            int router_start(struct console *console, struct netif *inside, struct netif *outside)
            {
                const char *lines[] = { inside->state, outside->state };
                for (int i = 0; i < 2; i++)
                    if (console_write(console, lines[i], strlen(lines[i])) != 0 || console_write(console, "\\n", 1))
                        return 1;
                return 0;
            }
            """,
    )
    with open("lib/platform/image_notes.h") as f:
        files["lib/platform/image_notes.h"] = f.read()
    # main.c includes the manifest note's format when the image has attached devices.
    files["lib/platform/BUILD"] = 'c_library(name="notes", sources=["image_notes.h"])\n'
    files["lib/fake/BUILD"] = dedent(
        """\
        implementation(
            name="netif",
            sources=["netif.c"],
            provides="//devices:netif",
            connect="fake_netif_connect",
            abis=["unix"],
            platform_device="net",
            keys={"label": "string=unset"},
        )
        """
    )
    files["lib/fake/netif.c"] = dedent(
        """\
        #include <stdio.h>
        #include "devices/netif.h"
        #include "lib/runtime/mirage.h"

        static char text[2][128];
        static int used;

        int fake_netif_connect(struct netif *self, const char *name)
        {
            if (used == 2)
                return -1;
            snprintf(text[used], sizeof(text[used]), "%s %s", name, mirage_key_string("label"));
            self->state = text[used++];
            return 0;
        }
        """
    )
    rule_runner = mirage_rule_runner(files, options=("--mirage-keys={'inside.label': 'green'}",))
    built = package(rule_runner, HELLO)
    run = run_image(rule_runner, built, "--outside.label=red")
    assert (run.returncode, run.stdout) == (0, b"inside green\noutside red\n")
    # A bare key is not declared when it would be ambiguous: refused at boot, naming the argument.
    run = run_image(rule_runner, built, "--label=blue")
    assert run.returncode == 2 and b"unknown key in boot argument `--label=blue`" in run.stderr
    with open(os.path.join(rule_runner.build_root, built.artifacts[1].relpath)) as f:
        main_c = f.read()
    assert '{ "inside", MIRAGE_DEVICE_NET, 0 },' in main_c and '{ "outside", MIRAGE_DEVICE_NET, 0 },' in main_c
    assert 'rc = fake_netif_connect(&dev_inside, "inside");' in main_c
    assert 'rc = fake_netif_connect(&dev_outside, "outside");' in main_c
    assert 'mirage_keys_scope("outside");' in main_c
    assert '{ "inside.label", MIRAGE_KEY_STRING, "green" },' in main_c
    assert "return router_start(&dev_console, &dev_inside, &dev_outside);" in main_c


def _unix_with_package_files(package_files: str, template: str | None) -> dict:
    files = hello_files()
    unix_build = repo_files("targets/unix")["targets/unix/BUILD"]
    files["targets/unix/BUILD"] = unix_build.replace(
        'sources=["start.c"],', f'sources=["start.c", "*.j2"],\n    package_files={package_files},', 1
    )
    if template is not None:
        files["targets/unix/boot.cfg.j2"] = template
    return files


def test_an_abi_s_package_files_are_written_beside_the_image_and_reported() -> None:
    template = "name = {{ name | quoted }}\nkernel = {{ image | quoted }}\ncmdline = {{ cmdline | quoted }}\n"
    rule_runner = mirage_rule_runner(_unix_with_package_files('{".boot.cfg": "boot.cfg.j2"}', template))
    built = package(rule_runner, HELLO)
    assert [a.relpath for a in built.artifacts][-1] == "examples.hello/image.unix.boot.cfg"
    rule_runner.write_digest(built.digest)
    with open(os.path.join(rule_runner.build_root, "examples.hello/image.unix.boot.cfg")) as f:
        assert f.read() == (
            'name = "examples-hello-image"\nkernel = "image.unix"\ncmdline = "--count=4 --message=Hello\\\\ World!"\n'
        )


def test_a_package_files_template_missing_from_sources_is_an_error_naming_the_field_and_the_abi() -> None:
    rule_runner = mirage_rule_runner(_unix_with_package_files('{".boot.cfg": "absent.cfg.j2"}', None))
    with engine_error(
        InvalidFieldException,
        contains="The `package_files` field of targets/unix:unix maps `.boot.cfg` to `absent.cfg.j2`, which is not "
        "among its `sources`: add it there.",
    ):
        package(rule_runner, HELLO)


def test_an_unknown_package_files_writer_is_an_error_listing_the_writers() -> None:
    rule_runner = mirage_rule_runner(_unix_with_package_files('{".boot/": "raspberry-pi"}', None))
    with engine_error(
        InvalidTargetException,
        contains="targets/unix/BUILD:1: The `package_files` field of targets/unix:unix maps `.boot/` to "
        "`raspberry-pi`: `raspberry-pi` is neither a jinja2 template (a `.j2` file among the abi's `sources`) nor one "
        "of the plugin's writers: `muen_subject` (one file) writes the Muen subject specification",
    ):
        package(rule_runner, HELLO)


def test_a_python_writer_refusing_the_image_names_the_unikernel_the_writer_and_the_file() -> None:
    # A unix executable is no Muen subject: the writer runs on the linked image and says why it cannot.
    rule_runner = mirage_rule_runner(_unix_with_package_files('{".xml": "muen_subject"}', None))
    with engine_error(
        PackageFilesError, contains="examples/hello:image: `muen_subject` cannot write `image.unix.xml`: "
    ):
        package(rule_runner, HELLO)

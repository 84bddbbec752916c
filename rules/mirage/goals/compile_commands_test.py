"""Rule tests of `mirage-compile-commands` on this repository's SDK and examples/hello: one database per ABI, with
the compile step's own argv."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Dict, List

import pytest
from mirage.goals.checkout_testutil import checkout_rule_runner, run_goal
from mirage.goals.compile_commands import MirageCompileCommands
from mirage.util_rules.compile import (
    AbiCompileSettings,
    AbiCompileSettingsRequest,
    CompiledTarget,
    CompileTargetRequest,
    compile_argv,
)
from mirage.util_rules.prototypes import FunctorPrototype, FunctorPrototypeRequest
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.engine.rules import QueryRule

ABIS = ("host", "hvt", "muen", "rpi4", "spt", "unix", "virt_arm64", "virtio", "xen")
COMPILE_RULES = (
    QueryRule(CompiledTarget, [CompileTargetRequest]),
    QueryRule(AbiCompileSettings, [AbiCompileSettingsRequest]),
    QueryRule(FunctorPrototype, [FunctorPrototypeRequest]),
)


def hello(abi: str) -> Address:
    return Address("examples/hello", target_name="image", parameters={"abi": abi})


def abi_address(abi: str) -> Address:
    return Address(f"targets/{abi}", target_name=abi)


def read_database(rule_runner, abi: str) -> List[dict]:
    with open(os.path.join(rule_runner.build_root, "dist/compile_commands", abi, "compile_commands.json")) as f:
        return json.load(f)


def by_file(entries: List[dict]) -> Dict[str, dict]:
    return {entry["file"]: entry for entry in entries}


@pytest.fixture(scope="module")
def written():
    rule_runner = checkout_rule_runner(folders=("examples/hello",), extra_rules=COMPILE_RULES)
    result = run_goal(rule_runner, MirageCompileCommands, "::")
    assert result.exit_code == 0, result.stderr
    return rule_runner, result


def test_one_database_per_abi(written) -> None:
    rule_runner, result = written
    for abi in ABIS:
        assert f"Wrote dist/compile_commands/{abi}/compile_commands.json (" in result.stdout
        files = [entry["file"] for entry in read_database(rule_runner, abi)]
        assert files == sorted(set(files)), f"{abi}: one entry per file, sorted"
    # Portable lib/tcpip is compiled for every ABI, the host's tenders included; the app for its four ABIs.
    for abi in ABIS:
        assert "lib/tcpip/ipv4.c" in by_file(read_database(rule_runner, abi))
    assert "examples/hello/hello.c" not in by_file(read_database(rule_runner, "host"))
    # lib/dns declares no traits: it is listed where images and programs that link it are built.
    assert "lib/dns/zone.c" in by_file(read_database(rule_runner, "host"))
    assert "targets/hvt/tender/kvm.c" in by_file(read_database(rule_runner, "host"))


def test_hvt_entries_are_freestanding_and_unix_entries_are_not(written) -> None:
    rule_runner, _ = written
    hvt, unix = read_database(rule_runner, "hvt"), read_database(rule_runner, "unix")
    for entry in hvt:
        assert "-ffreestanding" in entry["arguments"] and "-nostdinc" in entry["arguments"], entry["file"]
    for entry in unix:
        assert "-ffreestanding" not in entry["arguments"] and "-nostdinc" not in entry["arguments"], entry["file"]
    assert "lib/libc/string.c" in by_file(hvt) and "lib/libc/string.c" not in by_file(unix)
    assert "targets/hvt/boot.c" in by_file(hvt) and "targets/unix/start.c" in by_file(unix)
    assert "targets/unix/console.c" not in by_file(hvt)


def test_every_listed_file_exists(written) -> None:
    rule_runner, _ = written
    for abi in ABIS:
        for entry in read_database(rule_runner, abi):
            assert entry["directory"] == rule_runner.build_root
            assert os.path.isfile(os.path.join(entry["directory"], entry["file"])), entry["file"]
            assert entry["arguments"][-3:] == [entry["file"], "-o", f"{entry['file']}.o"]
            arguments = entry["arguments"]
            for flag, value in zip(arguments, arguments[1:]):
                if flag == "-include":
                    # The generated prototype header is written beside the database.
                    assert value.startswith(f"dist/compile_commands/{abi}/__mirage__/"), value
                    assert os.path.isfile(os.path.join(entry["directory"], value)), value


@pytest.mark.parametrize(
    "abi, target, source",
    [
        ("hvt", hello("hvt"), "examples/hello/hello.c"),
        ("unix", hello("unix"), "examples/hello/hello.c"),
        ("hvt", Address("lib/tcpip", target_name="ipv4"), "lib/tcpip/ipv4.c"),
        ("host", Address("targets/tender", target_name="tender"), "targets/tender/elf_load.c"),
    ],
)
def test_arguments_are_the_compile_steps_argv(written, abi: str, target: Address, source: str) -> None:
    rule_runner, _ = written
    entry = by_file(read_database(rule_runner, abi))[source]
    settings = rule_runner.request(AbiCompileSettings, [AbiCompileSettingsRequest(abi_address(abi))])
    prototype = rule_runner.request(FunctorPrototype, [FunctorPrototypeRequest(target)])
    header = f"dist/compile_commands/{abi}/{prototype.path}" if prototype.path else None
    # The same function builds both; `{chroot}`, the compile's sandbox, is the build root here.
    expected = [a.replace("{chroot}", rule_runner.build_root) for a in compile_argv(settings, source, header)]
    assert entry["arguments"] == expected
    assert ("-include" in expected) == (prototype.path is not None)

    # Run as listed, from `directory`, it makes the very object the compile step made in its sandbox.
    listed = subprocess.run(entry["arguments"], cwd=entry["directory"], capture_output=True, timeout=120)
    assert listed.returncode == 0, listed.stderr.decode()
    with open(os.path.join(entry["directory"], f"{source}.o"), "rb") as f:
        listed_object = f.read()
    compiled = rule_runner.request(CompiledTarget, [CompileTargetRequest(target, abi_address(abi))])
    objects = {c.path: c.content for c in rule_runner.request(DigestContents, [compiled.digest])}
    assert objects[f"{source}.o"] == listed_object


def test_abi_option_restricts_the_databases_and_names_unknown_abis() -> None:
    rule_runner = checkout_rule_runner(folders=("examples/hello",))
    result = run_goal(rule_runner, MirageCompileCommands, "--abi=unix", "examples/hello::")
    assert result.exit_code == 0, result.stderr
    assert os.listdir(os.path.join(rule_runner.build_root, "dist/compile_commands")) == ["unix"]
    assert [e["file"] for e in read_database(rule_runner, "unix")] == ["examples/hello/hello.c"]

    refused = run_goal(rule_runner, MirageCompileCommands, "--abi=hvtt", "examples/hello::")
    assert refused.exit_code == 1
    assert (
        "no abi target is named hvtt (known ABIs: host, hvt, muen, rpi4, spt, unix, virt_arm64, virtio, xen)"
        in refused.stderr
    )

"""Rule tests of the host files a link reads: the real libc and start files are found with their Debian packages,
and a host library that changes between two runs changes the link's key, so the program is linked again."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from textwrap import dedent

from mirage.goals.package_host_program import HostProgramFieldSet
from mirage.testutil import mirage_rule_runner
from mirage.util_rules.host_link_inputs import HOST_LINK_INPUTS_VARIABLE, HostLinkInputs, HostLinkInputsRequest
from mirage.util_rules.toolchain import Toolchain, ToolchainRequest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.rules import QueryRule

RULES = (
    QueryRule(HostLinkInputs, [HostLinkInputsRequest]),
    QueryRule(Toolchain, [ToolchainRequest]),
    QueryRule(BuiltPackage, [HostProgramFieldSet]),
)


def test_a_static_link_reads_the_host_libc_and_start_files_of_their_debian_packages() -> None:
    rule_runner = mirage_rule_runner(extra_rules=RULES)
    toolchain = rule_runner.request(Toolchain, [ToolchainRequest("gcc")])
    inputs = rule_runner.request(HostLinkInputs, [HostLinkInputsRequest(toolchain, ldflags=("-static", "-no-pie"))])
    by_name = {Path(f.path).name: f for f in inputs.files}
    assert {"libc.a", "crt1.o", "crti.o", "crtn.o", "libgcc.a"} <= set(by_name), sorted(by_name)
    for found in inputs.files:
        assert found.sha256 == hashlib.sha256(Path(found.path).read_bytes()).hexdigest(), found.path
    assert by_name["libc.a"].package.startswith("libc6-dev"), by_name["libc.a"]
    # A freestanding link reads nothing from the host but what its flags name.
    freestanding = rule_runner.request(
        HostLinkInputs, [HostLinkInputsRequest(toolchain, ldflags=("-nostdlib", "-static", "-no-pie"))]
    )
    assert freestanding.files == ()


def digest_of(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _archive(folder: Path, value: int) -> None:
    """`libfake.a` in `folder`, whose `fake_value()` returns `value`."""
    source = folder / "fake.c"
    source.write_text(f"int fake_value(void) {{ return {value}; }}\n")
    subprocess.run(["gcc", "-c", str(source), "-o", str(folder / "fake.o")], check=True)
    (folder / "libfake.a").unlink(missing_ok=True)
    subprocess.run(["ar", "rcD", str(folder / "libfake.a"), str(folder / "fake.o")], check=True)


def test_a_changed_host_library_changes_the_link_key_and_relinks(tmp_path: Path) -> None:
    library_folder = tmp_path / "lib"
    library_folder.mkdir()
    _archive(library_folder, 41)
    files = {
        "tools/BUILD": dedent(
            f"""\
            abi(name="fakehost", traits=["hosted", "posix", "x86_64"], cflags=["-O2"],
                ldflags=["-static", "-L{library_folder}"], runner="exec")
            host_program(name="prog", sources=["prog.c"], abi="fakehost", libraries=["fake"])
            """
        ),
        "tools/prog.c": "int fake_value(void);\nint main(void) { return fake_value(); }\n",
    }
    rule_runner = mirage_rule_runner(files, extra_rules=RULES)
    toolchain = rule_runner.request(Toolchain, [ToolchainRequest("gcc")])
    request = HostLinkInputsRequest(toolchain, ldflags=("-static", f"-L{library_folder}"), libraries=("fake",))
    archive = str(library_folder / "libfake.a")
    target = rule_runner.get_target(Address("tools", target_name="prog"))

    def build_and_run() -> tuple:
        inputs = rule_runner.request(HostLinkInputs, [request])
        built = rule_runner.request(BuiltPackage, [HostProgramFieldSet.create(target)])
        rule_runner.write_digest(built.digest)
        program = Path(rule_runner.build_root) / built.artifacts[0].relpath
        # The provenance beside the program names the archive it was linked against, with its digest.
        provenance = json.loads(Path(f"{program}.provenance.json").read_text())
        assert {"path": archive, "sha256": digest_of(archive), "package": ""} in provenance["host_link_inputs"]
        return inputs, subprocess.run([str(program)], timeout=30).returncode

    before, first_exit = build_and_run()
    assert [f.path for f in before.files if f.path == archive] == [archive]
    assert first_exit == 41

    # The library changes outside the repository (a package update): a new run sees it, keys the link anew, and
    # the program is linked against the new archive instead of coming from the cache.
    _archive(library_folder, 42)
    rule_runner.set_options([], env_inherit={"PATH"})  # a new session, as the next `pants` run is
    after, second_exit = build_and_run()
    assert after.identity != before.identity
    assert after.keyed_env(toolchain.env)[HOST_LINK_INPUTS_VARIABLE] == after.identity
    assert second_exit == 42

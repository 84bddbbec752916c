"""The bundled SDK in a repository that does not have its folders: a bundle made of this repository's unix ABI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from mirage import register
from mirage.goals.package import UnikernelFieldSet
from mirage.sdk import bundle
from mirage.sdk.sdk_rules import MirageSourcesRequest, SdkFilesField
from mirage.target_types import AbiDefaultsField, ImplementationProvidesField
from mirage.testutil import REPO_FOLDERS, package
from mirage.util_rules.catalogue import MirageCatalogue
from mirage.util_rules.compile import CompiledTarget, CompileTargetRequest
from pants.core.goals.package import BuiltPackage
from pants.core.util_rules import source_files, system_binaries
from pants.core.util_rules.source_files import SourceFiles
from pants.engine.addresses import Address
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.internals.parametrize import Parametrize
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

HELLO_BUILD = """\
unikernel(
    name="hello",
    sources=["hello.c"],
    start="hello_start",
    abi="unix",
    devices={"console": "//:mirage#devices/console", "time": "//:mirage#devices/sleep"},
    keys={"message": "string=from the bundle", "count": "int=1"},
)
"""


def sdk_address(generated_name: str) -> Address:
    return Address("", target_name="mirage", generated_name=generated_name)


def rule_runner_without_sdk_folders() -> RuleRunner:
    rule_runner = RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
            QueryRule(SourceFiles, [MirageSourcesRequest]),
            QueryRule(BuiltPackage, [UnikernelFieldSet]),
            QueryRule(CompiledTarget, [CompileTargetRequest]),
            QueryRule(Owners, [OwnersRequest]),
            QueryRule(MirageCatalogue, []),
        ],
        target_types=register.target_types(),
        objects={"parametrize": Parametrize},
    )
    rule_runner.set_options([], env_inherit={"PATH"})
    return rule_runner


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This repository's unix ABI, its devices and runtime, laid out as the wheel bundles them."""
    root = tmp_path / "sdk_files"
    for folder in REPO_FOLDERS:
        shutil.copytree(folder, root / folder)
    monkeypatch.setattr(bundle, "BUNDLE_DIR", root)
    return root


def test_the_bundle_becomes_generated_targets_with_rewritten_addresses(bundled: Path) -> None:
    rule_runner = rule_runner_without_sdk_folders()
    console = rule_runner.get_target(sdk_address("devices/console"))
    assert console[SdkFilesField].value == ("devices/console.h",)
    unix_console = rule_runner.get_target(sdk_address("targets/unix/console"))
    assert unix_console[ImplementationProvidesField].value == "//:mirage#devices/console"
    defaults = rule_runner.get_target(sdk_address("targets/unix/unix"))[AbiDefaultsField].value
    assert defaults["//:mirage#devices/console"] == "//:mirage#targets/unix/console"


def test_an_image_builds_from_the_bundle_alone(bundled: Path, tmp_path: Path) -> None:
    output, _ = _build_hello(tmp_path, "hello")
    assert output == "from the bundle\n"


def test_sdk_files_without_a_bundle_name_the_target_and_the_fix() -> None:
    rule_runner = rule_runner_without_sdk_folders()
    rule_runner.write_files({"lib/BUILD": 'c_library(name="x", sources=[], sdk_files=["lib/x.h"])\n'})
    target = rule_runner.get_target(Address("lib", target_name="x"))
    with pytest.raises(ExecutionError, match=r"lib:x names SDK files that the installed mirage plugin does not "):
        rule_runner.request(SourceFiles, [MirageSourcesRequest((target,))])


def _build_hello(tmp_path: Path, name: str) -> "tuple[str, dict]":
    """Build hello from the current bundle; its output, and the digest of each SDK unix implementation's objects."""
    rule_runner = rule_runner_without_sdk_folders()
    rule_runner.write_files({"app/BUILD": HELLO_BUILD, "app/hello.c": Path("examples/hello/hello.c").read_text()})
    assert not Path(rule_runner.build_root, "devices").exists(), "the repository must hold only its own files"
    built = package(rule_runner, Address("app", target_name="hello"))
    rule_runner.write_digest(built.digest, path_prefix="out")
    image = tmp_path / name
    shutil.copy(Path(rule_runner.build_root, "out", built.artifacts[0].relpath), image)
    output = subprocess.run([str(image)], capture_output=True, text=True, timeout=30).stdout
    abi = sdk_address("targets/unix/unix")
    objects = {
        implementation: rule_runner.request(
            CompiledTarget, [CompileTargetRequest(sdk_address(f"targets/unix/{implementation}"), abi)]
        ).digest
        for implementation in ("console", "sleep")
    }
    return output, objects


def test_upgrading_the_bundle_rebuilds_what_it_changes(bundled: Path, tmp_path: Path) -> None:
    before, objects_before = _build_hello(tmp_path, "before")
    console = bundled / "targets/unix/console.c"
    text = console.read_text()
    connected = "    self->state = NULL;\n    return 0;\n}"
    assert connected in text
    console.write_text(
        text.replace(connected, '    self->state = NULL;\n    return stdout_write(self, "upgraded\\n", 9);\n}')
    )
    after, objects_after = _build_hello(tmp_path, "after")
    assert (before, after) == ("from the bundle\n", "upgraded\nfrom the bundle\n")
    # The inputs of what the upgrade did not touch are the same bytes, so their compiles are the same cache entries.
    assert objects_before["sleep"] == objects_after["sleep"]
    assert objects_before["console"] != objects_after["console"]


def test_sdk_targets_own_no_file_of_the_repository(bundled: Path) -> None:
    # The generator lives in the root folder: a root file named like an SDK source must not become the SDK's.
    rule_runner = rule_runner_without_sdk_folders()
    rule_runner.write_files({"console.c": "int x;\n", "console.h": "#define X 1\n"})
    owners = rule_runner.request(Owners, [OwnersRequest(("console.c", "console.h"))])
    assert not [address for address in owners if address.target_name == "mirage"], owners


def test_a_crunch_target_provides_the_bundled_kv_device(bundled: Path) -> None:
    rule_runner = rule_runner_without_sdk_folders()
    rule_runner.write_files({"site/BUILD": 'crunch(name="files", sources=["index.html"])\n', "site/index.html": "hi\n"})
    catalogue = rule_runner.request(MirageCatalogue, []).catalogue
    assert catalogue.implementations["site:files"].provides == "//:mirage#devices/kv"


def test_the_sdk_prelude_is_offered_to_build_files_with_sdk_addresses(bundled: Path) -> None:
    prelude = bundled / "build-support/build_macros/freestanding.py"
    prelude.parent.mkdir(parents=True)
    shutil.copy("build-support/build_macros/freestanding.py", prelude)
    settings = register.build_file_aliases().objects["freestanding_settings"]()
    assert settings["defaults"]["//:mirage#devices/console"] == "//lib/platform/devices:console"  # not bundled here
    assert "//:mirage#lib/runtime/runtime" in settings["dependencies"]
    assert "-ffreestanding" in settings["cflags"]


def test_no_prelude_symbols_without_a_bundle() -> None:
    assert dict(register.build_file_aliases().objects) == {}

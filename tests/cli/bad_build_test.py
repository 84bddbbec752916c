"""A wrong BUILD file ends in a message that names the target and the fix, never a Python traceback.

Every case edits one checkout's examples/hello/BUILD and puts it back after; the checkout's one pantsd carries Pants'
rule graphs from run to run (a fresh Pants would build them again, about 20 s of CPU each) and parses again the BUILD
file that changed, as it does for a developer editing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from cli.checkout import make_checkout, pantsd, run_pants

HELLO_BUILD = "examples/hello/BUILD"
# hello's list of ABIs as its BUILD file has it today (it grows with every ABI), so the case below replaces it whole.
ABI_LINE = next(
    line.strip() for line in Path(HELLO_BUILD).read_text().splitlines() if line.strip().startswith("abi=parametrize(")
)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pantsd(make_checkout(tmp_path_factory.mktemp("bad-build") / "repo")) as checkout:
        yield checkout


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            '"time": "//devices:sleep",',
            '"time": "//devices:sleep",\n    },\n    bindings={"time": "//devices:sleep"',
            "which is a `device` target, not an `implementation`",
        ),
        (
            ABI_LINE,
            'abi="nonesuch",',
            "asks for abi `nonesuch`, but no `abi` target has that name",
        ),
        ('"count": "int=4",', '"count": "int=four",', "key `count`: malformed default `four`"),
        (
            '"time": "//devices:sleep",',
            '"time": "//devices:sleep",\n        "clock": "//devices:mclock",',
            "the start function `hello_start` in examples/hello/hello.c does not match the `devices` and `start` "
            "fields of its BUILD target",
        ),
        (
            '"time": "//devices:sleep",',
            '"time": "//devices:sleep",\n        "zone": "//devices:kv",',
            '\n    bindings={"zone": "//examples/dns:zone"}',
        ),
    ],
    ids=["binding-to-device", "unknown-abi", "malformed-key", "start-function-mismatch", "unbound-kv"],
)
def test_bad_build_file_gives_a_clear_error_without_traceback(
    checkout: Path, old: str, new: str, expected: str
) -> None:
    build = checkout / HELLO_BUILD
    text = build.read_text()
    assert old in text
    build.write_text(text.replace(old, new))
    try:
        result = run_pants(checkout, ["package", "examples/hello:image"], check=False, daemon=True)
    finally:
        build.write_text(text)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_every_target_type(checkout: Path) -> None:
    result = run_pants(
        checkout,
        ["help", "unikernel", "device", "implementation", "abi", "c_library", "crunch", "host_program"],
        daemon=True,
    )
    for alias, field in [
        ("unikernel", "bindings"),
        ("device", "source"),
        ("implementation", "requires"),
        ("abi", "defaults"),
        ("c_library", "sources"),
        ("crunch", "provides"),
        ("host_program", "libraries"),
    ]:
        section = result.stdout.split(f"`{alias}` target", 1)[1]
        assert field in section, f"`pants help {alias}` does not document `{field}`"

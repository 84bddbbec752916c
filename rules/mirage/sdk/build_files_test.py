import pytest
from mirage.sdk.build_files import SdkBuildFileError, evaluate_build_file, evaluate_prelude, match_sources

FILES = (
    "lib/tcpip/BUILD",
    "lib/tcpip/arp.c",
    "lib/tcpip/wire.h",
    "lib/tcpip/tests/harness.c",
    "lib/tcpip/sub/deep.c",
    "lib/tcpipx/other.c",
)


def test_globs_match_like_pants() -> None:
    assert match_sources("lib/tcpip", ["*.c"], FILES) == ("lib/tcpip/arp.c",)
    assert match_sources("lib/tcpip", ["*.c", "*.h"], FILES) == ("lib/tcpip/arp.c", "lib/tcpip/wire.h")
    assert match_sources("lib/tcpip", ["**/*.c"], FILES) == (
        "lib/tcpip/arp.c",
        "lib/tcpip/sub/deep.c",
        "lib/tcpip/tests/harness.c",
    )
    assert match_sources("lib/tcpip", ["**/*.c", "!tests/**"], FILES) == ("lib/tcpip/arp.c", "lib/tcpip/sub/deep.c")
    assert match_sources("lib/tcpip", ["wire.h"], FILES) == ("lib/tcpip/wire.h",)
    assert match_sources("lib/tcpip", ["w?re.h"], FILES) == ("lib/tcpip/wire.h",)
    assert match_sources("lib/tcpip", ["missing.h"], FILES) == ()


def test_a_build_file_becomes_targets_with_the_prelude_and_default_names() -> None:
    prelude = evaluate_prelude("prelude.py", "def settings():\n    return dict(cflags=['-O2'])\n")
    targets = evaluate_build_file(
        "targets/hvt/BUILD",
        'abi(name="hvt", sources=["*.c"], **settings())\nc_library(sources=["x.h"])\n',
        ["abi", "c_library"],
        prelude,
    )
    assert [(t.alias, t.directory, t.name) for t in targets] == [
        ("abi", "targets/hvt", "hvt"),
        ("c_library", "targets/hvt", "hvt"),
    ]
    assert targets[0].field("cflags") == ["-O2"]
    assert targets[0].address_spec == "//targets/hvt:hvt"


def test_a_damaged_build_file_names_the_file_and_the_fix() -> None:
    with pytest.raises(
        SdkBuildFileError, match=r"(?s)devices/BUILD cannot be evaluated: NameError.*fix: reinstall the plugin"
    ):
        evaluate_build_file("devices/BUILD", "nonesuch(name='x')\n", ["device"], {})

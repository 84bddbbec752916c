"""The probes' sectioned output: lines go to the header above them, and nothing else is kept."""

from __future__ import annotations

from mirage.util_rules.host_probe import probe_sections


def test_lines_go_to_their_section_and_stray_or_unnamed_ones_are_dropped() -> None:
    output = "warning before any header\n#digests\naa  /a\n\n#other\nignored\n#owners\npkg: /a\n#digests\nbb  /b\n"
    assert probe_sections(output, ("digests", "owners", "versions")) == {
        "digests": ["aa  /a", "bb  /b"],
        "owners": ["pkg: /a"],
        "versions": [],
    }

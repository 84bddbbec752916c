"""Tests of the include scanner: what the preprocessor would include, with the line a message should name."""

from __future__ import annotations

from mirage.c.includes import Include, candidate_paths, find_includes, is_inside_repository


def test_quoted_and_angle_includes_with_their_lines() -> None:
    text = '#include "devices/console.h"\n\n#include <stdint.h>\nint x;\n'
    assert find_includes(text) == (
        Include("devices/console.h", 1, quoted=True),
        Include("stdint.h", 3, quoted=False),
    )


def test_blanks_around_the_hash_and_after_include() -> None:
    text = '  #  include   "a.h"\n#\tinclude<b.h>\n#include"c.h"\n'
    assert [(i.path, i.line) for i in find_includes(text)] == [("a.h", 1), ("b.h", 2), ("c.h", 3)]


def test_commented_out_includes_are_not_includes() -> None:
    text = (
        '// #include "line_comment.h"\n'
        '/* #include "block.h"\n'
        '   #include "still_block.h" */\n'
        '#include "real.h" /* trailing */\n'
        '/* before */ #include "after_comment.h"\n'
    )
    assert [(i.path, i.line) for i in find_includes(text)] == [("real.h", 4), ("after_comment.h", 5)]


def test_line_continuations_join_lines_and_keep_the_first_line_number() -> None:
    text = (
        'int a;\n#include \\\n  "continued.h"\n#inc\\\nlude "split_keyword.h"\n// comment \\\n#include "in_comment.h"\n'
    )
    assert [(i.path, i.line) for i in find_includes(text)] == [("continued.h", 2), ("split_keyword.h", 4)]


def test_comment_markers_inside_strings_open_no_comment() -> None:
    text = 'const char *s = "/*";\n#include "after_string.h"\nchar c = \'"\';\n#include "after_char.h"\n'
    assert [(i.path, i.line) for i in find_includes(text)] == [("after_string.h", 2), ("after_char.h", 4)]


def test_other_directives_and_macros_are_not_includes() -> None:
    text = '#define INCLUDE "x.h"\n#include_next <y.h>\n#pragma once\n#import "z.h"\n'
    assert find_includes(text) == ()


def test_quoted_include_looks_beside_the_file_then_at_the_root() -> None:
    quoted = Include("wire.h", 1, quoted=True)
    assert candidate_paths("lib/tcpip/ipv4.c", quoted) == ("lib/tcpip/wire.h", "wire.h")
    rooted = Include("lib/tcpip/wire.h", 1, quoted=True)
    assert candidate_paths("examples/firewall/filter.c", rooted) == (
        "examples/firewall/lib/tcpip/wire.h",
        "lib/tcpip/wire.h",
    )
    assert candidate_paths("top.c", Include("./a.h", 1, quoted=True)) == ("a.h",)
    assert candidate_paths("lib/a.c", Include("../b.h", 1, quoted=True)) == ("b.h", "../b.h")


def test_angle_include_is_looked_up_from_the_root_only() -> None:
    assert candidate_paths("lib/a.c", Include("stdint.h", 1, quoted=False)) == ("stdint.h",)


def test_paths_outside_the_repository() -> None:
    assert not is_inside_repository("../b.h")
    assert not is_inside_repository("/usr/include/stdio.h")
    assert is_inside_repository("lib/a.h")

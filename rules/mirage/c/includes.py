"""Find the `#include` lines of a C source, as the preprocessor sees them: no Pants here, only text."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import List, Tuple

# After comments are gone and continued lines joined: `#`, optional blanks, `include`, then "path" or <path>.
_INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)')


@dataclass(frozen=True)
class Include:
    path: str
    line: int  # 1-based line of the `#` in the original file
    quoted: bool  # "path" (searched beside the file first) rather than <path>


def _logical_lines(text: str) -> List[Tuple[int, str]]:
    """The file's lines with backslash-newline continuations joined and comments replaced by a space.

    Each logical line keeps the number of its first physical line. String and character literals are kept as they
    are, so a `/*` inside a string opens no comment.
    """
    lines: List[Tuple[int, str]] = []
    current: List[str] = []
    start_line = 1
    line = 1
    i = 0
    in_block_comment = False
    quote = ""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text.startswith("\n", i + 1):
            i += 2
            line += 1
            continue
        if c == "\\" and text.startswith("\r\n", i + 1):
            i += 3
            line += 1
            continue
        if in_block_comment:
            if text.startswith("*/", i):
                in_block_comment = False
                current.append(" ")
                i += 2
                continue
            if c == "\n":
                line += 1
            i += 1
            continue
        if quote:
            current.append(c)
            if c == "\\" and i + 1 < n:
                current.append(text[i + 1])
                i += 2
                continue
            if c == quote or c == "\n":
                quote = ""
            if c == "\n":
                current.pop()
                lines.append((start_line, "".join(current)))
                current = []
                line += 1
                start_line = line
            i += 1
            continue
        if text.startswith("/*", i):
            in_block_comment = True
            i += 2
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                # A continued line comment goes on to the next line, as in the preprocessor.
                if text.startswith("\\\n", i):
                    line += 1
                    i += 1
                i += 1
            continue
        if c == "\n":
            lines.append((start_line, "".join(current)))
            current = []
            line += 1
            start_line = line
            i += 1
            continue
        if c in "\"'" and not _in_include_directive(current):
            quote = c
        current.append(c)
        i += 1
    if current:
        lines.append((start_line, "".join(current)))
    return lines


def _in_include_directive(current: List[str]) -> bool:
    # `#include "a/b.h"` is a header name, not a string literal: leave it to the include pattern.
    return re.match(r"^[ \t]*#[ \t]*include[ \t]*$", "".join(current)) is not None


def find_includes(text: str) -> Tuple[Include, ...]:
    """Every `#include "path"` and `#include <path>` in `text`, in order, with its line.

    Conditional compilation is not evaluated: an include inside `#if 0` still counts, which errs toward a
    dependency too many rather than a missing one.
    """
    found = []
    for line, content in _logical_lines(text):
        match = _INCLUDE_RE.match(content)
        if match:
            quoted_path, angle_path = match.groups()
            found.append(Include(quoted_path or angle_path, line, quoted_path is not None))
    return tuple(found)


def candidate_paths(source: str, include: Include) -> Tuple[str, ...]:
    """The repository paths an include may name, in the compiler's search order.

    Sources are compiled with `-I.` at the build root: "path" is looked up beside the including file first, then
    from the root; <path> only from the root (system headers are never repository paths).
    """
    from_root = posixpath.normpath(include.path)
    if not include.quoted:
        return (from_root,)
    beside = posixpath.normpath(posixpath.join(posixpath.dirname(source), include.path))
    return (beside,) if beside == from_root else (beside, from_root)


def is_inside_repository(path: str) -> bool:
    return not (path.startswith("../") or path == ".." or path.startswith("/"))

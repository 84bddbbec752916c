"""Names that end up in generated C: device parameters and device names must be plain C identifiers."""

from __future__ import annotations

import re
from typing import Optional

_IDENTIFIER_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_C_RESERVED = frozenset(
    """auto break case char const continue default do double else enum extern float for goto if inline int long
    register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while
    bool true false main""".split()
)


def identifier_problem(name: str) -> Optional[str]:
    """Why `name` cannot be a device or parameter name in generated C, or None."""
    if not _IDENTIFIER_RE.match(name):
        return "use lower-case letters, digits and `_`, starting with a letter (at most 63 characters)"
    if name in _C_RESERVED:
        return "it is a reserved word in C"
    return None

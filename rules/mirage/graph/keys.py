"""Keys: parse declarations (`"int=4"`), check values, and merge the keys of a resolved graph."""

from __future__ import annotations

import re
from typing import Iterable, Mapping, Optional, Tuple

from mirage.graph.errors import MirageConfigError
from mirage.graph.model import KeySpec, ResolvedKey

KEY_TYPES = ("string", "int", "bool")
KEY_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_INT_RE = re.compile(r"^-?(0|[1-9][0-9]{0,18})$")
_BOOL_VALUES = ("true", "false")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

KEY_DECLARATION_HELP = (
    'Each value is `"<type>"` (required at configure time) or `"<type>=<default>"`, where <type> is one of '
    + ", ".join(KEY_TYPES)
    + ': for example `{"message": "string=Hello World!", "count": "int=4"}`.'
)


def parse_key_declaration(name: str, declaration: str, declared_by: str) -> KeySpec:
    """Parse one entry of a `keys` field, raising a MirageConfigError that names the target and the fix."""
    where = f"{declared_by}: key `{name}`"
    if not KEY_NAME_RE.match(name):
        raise MirageConfigError(
            f"{where}: invalid key name. Use lower-case letters, digits, `_` and `-`, starting with a letter."
        )
    key_type, sep, default = declaration.partition("=")
    if key_type not in KEY_TYPES:
        raise MirageConfigError(f"{where}: unknown type `{key_type}` in `{declaration}`. {KEY_DECLARATION_HELP}")
    spec = KeySpec(name=name, type=key_type, default=default if sep else None, declared_by=declared_by)
    if spec.default is not None:
        problem = key_value_problem(key_type, spec.default)
        if problem:
            raise MirageConfigError(f"{where}: malformed default `{spec.default}`: {problem}.")
    return spec


def parse_key_declarations(keys: Mapping[str, str], declared_by: str) -> Tuple[KeySpec, ...]:
    return tuple(parse_key_declaration(name, decl, declared_by) for name, decl in keys.items())


def key_value_problem(key_type: str, value: str) -> Optional[str]:
    """Why `value` is not a valid `key_type`, or None. The C runtime applies the same rules at boot."""
    if key_type == "int":
        if not _INT_RE.match(value) or not (_INT64_MIN <= int(value) <= _INT64_MAX):
            return "expected a decimal 64-bit integer such as 4 or -1"
    elif key_type == "bool":
        if value not in _BOOL_VALUES:
            return "expected true or false"
    elif key_type == "string":
        if "\0" in value or "\n" in value:
            return "a string key may not contain NUL or newline"
    return None


def check_configured_keys(configured: Mapping[str, str], declared: Iterable[str]) -> None:
    """Every configure-time value must name a key some target declares: a typo is an error, not a no-op."""
    known = set(declared)
    # `inside.ipv4`: a key of one instance (graph/resolve.py), valid when the bare name is declared.
    unknown = sorted(name for name in configured if name.rpartition(".")[2] not in known)
    if unknown:
        listing = ", ".join(sorted(known)) or "none"
        raise MirageConfigError(
            f"`[mirage].keys` sets {', '.join(f'`{name}`' for name in unknown)}, which no unikernel or "
            f"implementation declares. Declared keys: {listing}. Fix the name, or declare the key in a `keys` field."
        )


def resolve_keys(unikernel: str, specs: Iterable[KeySpec], configured: Mapping[str, str]) -> Tuple[ResolvedKey, ...]:
    """One value per key name: the configure-time value if given, else the declared default.

    The same name declared twice must agree on its type (keys are global to a unikernel, as in MirageOS). A key of
    one instance (`inside.ipv4`) takes its configure-time value from its own name, else from the bare name, which
    `[mirage].keys` thus sets for every instance at once.
    """
    by_name: dict[str, KeySpec] = {}
    for spec in specs:
        first = by_name.setdefault(spec.name, spec)
        if first.type != spec.type:
            raise MirageConfigError(
                f"{unikernel}: key `{spec.name}` is declared as {first.type} by {first.declared_by} and as "
                f"{spec.type} by {spec.declared_by}. Rename one of them or make the types agree."
            )
        if first.default is None and spec.default is not None:
            by_name[spec.name] = spec
    resolved = []
    for name in sorted(by_name):
        spec = by_name[name]
        configured_name = name if name in configured else name.rpartition(".")[2]
        if configured_name in configured:
            value = configured[configured_name]
            problem = key_value_problem(spec.type, value)
            if problem:
                raise MirageConfigError(
                    f"{unikernel}: malformed value `{value}` for key `{configured_name}` ({spec.type}, declared by "
                    f"{spec.declared_by}): {problem}. Fix the value given in `[mirage].keys`."
                )
        elif spec.default is not None:
            value = spec.default
        else:
            raise MirageConfigError(
                f"{unikernel}: missing key `{name}` ({spec.type}, declared by {spec.declared_by}) has no default. "
                f"Give it a value at configure time with --mirage-keys=\"{{'{name}': '...'}}\", or add a default "
                f'to its declaration ("{spec.type}=<value>").'
            )
        resolved.append(ResolvedKey(name=name, type=spec.type, value=value, declared_by=spec.declared_by))
    return tuple(resolved)

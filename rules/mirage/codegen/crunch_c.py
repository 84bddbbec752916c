"""Generate the C source of a crunch target: its files as constant arrays behind the kv device's ops."""

from __future__ import annotations

import hashlib
import pkgutil
import re
from typing import Mapping

from mirage.codegen.jinja import strict_environment
from mirage.codegen.main_c import c_string


def crunch_connect_function(address_spec: str) -> str:
    """`examples/dns:zone` -> `crunch_examples_dns_zone_connect`: unique per target, a valid C name."""
    return "crunch_" + re.sub(r"[^A-Za-z0-9]", "_", address_spec) + "_connect"


def _byte_rows(data: bytes, per_row: int = 16) -> list:
    return [", ".join(f"0x{b:02x}" for b in data[i : i + per_row]) for i in range(0, len(data), per_row)]


def render_crunch_c(address_spec: str, files: Mapping[str, bytes]) -> str:
    """`files` maps each key (path relative to the target's folder) to its content; keys come out sorted, each with
    the SHA-256 of its content (the kv device's digest, so no image hashes its files at boot)."""
    template_text = pkgutil.get_data(__name__, "templates/crunch.c.j2")
    assert template_text is not None, "the crunch template is missing from the plugin"
    env = strict_environment(c_string=c_string)
    entries = [
        {
            "key": key,
            "rows": _byte_rows(files[key]),
            "size": len(files[key]),
            "digest": ", ".join(f"0x{b:02x}" for b in hashlib.sha256(files[key]).digest()),
        }
        for key in sorted(files)
    ]
    return env.from_string(template_text.decode("utf-8")).render(
        target=address_spec, entries=entries, connect=crunch_connect_function(address_spec)
    )

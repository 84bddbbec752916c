"""Files rendered beside an image from the jinja2 templates an abi's `package_files` names (such as Xen's `xl`
configuration), with what the image was built with: its name, file, ABI and keys."""

from __future__ import annotations

from typing import Sequence

from mirage.codegen.jinja import strict_environment
from mirage.graph.model import ResolvedKey


class PackageTemplateError(ValueError):
    """A key value the rendered file cannot hold."""


def boot_argument(key: ResolvedKey) -> str:
    """`--name=value` as lib/platform splits the boot command line: a backslash keeps a space or a backslash."""
    value = key.value.replace("\\", "\\\\").replace(" ", "\\ ")
    return f"--{key.name}={value}"


def boot_command_line(keys: Sequence[ResolvedKey]) -> str:
    """Every key at its built-in value, in name order: the command line that boots the image as built, for a
    user to edit."""
    return " ".join(boot_argument(key) for key in sorted(keys, key=lambda k: k.name))


def quoted(text: str) -> str:
    """`text` as a double-quoted string of the xl configuration syntax (and of most others): backslash and double
    quote escaped; control characters refused, since no such syntax agrees on them."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise PackageTemplateError(f"a control character in {text!r} cannot go into a file rendered from a template")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_package_template(template: str, *, name: str, image: str, abi: str, keys: Sequence[ResolvedKey]) -> str:
    env = strict_environment(quoted=quoted)
    return env.from_string(template).render(
        name=name,
        image=image,
        abi=abi,
        keys=sorted(keys, key=lambda k: k.name),
        cmdline=boot_command_line(keys),
    )

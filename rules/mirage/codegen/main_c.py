"""Generate `main.c`: connect every instance in dependency order, then call the application's start function.

Boring on purpose, as functoria's output is: one static variable per instance, named after its first path, and
the same graph always renders to the same bytes.
"""

from __future__ import annotations

import pkgutil
from typing import Mapping, Sequence

import jinja2
from mirage.codegen.jinja import strict_environment
from mirage.graph.model import Device, Instance, ResolvedGraph

# enum mirage_device_type in lib/platform/image_notes.h.
MANIFEST_DEVICE_TYPES = {"net": "MIRAGE_DEVICE_NET", "block": "MIRAGE_DEVICE_BLOCK"}


def c_string(value: str) -> str:
    """A C string literal for `value`, escaping what C needs and anything outside printable ASCII."""
    out = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F and char != "?":  # "?" is escaped so no trigraph can form
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _environment() -> jinja2.Environment:
    return strict_environment(c_string=c_string)


def render_main_c(graph: ResolvedGraph, devices: Mapping[str, Device], prototype_headers: Sequence[str]) -> str:
    """`prototype_headers` declare every connect function and the start function (codegen/prototypes.py)."""

    def device_name(instance: Instance) -> str:
        return devices[instance.device].name

    def args(instance: Instance) -> str:
        # A device the host attaches also gets its manifest name, so it can ask the platform for it.
        return ", ".join(
            [f"&dev_{name}" for name in (instance.name, *instance.args)]
            + ([c_string(instance.name)] if instance.platform_device else [])
        )

    def route(instance: Instance) -> str:
        return " -> ".join((graph.unikernel, *instance.paths[0].split(".")))

    headers = sorted({devices[instance.device].header for instance in graph.instances})
    template_text = pkgutil.get_data(__name__, "templates/main.c.j2")
    assert template_text is not None, "the main.c template is missing from the plugin"
    template = _environment().from_string(template_text.decode("utf-8"))
    return template.render(
        graph=graph,
        headers=headers,
        prototype_headers=sorted(set(prototype_headers)),
        args=args,
        route=route,
        device_name=device_name,
        start_args=", ".join(f"&dev_{name}" for name in graph.start_args),
        manifest=graph.manifest,
        manifest_type=MANIFEST_DEVICE_TYPES,
    )

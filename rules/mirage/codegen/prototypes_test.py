"""The prototype headers generated from BUILD, and telling a signature mismatch from other compile errors."""

from __future__ import annotations

from mirage.codegen.prototypes import FunctorSignature, is_signature_mismatch, render_prototype_header
from mirage.graph.model import Device

CONSOLE = Device("devices:console", "console", "devices/console.h")
NETIF = Device("devices:netif", "netif", "devices/netif.h")
ETHERNET = Device("devices:ethernet", "ethernet", "devices/ethernet.h")


def test_two_devices_of_one_type_keep_their_build_names() -> None:
    start = FunctorSignature("examples/two:image", "start", "two_start", (("out", CONSOLE), ("err", CONSOLE)))
    assert start.prototype() == "int two_start(struct console *out, struct console *err);"
    text = render_prototype_header(start)
    assert text.count("struct console;") == 1 and "#include" not in text
    assert "#ifndef MIRAGE_EXAMPLES_TWO_IMAGE_START_H" in text


def test_connect_takes_self_then_requires_then_the_manifest_name() -> None:
    connect = FunctorSignature(
        "lib/net:ethernet", "connect", "ethernet_connect", (("netif", NETIF),), provides=ETHERNET, takes_name=True
    )
    assert connect.prototype() == "int ethernet_connect(struct ethernet *self, struct netif *netif, const char *name);"
    assert "struct ethernet;\nstruct netif;\n" in render_prototype_header(connect)


def test_a_start_function_without_devices_takes_void() -> None:
    assert FunctorSignature("a:b", "start", "go", ()).prototype() == "int go(void);"


def test_mismatch_is_told_apart_from_an_error_in_the_body() -> None:
    conflicting = "hello.c:4:5: error: conflicting types for 'hello_start'; have 'int(struct console *)'"
    assert is_signature_mismatch(conflicting, "hello_start")
    assert not is_signature_mismatch(conflicting, "other_start")
    knr = "hello.c: In function 'hello_start':\nhello.c:4:5: error: old-style function definition"
    assert is_signature_mismatch(knr, "hello_start")
    body = "hello.c: In function 'hello_start':\nhello.c:6:12: error: 'undeclared_thing' undeclared"
    assert not is_signature_mismatch(body, "hello_start")

from __future__ import annotations

from mirage.codegen.main_c import c_string, render_main_c
from mirage.graph.model import Device, Instance, ResolvedGraph, ResolvedKey

DEVICES = {
    "devices:netif": Device("devices:netif", "netif", "devices/netif.h"),
    "devices:ethernet": Device("devices:ethernet", "ethernet", "devices/ethernet.h"),
    "devices:console": Device("devices:console", "console", "devices/console.h"),
}

GRAPH = ResolvedGraph(
    unikernel="examples/app:image",
    abi="unix",
    start="app_start",
    instances=(
        Instance(
            "stack_netif", "targets/unix:netif", "devices:netif", "unix_netif_connect", (), ("stack.netif", "eth.netif")
        ),
        Instance("eth", "lib/net:ethernet", "devices:ethernet", "ethernet_connect", ("stack_netif",), ("eth",)),
        Instance("console", "targets/unix:console", "devices:console", "unix_console_connect", (), ("console",)),
    ),
    start_args=("console", "eth"),
    keys=(ResolvedKey("greeting", "string", 'say "hi"\\now?', "examples/app:image"),),
)


HEADERS = ["__mirage__/lib/net/ethernet.connect.h", "__mirage__/examples/app/image.start.h"]


def test_instances_are_connected_in_order_with_their_arguments() -> None:
    text = render_main_c(GRAPH, DEVICES, HEADERS)
    netif = text.index("rc = unix_netif_connect(&dev_stack_netif);")
    eth = text.index("rc = ethernet_connect(&dev_eth, &dev_stack_netif);")
    start = text.index("return app_start(&dev_console, &dev_eth);")
    assert netif < eth < start
    # main.c declares no function itself: the prototypes come from the headers generated from BUILD.
    assert "int ethernet_connect(" not in text and "int app_start(" not in text
    assert text.index('#include "__mirage__/examples/app/image.start.h"') < text.index(
        '#include "__mirage__/lib/net/ethernet.connect.h"'
    )
    assert "/* targets/unix:netif: stack.netif, eth.netif */" in text
    assert '"examples/app:image -> stack -> netif", "targets/unix:netif", rc' in text
    assert text.count('#include "devices/') == 3


def test_key_values_become_safe_c_string_literals() -> None:
    text = render_main_c(GRAPH, DEVICES, HEADERS)
    assert '{ "greeting", MIRAGE_KEY_STRING, "say \\"hi\\"\\\\now\\077" },' in text


def test_same_graph_renders_the_same_bytes() -> None:
    assert render_main_c(GRAPH, DEVICES, HEADERS) == render_main_c(
        GRAPH, dict(reversed(list(DEVICES.items()))), HEADERS[::-1]
    )


def test_c_string_escapes_non_ascii_and_control_bytes() -> None:
    assert c_string("é\t") == '"\\303\\251\\011"'
    assert c_string("plain text") == '"plain text"'


def test_attached_devices_get_a_manifest_note_and_their_name() -> None:
    devices = {**DEVICES, "devices:block": Device("devices:block", "block", "devices/block.h")}
    graph = ResolvedGraph(
        unikernel="examples/app:image",
        abi="hvt",
        start="app_start",
        instances=(
            Instance(
                "storage",
                "lib/platform/devices:block",
                "devices:block",
                "platform_block_connect",
                (),
                ("storage",),
                "block",
            ),
            Instance("console", "targets/unix:console", "devices:console", "unix_console_connect", (), ("console",)),
        ),
        start_args=("console", "storage"),
        keys=(),
    )
    text = render_main_c(graph, devices, HEADERS)
    assert '#include "lib/platform/image_notes.h"' in text
    assert '__attribute__((section(".note.mirage.manifest"), aligned(4), used))' in text
    assert '{ "storage", MIRAGE_DEVICE_BLOCK, 0 },' in text
    assert 'rc = platform_block_connect(&dev_storage, "storage");' in text
    assert "MIRAGE_MANIFEST_VERSION,\n        1," in text


def test_no_manifest_without_attached_devices() -> None:
    text = render_main_c(GRAPH, DEVICES, HEADERS)
    assert "manifest" not in text

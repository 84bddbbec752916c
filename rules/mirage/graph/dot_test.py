"""Unit tests of the dot rendering: nodes, edges, shared and manifest instances, and escaping."""

from __future__ import annotations

import re

from mirage.graph.dot import dot_string, render_dot
from mirage.graph.model import Instance, ResolvedGraph

NETIF = Instance(
    name="stack_netif",
    implementation="targets/hvt:netif",
    device="devices:netif",
    connect="hvt_netif_connect",
    args=(),
    paths=("stack.netif",),
    platform_device="net",
)
CLOCK = Instance(
    name="mclock",
    implementation="targets/hvt:mclock",
    device="devices:mclock",
    connect="hvt_mclock_connect",
    args=(),
    paths=("mclock", "stack.mclock"),
)
STACK = Instance(
    name="stack",
    implementation="lib/tcpip:stack",
    device="devices:stack",
    connect="stack_connect",
    args=("stack_netif", "mclock"),
    paths=("stack",),
)
GRAPH = ResolvedGraph(
    unikernel="examples/dns:image@abi=hvt",
    abi="hvt",
    start="dns_server_start",
    instances=(NETIF, CLOCK, STACK),
    start_args=("stack", "mclock"),
    keys=(),
)


def edges(dot: str) -> list:
    return re.findall(r'^  "([^"]+)" -> "([^"]+)" \[label="(\d+)"\];$', dot, flags=re.MULTILINE)


def node_line(dot: str, name: str) -> str:
    (line,) = [line for line in dot.splitlines() if line.startswith(f'  "instance {name}" [')]
    return line


def test_every_instance_is_a_node_with_its_implementation_and_device() -> None:
    dot = render_dot(GRAPH)
    assert dot.startswith('digraph "examples/dns:image@abi=hvt (abi hvt)" {\n')
    assert dot.endswith("}\n")
    assert "targets/hvt:netif\\nprovides devices:netif" in node_line(dot, "stack_netif")
    assert "lib/tcpip:stack\\nprovides devices:stack" in node_line(dot, "stack")
    assert '"start" [shape=doubleoctagon, label="examples/dns:image@abi=hvt\\ndns_server_start()"]' in dot


def test_edges_go_from_user_to_argument_in_parameter_order() -> None:
    assert edges(render_dot(GRAPH)) == [
        ("start", "instance stack", "0"),
        ("start", "instance mclock", "1"),
        ("instance stack", "instance stack_netif", "0"),
        ("instance stack", "instance mclock", "1"),
    ]


def test_manifest_devices_and_shared_nodes_are_marked() -> None:
    dot = render_dot(GRAPH)
    assert "manifest: net `stack_netif`" in node_line(dot, "stack_netif")
    assert "shape=component" in node_line(dot, "stack_netif")
    assert "shared by 2 paths" in node_line(dot, "mclock")
    assert 'tooltip="mclock\\nstack.mclock"' in node_line(dot, "mclock")
    assert "peripheries=2" in node_line(dot, "mclock")
    assert "manifest" not in node_line(dot, "stack") and "shared" not in node_line(dot, "stack")


def test_rendering_is_deterministic() -> None:
    assert render_dot(GRAPH) == render_dot(GRAPH)


def test_dot_strings_escape_quotes_backslashes_and_newlines() -> None:
    assert dot_string('a "b"\\c\nd') == '"a \\"b\\"\\\\c\\nd"'

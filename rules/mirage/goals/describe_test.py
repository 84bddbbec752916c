"""Rule tests of `mirage-describe` on examples/dns: the graph differs by ABI, and the SVG is drawn."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from mirage.goals.checkout_testutil import checkout_rule_runner, run_goal
from mirage.goals.describe import MirageDescribe


def nodes_and_edges(dot: str):
    nodes = dict(re.findall(r'^  "instance (\w+)" \[label="\w+\\n([^\\]+)\\n', dot, flags=re.MULTILINE))
    edges = re.findall(r'^  "([^"]+)" -> "instance (\w+)"', dot, flags=re.MULTILINE)
    return nodes, edges


@pytest.fixture(scope="module")
def described():
    rule_runner = checkout_rule_runner(folders=("examples/dns",))
    result = run_goal(rule_runner, MirageDescribe, "examples/dns:image@abi=unix", "examples/dns:image@abi=hvt")
    assert result.exit_code == 0, result.stderr
    return rule_runner, result


def read(rule_runner, relpath: str) -> str:
    with open(os.path.join(rule_runner.build_root, "dist", relpath)) as f:
        return f.read()


def test_unix_uses_host_sockets(described) -> None:
    rule_runner, result = described
    assert "dist/examples.dns/image.unix.dot" in result.stdout
    nodes, edges = nodes_and_edges(read(rule_runner, "examples.dns/image.unix.dot"))
    assert nodes["stack"] == "targets/unix:socket_stack"
    assert nodes["zone"] == "examples/dns:zone"
    assert ("start", "console") in edges and ("start", "stack") in edges and ("start", "zone") in edges
    assert not any(name.startswith("stack_") for name in nodes), nodes


def test_hvt_runs_the_direct_stack_over_one_manifest_netif(described) -> None:
    rule_runner, _ = described
    dot = read(rule_runner, "examples.dns/image.hvt.dot")
    nodes, edges = nodes_and_edges(dot)
    assert nodes["stack"] == "lib/tcpip:stack"
    assert nodes["stack_ipv4"] == "lib/tcpip:ipv4"
    assert ("instance stack_ipv4", "stack_arp") in edges
    assert ("instance stack_ethernet", "stack_netif") in edges
    (netif,) = [line for line in dot.splitlines() if line.startswith('  "instance stack_netif" [')]
    assert (
        "manifest: net `stack_netif`" in netif and "shared by 11 paths" in netif
    )  # stack, its ethernet, arp, ipv4 and the icmp, udp and tcp over ipv4
    assert [line for line in dot.splitlines() if "manifest:" in line] == [netif]


def test_svg_is_drawn_beside_the_dot(described) -> None:
    # build-support/bootstrap/debian-packages.txt installs graphviz.
    assert shutil.which("dot"), "Graphviz's dot is missing: run ./pants once as root, or apt-get install graphviz"
    rule_runner, result = described
    assert "dist/examples.dns/image.hvt.svg" in result.stdout
    for abi in ("unix", "hvt"):
        svg = read(rule_runner, f"examples.dns/image.{abi}.svg")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        assert "dns_server_start()" in svg
    assert "stack_netif" in read(rule_runner, "examples.dns/image.hvt.svg")

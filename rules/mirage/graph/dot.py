"""Render a resolved graph as Graphviz `dot`, as functoria's `describe --dot` does.

One node per instance (its C name, the implementation it applies and the device it provides), an edge from each
user to every argument it is connected to, the unikernel's start call as the root, and manifest devices (the ones
the host attaches) drawn apart. Equal graphs always render to the same bytes.
"""

from __future__ import annotations

from typing import List

from mirage.graph.model import ResolvedGraph

START_NODE = "start"


def dot_string(value: str) -> str:
    """A dot double-quoted string: backslashes and quotes escaped, newlines as dot's centred line break."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_id(instance_name: str) -> str:
    # Instance names are C identifiers, so they cannot clash with the start node's id, which has a prefix.
    return dot_string(f"instance {instance_name}")


def render_dot(graph: ResolvedGraph) -> str:
    """The graph as a `digraph`: start -> its devices, each instance -> its arguments (dependency order)."""
    title = dot_string(f"{graph.unikernel} (abi {graph.abi})")
    start_label = dot_string(f"{graph.unikernel}\n{graph.start}()")
    lines: List[str] = [
        f"digraph {title} {{",
        "  rankdir=TB;",
        '  node [shape=box, fontname="monospace"];',
        f"  {dot_string(START_NODE)} [shape=doubleoctagon, label={start_label}];",
    ]
    for instance in graph.instances:
        label = f"{instance.name}\n{instance.implementation}\nprovides {instance.device}"
        attributes = []
        if instance.platform_device is not None:
            label += f"\nmanifest: {instance.platform_device} `{instance.name}`"
            attributes += ["shape=component", "style=filled", 'fillcolor="lightblue"']
        if len(instance.paths) > 1:
            # The count keeps the drawing narrow; the SVG shows every path as the node's tooltip.
            label += f"\nshared by {len(instance.paths)} paths"
            attributes += ["peripheries=2", f"tooltip={dot_string(chr(10).join(instance.paths))}"]
        attributes.insert(0, f"label={dot_string(label)}")
        lines.append(f"  {_node_id(instance.name)} [{', '.join(attributes)}];")
    for position, argument in enumerate(graph.start_args):
        lines.append(f"  {dot_string(START_NODE)} -> {_node_id(argument)} [label={dot_string(str(position))}];")
    for instance in graph.instances:
        for position, argument in enumerate(instance.args):
            lines.append(f"  {_node_id(instance.name)} -> {_node_id(argument)} [label={dot_string(str(position))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"

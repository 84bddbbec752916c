"""Describe a resolved unikernel: its functor graph as a `.dot` file and, where Graphviz is installed, `.svg`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional, Tuple

from mirage.graph.dot import render_dot
from mirage.subsystems.mirage import MirageSubsystem
from mirage.util_rules.resolution import ResolvedUnikernel, ResolveUnikernelRequest
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import collect_rules, rule
from pants.util.logging import LogLevel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DescribeUnikernelRequest:
    """Describe the unikernel at `address`, writing `<stem>.dot` (and `<stem>.svg`) into the digest."""

    address: Address
    stem: str


@dataclass(frozen=True)
class DescribedUnikernel:
    digest: Digest
    files: Tuple[str, ...]
    abi: str


@dataclass(frozen=True)
class GraphvizDot:
    """The `dot` program, or None where Graphviz is not installed."""

    path: Optional[str]


@rule(desc="Find Graphviz's dot", level=LogLevel.DEBUG)
async def find_graphviz_dot(mirage: MirageSubsystem.EnvironmentAware) -> GraphvizDot:
    paths = await Get(
        BinaryPaths,
        BinaryPathRequest(binary_name="dot", search_path=mirage.executable_search_path, test=BinaryPathTest(["-V"])),
    )
    return GraphvizDot(paths.first_path.path if paths.first_path else None)


@rule(desc="Describe a unikernel's functor graph", level=LogLevel.DEBUG)
async def describe_unikernel(request: DescribeUnikernelRequest) -> DescribedUnikernel:
    resolved, dot = await MultiGet(
        Get(ResolvedUnikernel, ResolveUnikernelRequest(request.address)),
        Get(GraphvizDot),
    )
    dot_file = f"{request.stem}.dot"
    dot_digest = await Get(Digest, CreateDigest([FileContent(dot_file, render_dot(resolved.graph).encode())]))
    if dot.path is None:
        logger.warning(
            f"Graphviz's `dot` is not installed, so {request.address} is described as {dot_file} only, without an "
            "SVG. Install it (Debian: `apt-get install graphviz`) or add its folder to "
            "`[mirage].executable_search_paths`."
        )
        return DescribedUnikernel(dot_digest, (dot_file,), resolved.graph.abi)
    svg_file = f"{request.stem}.svg"
    svg = await Get(
        ProcessResult,
        Process(
            argv=(dot.path, "-Tsvg", dot_file, "-o", svg_file),
            input_digest=dot_digest,
            output_files=(svg_file,),
            description=f"Draw the functor graph of {request.address} as SVG",
            level=LogLevel.DEBUG,
        ),
    )
    digest = await Get(Digest, MergeDigests([dot_digest, svg.output_digest]))
    return DescribedUnikernel(digest, (dot_file, svg_file), resolved.graph.abi)


def rules():
    return collect_rules()

"""Turn a crunch target's files into the C source of a kv implementation."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mirage.codegen.crunch_c import render_crunch_c
from mirage.target_types import CrunchSourcesField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.internals.selectors import Get
from pants.engine.rules import collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel


@dataclass(frozen=True)
class CrunchSourceRequest:
    address: Address


@dataclass(frozen=True)
class CrunchSource:
    digest: Digest
    path: str


def crunch_source_path(address: Address) -> str:
    # Beside generated main.c files, where no source can live.
    return f"__mirage__/{address.spec_path or '_root'}/{address.target_name}.crunch.c"


@rule(desc="Generate a crunch target's C source", level=LogLevel.DEBUG)
async def generate_crunch_source(request: CrunchSourceRequest) -> CrunchSource:
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="mirage crunch"))
    sources = await Get(SourceFiles, SourceFilesRequest([wrapped.target[CrunchSourcesField]]))
    contents = await Get(DigestContents, Digest, sources.snapshot.digest)
    files = {os.path.relpath(f.path, request.address.spec_path or "."): f.content for f in contents}
    path = crunch_source_path(request.address)
    text = render_crunch_c(request.address.spec, files)
    digest = await Get(Digest, CreateDigest([FileContent(path, text.encode("utf-8"))]))
    return CrunchSource(digest=digest, path=path)


def rules():
    return collect_rules()

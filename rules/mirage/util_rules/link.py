"""Link an image: the ABI's startup object, every compiled object, and the ABI's linker script."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from pants.engine.fs import Digest
from pants.engine.internals.selectors import Get
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import collect_rules, rule
from pants.util.logging import LogLevel

from mirage.util_rules.toolchain import Toolchain


class LinkError(Exception):
    """The link failed; the message carries the linker's diagnostics."""


@dataclass(frozen=True)
class LinkImageRequest:
    input_digest: Digest
    objects: Tuple[str, ...]
    linker_script: Optional[str]
    ldflags: Tuple[str, ...]
    toolchain: Toolchain
    output: str
    owner: str
    libraries: Tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkedImage:
    digest: Digest
    path: str


@rule(desc="Link a unikernel image", level=LogLevel.DEBUG)
async def link_image(request: LinkImageRequest) -> LinkedImage:
    script = ("-T", request.linker_script) if request.linker_script else ()
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(
                request.toolchain.compiler,
                *request.ldflags,
                *script,
                "-o",
                request.output,
                # Sorted so the link order, and so the image, does not depend on how the graph was walked.
                *sorted(request.objects),
                *(f"-l{library}" for library in request.libraries),
            ),
            input_digest=request.input_digest,
            output_files=(request.output,),
            env=request.toolchain.env,
            description=f"Link {request.owner}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        diagnostics = (result.stdout + result.stderr).decode(errors="replace").strip()
        raise LinkError(
            f"Linking {request.owner} failed:\n{diagnostics}\n"
            "An undefined reference usually means a connect or start function is named differently in BUILD "
            "than in the C sources."
        )
    return LinkedImage(digest=result.output_digest, path=request.output)


def rules():
    return collect_rules()

"""The files `pants package` writes beside an image, as its abi's `package_files` field asks (pure Python, no Pants).

Each entry maps a suffix of the image's file name to a writer: a jinja2 template among the abi's sources (a `.j2`
file, rendered with the image's name, file, ABI and keys), or a writer of the plugin's registry below, which
computes its output from the linked image. A suffix ending with `/` is a folder, for a writer of several files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Tuple, Union

from mirage.codegen.package_template import PackageTemplateError, render_package_template
from mirage.graph.model import ResolvedKey
from mirage.util_rules import muen_subject
from mirage.util_rules.raspberry_pi_boot import RaspberryPiBootError, raspberry_pi_boot_files

TEMPLATE_EXTENSION = ".j2"
# A suffix stays in the image's folder: no `/` but a final one, no name of its own that could climb out of it.
_SUFFIX = re.compile(r"\.[A-Za-z0-9_.-]{1,62}/?")
# The files the plugin itself writes beside every image (image.py): a writer must not overwrite them.
RESERVED_SUFFIXES = (".main.c", ".provenance.json")


@dataclass(frozen=True)
class ImageToPackage:
    """What a writer knows of the image it writes beside."""

    file_name: str  # the image's file name, without folders: `image.xen`
    image: bytes  # the linked image
    unikernel: str  # the unikernel's address: `examples/hello:image`
    guest_name: str  # a name for the running guest, from the address: `examples-hello-image`
    abi: str
    keys: Tuple[ResolvedKey, ...]


@dataclass(frozen=True)
class Writer:
    """A Python writer: `write` returns one file's bytes or, for a `folder` writer, the folder's files by name."""

    write: Callable[[ImageToPackage], Union[bytes, Mapping[str, bytes]]]
    folder: bool
    writes: str  # what it writes, for `pants help abi` and error messages


def _muen_subject(image: ImageToPackage) -> bytes:
    name = muen_subject.component_name(image.unikernel)
    return muen_subject.subject_specification(image.file_name, image.image, name)


def _raspberry_pi_boot(image: ImageToPackage) -> Mapping[str, bytes]:
    return raspberry_pi_boot_files(image.image)


WRITERS: Dict[str, Writer] = {
    "muen_subject": Writer(
        _muen_subject,
        folder=False,
        writes="the Muen subject specification (XML), with the image's segments as memory regions, its channels, "
        "events and entry point",
    ),
    "raspberry_pi_boot": Writer(
        _raspberry_pi_boot,
        folder=True,
        writes="a Raspberry Pi 4 SD card's boot files, `kernel8.img` (the image's loadable bytes as one raw binary "
        "from 0x80000, where the firmware loads it), `config.txt` and `cmdline.txt`",
    ),
}

# What a writer raises when the image cannot have its file; the message says why, and gets the image's name here.
_REFUSALS = (PackageTemplateError, muen_subject.MuenSubjectError, RaspberryPiBootError)


class PackageFilesError(ValueError):
    """A writer refused the image (the message names the unikernel, the writer and the file, and why)."""


class PackageFilesFieldError(ValueError):
    """An entry of `package_files` names a template the abi does not have. The message is the end of a sentence
    whose start, the field and the abi's address, the caller knows: "The `package_files` field of //x:abi " + it."""


def writers_help() -> str:
    """Each writer of the registry, what it writes and whether that is a folder, for help texts and errors."""
    return "; ".join(
        f"`{name}` ({'a folder' if writer.folder else 'one file'}) writes {writer.writes}"
        for name, writer in sorted(WRITERS.items())
    )


def entry_problem(suffix: str, writer: str) -> Optional[str]:
    """Why `suffix: writer` cannot be an entry of `package_files`, or None. Templates are checked against the
    abi's sources later, when they are read."""
    if not _SUFFIX.fullmatch(suffix):
        return (
            "each key is a suffix of the image's file name: `.` then letters, digits, `_`, `-` or `.`, ending with "
            "`/` for a writer of a folder"
        )
    if suffix in RESERVED_SUFFIXES:
        return f"the plugin writes `<image>{suffix}` itself; pick another suffix"
    if writer.endswith(TEMPLATE_EXTENSION):
        if suffix.endswith("/"):
            return "a template writes one file, so its suffix does not end with `/`"
        return None
    known = WRITERS.get(writer)
    if known is None:
        return (
            f"`{writer}` is neither a jinja2 template (a `{TEMPLATE_EXTENSION}` file among the abi's `sources`) nor "
            f"one of the plugin's writers: {writers_help()}"
        )
    if known.folder and not suffix.endswith("/"):
        return f"`{writer}` writes a folder of files, so its suffix ends with `/`, for example `{suffix}/`"
    if not known.folder and suffix.endswith("/"):
        return f"`{writer}` writes one file, so its suffix does not end with `/`: `{suffix.rstrip('/')}`"
    return None


def mapping_problem(files: Mapping[str, str]) -> Optional[str]:
    """Why the entries of `package_files` cannot all be written, each alone being fine, or None."""
    names = [suffix.rstrip("/") for suffix in files]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        return f"`{clashes[0]}` and `{clashes[0]}/` would be a file and a folder of the same name; rename one"
    return None


def write_package_files(
    files: Mapping[str, str], templates: Mapping[str, str], image: ImageToPackage
) -> Tuple[Tuple[str, bytes], ...]:
    """(path relative to the image's folder, bytes) of every file `files` (suffix -> writer) asks for, in path
    order. `templates` holds the text of the abi's sources by path relative to its BUILD file."""
    written: List[Tuple[str, bytes]] = []
    for suffix, writer in sorted(files.items()):
        target = f"{image.file_name}{suffix}"
        try:
            if writer.endswith(TEMPLATE_EXTENSION):
                written.append((target, _render(suffix, writer, templates, image)))
                continue
            output = WRITERS[writer].write(image)
        except _REFUSALS as error:
            raise PackageFilesError(f"{image.unikernel}: `{writer}` cannot write `{target}`: {error}") from error
        if isinstance(output, bytes):
            written.append((target, output))
        else:
            written.extend((f"{target}{name}", content) for name, content in output.items())
    return tuple(sorted(written))


def _render(suffix: str, template: str, templates: Mapping[str, str], image: ImageToPackage) -> bytes:
    if template not in templates:
        raise PackageFilesFieldError(f"maps `{suffix}` to `{template}`, which is not among its `sources`: add it there")
    text = render_package_template(
        templates[template], name=image.guest_name, image=image.file_name, abi=image.abi, keys=image.keys
    )
    return text.encode("utf-8")

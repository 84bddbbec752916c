"""Files written beside an image, by the writer its ABI's `package_extras` field names (pure Python, no Pants)."""

from __future__ import annotations

from typing import Callable, Dict, Tuple

from mirage.util_rules import muen_subject


def _muen_subject(image_file_name: str, image: bytes, unikernel_spec: str) -> Tuple[Tuple[str, bytes], ...]:
    xml = muen_subject.subject_specification(image_file_name, image, muen_subject.component_name(unikernel_spec))
    return ((f"{image_file_name}.xml", xml),)


# Each writer takes the image's file name, its bytes and the unikernel's address, and returns (file name, bytes)
# pairs for files in the image's folder.
WRITERS: Dict[str, Callable[[str, bytes, str], Tuple[Tuple[str, bytes], ...]]] = {
    "muen_subject": _muen_subject,
}


class PackageExtrasError(Exception):
    """A writer refused the image; the message names the image and why."""


def write_package_extras(
    writer: str, image_file_name: str, image: bytes, unikernel_spec: str
) -> Tuple[Tuple[str, bytes], ...]:
    try:
        return WRITERS[writer](image_file_name, image, unikernel_spec)
    except muen_subject.MuenSubjectError as error:
        raise PackageExtrasError(f"{unikernel_spec}: no Muen subject specification for {image_file_name}: {error}")

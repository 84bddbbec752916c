"""The registry of `package_files` writers: which entries are refused and why, and what each kind of writer writes
beside an image."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict

import pytest
from mirage.graph.model import ResolvedKey
from mirage.util_rules.muen_subject_test import GOOD
from mirage.util_rules.muen_subject_test import elf as muen_elf
from mirage.util_rules.package_files import (
    WRITERS,
    ImageToPackage,
    PackageFilesError,
    PackageFilesFieldError,
    entry_problem,
    mapping_problem,
    write_package_files,
)
from mirage.util_rules.raspberry_pi_boot import RASPBERRY_PI_CONFIG_TXT
from mirage.util_rules.raspberry_pi_boot_test import elf as aarch64_elf

_PT_LOAD = 1
XL_TEMPLATE = "name = {{ name | quoted }}\nkernel = {{ image | quoted }}\ncmdline = {{ cmdline | quoted }}\n"


def _image(file_name: str, image: bytes, abi: str) -> ImageToPackage:
    keys = (ResolvedKey(name="message", type="string", value="a b", declared_by="//examples/hello:image"),)
    return ImageToPackage(file_name, image, "examples/hello:image", "examples-hello-image", abi, keys)


def test_a_template_is_rendered_into_the_file_its_suffix_names() -> None:
    written = write_package_files({".xl.cfg": "xl.cfg.j2"}, {"xl.cfg.j2": XL_TEMPLATE}, _image("image.xen", b"", "xen"))
    assert written == (
        ("image.xen.xl.cfg", b'name = "examples-hello-image"\nkernel = "image.xen"\ncmdline = "--message=a\\\\ b"\n'),
    )


def test_the_muen_writer_writes_the_subject_specification_named_after_the_unikernel() -> None:
    written = write_package_files({".xml": "muen_subject"}, {}, _image("image.muen", muen_elf(GOOD), "muen"))
    assert [path for path, _ in written] == ["image.muen.xml"]
    component = ET.fromstring(written[0][1])
    assert component.tag == "component" and component.get("name") == "examples_hello_image"


def test_a_folder_writer_puts_its_files_under_the_folder_in_name_order() -> None:
    elf = aarch64_elf([(_PT_LOAD, 0x80000, b"CODE", 4)])
    written: Dict[str, bytes] = dict(
        write_package_files({".boot/": "raspberry_pi_boot"}, {}, _image("image.rpi4", elf, "rpi4"))
    )
    assert list(written) == ["image.rpi4.boot/cmdline.txt", "image.rpi4.boot/config.txt", "image.rpi4.boot/kernel8.img"]
    assert written["image.rpi4.boot/kernel8.img"] == b"CODE"
    assert written["image.rpi4.boot/config.txt"] == RASPBERRY_PI_CONFIG_TXT.encode()


def test_writers_of_both_kinds_write_side_by_side_in_path_order() -> None:
    files = {".xml": "muen_subject", ".cfg": "xl.cfg.j2"}
    written = write_package_files(files, {"xl.cfg.j2": XL_TEMPLATE}, _image("image.muen", muen_elf(GOOD), "muen"))
    assert [path for path, _ in written] == ["image.muen.cfg", "image.muen.xml"]


def test_a_template_missing_from_the_sources_is_a_field_error_with_the_fix() -> None:
    with pytest.raises(
        PackageFilesFieldError, match="maps `.cfg` to `absent.j2`, which is not among its `sources`: add"
    ):
        write_package_files({".cfg": "absent.j2"}, {"xl.cfg.j2": XL_TEMPLATE}, _image("image.xen", b"", "xen"))


@pytest.mark.parametrize(
    "files, image, message",
    [
        (
            {".xml": "muen_subject"},
            b"not an elf",
            "examples/hello:image: `muen_subject` cannot write `image.x.xml`: not an ELF file",
        ),
        (
            {".boot/": "raspberry_pi_boot"},
            muen_elf(GOOD),
            "examples/hello:image: `raspberry_pi_boot` cannot write `image.x.boot/`: the linked image is for ELF "
            "machine 62, not aarch64",
        ),
    ],
)
def test_a_writer_refusing_the_image_names_the_unikernel_the_writer_and_the_file(
    files: Dict[str, str], image: bytes, message: str
) -> None:
    with pytest.raises(PackageFilesError, match=message):
        write_package_files(files, {}, _image("image.x", image, "x"))


def test_a_template_refusing_a_key_value_names_the_template() -> None:
    image = ImageToPackage("image.xen", b"", "examples/hello:image", "examples-hello-image", "xen", ())
    with pytest.raises(PackageFilesError, match="`xl.cfg.j2` cannot write `image.xen.xl.cfg`: a control character"):
        write_package_files({".xl.cfg": "xl.cfg.j2"}, {"xl.cfg.j2": '{{ "a\\nb" | quoted }}'}, image)


@pytest.mark.parametrize(
    "suffix, writer",
    [(".xl.cfg", "xl.cfg.j2"), (".xml", "muen_subject"), (".boot/", "raspberry_pi_boot")],
)
def test_the_entries_of_the_repository_s_abis_are_accepted(suffix: str, writer: str) -> None:
    assert entry_problem(suffix, writer) is None


@pytest.mark.parametrize(
    "suffix, writer, problem",
    [
        ("xl.cfg", "xl.cfg.j2", "each key is a suffix of the image's file name: `.` then"),
        (".a/b", "xl.cfg.j2", "each key is a suffix"),
        (".cfg/", "xl.cfg.j2", "a template writes one file, so its suffix does not end with `/`"),
        (".main.c", "xl.cfg.j2", "the plugin writes `<image>.main.c` itself"),
        (".boot", "raspberry_pi_boot", "`raspberry_pi_boot` writes a folder of files, so its suffix ends with `/`, "
         "for example `.boot/`"),
        (".xml/", "muen_subject", "`muen_subject` writes one file, so its suffix does not end with `/`: `.xml`"),
    ],
)  # fmt: skip
def test_entries_no_writer_can_write_are_refused_with_the_fix(suffix: str, writer: str, problem: str) -> None:
    assert problem in (entry_problem(suffix, writer) or "")


def test_an_unknown_writer_is_refused_with_every_writer_listed() -> None:
    problem = entry_problem(".boot/", "raspberry-pi") or ""
    assert "`raspberry-pi` is neither a jinja2 template (a `.j2` file among the abi's `sources`) nor" in problem
    for name, writer in WRITERS.items():
        assert f"`{name}` ({'a folder' if writer.folder else 'one file'}) writes {writer.writes}" in problem


def test_a_file_and_a_folder_of_the_same_name_are_refused() -> None:
    assert mapping_problem({".xml": "muen_subject", ".boot/": "raspberry_pi_boot"}) is None
    problem = mapping_problem({".boot": "boot.j2", ".boot/": "raspberry_pi_boot"}) or ""
    assert "`.boot` and `.boot/` would be a file and a folder of the same name" in problem

from __future__ import annotations

import pytest
from mirage.codegen.package_template import PackageTemplateError, boot_command_line, quoted, render_package_template
from mirage.graph.model import ResolvedKey


def _key(name: str, value: str, key_type: str = "string") -> ResolvedKey:
    return ResolvedKey(name=name, type=key_type, value=value, declared_by="//examples/hello:image")


def test_the_command_line_holds_every_key_in_name_order_with_spaces_kept() -> None:
    keys = [_key("message", "Hello World!"), _key("count", "4", "int"), _key("path", "a\\b")]
    assert boot_command_line(keys) == "--count=4 --message=Hello\\ World! --path=a\\\\b"


def test_quoted_escapes_backslashes_and_quotes_and_refuses_control_characters() -> None:
    assert quoted('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    with pytest.raises(PackageTemplateError, match="control character"):
        quoted("two\nlines")


def test_a_template_sees_the_name_image_abi_and_keys() -> None:
    template = "name = {{ name | quoted }}\nkernel = {{ image | quoted }}\ncmdline = {{ cmdline | quoted }}\n"
    text = render_package_template(
        template, name="examples-hello-image", image="image.xen", abi="xen", keys=[_key("message", "a b")]
    )
    assert text == 'name = "examples-hello-image"\nkernel = "image.xen"\ncmdline = "--message=a\\\\ b"\n'

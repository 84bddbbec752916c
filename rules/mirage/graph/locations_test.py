from mirage.graph.locations import location_of, location_of_spec, rewrite_sdk_spec, sdk_address


def test_sdk_targets_keep_their_folder_and_name() -> None:
    assert sdk_address("lib/tcpip", "stack") == "//:mirage#lib/tcpip/stack"
    assert location_of("", "mirage", "lib/tcpip/stack") == ("lib/tcpip", "stack")
    assert location_of("lib/tcpip", "stack", None) == ("lib/tcpip", "stack")
    # Another generator in the root folder, or a target named `mirage` elsewhere, is not the SDK's.
    assert location_of("", "reqs", "jinja2/x") == ("", "reqs")
    assert location_of("app", "mirage", "a/b") == ("app", "mirage")


def test_location_of_spec_reads_every_form() -> None:
    assert location_of_spec("//:mirage#devices/console") == ("devices", "console")
    assert location_of_spec("lib/tcpip:arp") == ("lib/tcpip", "arp")
    assert location_of_spec("examples/dns:image@abi=hvt") == ("examples/dns", "image")
    assert location_of_spec("//:root") == ("", "root")
    assert location_of_spec("lib/runtime") == ("lib/runtime", "runtime")


def test_rewrite_names_the_generated_target_for_sdk_addresses_only() -> None:
    sdk = {("devices", "console"), ("targets/unix", "console"), ("lib/runtime", "runtime")}.__contains__

    def is_sdk(folder: str, name: str) -> bool:
        return sdk((folder, name))

    assert rewrite_sdk_spec("//devices:console", "targets/unix", is_sdk) == "//:mirage#devices/console"
    assert rewrite_sdk_spec(":console", "targets/unix", is_sdk) == "//:mirage#targets/unix/console"
    assert rewrite_sdk_spec("//lib/runtime", "targets/unix", is_sdk) == "//:mirage#lib/runtime/runtime"
    assert rewrite_sdk_spec("lib/runtime", "targets/unix", is_sdk) == "//:mirage#lib/runtime/runtime"
    assert rewrite_sdk_spec("//elsewhere:thing", "targets/unix", is_sdk) == "//elsewhere:thing"

from __future__ import annotations

import re
from typing import Dict, Iterable, Mapping, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mirage.graph.errors import MirageConfigError, ResolutionError
from mirage.graph.keys import check_configured_keys, parse_key_declarations
from mirage.graph.model import Abi, Catalogue, Device, Implementation, ResolvedGraph, Unikernel
from mirage.graph.resolve import resolve_instances

DEVICES = ("console", "mclock", "time", "netif", "ethernet", "arp", "ipv4", "stack", "kv")


def device(name: str) -> str:
    return f"devices:{name}"


def impl(
    address: str,
    provides: str,
    requires: Iterable[Tuple[str, str]] = (),
    abis: Iterable[str] = ("unix",),
    keys: Mapping[str, str] = {},
    dependencies: Iterable[str] = (),
    data: bool = False,
) -> Implementation:
    return Implementation(
        address=address,
        provides=device(provides),
        requires=tuple((param, device(dev)) for param, dev in requires),
        abis=tuple(abis),
        connect=address.replace("/", "_").replace(":", "_") + "_connect",
        keys=parse_key_declarations(keys, address),
        dependencies=tuple(dependencies),
        data=data,
    )


def catalogue(*impls: Implementation, others: Mapping[str, str] = {}) -> Catalogue:
    return Catalogue(
        devices={device(name): Device(device(name), name, f"devices/{name}.h") for name in DEVICES},
        implementations={i.address: i for i in impls},
        other_targets=dict(others),
    )


def app(
    devices: Iterable[Tuple[str, str]],
    bindings: Mapping[str, str] = {},
    keys: Mapping[str, str] = {},
    dependencies: Iterable[str] = (),
) -> Unikernel:
    return Unikernel(
        address="examples/app:image",
        start="app_start",
        devices=tuple((param, device(dev)) for param, dev in devices),
        bindings=tuple(bindings.items()),
        keys=parse_key_declarations(keys, "examples/app:image"),
        dependencies=tuple(dependencies),
    )


# The unix ABI of these tests: defaults for the base devices, as targets/unix/BUILD has.
UNIX = Abi(
    name="unix",
    address="targets/unix:unix",
    defaults=((device("console"), "targets/unix:console"), (device("time"), "targets/unix:time")),
)
UNIX_WITHOUT_DEFAULTS = Abi(name="unix", address="targets/unix:unix")
# The application lists the stack it wants in its `dependencies`; the stack's layers sit beside it in lib/net.
STACK_APP = {"dependencies": ("lib/net:stack",)}


def stack_catalogue() -> Catalogue:
    return catalogue(
        impl("lib/net:netif_tap", "netif", abis=("unix", "hvt")),
        impl("lib/net:ethernet", "ethernet", [("netif", "netif")], abis=("unix", "hvt")),
        impl("lib/net:arp", "arp", [("ethernet", "ethernet"), ("time", "time")], abis=("unix", "hvt")),
        impl(
            "lib/net:ipv4",
            "ipv4",
            [("ethernet", "ethernet"), ("arp", "arp")],
            abis=("unix", "hvt"),
            keys={"ipv4": "string=10.0.0.2/24"},
        ),
        impl("lib/net:stack", "stack", [("netif", "netif"), ("ipv4", "ipv4")], abis=("unix", "hvt")),
        impl("targets/unix:time", "time"),
        impl("targets/hvt:time", "time", abis=("hvt",)),
        impl("targets/unix:console", "console"),
    )


def names_by_impl(graph: ResolvedGraph) -> Dict[str, str]:
    return {i.implementation: i.name for i in graph.instances}


def test_abi_defaults_fill_the_start_function_with_devices_in_order() -> None:
    graph = resolve_instances(app([("console", "console"), ("time", "time")]), UNIX, stack_catalogue())
    assert [i.implementation for i in graph.instances] == ["targets/unix:console", "targets/unix:time"]
    assert graph.start_args == ("console", "time")
    assert graph.start == "app_start"


def test_shared_instance_is_connected_once_and_in_dependency_order() -> None:
    graph = resolve_instances(app([("stack", "stack")], **STACK_APP), UNIX, stack_catalogue())
    order = [i.implementation for i in graph.instances]
    # One netif although the stack reaches it three ways (stack, ethernet for arp, ethernet for ipv4).
    assert order.count("lib/net:netif_tap") == 1
    assert order.count("lib/net:ethernet") == 1
    netif = graph.instances[order.index("lib/net:netif_tap")]
    assert netif.paths == ("stack.netif", "stack.ipv4.ethernet.netif", "stack.ipv4.arp.ethernet.netif")
    for position, instance in enumerate(graph.instances):
        earlier = {i.name for i in graph.instances[:position]}
        assert set(instance.args) <= earlier, f"{instance.name} connected before its arguments"
    assert graph.instances[-1].implementation == "lib/net:stack"


def test_abi_default_wins_over_unique_candidate_and_binding_wins_over_default() -> None:
    cat = catalogue(
        impl("targets/unix:console", "console"),
        impl("lib/log:console_prefix", "console", [("inner", "console")], abis=("unix",)),
    )
    abi = Abi(name="unix", address="targets/unix:unix", defaults=((device("console"), "targets/unix:console"),))
    graph = resolve_instances(app([("console", "console")]), abi, cat)
    assert [i.implementation for i in graph.instances] == ["targets/unix:console"]

    bound = app([("console", "console")], bindings={"console": "lib/log:console_prefix"})
    graph = resolve_instances(bound, abi, cat)
    assert [i.implementation for i in graph.instances] == ["targets/unix:console", "lib/log:console_prefix"]
    assert graph.instances[1].args == ("console_inner",)


def test_binding_on_a_nested_path_only_changes_that_path() -> None:
    cat = catalogue(
        impl("targets/unix:console", "console"),
        impl("targets/unix:console_stderr", "console"),
        impl("lib/log:tee", "console", [("left", "console"), ("right", "console")]),
    )
    abi = Abi(name="unix", address="targets/unix:unix", defaults=((device("console"), "targets/unix:console"),))
    graph = resolve_instances(
        app(
            [("console", "console")],
            bindings={"console": "lib/log:tee", "console.right": "targets/unix:console_stderr"},
        ),
        abi,
        cat,
    )
    tee = graph.instance("console")
    assert [graph.instance(arg).implementation for arg in tee.args] == [
        "targets/unix:console",
        "targets/unix:console_stderr",
    ]


def test_keys_merge_defaults_and_configured_values() -> None:
    graph = resolve_instances(
        app([("stack", "stack")], keys={"message": "string=Hello World!", "count": "int=4"}, **STACK_APP),
        UNIX,
        stack_catalogue(),
        configured_keys={"count": "2"},
    )
    assert {k.name: (k.type, k.value) for k in graph.keys} == {
        "count": ("int", "2"),
        "message": ("string", "Hello World!"),
        "ipv4": ("string", "10.0.0.2/24"),
    }


def test_same_graph_resolves_to_equal_values() -> None:
    one = resolve_instances(app([("stack", "stack")], **STACK_APP), UNIX, stack_catalogue())
    two = resolve_instances(app([("stack", "stack")], **STACK_APP), UNIX, stack_catalogue())
    assert one == two


# --- every error names the unikernel, the path and a fix ---------------------------------------------------------


def assert_error(excinfo: pytest.ExceptionInfo, *fragments: str) -> None:
    message = str(excinfo.value)
    assert message.startswith("examples/app:image"), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_missing_implementation_lists_other_abis() -> None:
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("time", "time")]), Abi("spt", "targets/spt:spt"), stack_catalogue())
    assert_error(
        excinfo,
        "no implementation of devices:time supports abi `spt`",
        "targets/unix:time (abis: unix)",
        "path: examples/app:image -> time",
        "fix: add an `implementation`",
    )


def test_missing_implementation_deep_in_the_graph_shows_the_path() -> None:
    cat = stack_catalogue()
    without_time = catalogue(*(i for i in cat.implementations.values() if i.provides != device("time")))
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("stack", "stack")], **STACK_APP), UNIX_WITHOUT_DEFAULTS, without_time)
    assert_error(excinfo, "path: examples/app:image -> stack -> ipv4 -> arp -> time")


def test_ambiguity_among_visible_candidates_lists_them_and_the_binding_that_fixes_it() -> None:
    cat = catalogue(impl("examples/app:console_upper", "console"), impl("lib/log:console_null", "console"))
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(
            app([("console", "console")], dependencies=["lib/log:console_null"]), UNIX_WITHOUT_DEFAULTS, cat
        )
    assert_error(
        excinfo,
        "2 implementations of devices:console visible to examples/app:image support abi `unix`",
        "\n    examples/app:console_upper\n    lib/log:console_null",
        'bindings={"console": "//examples/app:console_upper"}',
    )


def test_cycle_is_reported_with_the_implementations_involved() -> None:
    cat = catalogue(
        impl("lib/a:ethernet", "ethernet", [("arp", "arp")]),
        impl("lib/a:arp", "arp", [("ethernet", "ethernet")]),
    )
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("ethernet", "ethernet")], dependencies=["lib/a:ethernet"]), UNIX, cat)
    assert_error(
        excinfo,
        "cycle between implementations: lib/a:ethernet -> lib/a:arp -> lib/a:ethernet",
        "path: examples/app:image -> ethernet -> arp -> ethernet",
    )


def test_binding_to_a_target_that_is_not_an_implementation() -> None:
    cat = catalogue(impl("targets/unix:console", "console"), others={"devices:console": "device"})
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("console", "console")], bindings={"console": "devices:console"}), UNIX, cat)
    assert_error(excinfo, "names devices:console, which is a `device` target, not an `implementation`")


def test_binding_whose_device_does_not_match() -> None:
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(
            app([("console", "console")], bindings={"console": "targets/unix:time"}), UNIX, stack_catalogue()
        )
    assert_error(excinfo, "provides devices:time, but devices:console is expected", 'bindings={"console"')


def test_abi_default_whose_device_does_not_match_names_the_abi() -> None:
    abi = Abi("unix", "targets/unix:unix", defaults=((device("console"), "targets/unix:time"),))
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("console", "console")]), abi, stack_catalogue())
    assert_error(excinfo, "the default for devices:console in abi `unix` (targets/unix:unix)", "fix the `defaults`")


def test_binding_to_an_implementation_for_another_abi() -> None:
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("time", "time")], bindings={"time": "targets/hvt:time"}), UNIX, stack_catalogue())
    assert_error(excinfo, "targets/hvt:time, which does not support abi `unix` (its abis: hvt; ", "add `unix`")


def test_unknown_binding_name_lists_the_parameters() -> None:
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(
            app([("console", "console")], bindings={"consol": "targets/unix:console"}), UNIX, stack_catalogue()
        )
    assert_error(excinfo, "the binding `consol` names no device parameter", "parameters: console")


def test_required_device_that_is_not_a_device() -> None:
    cat = catalogue(impl("lib/a:arp", "arp", [("eth", "nonexistent")]), others={"devices:nonexistent": "file"})
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("arp", "arp")], dependencies=["lib/a:arp"]), UNIX, cat)
    assert_error(excinfo, "`devices:nonexistent` is expected to be a device but is a `file` target")


def test_missing_key_names_the_declaring_target_and_the_option() -> None:
    with pytest.raises(MirageConfigError) as excinfo:
        resolve_instances(app([("console", "console")], keys={"greeting": "string"}), UNIX, stack_catalogue())
    assert_error(excinfo, "missing key `greeting` (string, declared by examples/app:image)", "--mirage-keys")


def test_malformed_configured_key_value() -> None:
    with pytest.raises(MirageConfigError) as excinfo:
        resolve_instances(
            app([("console", "console")], keys={"count": "int=4"}),
            UNIX,
            stack_catalogue(),
            configured_keys={"count": "four"},
        )
    assert_error(excinfo, "malformed value `four` for key `count`", "decimal 64-bit integer")


def test_key_declared_with_two_types() -> None:
    with pytest.raises(MirageConfigError) as excinfo:
        resolve_instances(app([("stack", "stack")], keys={"ipv4": "int=1"}, **STACK_APP), UNIX, stack_catalogue())
    assert_error(excinfo, "key `ipv4` is declared as int by examples/app:image and as string by lib/net:ipv4")


@pytest.mark.parametrize(
    "declaration, problem",
    [
        ("int=abc", "malformed default `abc`"),
        ("bool=yes", "expected true or false"),
        ("float=1.0", "unknown type `float`"),
        ("int=99999999999999999999", "64-bit integer"),
    ],
)
def test_malformed_key_declarations(declaration: str, problem: str) -> None:
    with pytest.raises(MirageConfigError, match=re.escape(problem)):
        parse_key_declarations({"k": declaration}, "examples/app:image")


def test_malformed_key_name() -> None:
    with pytest.raises(MirageConfigError, match="invalid key name"):
        parse_key_declarations({"Bad Name": "int=1"}, "examples/app:image")


# --- properties over random layered graphs --------------------------------------------------------------------


@st.composite
def layered_catalogues(draw: st.DrawFn) -> Tuple[Catalogue, Unikernel]:
    """Devices d0..dN; every implementation of dI requires only devices dJ with J > I, so graphs are acyclic."""
    depth = draw(st.integers(min_value=1, max_value=len(DEVICES)))
    names = DEVICES[:depth]
    impls = []
    for index, name in enumerate(names):
        deeper = names[index + 1 :]
        params = draw(st.lists(st.sampled_from(deeper), max_size=3)) if deeper else []
        # One folder: each layer sees the layers below it as siblings.
        impls.append(impl(f"lib/layers:{name}", name, [(f"p{n}", dev) for n, dev in enumerate(params)]))
    wanted = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4))
    uses = [i.address for i in impls]
    return catalogue(*impls), app([(f"d{n}", dev) for n, dev in enumerate(wanted)], dependencies=uses)


@settings(max_examples=200, deadline=None)
@given(layered_catalogues())
def test_property_one_instance_per_implementation_in_dependency_order(case: Tuple[Catalogue, Unikernel]) -> None:
    cat, unikernel = case
    graph = resolve_instances(unikernel, UNIX_WITHOUT_DEFAULTS, cat)
    # Each implementation here has exactly one way to resolve its arguments, so sharing leaves one instance each.
    implementations = [i.implementation for i in graph.instances]
    assert len(implementations) == len(set(implementations))
    seen: set = set()
    for instance in graph.instances:
        assert set(instance.args) <= seen
        seen.add(instance.name)
    assert set(graph.start_args) <= seen
    assert len({i.name for i in graph.instances}) == len(graph.instances)


def attached_catalogue(*extra: Implementation) -> Catalogue:
    return catalogue(
        Implementation("lib/net:netif", device("netif"), (), ("unix",), "netif_connect", (), platform_device="net"),
        impl("lib/net:ethernet", "ethernet", [("netif", "netif")]),
        impl("lib/net:arp", "arp", [("ethernet", "ethernet"), ("time", "time")]),
        impl("lib/net:ipv4", "ipv4", [("ethernet", "ethernet"), ("arp", "arp")], keys={"ipv4": "string=10.0.0.2/24"}),
        impl("targets/unix:time", "time"),
        impl("targets/unix:console", "console"),
        *extra,
    )


NET_USES = ["lib/net:ethernet", "lib/net:netif", "lib/net:ipv4"]


def test_attached_devices_are_marked_and_one_per_unikernel_parameter() -> None:
    graph = resolve_instances(
        app([("eth", "ethernet"), ("net", "netif")], dependencies=NET_USES), UNIX, attached_catalogue()
    )
    # A host resource is never shared between two parameters: `eth`'s interface and `net` are two entries.
    assert [i.name for i in graph.manifest] == ["eth_netif", "net"]
    assert {i.platform_device for i in graph.manifest} == {"net"}


def test_two_netif_parameters_are_two_instances_and_two_manifest_entries() -> None:
    graph = resolve_instances(
        app([("inside", "netif"), ("outside", "netif")], dependencies=NET_USES), UNIX, attached_catalogue()
    )
    assert [i.name for i in graph.manifest] == ["inside", "outside"]
    assert graph.start_args == ("inside", "outside")
    assert [i.paths for i in graph.instances] == [("inside",), ("outside",)]


def test_layers_over_two_interfaces_are_distinct_and_what_has_no_host_resource_stays_shared() -> None:
    graph = resolve_instances(
        app([("inside", "ipv4"), ("outside", "ipv4")], dependencies=NET_USES), UNIX, attached_catalogue()
    )
    by_impl: Dict[str, list] = {}
    for instance in graph.instances:
        by_impl.setdefault(instance.implementation, []).append(instance)
    assert {impl: len(nodes) for impl, nodes in by_impl.items()} == {
        "lib/net:netif": 2,
        "lib/net:ethernet": 2,
        "targets/unix:time": 1,
        "lib/net:arp": 2,
        "lib/net:ipv4": 2,
    }
    # Within one root, sharing is unchanged: ipv4's ethernet and arp's ethernet are one instance.
    inside = graph.instance("inside")
    inside_arp = graph.instance(inside.args[1])
    assert inside_arp.args[0] == inside.args[0] == "inside_ethernet"
    assert graph.instance("inside_ethernet").args == ("inside_ethernet_netif",)
    assert graph.instance("outside_ethernet").args == ("outside_ethernet_netif",)
    assert [i.name for i in graph.manifest] == ["inside_ethernet_netif", "outside_ethernet_netif"]
    # The clock has no attached device below it: one instance, reached from both roots.
    assert graph.instance("inside_arp_time").paths == ("inside.arp.time", "outside.arp.time")


def test_the_keys_of_several_instances_are_named_per_instance() -> None:
    unikernel = app([("inside", "ipv4"), ("outside", "ipv4")], dependencies=NET_USES)
    graph = resolve_instances(unikernel, UNIX, attached_catalogue(), {"outside.ipv4": "192.168.1.1/24"})
    assert {k.name: k.value for k in graph.keys} == {"inside.ipv4": "10.0.0.2/24", "outside.ipv4": "192.168.1.1/24"}
    assert graph.instance("inside").key_scope == "inside"
    assert graph.instance("outside").key_scope == "outside"
    # Implementations without keys and single instances keep bare names and no scope.
    assert graph.instance("inside_ethernet").key_scope is None
    # A bare configure-time value applies to every instance that has no value of its own.
    graph = resolve_instances(
        unikernel, UNIX, attached_catalogue(), {"ipv4": "10.9.9.9/8", "inside.ipv4": "10.1.1.1/8"}
    )
    assert {k.name: k.value for k in graph.keys} == {"inside.ipv4": "10.1.1.1/8", "outside.ipv4": "10.9.9.9/8"}
    check_configured_keys({"inside.ipv4": "10.1.1.1/8"}, ["ipv4"])
    with pytest.raises(MirageConfigError, match="`inside.ipv6`"):
        check_configured_keys({"inside.ipv6": "x"}, ["ipv4"])
    with pytest.raises(MirageConfigError, match="malformed value `nope\n` for key `outside.ipv4`"):
        resolve_instances(unikernel, UNIX, attached_catalogue(), {"outside.ipv4": "nope\n"})


def test_a_keyed_implementation_without_arguments_is_one_instance_per_parameter() -> None:
    # unix's tap netif: no host manifest, but its `tap` key makes each parameter its own interface.
    tap = impl("targets/unix:netif_tap", "netif", keys={"tap": "string=tap0"})
    unikernel = app(
        [("inside", "netif"), ("outside", "netif")],
        bindings={"inside": "targets/unix:netif_tap", "outside": "targets/unix:netif_tap"},
    )
    graph = resolve_instances(unikernel, UNIX, catalogue(tap), {"outside.tap": "tap1"})
    assert [(i.name, i.key_scope) for i in graph.instances] == [("inside", "inside"), ("outside", "outside")]
    assert {k.name: k.value for k in graph.keys} == {"inside.tap": "tap0", "outside.tap": "tap1"}


def test_one_instance_keeps_the_bare_key_name() -> None:
    graph = resolve_instances(
        app([("inside", "ipv4")], dependencies=NET_USES), UNIX, attached_catalogue(), {"ipv4": "10.1.1.1/8"}
    )
    assert {k.name: k.value for k in graph.keys} == {"ipv4": "10.1.1.1/8"}
    assert graph.instance("inside").key_scope is None


def test_keys_of_two_instances_under_one_parameter_cannot_be_named_and_say_so() -> None:
    # A functor taking two ipv4 layers over two interfaces, both under the one parameter `router`.
    router = impl("lib/net:router", "stack", [("a", "ipv4"), ("b", "ipv4")])
    # Two different netif implementations make the two branches distinct under one root.
    other_netif = Implementation(
        "lib/other:netif2", device("netif"), (), ("unix",), "netif2_connect", (), platform_device="net"
    )
    unikernel = app(
        [("router", "stack")],
        dependencies=[*NET_USES, "lib/net:router"],
        bindings={"router.b.ethernet.netif": "lib/other:netif2", "router.b.arp.ethernet.netif": "lib/other:netif2"},
    )
    with pytest.raises(ResolutionError, match="lib/net:ipv4 has keys and several instances.*router.a, router.b"):
        resolve_instances(unikernel, UNIX, attached_catalogue(router, other_netif))


def test_distinct_attached_devices_are_limited_to_the_manifest_size() -> None:
    many = app([(f"n{i}", "ethernet") for i in range(17)], dependencies=NET_USES)
    with pytest.raises(ResolutionError, match="17 devices need host resources .* at most 16"):
        resolve_instances(many, UNIX, attached_catalogue())
    assert (
        len(
            resolve_instances(
                app([(f"n{i}", "netif") for i in range(16)], dependencies=NET_USES), UNIX, attached_catalogue()
            ).manifest
        )
        == 16
    )


def test_configured_key_that_nothing_declares_is_an_error() -> None:
    check_configured_keys({"count": "2"}, ["count", "message"])
    with pytest.raises(MirageConfigError) as excinfo:
        check_configured_keys({"cuont": "2", "count": "3"}, ["count", "message"])
    message = str(excinfo.value)
    assert "`[mirage].keys` sets `cuont`, which no unikernel or implementation declares" in message
    assert "Declared keys: count, message" in message


# --- resolution is local: only what a target names or sits beside is a candidate --------------------------------


def test_a_data_implementation_elsewhere_is_never_picked_and_the_error_gives_the_binding() -> None:
    cat = catalogue(impl("examples/dns:zone", "kv", abis=("*",), data=True), impl("targets/unix:console", "console"))
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(app([("console", "console"), ("files", "kv")]), UNIX, cat)
    assert_error(
        excinfo,
        "nothing chooses the devices:kv here: no binding, no default in abi `unix`, and no implementation visible "
        "to examples/app:image (those in its `dependencies` or its own folder examples/app",
        '\n    bindings={"files": "//examples/dns:zone"}',
        "path: examples/app:image -> files",
        "fix: add one of these entries to the `bindings` of examples/app:image",
    )
    bound = app([("console", "console"), ("files", "kv")], bindings={"files": "examples/dns:zone"})
    assert names_by_impl(resolve_instances(bound, UNIX, cat))["examples/dns:zone"] == "files"


def test_a_data_implementation_in_the_unikernels_own_folder_is_bound_explicitly_too() -> None:
    cat = catalogue(impl("examples/app:files", "kv", abis=("*",), data=True))
    with pytest.raises(ResolutionError, match='bindings=\\{"files": "//examples/app:files"\\}'):
        resolve_instances(app([("files", "kv")]), UNIX, cat)


def test_the_unikernels_folder_and_dependencies_are_visible_and_a_functors_own_folder_to_its_parameters() -> None:
    cat = catalogue(
        impl("examples/app:console_upper", "console"),
        impl("lib/net:stack", "stack", [("netif", "netif")]),
        impl("lib/net:netif_tap", "netif"),
        impl("lib/log:ethernet_trace", "ethernet", [("netif", "netif")], dependencies=["lib/net:netif_tap"]),
    )
    graph = resolve_instances(
        app(
            [("console", "console"), ("stack", "stack"), ("eth", "ethernet")],
            dependencies=["lib/net:stack", "lib/log:ethernet_trace"],
        ),
        UNIX_WITHOUT_DEFAULTS,
        cat,
    )
    assert names_by_impl(graph) == {
        "examples/app:console_upper": "console",  # the unikernel's own folder
        "lib/net:netif_tap": "stack_netif",  # beside lib/net:stack; through the dependencies of ethernet_trace
        "lib/net:stack": "stack",  # the unikernel's dependencies
        "lib/log:ethernet_trace": "eth",
    }


UNRELATED = (
    impl("lib/elsewhere:netif_other", "netif", abis=("unix", "hvt")),
    impl("lib/elsewhere:console_other", "console"),
    impl("lib/elsewhere:stack_other", "stack"),
    impl("lib/elsewhere:files", "kv", abis=("*",), data=True),
    impl("targets/unix:time_other", "time"),
)


@pytest.mark.parametrize("added", UNRELATED, ids=lambda i: i.address)
def test_an_implementation_in_an_unrelated_folder_changes_no_resolution(added: Implementation) -> None:
    wanted = app([("console", "console"), ("stack", "stack"), ("time", "time")], **STACK_APP)
    before = resolve_instances(wanted, UNIX, stack_catalogue())
    after = resolve_instances(wanted, UNIX, catalogue(*stack_catalogue().implementations.values(), added))
    assert before == after


def test_portable_implementations_are_selected_by_the_abis_traits() -> None:
    platform_console = Implementation(
        "lib/platform/devices:console", device("console"), (), (), "c_connect", abi_traits=("freestanding",)
    )
    portable_ethernet = Implementation(
        "lib/net:ethernet", device("ethernet"), (("netif", device("netif")),), (), "e_connect", abi_traits=()
    )
    tap = impl("lib/net:netif_tap", "netif", abis=("unix", "newabi"))
    cat = catalogue(platform_console, portable_ethernet, tap)
    newabi = Abi("newabi", "targets/newabi:newabi", traits=("freestanding", "aarch64"))
    wanted = app(
        [("console", "console"), ("eth", "ethernet")], dependencies=["lib/platform/devices:console", "lib/net:ethernet"]
    )
    graph = resolve_instances(wanted, newabi, cat)
    assert names_by_impl(graph) == {
        "lib/platform/devices:console": "console",
        "lib/net:netif_tap": "eth_netif",
        "lib/net:ethernet": "eth",
    }
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(wanted, Abi("unix", "targets/unix:unix", traits=("hosted", "posix")), cat)
    assert_error(
        excinfo,
        "no implementation of devices:console supports abi `unix` (traits: hosted, posix)",
        "lib/platform/devices:console (abi traits: freestanding)",
        "`abi_traits` that abi `unix` has",
    )
    bound = app([("console", "console")], bindings={"console": "lib/platform/devices:console"})
    with pytest.raises(ResolutionError) as excinfo:
        resolve_instances(bound, Abi("unix", "targets/unix:unix", traits=("hosted",)), cat)
    assert_error(excinfo, "does not support abi `unix` (its abi traits: freestanding; the abi's traits: hosted)")

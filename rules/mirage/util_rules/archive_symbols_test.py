"""Tests of the pure archive-member closure: which members a link pulls in and what they leave undefined."""

from __future__ import annotations

from mirage.util_rules.archive_symbols import check_archive, missing_symbols_message, parse_nm_posix

# `nm -A -P` over two objects and an archive whose members depend on each other as BearSSL's do.
NM_OUTPUT = """\
app.o: main T 0 10
app.o: br_ssl_engine_set_buffer U
app.o: optional_hook w
libc.o: memcpy T 0 10
libc.o: helper t 10 4
lib.a[engine.o]: br_ssl_engine_set_buffer T 0 10
lib.a[engine.o]: br_prng_seeder_system U
lib.a[engine.o]: memcpy U
lib.a[engine.o]: _GLOBAL_OFFSET_TABLE_ U
lib.a[sysrng.o]: br_prng_seeder_system T 0 10
lib.a[sysrng.o]: open U
lib.a[sysrng.o]: read U
lib.a[x509.o]: br_x509_run T 0 10
lib.a[x509.o]: time U
lib.a[hook.o]: optional_hook T 0 10
lib.a[hook.o]: never_defined U
lib.a[local.o]: helper T 0 4
lib.a[local.o]: also_never_defined U
"""


def parsed():
    objects, archives = parse_nm_posix(NM_OUTPUT)
    return list(objects.values()), archives["lib.a"]


def test_parse_separates_objects_from_archive_members() -> None:
    objects, archives = parse_nm_posix(NM_OUTPUT)
    assert list(objects) == ["app.o", "libc.o"]
    # A local definition (`t`) defines nothing for others; a weak reference (`w`) needs nothing.
    assert objects["libc.o"].defined == frozenset({"memcpy"})
    assert objects["app.o"].undefined == frozenset({"br_ssl_engine_set_buffer"})
    assert [m.name for m in archives["lib.a"]] == ["engine.o", "sysrng.o", "x509.o", "hook.o", "local.o"]


def test_members_are_pulled_transitively_and_only_when_needed() -> None:
    objects, members = parsed()
    check = check_archive(objects, members)
    # sysrng.o comes after engine.o in the archive but is needed by it: the rescan takes it. x509.o is not needed,
    # hook.o only by a weak reference, and local.o defines only what an object's local symbol is named.
    assert [(p.member, p.symbol, p.needed_by) for p in check.pulled] == [
        ("engine.o", "br_ssl_engine_set_buffer", "app.o"),
        ("sysrng.o", "br_prng_seeder_system", "engine.o"),
    ]
    assert [(m.symbol, m.needed_by) for m in check.missing] == [("open", ("sysrng.o",)), ("read", ("sysrng.o",))]


def test_an_object_defining_a_members_symbol_keeps_the_member_out() -> None:
    objects, members = parsed()
    seeder, _ = parse_nm_posix("seeder.o: br_prng_seeder_system T 0 4\n")
    check = check_archive([*objects, *seeder.values()], members)
    assert [p.member for p in check.pulled] == ["engine.o"]
    assert check.missing == ()


def test_message_lists_each_symbol_its_members_and_why_they_are_linked() -> None:
    objects, members = parsed()
    message = missing_symbols_message(
        "examples/x:image", "//3rdparty/debian:lib (libx 1.0)", "lib.a", check_archive(objects, members)
    )
    assert message.splitlines()[:6] == [
        "examples/x:image: the archive lib.a of //3rdparty/debian:lib (libx 1.0) needs symbols that nothing in "
        "the image defines (2):",
        "  open: needed by sysrng.o",
        "  read: needed by sysrng.o",
        "  why those members are linked:",
        "    sysrng.o is pulled in for `br_prng_seeder_system`, needed by engine.o; engine.o is pulled in for "
        "`br_ssl_engine_set_buffer`, needed by app.o",
        "  fix: provide each symbol (in lib/libc, or in a c_library the image depends on), or keep the member out: "
        "stop using the code that pulls it in, or define the symbol it is pulled in for (`br_prng_seeder_system` "
        "for sysrng.o).",
    ]

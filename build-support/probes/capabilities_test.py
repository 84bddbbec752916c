"""probes.capabilities: a missing capability skips on a machine that does not declare it and fails on one that does."""

from __future__ import annotations

import os

import pytest
from probes import capabilities


def _absent() -> str:
    return "no such thing here"


@pytest.fixture
def kvm_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(capabilities.PROBES, "kvm", _absent)
    # The key ./pants would have set on such a machine.
    monkeypatch.setenv(capabilities.SUMMARY_VARIABLE, "kvm=no netns=yes")


def test_missing_capability_skips_with_the_reason_where_not_declared(
    kvm_missing: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(capabilities.REQUIRE_VARIABLE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="hvt needs KVM: no such thing here"):
        capabilities.require("kvm", "hvt needs KVM")


@pytest.mark.parametrize("declaration", ["kvm", "netns,kvm", " qemu , kvm ", "all"])
def test_missing_capability_fails_where_declared(
    kvm_missing: None, monkeypatch: pytest.MonkeyPatch, declaration: str
) -> None:
    monkeypatch.setenv(capabilities.REQUIRE_VARIABLE, declaration)
    with pytest.raises(pytest.fail.Exception, match="declares 'kvm' in MIRAGE_REQUIRE_CAPABILITIES"):
        capabilities.require("kvm", "hvt needs KVM")


def test_declaring_other_capabilities_still_skips(kvm_missing: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(capabilities.REQUIRE_VARIABLE, "netns,tap")
    with pytest.raises(pytest.skip.Exception):
        capabilities.require("kvm", "hvt needs KVM")


def test_unknown_declared_capability_is_an_error_naming_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(capabilities.REQUIRE_VARIABLE, "kvm,tpu")
    with pytest.raises(
        ValueError,
        match=r"\['tpu'\].*'kvm', 'mountns', 'netem', 'netns', 'nft', 'qemu', 'qemu_aarch64', 'raspi4b', 'tap'",
    ):
        capabilities.declared()


def test_summary_names_every_capability() -> None:
    names = [part.split("=")[0] for part in capabilities.summary().split()]
    assert names == list(capabilities.PROBES)


def test_cache_key_the_launcher_set_is_what_this_machine_has() -> None:
    """Where ./pants set MIRAGE_HOST_CAPABILITIES (it does for the test goal), it must match a fresh probe: a test
    result is cached under that key, so a wrong key would let a skip pass for a run that had the capability."""
    exported = os.environ.get(capabilities.SUMMARY_VARIABLE)
    if exported is None:
        pytest.skip(f"{capabilities.SUMMARY_VARIABLE} is not set: tests were not started by ./pants")
    assert exported == capabilities.summary()


def test_a_probe_that_cannot_run_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise OSError("unshare vanished")

    monkeypatch.setitem(capabilities.PROBES, "netns", broken)
    monkeypatch.delenv(capabilities.REQUIRE_VARIABLE, raising=False)
    monkeypatch.setenv(capabilities.SUMMARY_VARIABLE, "netns=no")
    assert "netns=no" in capabilities.summary().split()
    with pytest.raises(pytest.skip.Exception, match="the probe itself failed: unshare vanished"):
        capabilities.require("netns", "a namespace test")


def test_a_result_is_never_obtained_under_a_key_that_lacks_what_the_test_found(
    kvm_missing: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key says KVM works but this run has none (or the key is missing): the test fails instead of skipping,
    so no skip is cached under a key that a machine with KVM would look up."""
    monkeypatch.delenv(capabilities.REQUIRE_VARIABLE, raising=False)
    monkeypatch.setenv(capabilities.SUMMARY_VARIABLE, "kvm=yes netns=yes")
    with pytest.raises(pytest.fail.Exception, match=r"cache key says kvm=yes .* but this run finds kvm=no"):
        capabilities.require("kvm", "hvt needs KVM")
    monkeypatch.delenv(capabilities.SUMMARY_VARIABLE)
    with pytest.raises(pytest.fail.Exception, match="MIRAGE_HOST_CAPABILITIES is not set"):
        capabilities.require("kvm", "hvt needs KVM")


def test_the_key_carries_qemus_version_and_a_test_checks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capabilities, "qemu_version", lambda program="qemu-system-x86_64": "10.0.2")
    monkeypatch.setitem(capabilities.PROBES, "qemu", lambda: None)
    assert "qemu=10.0.2" in capabilities.summary().split()
    monkeypatch.setenv(capabilities.SUMMARY_VARIABLE, "qemu=7.2.15")
    with pytest.raises(pytest.fail.Exception, match=r"says qemu=7.2.15 .* finds qemu=10.0.2"):
        capabilities.require("qemu", "virtio needs QEMU")
    monkeypatch.setenv(capabilities.SUMMARY_VARIABLE, "qemu=10.0.2")
    capabilities.require("qemu", "virtio needs QEMU")

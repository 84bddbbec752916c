"""The raspi4b QEMU finder: where the cached root lives, and that a root whose creation did not finish is not used."""

from __future__ import annotations

import os

import pytest
from probes import qemu_raspi4b


def test_the_root_lives_where_the_variable_says(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv(qemu_raspi4b.ROOT_VARIABLE, raising=False)
    assert qemu_raspi4b.fixture_dir() == qemu_raspi4b.DEFAULT_FIXTURE_DIR
    monkeypatch.setenv(qemu_raspi4b.ROOT_VARIABLE, str(tmp_path / "root"))
    assert qemu_raspi4b.fixture_dir() == str(tmp_path / "root")


def test_a_root_without_its_completion_stamp_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    root = tmp_path / "root"
    (root / "usr" / "bin").mkdir(parents=True)
    monkeypatch.setenv(qemu_raspi4b.ROOT_VARIABLE, str(root))
    assert qemu_raspi4b.fixture_qemu() is None


def test_a_completed_root_is_used_with_the_version_its_stamp_recorded(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    root = tmp_path / "root"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "qemu-system-aarch64").write_text("")
    (root / qemu_raspi4b.COMPLETE_STAMP).write_text("debootstrap trixie qemu-system-arm\nqemu_version=10.0.2\n")
    monkeypatch.setenv(qemu_raspi4b.ROOT_VARIABLE, str(root))
    found = qemu_raspi4b.fixture_qemu()
    assert found is not None and found.version == "10.0.2" and found.root == str(root)
    assert found.command(["-M", "raspi4b"])[1:] == [str(root), "/usr/bin/qemu-system-aarch64", "-M", "raspi4b"]


def test_remove_deletes_the_root_and_a_partial_one(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    root = tmp_path / "root"
    for made in (root / "etc", tmp_path / "root.partial" / "etc"):
        made.mkdir(parents=True)
    (tmp_path / "root.lock").write_text("")
    monkeypatch.setenv(qemu_raspi4b.ROOT_VARIABLE, str(root))
    qemu_raspi4b.remove()
    assert os.listdir(tmp_path) == []


def test_paths_inside_the_chroot_map_to_the_host() -> None:
    chrooted = qemu_raspi4b.Qemu(["chroot", "/r", "/usr/bin/qemu-system-aarch64"], "/r", "10.0.0")
    assert chrooted.host_path("/tmp/x/kernel8.img") == "/r/tmp/x/kernel8.img"
    assert chrooted.command(["-M", "raspi4b"])[-2:] == ["-M", "raspi4b"]
    assert qemu_raspi4b.Qemu(["/usr/bin/qemu-system-aarch64"], "", "10.0.0").host_path("/tmp/a") == "/tmp/a"

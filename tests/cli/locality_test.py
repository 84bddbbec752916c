"""Resolution is local: a second crunch target, a second kv implementation and a second netif for every ABI in a
new folder leave every existing image byte-identical (and still building), while the new folder's own unikernel
uses them. Under a "the one candidate in the repository" rule the netif alone would break every freestanding image
with a network interface, and a kv would reach any unikernel that asks for one.

Both builds go to the checkout's one pantsd: Pants' rule graphs are built once, and the second build sees the new
folder as a developer's next command would."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from textwrap import dedent
from typing import Dict, Iterator

import pytest
from cli.checkout import make_checkout, pantsd, run_pants

NEWCOMER = {
    "teams/newcomer/BUILD": """\
        crunch(name="notes", sources=["notes.txt"])

        implementation(
            name="empty_kv",
            sources=["empty_kv.c"],
            provides="//devices:kv",
            connect="empty_kv_connect",
            abis=["unix", "hvt", "spt", "virtio"],
        )

        implementation(
            name="loop_netif",
            sources=["loop_netif.c"],
            provides="//devices:netif",
            connect="loop_netif_connect",
            abis=["unix", "hvt", "spt", "virtio"],
        )

        unikernel(
            name="image",
            sources=["show.c"],
            start="show_start",
            abi="unix",
            devices={
                "console": "//devices:console",
                "notes": "//devices:kv",
                "nothing": "//devices:kv",
                "loop": "//devices:netif",
            },
            # Bound: crunch always is, and unix's default netif (a tap) would win over this folder's.
            bindings={"notes": ":notes", "nothing": ":empty_kv", "loop": ":loop_netif"},
        )
        """,
    "teams/newcomer/notes.txt": "a note from another team\n",
    "teams/newcomer/empty_kv.c": """\
        /* empty_kv.c: a kv device with no keys, a second kv implementation beside examples/dns's crunch. */
        #include "devices/kv.h"

        static int get(struct kv *self, const char *key, const uint8_t **value, size_t *len)
        {
            (void)self, (void)key, (void)value, (void)len;
            return KV_NOT_FOUND;
        }

        static const char *key_at(struct kv *self, size_t index)
        {
            (void)self, (void)index;
            return NULL;
        }

        static const struct kv_ops ops = { .get = get, .key_at = key_at };

        int empty_kv_connect(struct kv *self)
        {
            self->ops = &ops;
            self->state = NULL;
            return 0;
        }
        """,
    "teams/newcomer/loop_netif.c": """\
        /* loop_netif.c: a network interface that hands back the last frame written to it. */
        #include <string.h>
        #include "devices/netif.h"

        enum { FRAME_MAX = 1514 };

        struct loop {
            uint8_t frame[FRAME_MAX];
            size_t len;
        };

        static struct loop loop;

        static int loop_write(struct netif *self, const uint8_t *frame, size_t len)
        {
            struct loop *state = self->state;
            if (len > FRAME_MAX)
                return -1;
            memcpy(state->frame, frame, len);
            state->len = len;
            return 0;
        }

        static int loop_read(struct netif *self, uint8_t *buf, size_t size, size_t *len, uint32_t *flags)
        {
            struct loop *state = self->state;
            *flags = 0; /* nothing vouches for a checksum here */
            if (state->len == 0)
                return NETIF_AGAIN;
            if (state->len > size)
                return -1;
            memcpy(buf, state->frame, state->len);
            *len = state->len;
            state->len = 0;
            return 0;
        }

        static int loop_wait(struct netif *self, uint64_t timeout_ns)
        {
            (void)timeout_ns;
            return ((struct loop *)self->state)->len != 0;
        }

        static const struct netif_ops ops = { .write = loop_write, .read = loop_read, .wait = loop_wait };

        int loop_netif_connect(struct netif *self)
        {
            self->ops = &ops;
            self->state = &loop;
            memset(self->mac, 0, sizeof self->mac);
            self->mtu = 1500;
            return 0;
        }
        """,
    "teams/newcomer/show.c": """\
        /* show.c: checks that the empty kv is empty and the loop returns a frame, then prints its notes. */
        #include <string.h>
        #include "devices/console.h"
        #include "devices/kv.h"
        #include "devices/netif.h"

        int show_start(struct console *console, struct kv *notes, struct kv *nothing, struct netif *loop)
        {
            const uint8_t *value;
            uint8_t frame[64] = "frame", back[64];
            size_t len;
            uint32_t flags;
            if (kv_key_at(nothing, 0) != NULL || kv_get(notes, "notes.txt", &value, &len) != 0)
                return 1;
            if (netif_write(loop, frame, sizeof frame) != 0 || netif_read(loop, back, sizeof back, &len, &flags) != 0 ||
                len != sizeof frame || memcmp(frame, back, len) != 0)
                return 2;
            return console_write(console, (const char *)value, strlen((const char *)value));
        }
        """,
}


def package_everything(checkout: Path) -> Dict[str, str]:
    """`pants package ::` from an empty dist/; the sha256 of every file it wrote, by path under dist/."""
    shutil.rmtree(checkout / "dist", ignore_errors=True)
    run_pants(checkout, ["package", "::"], daemon=True)
    dist = checkout / "dist"
    return {
        str(path.relative_to(dist)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(dist.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def checkout(tmp_path: Path) -> Iterator[Path]:
    with pantsd(make_checkout(tmp_path / "repo")) as checkout:
        yield checkout


def test_targets_added_in_a_new_folder_change_no_existing_image(checkout: Path) -> None:
    before = package_everything(checkout)
    assert "examples.dns/image.hvt" in before and "examples.hello/image.unix" in before

    for path, text in NEWCOMER.items():
        (checkout / path).parent.mkdir(parents=True, exist_ok=True)
        (checkout / path).write_text(dedent(text))
    after = package_everything(checkout)

    changed = sorted(name for name, digest in before.items() if after.get(name) != digest)
    assert changed == [], f"adding teams/newcomer changed existing outputs: {changed}"
    new = sorted(set(after) - set(before))
    assert new == [
        "teams.newcomer/image.unix",
        "teams.newcomer/image.unix.main.c",
        "teams.newcomer/image.unix.provenance.json",
    ]
    run = subprocess.run([str(checkout / "dist/teams.newcomer/image.unix")], capture_output=True, timeout=30)
    assert (run.returncode, run.stdout) == (0, b"a note from another team\n")

"""The files of a repository that is not this one: its own device, implementation and unikernel, and a pants.toml
that loads the mirage plugin from its wheel. README's "Use it in your repository" shows the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

PLUGIN_VERSION = "0.1.0"


def pants_toml(wheel_folder: Path) -> str:
    return f"""\
[GLOBAL]
pants_version = "2.17.1"
plugins = ["mirage-pants=={PLUGIN_VERSION}"]
backend_packages = ["mirage"]

[python-repos]
find_links = ["file://{wheel_folder}"]
"""


COUNTER_BUILD = """\
device(name="counter", source="counter.h", description="Counts up from a start value.")

implementation(
    name="memory_counter",
    description="A counter in memory; the first value is the `counter-start` key.",
    sources=["memory_counter.c"],
    provides=":counter",
    connect="memory_counter_connect",
    abi_traits=[],
    keys={"counter-start": "int=1"},
)
"""

COUNTER_H = """\
/* counter.h: a device that hands out increasing numbers. */
#ifndef COUNTER_COUNTER_H
#define COUNTER_COUNTER_H

#include <stdint.h>

struct counter;

struct counter_ops {
    int64_t (*next)(struct counter *self);
};

struct counter {
    const struct counter_ops *ops;
    void *state;
};

static inline int64_t counter_next(struct counter *self)
{
    return self->ops->next(self);
}

#endif
"""

MEMORY_COUNTER_C = """\
/* memory_counter.c: the counter device as a number in memory. */
#include <stdint.h>
#include <stdlib.h>

#include "counter/counter.h"
#include "lib/runtime/mirage.h"

struct memory_counter {
    int64_t next;
};

static int64_t next(struct counter *self)
{
    struct memory_counter *state = self->state;
    return state->next++;
}

static const struct counter_ops ops = {.next = next};

int memory_counter_connect(struct counter *self)
{
    struct memory_counter *state = calloc(1, sizeof(*state));
    if (state == NULL)
        return -1;
    state->next = mirage_key_int("counter-start");
    self->ops = &ops;
    self->state = state;
    return 0;
}
"""

APP_BUILD = """\
unikernel(
    name="echo",
    description="Answers each UDP datagram on `port` with the next number of its counter; exits after `replies`.",
    sources=["echo.c"],
    start="echo_start",
    abi=parametrize("unix", "hvt", "spt", "virtio"),
    devices={
        "console": "//:mirage#devices/console",
        "time": "//:mirage#devices/sleep",
        "stack": "//:mirage#devices/stack",
        "counter": "//counter:counter",
    },
    bindings={"counter": "//counter:memory_counter"},
    keys={"port": "int=7", "replies": "int=2"},
)
"""

ECHO_C = """\
/* echo.c: answer each datagram with "count=<next number of the counter>", `replies` times, then exit 0. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "counter/counter.h"
#include "devices/console.h"
#include "devices/sleep.h"
#include "devices/stack.h"
#include "lib/runtime/mirage.h"

struct echo {
    struct console *console;
    struct counter *counter;
    int64_t answered;
};

static void answer(void *context, struct stack *stack, uint16_t port, const struct stack_udp_peer *from,
                   const uint8_t *payload, size_t len)
{
    struct echo *echo = context;
    char reply[32];
    int n = snprintf(reply, sizeof(reply), "count=%lld", (long long)counter_next(echo->counter));
    (void)payload;
    (void)len;
    if (n > 0 && stack_udp_send(stack, port, from, (const uint8_t *)reply, (size_t)n) == 0)
        echo->answered++;
}

static int say(struct console *console, const char *text)
{
    return console_write(console, text, strlen(text));
}

int echo_start(struct console *console, struct sleep *time, struct stack *stack, struct counter *counter)
{
    struct echo echo = {.console = console, .counter = counter, .answered = 0};
    int64_t port = mirage_key_int("port");
    int64_t replies = mirage_key_int("replies");

    if (port < 1 || port > 65535 || stack_udp_listen(stack, (uint16_t)port, answer, &echo) != 0)
        return say(console, "echo: cannot listen on the port\\n") == 0 ? 2 : 3;
    /* The sleep device, in use: a millisecond before saying that the echo is up. */
    if (sleep_ns(time, UINT64_C(1000000)) != 0 || say(console, "echo ready\\n") != 0)
        return 1;
    while (echo.answered < replies) {
        if (stack_run(stack, UINT64_C(100000000)) != 0)
            return 1;
    }
    return say(console, "echo done\\n") == 0 ? 0 : 1;
}
"""


def files(wheel_folder: Path) -> Dict[str, str]:
    return {
        "pants.toml": pants_toml(wheel_folder),
        "counter/BUILD": COUNTER_BUILD,
        "counter/counter.h": COUNTER_H,
        "counter/memory_counter.c": MEMORY_COUNTER_C,
        "app/BUILD": APP_BUILD,
        "app/echo.c": ECHO_C,
    }

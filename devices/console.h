/* console.h: the console device: text output where the operator sees it. */
#ifndef MIRAGE_DEVICES_CONSOLE_H
#define MIRAGE_DEVICES_CONSOLE_H

#include <stddef.h>

struct console;

struct console_ops {
    /* Write all `len` bytes of `text`; returns 0, or a negative error code if the console failed. */
    int (*write)(struct console *self, const char *text, size_t len);
};

struct console {
    const struct console_ops *ops;
    void *state;
};

static inline int console_write(struct console *self, const char *text, size_t len)
{
    return self->ops->write(self, text, len);
}

#endif

/* abi_hooks.h: the two calls the portable runtime needs from every ABI (unix startup, or lib/platform). */
#ifndef MIRAGE_RUNTIME_ABI_HOOKS_H
#define MIRAGE_RUNTIME_ABI_HOOKS_H

#include <stddef.h>

/* Write a diagnostic line (already ending in a newline) where the operator sees it: stderr, the console. */
void mirage_platform_log(const char *text, size_t len);

/* Stop the unikernel at once with `status`; used when the runtime finds its own state broken. */
_Noreturn void mirage_platform_abort(int status);

#endif

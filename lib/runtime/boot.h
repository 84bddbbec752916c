/* boot.h: the runtime calls generated main.c makes while it boots a unikernel. */
#ifndef MIRAGE_RUNTIME_BOOT_H
#define MIRAGE_RUNTIME_BOOT_H

#include "lib/runtime/mirage.h"

/* Exit codes of a unikernel that did not reach its start function. The start function's return value is the
 * exit code otherwise. */
#define MIRAGE_EXIT_USAGE 2   /* a boot argument is unknown or malformed */
#define MIRAGE_EXIT_CONNECT 3 /* a device's connect function failed */
#define MIRAGE_EXIT_ABORT 70  /* the runtime found its own state broken */

/* mirage_keys_init's result when the boot should go on (anything else is the exit code). */
#define MIRAGE_BOOT_CONTINUE -1

enum mirage_key_type {
    MIRAGE_KEY_STRING,
    MIRAGE_KEY_INT,
    MIRAGE_KEY_BOOL,
};

/* One key: its configure-time value, replaced by a boot argument `--<name>=<value>` if one is given. The table
 * generated main.c passes ends with an entry whose name is NULL. */
struct mirage_key {
    const char *name;
    enum mirage_key_type type;
    const char *value;
};

/* The generated composition's entry point; the ABI's startup object calls it with the boot command line. */
int mirage_main(int argc, char **argv);

/* Take the key table, apply and check the boot arguments (argv[0] is the image name). Returns
 * MIRAGE_BOOT_CONTINUE, or an exit code after printing why (usage errors), or 0 after `--help`. */
int mirage_keys_init(struct mirage_key *keys, int argc, char **argv);

/* Name the instance whose connect function runs next (NULL: none). While a scope is set, mirage_key_* look up
 * `<scope>.<name>` first: an implementation with several instances reads its own keys under its root parameter
 * (`inside.ipv4`), with the same code it uses when it has one instance and a bare key. */
void mirage_keys_scope(const char *scope);

/* Report that connecting the instance at `route` (implementation `implementation`) returned `rc`; returns
 * MIRAGE_EXIT_CONNECT. */
int mirage_connect_failed(const char *route, const char *implementation, int rc);

/* Print one diagnostic line, the concatenation of four strings, through mirage_platform_log. */
void mirage_log(const char *a, const char *b, const char *c, const char *d);

#endif

/* mirage.h: what unikernel code may call on every ABI: typed access to configure-time and boot-time keys. */
#ifndef MIRAGE_RUNTIME_MIRAGE_H
#define MIRAGE_RUNTIME_MIRAGE_H

#include <stdbool.h>
#include <stdint.h>

/* The value of a key declared in a BUILD file as `string`. Aborts the unikernel if no such key is declared. */
const char *mirage_key_string(const char *name);

/* The value of a key declared as `int`. */
int64_t mirage_key_int(const char *name);

/* The value of a key declared as `bool`. */
bool mirage_key_bool(const char *name);

#endif

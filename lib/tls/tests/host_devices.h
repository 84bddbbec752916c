/* host_devices.h: the devices lib/tls runs over, on the build host for its tests: a stack over non-blocking host
 * sockets, a kv of a directory's files, the random device over getrandom, clocks and a console on stdout. */
#ifndef MIRAGE_LIB_TLS_TESTS_HOST_DEVICES_H
#define MIRAGE_LIB_TLS_TESTS_HOST_DEVICES_H

#include "devices/console.h"
#include "devices/kv.h"
#include "devices/mclock.h"
#include "devices/pclock.h"
#include "devices/random.h"
#include "devices/stack.h"

struct host_devices {
    struct stack stack;
    struct kv kv;
    struct random random;
    struct mclock clock;
    struct pclock wall_clock;
    struct console console;
};

/* Sets up every device; the kv holds the regular files of `kv_directory` (may be NULL: empty). Returns 0, or -1
 * after a line on stderr. */
int host_devices_init(struct host_devices *devices, const char *kv_directory);

#endif

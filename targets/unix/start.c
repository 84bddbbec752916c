/* start.c: the unix ABI's startup object: the process's main hands the command line to the composition. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/runtime/boot.h"
#include "lib/runtime/abi_hooks.h"

void mirage_platform_log(const char *text, size_t len)
{
    while (len > 0) {
        ssize_t written = write(STDERR_FILENO, text, len);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return; /* nowhere left to report to */
        text += written;
        len -= (size_t)written;
    }
}

_Noreturn void mirage_platform_abort(int status)
{
    _exit(status);
}

int main(int argc, char **argv)
{
    return mirage_main(argc, argv);
}

/* errno.c: the one definition of the libc's global errno, and glibc's accessor for it. */
#include <errno.h>

int errno;

/* What code compiled against glibc's <errno.h> calls to reach errno (Debian's static archives). */
int *__errno_location(void)
{
    return &errno;
}

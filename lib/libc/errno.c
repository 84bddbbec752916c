/* errno.c: the one definition of the libc's global errno. */
#include <errno.h>

int errno;

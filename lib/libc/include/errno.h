/* errno.h: the freestanding libc's error number: one global int (owned by errno.c) and the few codes the libc sets.
 * The values are Linux's, so they read the same in a trace from either side. */
#ifndef MIRAGE_LIBC_ERRNO_H
#define MIRAGE_LIBC_ERRNO_H

#define EIO 5
#define EAGAIN 11
#define ENOMEM 12
#define ENODEV 19
#define EINVAL 22
#define ERANGE 34

/* Single core, no threads: a plain global is the whole story. */
extern int errno;

/* glibc's name for &errno, which code compiled against glibc's headers calls (defined for Debian's archives). */
int *__errno_location(void);

#endif

/* stdlib.h: the freestanding libc's allocator, number parsing, sorting and abort. */
#ifndef MIRAGE_LIBC_STDLIB_H
#define MIRAGE_LIBC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Blocks are 16-byte aligned; NULL means the heap is exhausted (the allocator never aborts on that). A double
 * free or a corrupted block header ends the unikernel with a one-line report. */
void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
/* `alignment` must be a power of two; NULL otherwise. */
void *aligned_alloc(size_t alignment, size_t size);
/* Returns 0, EINVAL (alignment not a power of two multiple of sizeof(void *)) or ENOMEM. */
int posix_memalign(void **result, size_t alignment, size_t size);

/* Base 0 (prefix decides: 0x hex, 0 octal, else decimal) or 2..36. Out of range: clamp and set errno to ERANGE;
 * a bad base: return 0 and set errno to EINVAL. */
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end, int base);
int atoi(const char *s);
long atol(const char *s);

int abs(int value);
long labs(long value);
long long llabs(long long value);

/* Prints "abort() called" and ends the unikernel abnormally. */
_Noreturn void abort(void);

/* O(n log n) in the worst case; not stable. */
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t count, size_t size, int (*compare)(const void *, const void *));

#endif

/* string.h: the freestanding libc's memory and string functions (no strcpy/strcat: use strlcpy). */
#ifndef MIRAGE_LIBC_STRING_H
#define MIRAGE_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dest, const void *restrict src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
void *memset(void *dest, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);

/* Copies at most n bytes and pads with NULs; the result is not terminated when src has n or more bytes. */
char *strncpy(char *restrict dest, const char *restrict src, size_t n);
/* Copies at most size - 1 bytes and always terminates (when size > 0); returns strlen(src), so a result
 * >= size means the copy was truncated. */
size_t strlcpy(char *restrict dest, const char *restrict src, size_t size);
/* A malloc'd copy, or NULL when the heap is exhausted. */
char *strdup(const char *s);
char *strndup(const char *s, size_t maxlen);

#endif

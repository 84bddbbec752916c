/* stdio.h: the freestanding libc's formatted output: into buffers, and to the console (platform_console_write).
 * Integer conversions only (d i u x X o c s p %); no floating point, no files, no input. */
#ifndef MIRAGE_LIBC_STDIO_H
#define MIRAGE_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

/* Never write more than `size` bytes, terminate when size > 0, and return the length the whole output would
 * have had (so a result >= size means truncation), or -1 when that length exceeds INT_MAX. */
int snprintf(char *restrict buf, size_t size, const char *restrict format, ...)
    __attribute__((__format__(__printf__, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict format, va_list args)
    __attribute__((__format__(__printf__, 3, 0)));

/* Console output, gathered in a 256-byte buffer so a line reaches the console in one write; everything a call
 * produced is written before it returns. */
int printf(const char *restrict format, ...) __attribute__((__format__(__printf__, 1, 2)));
int vprintf(const char *restrict format, va_list args) __attribute__((__format__(__printf__, 1, 0)));
/* Writes `s` and a newline. */
int puts(const char *s);
int putchar(int c);

#endif

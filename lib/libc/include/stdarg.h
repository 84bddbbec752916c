/* stdarg.h: the freestanding libc's variable arguments, over the compiler's builtins. */
#ifndef MIRAGE_LIBC_STDARG_H
#define MIRAGE_LIBC_STDARG_H

typedef __builtin_va_list va_list;

#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(dest, src) __builtin_va_copy(dest, src)

#endif

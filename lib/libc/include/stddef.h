/* stddef.h: the freestanding libc's basic types and macros (LP64: x86_64 and aarch64). */
#ifndef MIRAGE_LIBC_STDDEF_H
#define MIRAGE_LIBC_STDDEF_H

typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
typedef __WCHAR_TYPE__ wchar_t;

/* The most strictly aligned scalar type; malloc's alignment (16 bytes) matches it. */
typedef struct {
    long long max_align_ll __attribute__((__aligned__(__alignof__(long long))));
    long double max_align_ld __attribute__((__aligned__(__alignof__(long double))));
} max_align_t;

#define NULL ((void *)0)
#define offsetof(type, member) __builtin_offsetof(type, member)

#endif

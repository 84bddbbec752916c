/* assert.h: the freestanding libc's assert: a failure prints "assertion failed: <expr> at <file>:<line>" and ends
 * the unikernel abnormally. Defining NDEBUG before including this header turns assert off; like the standard
 * header it has no include guard, so each inclusion re-reads NDEBUG. */
#undef assert

#ifdef NDEBUG
#define assert(expression) ((void)0)
#else
#define assert(expression) ((expression) ? (void)0 : __libc_assert_fail(#expression, __FILE__, __LINE__))
#endif

#ifndef MIRAGE_LIBC_ASSERT_H
#define MIRAGE_LIBC_ASSERT_H

#define static_assert _Static_assert

_Noreturn void __libc_assert_fail(const char *expression, const char *file, int line);

#endif

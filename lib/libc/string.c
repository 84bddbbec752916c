/* string.c: memory and string functions: mem* a machine word at a time, str* a byte at a time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A word that may alias any object and sit at any address (x86_64 loads and stores unaligned words cheaply). */
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) unaligned_word;

/* gcc recognises a copy or fill loop and replaces it with a call to memcpy/memset, which inside memcpy/memset
 * is a call to itself; this turns that recognition off for the functions that implement them. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL_PATTERNS __attribute__((__optimize__("no-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL_PATTERNS
#endif

#define WORD_SIZE sizeof(uint64_t)
#define BYTES_ONES UINT64_C(0x0101010101010101)

NO_LIBCALL_PATTERNS void *memcpy(void *restrict dest, const void *restrict src, size_t n)
{
    unsigned char *to = dest;
    const unsigned char *from = src;

    for (; n >= WORD_SIZE; n -= WORD_SIZE, to += WORD_SIZE, from += WORD_SIZE)
        *(unaligned_word *)to = *(const unaligned_word *)from;
    while (n-- > 0)
        *to++ = *from++;
    return dest;
}

NO_LIBCALL_PATTERNS void *memmove(void *dest, const void *src, size_t n)
{
    unsigned char *to = dest;
    const unsigned char *from = src;

    /* Copy forwards unless dest starts inside src, where a forward copy would overwrite bytes not yet read. */
    if ((uintptr_t)to - (uintptr_t)from >= n) {
        for (; n >= WORD_SIZE; n -= WORD_SIZE, to += WORD_SIZE, from += WORD_SIZE)
            *(unaligned_word *)to = *(const unaligned_word *)from;
        while (n-- > 0)
            *to++ = *from++;
    } else {
        to += n;
        from += n;
        for (; n >= WORD_SIZE; n -= WORD_SIZE) {
            to -= WORD_SIZE;
            from -= WORD_SIZE;
            *(unaligned_word *)to = *(const unaligned_word *)from;
        }
        while (n-- > 0)
            *--to = *--from;
    }
    return dest;
}

NO_LIBCALL_PATTERNS void *memset(void *dest, int c, size_t n)
{
    unsigned char *to = dest;
    uint64_t pattern = (unsigned char)c * BYTES_ONES;

    for (; n >= WORD_SIZE; n -= WORD_SIZE, to += WORD_SIZE)
        *(unaligned_word *)to = pattern;
    while (n-- > 0)
        *to++ = (unsigned char)c;
    return dest;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *left = a;
    const unsigned char *right = b;

    /* Skip equal words; the first differing word is then compared byte by byte. */
    for (; n >= WORD_SIZE; n -= WORD_SIZE, left += WORD_SIZE, right += WORD_SIZE) {
        if (*(const unaligned_word *)left != *(const unaligned_word *)right)
            break;
    }
    for (; n > 0; n--, left++, right++) {
        if (*left != *right)
            return *left - *right;
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *cursor = s;

    for (; n > 0; n--, cursor++) {
        if (*cursor == (unsigned char)c)
            return (void *)cursor;
    }
    return NULL;
}

size_t strlen(const char *s)
{
    const char *end = s;

    while (*end != '\0')
        end++;
    return (size_t)(end - s);
}

size_t strnlen(const char *s, size_t maxlen)
{
    size_t len = 0;

    while (len < maxlen && s[len] != '\0')
        len++;
    return len;
}

int strcmp(const char *a, const char *b)
{
    const unsigned char *left = (const unsigned char *)a;
    const unsigned char *right = (const unsigned char *)b;

    while (*left != '\0' && *left == *right) {
        left++;
        right++;
    }
    return *left - *right;
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *left = (const unsigned char *)a;
    const unsigned char *right = (const unsigned char *)b;

    for (; n > 0; n--, left++, right++) {
        if (*left != *right)
            return *left - *right;
        if (*left == '\0')
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == '\0')
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *found = NULL;

    for (;; s++) {
        if (*s == (char)c)
            found = s;
        if (*s == '\0')
            return (char *)found;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t needle_len = strlen(needle);

    if (needle_len == 0)
        return (char *)haystack;
    for (; *haystack != '\0'; haystack++) {
        if (*haystack == *needle && strncmp(haystack, needle, needle_len) == 0)
            return (char *)haystack;
    }
    return NULL;
}

size_t strspn(const char *s, const char *accept)
{
    size_t len = 0;

    while (s[len] != '\0' && strchr(accept, s[len]) != NULL)
        len++;
    return len;
}

size_t strcspn(const char *s, const char *reject)
{
    size_t len = 0;

    while (s[len] != '\0' && strchr(reject, s[len]) == NULL)
        len++;
    return len;
}

char *strncpy(char *restrict dest, const char *restrict src, size_t n)
{
    size_t len = strnlen(src, n);

    memcpy(dest, src, len);
    memset(dest + len, 0, n - len);
    return dest;
}

size_t strlcpy(char *restrict dest, const char *restrict src, size_t size)
{
    size_t len = strlen(src);

    if (size > 0) {
        size_t copied = len < size - 1 ? len : size - 1;
        memcpy(dest, src, copied);
        dest[copied] = '\0';
    }
    return len;
}

char *strndup(const char *s, size_t maxlen)
{
    size_t len = strnlen(s, maxlen);
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *strdup(const char *s)
{
    return strndup(s, SIZE_MAX - 1);
}

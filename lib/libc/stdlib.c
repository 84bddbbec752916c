/* stdlib.c: number parsing (strto*), abs, abort, and sorting and searching (qsort, bsearch). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/platform/platform.h"

static int digit_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 36;
}

/* The strto* core: parse an optionally signed number in `base` whose magnitude may go up to `positive_limit`
 * (or `negative_limit` after a '-'). Clamps out-of-range values to the limit with ERANGE; sets *negative. For the
 * unsigned functions both limits are the type's maximum and the caller negates. */
static unsigned long long parse_integer(const char *s, char **end, int base, unsigned long long positive_limit,
                                        unsigned long long negative_limit, bool *negative)
{
    const char *cursor = s;

    *negative = false;
    if (base < 0 || base == 1 || base > 36) {
        errno = EINVAL;
        if (end != NULL)
            *end = (char *)s;
        return 0;
    }
    while (isspace((unsigned char)*cursor))
        cursor++;
    if (*cursor == '+' || *cursor == '-')
        *negative = *cursor++ == '-';
    /* A "0x" counts as a prefix only when a hex digit follows; otherwise the number is the "0". */
    if ((base == 0 || base == 16) && cursor[0] == '0' && (cursor[1] == 'x' || cursor[1] == 'X') &&
        digit_value((unsigned char)cursor[2]) < 16) {
        cursor += 2;
        base = 16;
    } else if (base == 0) {
        base = cursor[0] == '0' ? 8 : 10;
    }

    unsigned long long limit = *negative ? negative_limit : positive_limit;
    unsigned long long value = 0;
    bool overflow = false;
    const char *digits_start = cursor;
    for (int digit; (digit = digit_value((unsigned char)*cursor)) < base; cursor++) {
        if (value > (limit - (unsigned long long)digit) / (unsigned long long)base)
            overflow = true;
        else
            value = value * (unsigned long long)base + (unsigned long long)digit;
    }

    if (end != NULL)
        *end = (char *)(cursor == digits_start ? s : cursor);
    if (cursor == digits_start) {
        *negative = false;
        return 0;
    }
    if (overflow) {
        errno = ERANGE;
        return limit;
    }
    return value;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
    bool negative;
    unsigned long long magnitude = parse_integer(s, end, base, LLONG_MAX, (unsigned long long)LLONG_MAX + 1, &negative);

    /* Negate in unsigned arithmetic: LLONG_MIN's magnitude has no positive long long. */
    return negative ? (long long)(0 - magnitude) : (long long)magnitude;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
    bool negative;
    int saved_errno = errno;
    unsigned long long magnitude;

    errno = 0;
    magnitude = parse_integer(s, end, base, ULLONG_MAX, ULLONG_MAX, &negative);
    /* An out-of-range negative value clamps to the maximum, like a positive one, rather than being negated. */
    if (errno == ERANGE)
        return ULLONG_MAX;
    if (errno == 0)
        errno = saved_errno;
    return negative ? 0 - magnitude : magnitude;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
    bool negative;
    unsigned long long magnitude = parse_integer(s, end, base, LONG_MAX, (unsigned long long)LONG_MAX + 1, &negative);

    return negative ? (long)(0 - magnitude) : (long)magnitude;
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
    _Static_assert(ULONG_MAX == ULLONG_MAX, "LP64: unsigned long is unsigned long long's width");
    return strtoull(s, end, base);
}

long atol(const char *s)
{
    return strtol(s, NULL, 10);
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

int abs(int value)
{
    return value < 0 ? -value : value;
}

long labs(long value)
{
    return value < 0 ? -value : value;
}

long long llabs(long long value)
{
    return value < 0 ? -value : value;
}

_Noreturn void abort(void)
{
    static const char message[] = "abort() called\n";

    platform_console_write(message, sizeof(message) - 1);
    platform_abort();
}

/* Swap two elements, a word at a time while whole words remain. */
static void swap_elements(unsigned char *a, unsigned char *b, size_t size)
{
    typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) unaligned_word;

    for (; size >= sizeof(uint64_t); size -= sizeof(uint64_t), a += sizeof(uint64_t), b += sizeof(uint64_t)) {
        uint64_t held = *(unaligned_word *)a;
        *(unaligned_word *)a = *(unaligned_word *)b;
        *(unaligned_word *)b = held;
    }
    for (; size > 0; size--, a++, b++) {
        unsigned char held = *a;
        *a = *b;
        *b = held;
    }
}

/* Restore the max-heap below `root` in a heap of `count` elements. */
static void sift_down(unsigned char *base, size_t root, size_t count, size_t size,
                      int (*compare)(const void *, const void *))
{
    for (;;) {
        size_t largest = root;
        size_t left = 2 * root + 1;
        size_t right = left + 1;
        if (left < count && compare(base + left * size, base + largest * size) > 0)
            largest = left;
        if (right < count && compare(base + right * size, base + largest * size) > 0)
            largest = right;
        if (largest == root)
            return;
        swap_elements(base + root * size, base + largest * size, size);
        root = largest;
    }
}

/* Heapsort: O(n log n) in every case, no recursion, no extra memory. */
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    unsigned char *elements = base;

    if (count < 2 || size == 0)
        return;
    for (size_t root = count / 2; root-- > 0;)
        sift_down(elements, root, count, size, compare);
    for (size_t end = count - 1; end > 0; end--) {
        swap_elements(elements, elements + end * size, size);
        sift_down(elements, 0, end, size, compare);
    }
}

void *bsearch(const void *key, const void *base, size_t count, size_t size, int (*compare)(const void *, const void *))
{
    const unsigned char *elements = base;

    while (count > 0) {
        const unsigned char *middle = elements + (count / 2) * size;
        int order = compare(key, middle);
        if (order == 0)
            return (void *)middle;
        if (order > 0) {
            elements = middle + size;
            count -= count / 2 + 1;
        } else {
            count /= 2;
        }
    }
    return NULL;
}

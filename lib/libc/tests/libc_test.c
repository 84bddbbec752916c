/* libc_test.c: a unikernel that checks the freestanding libc (strings, formatting, number parsing, the
 * allocator, sorting, character classes, what glibc-built archives call) and reports one TAP line per group; it returns
 * the number that failed. */
#define NDEBUG
#include <assert.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/console.h"
#include "lib/libc/boot.h"
#include "lib/libc/thread_block_x86_64.h"

_Static_assert(sizeof(long) == 8 && sizeof(int) == 4 && sizeof(void *) == 8, "LP64");
_Static_assert(sizeof(size_t) == 8 && sizeof(ptrdiff_t) == 8 && sizeof(intmax_t) == 8, "LP64 sizes");
_Static_assert(_Alignof(max_align_t) == 16, "malloc's 16-byte alignment is max_align_t's");

/* Under NDEBUG (defined above) assert must not even evaluate its expression. */
static int assert_evaluations;
static int count_assert_evaluation(void)
{
    return ++assert_evaluations;
}
static void assert_with_ndebug(void)
{
    assert(count_assert_evaluation() == 0);
}

#undef NDEBUG
#include <assert.h>

static void assert_without_ndebug(void)
{
    assert(count_assert_evaluation() > 0);
}

static struct console *console;
static bool group_failed;
static char group_detail[200];

static void report(const char *format, ...) __attribute__((__format__(__printf__, 1, 2)));
static void report(const char *format, ...)
{
    char line[300];
    va_list args;

    va_start(args, format);
    int len = vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    if (len > 0)
        console_write(console, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

/* Record a failed check; the first failure of a group becomes its TAP detail. */
static void fail(int line, const char *format, ...) __attribute__((__format__(__printf__, 2, 3)));
static void fail(int line, const char *format, ...)
{
    if (group_failed)
        return;
    group_failed = true;
    int len = snprintf(group_detail, sizeof(group_detail), "line %d: ", line);
    va_list args;
    va_start(args, format);
    vsnprintf(group_detail + len, sizeof(group_detail) - (size_t)len, format, args);
    va_end(args);
}

#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            fail(__LINE__, "%s", #condition);                                                                          \
    } while (0)

#define CHECK_EQUAL_INT(actual, expected)                                                                              \
    do {                                                                                                               \
        long long actual_value = (long long)(actual), expected_value = (long long)(expected);                          \
        if (actual_value != expected_value)                                                                            \
            fail(__LINE__, "%s is %lld, expected %lld", #actual, actual_value, expected_value);                        \
    } while (0)

#define CHECK_EQUAL_STRING(actual, expected)                                                                           \
    do {                                                                                                               \
        const char *actual_text = (actual), *expected_text = (expected);                                               \
        if (strcmp(actual_text, expected_text) != 0)                                                                   \
            fail(__LINE__, "%s is \"%s\", expected \"%s\"", #actual, actual_text, expected_text);                      \
    } while (0)

/* snprintf into a roomy buffer and compare both the text and the returned length. */
#define CHECK_FORMAT(expected, ...)                                                                                    \
    do {                                                                                                               \
        char formatted[256];                                                                                           \
        int length = snprintf(formatted, sizeof(formatted), __VA_ARGS__);                                              \
        if (strcmp(formatted, expected) != 0 || length != (int)strlen(expected))                                       \
            fail(__LINE__, "snprintf(%s) gave \"%s\" (%d), expected \"%s\"", #__VA_ARGS__, formatted, length,          \
                 expected);                                                                                            \
    } while (0)

/* xorshift64*: reproducible pseudo-random numbers for the stress tests. */
static uint64_t random_state = UINT64_C(0x9e3779b97f4a7c15);
static uint64_t random_next(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return random_state * UINT64_C(0x2545f4914f6cdd1d);
}

static void test_memory_functions(void)
{
    unsigned char source[96], dest[96], expected[96];

    for (size_t i = 0; i < sizeof(source); i++)
        source[i] = (unsigned char)(i * 7 + 1);
    for (size_t offset = 0; offset < 8; offset++) {
        for (size_t len = 0; len <= 80; len++) {
            memset(dest, 0xee, sizeof(dest));
            memcpy(dest + offset, source + (7 - offset), len);
            for (size_t i = 0; i < sizeof(dest); i++) {
                unsigned char want = i >= offset && i < offset + len ? source[7 - offset + i - offset] : 0xee;
                if (dest[i] != want) {
                    fail(__LINE__, "memcpy offset %zu len %zu byte %zu", offset, len, i);
                    return;
                }
            }
            memset(dest, 0x11, sizeof(dest));
            CHECK(memset(dest + offset, 0xab, len) == dest + offset);
            for (size_t i = 0; i < sizeof(dest); i++) {
                unsigned char want = i >= offset && i < offset + len ? 0xab : 0x11;
                if (dest[i] != want) {
                    fail(__LINE__, "memset offset %zu len %zu byte %zu", offset, len, i);
                    return;
                }
            }
        }
    }

    /* memmove in both directions and every small overlap, against a copy through a separate buffer. */
    for (size_t from = 0; from < 24; from++) {
        for (size_t to = 0; to < 24; to++) {
            for (size_t len = 0; len + (from > to ? from : to) <= 64; len += 5) {
                memcpy(dest, source, 64);
                memcpy(expected, source, 64);
                unsigned char staging[64];
                memcpy(staging, expected + from, len);
                memcpy(expected + to, staging, len);
                CHECK(memmove(dest + to, dest + from, len) == dest + to);
                if (memcmp(dest, expected, 64) != 0) {
                    fail(__LINE__, "memmove from %zu to %zu len %zu", from, to, len);
                    return;
                }
            }
        }
    }

    CHECK(memcmp("abc", "abd", 3) < 0);
    CHECK(memcmp("abd", "abc", 3) > 0);
    CHECK(memcmp("abc", "abd", 2) == 0);
    CHECK(memcmp("x", "y", 0) == 0);
    /* Bytes compare as unsigned char. */
    CHECK(memcmp("\x80", "\x01", 1) > 0);
    CHECK(memcmp("0123456789abcdefX", "0123456789abcdefY", 17) < 0);
    CHECK(memcmp("01234567\xff", "01234567\x01", 9) > 0);

    const char *text = "hello, world";
    CHECK(memchr(text, 'o', 12) == text + 4);
    CHECK(memchr(text, 'o', 4) == NULL);
    CHECK(memchr(text, 'z', 12) == NULL);
    CHECK(memchr(text, '\0', 13) == text + 12);
    CHECK(memchr("\xff", 0xff, 1) != NULL);
    CHECK(memchr("\xff", -1, 1) != NULL);
}

static void test_string_functions(void)
{
    CHECK_EQUAL_INT(strlen(""), 0);
    CHECK_EQUAL_INT(strlen("abc"), 3);
    CHECK_EQUAL_INT(strnlen("abcdef", 3), 3);
    CHECK_EQUAL_INT(strnlen("ab", 10), 2);
    CHECK_EQUAL_INT(strnlen("ab", 0), 0);

    CHECK(strcmp("", "") == 0);
    CHECK(strcmp("abc", "abc") == 0);
    CHECK(strcmp("abc", "abd") < 0);
    CHECK(strcmp("abc", "ab") > 0);
    CHECK(strcmp("ab", "abc") < 0);
    CHECK(strcmp("\xe9", "e") > 0);
    CHECK(strncmp("abcx", "abcy", 3) == 0);
    CHECK(strncmp("abcx", "abcy", 4) < 0);
    CHECK(strncmp("ab", "ab", 10) == 0);
    CHECK(strncmp("a", "b", 0) == 0);

    const char *path = "a/b/c";
    CHECK(strchr(path, '/') == path + 1);
    CHECK(strrchr(path, '/') == path + 3);
    CHECK(strchr(path, 'x') == NULL);
    CHECK(strrchr(path, 'x') == NULL);
    CHECK(strchr(path, '\0') == path + 5);
    CHECK(strrchr(path, '\0') == path + 5);
    CHECK(strchr(path, 'a') == path);

    const char *haystack = "aaaab needle";
    CHECK(strstr(haystack, "aab") == haystack + 2);
    CHECK(strstr(haystack, "needle") == haystack + 6);
    CHECK(strstr(haystack, "") == haystack);
    CHECK(strstr(haystack, "needles") == NULL);
    CHECK(strstr("", "a") == NULL);
    CHECK(strstr("", "") != NULL);

    CHECK_EQUAL_INT(strspn("123abc", "0123456789"), 3);
    CHECK_EQUAL_INT(strspn("abc", "0123456789"), 0);
    CHECK_EQUAL_INT(strspn("123", "0123456789"), 3);
    CHECK_EQUAL_INT(strspn("123", ""), 0);
    CHECK_EQUAL_INT(strcspn("key=value", "=;"), 3);
    CHECK_EQUAL_INT(strcspn("key", "=;"), 3);
    CHECK_EQUAL_INT(strcspn("", "=;"), 0);

    char buffer[8];
    memset(buffer, 'x', sizeof(buffer));
    CHECK(strncpy(buffer, "ab", 6) == buffer);
    CHECK(memcmp(buffer, "ab\0\0\0\0xx", 8) == 0);
    memset(buffer, 'x', sizeof(buffer));
    strncpy(buffer, "abcdefgh", 4);
    CHECK(memcmp(buffer, "abcdxxxx", 8) == 0);

    memset(buffer, 'x', sizeof(buffer));
    CHECK_EQUAL_INT(strlcpy(buffer, "abc", sizeof(buffer)), 3);
    CHECK_EQUAL_STRING(buffer, "abc");
    CHECK_EQUAL_INT(strlcpy(buffer, "abcdefghijk", 4), 11);
    CHECK_EQUAL_STRING(buffer, "abc");
    CHECK_EQUAL_INT(buffer[4], 'x');
    CHECK_EQUAL_INT(strlcpy(buffer, "abcdefg", 8), 7);
    CHECK_EQUAL_STRING(buffer, "abcdefg");
    buffer[0] = 'q';
    CHECK_EQUAL_INT(strlcpy(buffer, "zz", 0), 2);
    CHECK_EQUAL_INT(buffer[0], 'q');

    char *copy = strdup("duplicate me");
    CHECK(copy != NULL);
    if (copy != NULL) {
        CHECK_EQUAL_STRING(copy, "duplicate me");
        free(copy);
    }
    copy = strndup("duplicate me", 9);
    CHECK(copy != NULL);
    if (copy != NULL) {
        CHECK_EQUAL_STRING(copy, "duplicate");
        free(copy);
    }
}

static void test_format_conversions(void)
{
    const char *volatile null_string = NULL;

    CHECK_FORMAT("plain text", "plain text");
    CHECK_FORMAT("100%", "100%%");
    CHECK_FORMAT("42 -42 0", "%d %i %d", 42, -42, 0);
    CHECK_FORMAT("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
    CHECK_FORMAT("4294967295", "%u", UINT_MAX);
    CHECK_FORMAT("ff FF 0 377", "%x %X %x %o", 255, 255, 0, 255);
    CHECK_FORMAT("deadbeef", "%x", 0xdeadbeefU);
    CHECK_FORMAT("-9223372036854775808", "%ld", LONG_MIN);
    CHECK_FORMAT("9223372036854775807", "%lld", LLONG_MAX);
    CHECK_FORMAT("18446744073709551615", "%lu", ULONG_MAX);
    CHECK_FORMAT("1777777777777777777777", "%llo", ULLONG_MAX);
    CHECK_FORMAT("ffffffffffffffff", "%jx", UINTMAX_MAX);
    CHECK_FORMAT("-9223372036854775808", "%jd", INTMAX_MIN);
    CHECK_FORMAT("18446744073709551615 -5", "%zu %td", SIZE_MAX, (ptrdiff_t)-5);
    CHECK_FORMAT("12345678901 -1", "%zd %zd", (ptrdiff_t)12345678901, (ptrdiff_t)-1);
    /* hh and h narrow the promoted argument. */
    CHECK_FORMAT("-1 255 -1 65535", "%hhd %hhu %hd %hu", 255, 255, 65535, 65535);
    CHECK_FORMAT("44 1234", "%hhx %hx", 0x1244, 0x11234);
    CHECK_FORMAT("18446744073709551615 ffffffffffffffff", "%" PRIu64 " %" PRIx64, UINT64_MAX, UINT64_MAX);
    CHECK_FORMAT("-128 255 -32768", "%" PRId8 " %" PRIu8 " %" PRId16, (int8_t)-128, (uint8_t)255, (int16_t)-32768);

    CHECK_FORMAT("[x]", "[%c]", 'x');
    CHECK_FORMAT("[  x][x  ]", "[%3c][%-3c]", 'x', 'x');
    CHECK_FORMAT("hello", "%s", "hello");
    CHECK_FORMAT("(null)", "%s", null_string);
    CHECK_FORMAT("[   hi][hi   ][hel][  hel][h]", "[%5s][%-5s][%.3s][%5.3s][%.*s]", "hi", "hi", "hello", "hello", 1,
                 "hello");
    CHECK_FORMAT("[]", "[%.0s]", "hello");
    CHECK_FORMAT("[ab]", "[%.5s]", "ab");

    /* Width, flags and precision on integers. */
    CHECK_FORMAT("[   42][42   ][00042][+42][ 42][-42]", "[%5d][%-5d][%05d][%+d][% d][%d]", 42, 42, 42, 42, 42, -42);
    CHECK_FORMAT("[-0042][  -42][-42  ][+0042]", "[%05d][%5d][%-5d][%+05d]", -42, -42, -42, 42);
    CHECK_FORMAT("[00042][  00042][00042  ]", "[%.5d][%7.5d][%-7.5d]", 42, 42, 42);
    /* Zero with precision 0 has no digits. */
    CHECK_FORMAT("[][    ][1]", "[%.0d][%4.0d][%.0d]", 0, 0, 1);
    CHECK_FORMAT("[-00042][+00042]", "[%.5d][%+.5d]", -42, 42);
    CHECK_FORMAT("[0x1f][0X1F][0][017][0][0]", "[%#x][%#X][%#x][%#o][%#o][%#.0o]", 31, 31, 0, 15, 0, 0);
    CHECK_FORMAT("[0x0001f][  0x1f][0x001f][0x1f  ]", "[%#.5x][%#6x][%#06x][%-#6x]", 31, 31, 31, 31);
    CHECK_FORMAT("[0001]", "[%#.4o]", 1);
    CHECK_FORMAT("[ 7][7 ][07][7]", "[%*d][%-*d][%0*d][%.*d]", 2, 7, 2, 7, 2, 7, -1, 7);
    /* A negative '*' width means '-'. */
    CHECK_FORMAT("[7   ]", "[%*d]", -4, 7);
    CHECK_FORMAT("[  007]", "[%*.*d]", 5, 3, 7);
    CHECK_FORMAT("[+0][ 0][18446744073709551615]", "[%+d][% d][%lu]", 0, 0, ULONG_MAX);

    CHECK_FORMAT("0x1234", "%p", (void *)0x1234);
    CHECK_FORMAT("(nil)", "%p", (void *)0);
    CHECK_FORMAT("[     0xabc][0xabc     ]", "[%10p][%-10p]", (void *)0xabc, (void *)0xabc);

    /* Formats a compiler would reject, passed as data: an unknown conversion is printed, a trailing '%' too, and
     * a precision turns the '0' flag off. */
    const char *volatile unknown = "a%yb";
    const char *volatile trailing = "end%";
    const char *volatile zero_and_precision = "[%06.3d]";
    char formatted[32];
    CHECK_EQUAL_INT(snprintf(formatted, sizeof(formatted), zero_and_precision, 42), 8);
    CHECK_EQUAL_STRING(formatted, "[   042]");
    CHECK_EQUAL_INT(snprintf(formatted, sizeof(formatted), unknown), 4);
    CHECK_EQUAL_STRING(formatted, "a%yb");
    CHECK_EQUAL_INT(snprintf(formatted, sizeof(formatted), trailing), 4);
    CHECK_EQUAL_STRING(formatted, "end%");
}

static int format_through_va_list(char *buf, size_t size, const char *format, ...)
    __attribute__((__format__(__printf__, 3, 4)));
static int format_through_va_list(char *buf, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int len = vsnprintf(buf, size, format, args);
    va_end(args);
    return len;
}

static void test_format_truncation(void)
{
    char buffer[16];

    memset(buffer, '#', sizeof(buffer));
    CHECK_EQUAL_INT(snprintf(buffer, 6, "%s", "abcdefghij"), 10);
    CHECK_EQUAL_STRING(buffer, "abcde");
    CHECK_EQUAL_INT(buffer[6], '#');

    memset(buffer, '#', sizeof(buffer));
    CHECK_EQUAL_INT(snprintf(buffer, 1, "%d", 12345), 5);
    CHECK_EQUAL_INT(buffer[0], '\0');
    CHECK_EQUAL_INT(buffer[1], '#');

    memset(buffer, '#', sizeof(buffer));
    CHECK_EQUAL_INT(snprintf(buffer, 0, "%d", 12345), 5);
    CHECK_EQUAL_INT(buffer[0], '#');
    CHECK_EQUAL_INT(snprintf(NULL, 0, "%s-%d", "abc", 42), 6);

    /* Exactly fitting: size - 1 characters and the NUL. */
    memset(buffer, '#', sizeof(buffer));
    CHECK_EQUAL_INT(snprintf(buffer, 4, "abc"), 3);
    CHECK_EQUAL_STRING(buffer, "abc");
    CHECK_EQUAL_INT(buffer[4], '#');

    /* Truncation inside padding, a prefix and digits. */
    memset(buffer, '#', sizeof(buffer));
    CHECK_EQUAL_INT(snprintf(buffer, 8, "%20d", 5), 20);
    CHECK_EQUAL_STRING(buffer, "       ");
    CHECK_EQUAL_INT(buffer[8], '#');
    CHECK_EQUAL_INT(snprintf(buffer, 4, "%#x", 0xabcd), 6);
    CHECK_EQUAL_STRING(buffer, "0xa");
    CHECK_EQUAL_INT(snprintf(buffer, 5, "%-8d|", -7), 9);
    CHECK_EQUAL_STRING(buffer, "-7  ");

    /* Long output: the returned length counts everything, however little was stored. */
    CHECK_EQUAL_INT(snprintf(buffer, sizeof(buffer), "%1000d", 1), 1000);
    CHECK_EQUAL_INT(strlen(buffer), sizeof(buffer) - 1);
    CHECK_EQUAL_INT(snprintf(NULL, 0, "%*d", 100000000, 1), 100000000);

    char large[600];
    CHECK_EQUAL_INT(snprintf(large, sizeof(large), "%500s|", "x"), 501);
    CHECK_EQUAL_INT(strlen(large), 501);
    CHECK_EQUAL_INT(large[499], 'x');
    CHECK_EQUAL_INT(large[500], '|');

    CHECK_EQUAL_INT(format_through_va_list(buffer, sizeof(buffer), "%s=%u", "key", 7u), 5);
    CHECK_EQUAL_STRING(buffer, "key=7");
    CHECK_EQUAL_INT(format_through_va_list(buffer, 3, "%s=%u", "key", 7u), 5);
    CHECK_EQUAL_STRING(buffer, "ke");
}

static void test_console_output(void)
{
    /* These lines are TAP comments, so they do not disturb the report. */
    CHECK_EQUAL_INT(printf("# printf: %s %d %#x\n", "console", 42, 255), 26);
    CHECK_EQUAL_INT(puts("# puts: a line"), 0);
    CHECK_EQUAL_INT(putchar('#'), '#');
    CHECK_EQUAL_INT(putchar('\n'), '\n');
    /* Longer than the console's line buffer: written in pieces, counted whole. */
    CHECK_EQUAL_INT(printf("# %600s|\n", "long line"), 604);
}

static void test_number_parsing(void)
{
    char *end;
    const char *text;

    CHECK_EQUAL_INT(strtol("42", NULL, 10), 42);
    text = "  -17xyz";
    CHECK_EQUAL_INT(strtol(text, &end, 10), -17);
    CHECK(end == text + 5);
    text = "\t\n +99";
    CHECK_EQUAL_INT(strtol(text, &end, 0), 99);
    CHECK(end == text + strlen(text));

    CHECK_EQUAL_INT(strtol("0x1F", NULL, 0), 31);
    CHECK_EQUAL_INT(strtol("0X1f", NULL, 16), 31);
    CHECK_EQUAL_INT(strtol("1f", NULL, 16), 31);
    CHECK_EQUAL_INT(strtol("017", NULL, 0), 15);
    CHECK_EQUAL_INT(strtol("017", NULL, 10), 17);
    CHECK_EQUAL_INT(strtol("0", NULL, 0), 0);
    CHECK_EQUAL_INT(strtol("1011", NULL, 2), 11);
    CHECK_EQUAL_INT(strtol("zz", NULL, 36), 35 * 36 + 35);
    CHECK_EQUAL_INT(strtol("Zz", NULL, 36), 35 * 36 + 35);
    CHECK_EQUAL_INT(strtol("777", NULL, 8), 511);
    text = "1012";
    CHECK_EQUAL_INT(strtol(text, &end, 2), 5);
    CHECK(end == text + 3);
    text = "089";
    CHECK_EQUAL_INT(strtol(text, &end, 0), 0);
    CHECK(end == text + 1);

    /* "0x" with no hex digit after it is the number 0 followed by an 'x'. */
    text = "0xg";
    CHECK_EQUAL_INT(strtol(text, &end, 16), 0);
    CHECK(end == text + 1);
    CHECK_EQUAL_INT(strtol(text, &end, 0), 0);
    CHECK(end == text + 1);

    /* No digits: 0, and the end pointer is the start, even after spaces and a sign. */
    text = "  -x";
    CHECK_EQUAL_INT(strtol(text, &end, 10), 0);
    CHECK(end == text);
    text = "";
    CHECK_EQUAL_INT(strtoul(text, &end, 10), 0);
    CHECK(end == text);
    text = "+";
    CHECK_EQUAL_INT(strtoll(text, &end, 0), 0);
    CHECK(end == text);

    /* Limits and overflow. */
    errno = 0;
    CHECK(strtol("9223372036854775807", NULL, 10) == LONG_MAX);
    CHECK(strtol("-9223372036854775808", NULL, 10) == LONG_MIN);
    CHECK_EQUAL_INT(errno, 0);
    text = "9223372036854775808 tail";
    CHECK(strtol(text, &end, 10) == LONG_MAX);
    CHECK_EQUAL_INT(errno, ERANGE);
    CHECK(end == text + 19);
    errno = 0;
    CHECK(strtol("-9223372036854775809", NULL, 10) == LONG_MIN);
    CHECK_EQUAL_INT(errno, ERANGE);
    errno = 0;
    CHECK(strtoll("99999999999999999999999", NULL, 0) == LLONG_MAX);
    CHECK_EQUAL_INT(errno, ERANGE);
    errno = 0;
    CHECK(strtoll("-0x8000000000000000", NULL, 0) == LLONG_MIN);
    CHECK_EQUAL_INT(errno, 0);
    CHECK(strtoul("18446744073709551615", NULL, 10) == ULONG_MAX);
    CHECK(strtoull("0xffffffffffffffff", NULL, 16) == ULLONG_MAX);
    CHECK_EQUAL_INT(errno, 0);
    CHECK(strtoul("18446744073709551616", NULL, 10) == ULONG_MAX);
    CHECK_EQUAL_INT(errno, ERANGE);
    errno = 0;
    CHECK(strtoull("-18446744073709551616", NULL, 10) == ULLONG_MAX);
    CHECK_EQUAL_INT(errno, ERANGE);
    /* strtoul negates an in-range negative number in unsigned arithmetic. */
    errno = 0;
    CHECK(strtoul("-1", NULL, 10) == ULONG_MAX);
    CHECK(strtoull("-2", NULL, 10) == ULLONG_MAX - 1);
    CHECK_EQUAL_INT(errno, 0);

    /* A base outside 0 and 2..36. */
    text = "123";
    CHECK_EQUAL_INT(strtol(text, &end, 1), 0);
    CHECK_EQUAL_INT(errno, EINVAL);
    CHECK(end == text);
    errno = 0;
    CHECK_EQUAL_INT(strtoul(text, &end, 37), 0);
    CHECK_EQUAL_INT(errno, EINVAL);

    CHECK_EQUAL_INT(atoi("  123abc"), 123);
    CHECK_EQUAL_INT(atoi("-2147483648"), INT_MIN);
    CHECK_EQUAL_INT(atoi("junk"), 0);
    CHECK_EQUAL_INT(atol("-77"), -77);

    CHECK_EQUAL_INT(abs(-5), 5);
    CHECK_EQUAL_INT(abs(INT_MIN + 1), INT_MAX);
    CHECK_EQUAL_INT(labs(-5L), 5);
    CHECK(llabs(LLONG_MIN + 1) == LLONG_MAX);
}

static bool is_aligned(const void *pointer, size_t alignment)
{
    return (uintptr_t)pointer % alignment == 0;
}

static void test_allocator_basics(void)
{
    void *blocks[64];

    for (size_t i = 0; i < 64; i++) {
        blocks[i] = malloc(i * 13);
        CHECK(blocks[i] != NULL && is_aligned(blocks[i], 16));
        if (blocks[i] != NULL)
            memset(blocks[i], (int)i, i * 13);
    }
    for (size_t i = 0; i < 64; i++) {
        for (size_t j = 0; j < i * 13 && blocks[i] != NULL; j++) {
            if (((unsigned char *)blocks[i])[j] != (unsigned char)i) {
                fail(__LINE__, "block %zu byte %zu overwritten", i, j);
                break;
            }
        }
        free(blocks[i]);
    }

    /* malloc(0) gives distinct freeable blocks. */
    void *zero_a = malloc(0), *zero_b = malloc(0);
    CHECK(zero_a != NULL && zero_b != NULL && zero_a != zero_b);
    free(zero_a);
    free(zero_b);
    free(NULL);

    unsigned char *zeroed = calloc(100, 40);
    CHECK(zeroed != NULL);
    if (zeroed != NULL) {
        bool all_zero = true;
        for (size_t i = 0; i < 4000; i++)
            all_zero = all_zero && zeroed[i] == 0;
        CHECK(all_zero);
        /* Dirty it so the next calloc of that size must really clear. */
        memset(zeroed, 0x5a, 4000);
        free(zeroed);
        zeroed = calloc(4000, 1);
        CHECK(zeroed != NULL && zeroed[0] == 0 && zeroed[3999] == 0);
        free(zeroed);
    }
    errno = 0;
    CHECK(calloc(SIZE_MAX / 2, 3) == NULL);
    CHECK_EQUAL_INT(errno, ENOMEM);
    CHECK(malloc(SIZE_MAX) == NULL);
    CHECK(malloc(SIZE_MAX / 2) == NULL);
    CHECK(malloc(SIZE_MAX - 15) == NULL);

    /* realloc keeps the contents when growing (in place or moved) and shrinking. */
    unsigned char *grown = realloc(NULL, 10);
    CHECK(grown != NULL);
    for (size_t i = 0; grown != NULL && i < 10; i++)
        grown[i] = (unsigned char)(i + 1);
    size_t sizes[] = {20, 100, 1000, 5000, 70000, 3000, 16, 5, 200000, 1};
    size_t valid = 10;
    for (size_t step = 0; grown != NULL && step < sizeof(sizes) / sizeof(sizes[0]); step++) {
        unsigned char *next = realloc(grown, sizes[step]);
        CHECK(next != NULL && is_aligned(next, 16));
        if (next == NULL)
            break;
        grown = next;
        size_t kept = valid < sizes[step] ? valid : sizes[step];
        for (size_t i = 0; i < kept; i++) {
            if (grown[i] != (unsigned char)(i + 1)) {
                fail(__LINE__, "realloc to %zu lost byte %zu", sizes[step], i);
                break;
            }
        }
        for (size_t i = kept; i < sizes[step]; i++)
            grown[i] = (unsigned char)(i + 1);
        valid = sizes[step];
    }
    CHECK(realloc(grown, SIZE_MAX / 2) == NULL);
    void *minimal = realloc(grown, 0);
    CHECK(minimal != NULL);
    free(minimal);

    /* Growing in place: a block followed by a freed neighbour. */
    char *first = malloc(2000), *second = malloc(2000), *guard = malloc(2000);
    CHECK(first != NULL && second != NULL && guard != NULL);
    if (first != NULL && second != NULL && guard != NULL) {
        memset(first, 'f', 2000);
        free(second);
        char *bigger = realloc(first, 3500);
        CHECK(bigger != NULL && bigger[0] == 'f' && bigger[1999] == 'f');
        free(bigger);
    }
    free(guard);

    for (size_t alignment = 1; alignment <= 8192; alignment *= 2) {
        void *aligned = aligned_alloc(alignment, 100);
        CHECK(aligned != NULL && is_aligned(aligned, alignment));
        if (aligned != NULL)
            memset(aligned, 0x77, 100);
        void *memaligned = NULL;
        int result = posix_memalign(&memaligned, alignment < sizeof(void *) ? sizeof(void *) : alignment, 3000);
        CHECK_EQUAL_INT(result, 0);
        CHECK(memaligned != NULL && is_aligned(memaligned, alignment));
        if (memaligned != NULL)
            memset(memaligned, 0x66, 3000);
        free(aligned);
        free(memaligned);
    }
    void *unset = NULL;
    CHECK_EQUAL_INT(posix_memalign(&unset, 24, 10), EINVAL);
    CHECK_EQUAL_INT(posix_memalign(&unset, 4, 10), EINVAL);
    CHECK(unset == NULL);
    CHECK(aligned_alloc(48, 10) == NULL);
}

/* The byte a stress-test block holds at `index`, so any overlap or stray write shows. */
static unsigned char stress_byte(uint64_t tag, size_t index)
{
    return (unsigned char)((tag * 31) ^ (index * 7) ^ (index >> 8));
}

static bool stress_verify(const unsigned char *block, size_t size, uint64_t tag)
{
    for (size_t i = 0; i < size; i++) {
        if (block[i] != stress_byte(tag, i))
            return false;
    }
    return true;
}

static void stress_fill(unsigned char *block, size_t from, size_t size, uint64_t tag)
{
    for (size_t i = from; i < size; i++)
        block[i] = stress_byte(tag, i);
}

/* Mostly small sizes, some medium, a few large. */
static size_t stress_size(void)
{
    uint64_t roll = random_next();
    switch (roll % 16) {
    case 0:
        return (size_t)(random_next() % 65536);
    case 1:
    case 2:
        return (size_t)(random_next() % 4096);
    default:
        return (size_t)(random_next() % 256);
    }
}

/* Live bytes stay under STRESS_BUDGET, so the test fits the default 32 MiB guest with room for fragmentation. */
enum { STRESS_SLOTS = 1024, STRESS_ROUNDS = 60000, STRESS_BUDGET = 2 << 20 };

static void test_allocator_stress(void)
{
    static unsigned char *blocks[STRESS_SLOTS];
    static size_t sizes[STRESS_SLOTS];
    static uint64_t tags[STRESS_SLOTS];
    uint64_t next_tag = 1;
    size_t live_bytes = 0;

    for (int round = 0; round < STRESS_ROUNDS && !group_failed; round++) {
        size_t slot = (size_t)(random_next() % STRESS_SLOTS);
        uint64_t action = random_next() % 8;
        if (blocks[slot] == NULL) {
            size_t size = stress_size();
            if (live_bytes + size > STRESS_BUDGET)
                continue;
            blocks[slot] = action == 0 ? aligned_alloc(64, size) : malloc(size);
            if (blocks[slot] == NULL) {
                fail(__LINE__, "malloc(%zu) failed in round %d", size, round);
                break;
            }
            if (!is_aligned(blocks[slot], action == 0 ? 64 : 16))
                fail(__LINE__, "misaligned block %p", (void *)blocks[slot]);
            sizes[slot] = size;
            live_bytes += size;
            tags[slot] = next_tag++;
            stress_fill(blocks[slot], 0, size, tags[slot]);
        } else if (!stress_verify(blocks[slot], sizes[slot], tags[slot])) {
            fail(__LINE__, "block of %zu bytes overwritten before round %d", sizes[slot], round);
        } else if (action < 3) {
            size_t size = stress_size();
            if (live_bytes - sizes[slot] + size > STRESS_BUDGET)
                continue;
            unsigned char *moved = realloc(blocks[slot], size);
            if (moved == NULL) {
                fail(__LINE__, "realloc(%zu) failed in round %d", size, round);
                break;
            }
            size_t kept = size < sizes[slot] ? size : sizes[slot];
            if (!stress_verify(moved, kept, tags[slot]))
                fail(__LINE__, "realloc from %zu to %zu lost contents", sizes[slot], size);
            stress_fill(moved, kept, size, tags[slot]);
            blocks[slot] = moved;
            live_bytes = live_bytes - sizes[slot] + size;
            sizes[slot] = size;
        } else {
            free(blocks[slot]);
            blocks[slot] = NULL;
            live_bytes -= sizes[slot];
        }
    }
    for (size_t slot = 0; slot < STRESS_SLOTS; slot++) {
        if (blocks[slot] != NULL && !stress_verify(blocks[slot], sizes[slot], tags[slot]))
            fail(__LINE__, "block in slot %zu overwritten at the end", slot);
        free(blocks[slot]);
        blocks[slot] = NULL;
    }
}

/* Blocks kept in a list threaded through themselves, so filling the heap needs no other memory. */
struct held_block {
    struct held_block *next;
};

static size_t hold_until_exhausted(struct held_block **list, size_t size)
{
    size_t count = 0;
    for (;;) {
        struct held_block *block = malloc(size);
        if (block == NULL)
            return count;
        block->next = *list;
        *list = block;
        count++;
    }
}

static void release_all(struct held_block **list)
{
    while (*list != NULL) {
        struct held_block *next = (*list)->next;
        free(*list);
        *list = next;
    }
}

/* SMALL_BYTES makes the smallest block, so filling with them leaves no room for even malloc(1). */
enum { CHUNK_BYTES = 64 * 1024, SMALL_BYTES = 16 };

static void test_allocator_exhaustion(void)
{
    struct held_block *large = NULL, *small = NULL;

    /* Filling the heap ends in NULL (and ENOMEM), not an abort. */
    errno = 0;
    size_t large_count = hold_until_exhausted(&large, CHUNK_BYTES);
    CHECK_EQUAL_INT(errno, ENOMEM);
    if (large_count < 32) {
        fail(__LINE__, "only %zu blocks of %d bytes fit in the heap", large_count, CHUNK_BYTES);
        release_all(&large);
        return;
    }

    /* Freed, the blocks merge back into one nearly as big as all of them together. */
    release_all(&large);
    size_t whole_bytes = (large_count - 2) * (size_t)CHUNK_BYTES;
    void *whole = malloc(whole_bytes);
    CHECK(whole != NULL);
    if (whole != NULL) {
        memset(whole, 0xa5, whole_bytes);
        free(whole);
    }

    /* Fill all but the last 16 blocks' worth with one block, the rest with the smallest blocks, until not even
     * malloc(1) fits. Freed, the small blocks sit in the fast caches; a request bigger than any of them must fold
     * them back into the pool and coalesce them. */
    void *most = malloc((large_count - 16) * (size_t)CHUNK_BYTES);
    CHECK(most != NULL);
    size_t small_count = hold_until_exhausted(&small, SMALL_BYTES);
    CHECK(malloc(1) == NULL);
    release_all(&small);
    void *merged = malloc(small_count * SMALL_BYTES);
    CHECK(merged != NULL);
    free(merged);
    free(most);

    /* Keep every other block: no hole is bigger than one block, so two blocks' worth must fail, one must fit. */
    large_count = hold_until_exhausted(&large, CHUNK_BYTES);
    struct held_block *kept = NULL;
    size_t index = 0;
    while (large != NULL) {
        struct held_block *next = large->next;
        if (index++ % 2 == 0) {
            large->next = kept;
            kept = large;
        } else {
            free(large);
        }
        large = next;
    }
    CHECK(malloc(2 * CHUNK_BYTES) == NULL);
    void *hole = malloc(CHUNK_BYTES);
    CHECK(hole != NULL);
    free(hole);

    /* With the rest freed, everything merges again: as many blocks fit as the first time. */
    release_all(&kept);
    whole = malloc(whole_bytes);
    CHECK(whole != NULL);
    free(whole);
    size_t again = hold_until_exhausted(&large, CHUNK_BYTES);
    CHECK_EQUAL_INT(again, large_count);
    release_all(&large);
}

static int compare_ints(const void *a, const void *b)
{
    int left = *(const int *)a, right = *(const int *)b;
    return (left > right) - (left < right);
}

struct record {
    uint32_t key;
    uint32_t order;
    uint32_t check;
};

static int compare_records(const void *a, const void *b)
{
    const struct record *left = a, *right = b;
    return (left->key > right->key) - (left->key < right->key);
}

static int compare_bytes(const void *a, const void *b)
{
    return *(const unsigned char *)a - *(const unsigned char *)b;
}

enum { SORT_COUNT = 2000 };

static void test_sorting(void)
{
    static int values[SORT_COUNT];
    static unsigned counts[1000];

    /* Random values with repeats: sorted, and a permutation of the input (same count of every value). */
    memset(counts, 0, sizeof(counts));
    for (size_t i = 0; i < SORT_COUNT; i++) {
        values[i] = (int)(random_next() % 1000) - 500;
        counts[values[i] + 500]++;
    }
    qsort(values, SORT_COUNT, sizeof(int), compare_ints);
    for (size_t i = 0; i < SORT_COUNT; i++) {
        if (i > 0 && values[i - 1] > values[i]) {
            fail(__LINE__, "not sorted at %zu", i);
            break;
        }
        counts[values[i] + 500]--;
    }
    for (size_t i = 0; i < 1000; i++)
        CHECK(counts[i] == 0);

    /* Already sorted, reversed, all equal, and the tiny cases. */
    for (size_t i = 0; i < SORT_COUNT; i++)
        values[i] = (int)i;
    qsort(values, SORT_COUNT, sizeof(int), compare_ints);
    for (size_t i = 0; i < SORT_COUNT; i++)
        CHECK(values[i] == (int)i);
    for (size_t i = 0; i < SORT_COUNT; i++)
        values[i] = SORT_COUNT - (int)i;
    qsort(values, SORT_COUNT, sizeof(int), compare_ints);
    for (size_t i = 0; i < SORT_COUNT; i++)
        CHECK(values[i] == (int)i + 1);
    int single = 3;
    qsort(&single, 1, sizeof(int), compare_ints);
    qsort(NULL, 0, sizeof(int), compare_ints);
    CHECK(single == 3);

    /* 12-byte elements: whole records move together. */
    struct record records[300];
    for (uint32_t i = 0; i < 300; i++)
        records[i] = (struct record){.key = (i * 7919) % 300, .order = i, .check = ((i * 7919) % 300) ^ 0xabcdu};
    qsort(records, 300, sizeof(struct record), compare_records);
    for (uint32_t i = 0; i < 300; i++)
        CHECK(records[i].key == i && records[i].check == (i ^ 0xabcdu));

    char letters[] = "thequickbrownfoxjumpsoverthelazydog";
    qsort(letters, strlen(letters), 1, compare_bytes);
    CHECK_EQUAL_STRING(letters, "abcdeeefghhijklmnoooopqrrsttuuvwxyz");

    /* bsearch finds every present key and none of the absent ones. */
    int sorted[100];
    for (int i = 0; i < 100; i++)
        sorted[i] = i * 2;
    for (int key = -1; key <= 200; key++) {
        int *found = bsearch(&key, sorted, 100, sizeof(int), compare_ints);
        if (key % 2 == 0 && key >= 0 && key < 200)
            CHECK(found != NULL && *found == key);
        else
            CHECK(found == NULL);
    }
    int key = 5;
    CHECK(bsearch(&key, sorted, 0, sizeof(int), compare_ints) == NULL);
}

static bool in_set(int c, const char *set)
{
    return c > 0 && c < 128 && strchr(set, c) != NULL;
}

static void test_character_classes(void)
{
    const char *upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const char *lower = "abcdefghijklmnopqrstuvwxyz";
    const char *digits = "0123456789";
    const char *hex = "0123456789abcdefABCDEF";
    const char *space = " \t\n\v\f\r";
    const char *punct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    for (int c = -1; c < 256; c++) {
        bool is_upper = in_set(c, upper), is_lower = in_set(c, lower), is_digit = in_set(c, digits);
        bool is_punct = in_set(c, punct);
        bool is_graph = is_upper || is_lower || is_digit || is_punct;
        bool is_control = (c >= 0 && c < 32) || c == 127;
        if (!isupper(c) != !is_upper || !islower(c) != !is_lower || !isdigit(c) != !is_digit ||
            !isalpha(c) != !(is_upper || is_lower) || !isalnum(c) != !(is_upper || is_lower || is_digit) ||
            !isxdigit(c) != !in_set(c, hex) || !isspace(c) != !in_set(c, space) || !ispunct(c) != !is_punct ||
            !isgraph(c) != !is_graph || !isprint(c) != !(is_graph || c == ' ') || !iscntrl(c) != !is_control) {
            fail(__LINE__, "character class of %d", c);
            return;
        }
        int upper_case = is_lower ? c - 32 : c, lower_case = is_upper ? c + 32 : c;
        if (toupper(c) != upper_case || tolower(c) != lower_case) {
            fail(__LINE__, "case mapping of %d", c);
            return;
        }
    }
    CHECK(toupper(EOF) == EOF);
}

extern uintptr_t __stack_chk_guard;

static void test_runtime_support(void)
{
    /* The canary was seeded at boot and keeps a zero low byte. */
    CHECK(__stack_chk_guard != 0);
    CHECK((__stack_chk_guard & 0xff) == 0);

    assert_evaluations = 0;
    assert_with_ndebug();
    CHECK_EQUAL_INT(assert_evaluations, 0);
    assert_without_ndebug();
    CHECK_EQUAL_INT(assert_evaluations, 1);

    CHECK(sizeof(uint64_t) == 8 && sizeof(int32_t) == 4 && sizeof(int16_t) == 2 && sizeof(uint8_t) == 1);
    CHECK(INT64_MAX == LONG_MAX && UINT32_MAX == UINT_MAX && SIZE_MAX == ULONG_MAX);
    CHECK(INT8_MIN == -128 && INT16_MIN == -32768 && INT32_MIN == INT_MIN && INT64_MIN == LONG_MIN);
    CHECK(UINT64_C(1) << 63 == 0x8000000000000000u && INT64_C(-1) < 0);
    CHECK(offsetof(struct record, check) == 8);
    CHECK(CHAR_BIT == 8 && CHAR_MIN == -128 && UCHAR_MAX == 255 && SHRT_MAX == 32767 && USHRT_MAX == 65535);
}

/* What Debian's archives, compiled against glibc with _FORTIFY_SOURCE, call; no header declares them. */
void *__memcpy_chk(void *dest, const void *src, size_t n, size_t dest_size);
void *__memmove_chk(void *dest, const void *src, size_t n, size_t dest_size);
void *__memset_chk(void *dest, int c, size_t n, size_t dest_size);

static void test_glibc_compatibility(void)
{
    unsigned char buf[16] = {0};
    static const unsigned char source[16] = "0123456789abcde";

    CHECK(__errno_location() == &errno);
    /* Within bounds (also exactly at them) the checked copies are the plain ones. */
    CHECK(__memcpy_chk(buf, source, sizeof buf, sizeof buf) == buf && memcmp(buf, source, sizeof buf) == 0);
    CHECK(__memmove_chk(buf + 1, buf, 8, sizeof buf - 1) == buf + 1 && memcmp(buf + 1, "01234567", 8) == 0);
    CHECK(__memset_chk(buf, 'x', 4, 4) == buf && memcmp(buf, "xxxx", 4) == 0);

    /* No ambient clock: time() fails, in both its result and *t. */
    time_t stored = 0;
    errno = 0;
    CHECK(time(NULL) == (time_t)-1 && errno == EINVAL);
    CHECK(time(&stored) == (time_t)-1 && stored == (time_t)-1);

    /* %fs points at the thread block, whose canary at %fs:0x28 is the seeded global one. */
    uintptr_t self, canary;
    __asm__ __volatile__("movq %%fs:0, %0" : "=r"(self));
    __asm__ __volatile__("movq %%fs:0x28, %0" : "=r"(canary));
    CHECK(self == (uintptr_t)&libc_thread_block);
    CHECK(canary == __stack_chk_guard && canary == libc_thread_block.stack_guard);
}

struct test_group {
    const char *name;
    void (*run)(void);
};

static const struct test_group groups[] = {
    {"memory functions", test_memory_functions},
    {"string functions", test_string_functions},
    {"snprintf conversions", test_format_conversions},
    {"snprintf truncation", test_format_truncation},
    {"console output", test_console_output},
    {"number parsing", test_number_parsing},
    {"allocator basics", test_allocator_basics},
    {"allocator stress", test_allocator_stress},
    {"allocator exhaustion and coalescing", test_allocator_exhaustion},
    {"sorting and searching", test_sorting},
    {"character classes", test_character_classes},
    {"runtime support", test_runtime_support},
    {"glibc compatibility and the thread block", test_glibc_compatibility},
};

int libc_test_start(struct console *test_console)
{
    size_t count = sizeof(groups) / sizeof(groups[0]);
    int failures = 0;

    console = test_console;
    report("1..%zu\n", count);
    for (size_t i = 0; i < count; i++) {
        group_failed = false;
        group_detail[0] = '\0';
        groups[i].run();
        if (group_failed) {
            failures++;
            report("not ok %zu - %s: %s\n", i + 1, groups[i].name, group_detail);
        } else {
            report("ok %zu - %s\n", i + 1, groups[i].name);
        }
    }
    return failures;
}

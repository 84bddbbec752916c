/* printf.c: formatted output (integer conversions only) into a bounded buffer or, through a 256-byte buffer, to
 * the console. One formatter writes into a sink; snprintf's sink drops what does not fit, the console's flushes. */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/platform/platform.h"

struct sink {
    char *buf;
    size_t capacity; /* bytes of buf the formatter may fill (snprintf keeps one back for the NUL) */
    size_t used;     /* bytes of buf filled */
    size_t total;    /* bytes the output has had so far, kept or not: snprintf's result */
    bool to_console; /* a full buffer is written to the console and reused, rather than dropping the rest */
};

enum format_flag {
    FLAG_LEFT = 1 << 0,  /* '-' */
    FLAG_ZERO = 1 << 1,  /* '0' */
    FLAG_PLUS = 1 << 2,  /* '+' */
    FLAG_SPACE = 1 << 3, /* ' ' */
    FLAG_ALT = 1 << 4,   /* '#' */
};

enum length_modifier { LENGTH_INT, LENGTH_HH, LENGTH_H, LENGTH_L, LENGTH_LL, LENGTH_Z, LENGTH_J, LENGTH_T };

struct conversion {
    unsigned flags;
    size_t width;
    long precision; /* -1: none given */
    enum length_modifier length;
};

/* The console's line buffer; it only holds bytes during one printf/puts call. */
static char console_line[256];

static void sink_flush(struct sink *sink)
{
    if (sink->to_console && sink->used > 0)
        platform_console_write(sink->buf, sink->used);
    sink->used = 0;
}

static void sink_write(struct sink *sink, const char *text, size_t len)
{
    sink->total += len;
    while (len > 0) {
        if (sink->used == sink->capacity) {
            if (!sink->to_console)
                return;
            sink_flush(sink);
        }
        size_t room = sink->capacity - sink->used;
        size_t chunk = len < room ? len : room;
        memcpy(sink->buf + sink->used, text, chunk);
        sink->used += chunk;
        text += chunk;
        len -= chunk;
    }
}

static void sink_repeat(struct sink *sink, char c, size_t count)
{
    static const char zeros[16] = "0000000000000000";
    static const char spaces[16] = "                ";
    const char *run = c == '0' ? zeros : spaces;

    /* A buffer that is already full takes nothing more; count the rest without looping over it. */
    if (!sink->to_console && sink->used == sink->capacity) {
        sink->total += count;
        return;
    }
    while (count > 0) {
        size_t chunk = count < sizeof(zeros) ? count : sizeof(zeros);
        sink_write(sink, run, chunk);
        count -= chunk;
    }
}

/* Write `body` (len bytes) after `prefix`, with `zeros` zeros between them, padded with spaces to the width. */
static void write_padded(struct sink *sink, const struct conversion *conv, const char *prefix, size_t prefix_len,
                         size_t zeros, const char *body, size_t len)
{
    size_t content = prefix_len + zeros + len;
    size_t padding = conv->width > content ? conv->width - content : 0;

    if (!(conv->flags & FLAG_LEFT))
        sink_repeat(sink, ' ', padding);
    sink_write(sink, prefix, prefix_len);
    sink_repeat(sink, '0', zeros);
    sink_write(sink, body, len);
    if (conv->flags & FLAG_LEFT)
        sink_repeat(sink, ' ', padding);
}

static void format_integer(struct sink *sink, const struct conversion *conv, uintmax_t magnitude, char sign,
                           unsigned base, bool upper, bool hex_prefix)
{
    /* 22 octal digits hold 64 bits. */
    char digits[24];
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t ndigits = 0;
    char *end = digits + sizeof(digits);

    if (!(magnitude == 0 && conv->precision == 0)) {
        do {
            *--end = alphabet[magnitude % base];
            magnitude /= base;
            ndigits++;
        } while (magnitude != 0);
    }

    size_t precision = conv->precision < 0 ? 1 : (size_t)conv->precision;
    /* '#' with 'o' makes the first digit a zero, by raising the precision if need be. */
    if (base == 8 && (conv->flags & FLAG_ALT) && (ndigits == 0 || *end != '0') && precision <= ndigits)
        precision = ndigits + 1;

    char prefix[3];
    size_t prefix_len = 0;
    if (sign != '\0')
        prefix[prefix_len++] = sign;
    if (hex_prefix) {
        prefix[prefix_len++] = '0';
        prefix[prefix_len++] = upper ? 'X' : 'x';
    }

    size_t zeros = precision > ndigits ? precision - ndigits : 0;
    /* '0' pads with zeros after the sign and prefix, unless a precision was given or '-' overrides it. */
    if ((conv->flags & FLAG_ZERO) && !(conv->flags & FLAG_LEFT) && conv->precision < 0 &&
        conv->width > prefix_len + ndigits + zeros)
        zeros = conv->width - prefix_len - ndigits;
    write_padded(sink, conv, prefix, prefix_len, zeros, end, ndigits);
}

static void format_string(struct sink *sink, const struct conversion *conv, const char *text)
{
    if (text == NULL)
        text = "(null)";
    size_t len = conv->precision < 0 ? strlen(text) : strnlen(text, (size_t)conv->precision);
    write_padded(sink, conv, "", 0, 0, text, len);
}

static intmax_t fetch_signed(va_list *args, enum length_modifier length)
{
    switch (length) {
    case LENGTH_HH:
        return (signed char)va_arg(*args, int);
    case LENGTH_H:
        return (short)va_arg(*args, int);
    case LENGTH_L:
        return va_arg(*args, long);
    case LENGTH_LL:
        return va_arg(*args, long long);
    case LENGTH_Z:
    case LENGTH_T:
        /* The signed type of size_t's width is ptrdiff_t's on LP64. */
        return va_arg(*args, ptrdiff_t);
    case LENGTH_J:
        return va_arg(*args, intmax_t);
    case LENGTH_INT:
        break;
    }
    return va_arg(*args, int);
}

static uintmax_t fetch_unsigned(va_list *args, enum length_modifier length)
{
    switch (length) {
    case LENGTH_HH:
        return (unsigned char)va_arg(*args, unsigned int);
    case LENGTH_H:
        return (unsigned short)va_arg(*args, unsigned int);
    case LENGTH_L:
        return va_arg(*args, unsigned long);
    case LENGTH_LL:
        return va_arg(*args, unsigned long long);
    case LENGTH_Z:
    case LENGTH_T:
        return va_arg(*args, size_t);
    case LENGTH_J:
        return va_arg(*args, uintmax_t);
    case LENGTH_INT:
        break;
    }
    return va_arg(*args, unsigned int);
}

/* Parse flags, width, precision and length after a '%'; returns the position of the conversion letter. */
static const char *parse_conversion(const char *cursor, struct conversion *conv, va_list *args)
{
    conv->flags = 0;
    conv->width = 0;
    conv->precision = -1;
    conv->length = LENGTH_INT;

    for (;; cursor++) {
        if (*cursor == '-')
            conv->flags |= FLAG_LEFT;
        else if (*cursor == '0')
            conv->flags |= FLAG_ZERO;
        else if (*cursor == '+')
            conv->flags |= FLAG_PLUS;
        else if (*cursor == ' ')
            conv->flags |= FLAG_SPACE;
        else if (*cursor == '#')
            conv->flags |= FLAG_ALT;
        else
            break;
    }

    if (*cursor == '*') {
        int width = va_arg(*args, int);
        /* A negative width from '*' means '-' and its magnitude. */
        if (width < 0) {
            conv->flags |= FLAG_LEFT;
            conv->width = (size_t) - (long)width;
        } else {
            conv->width = (size_t)width;
        }
        cursor++;
    } else {
        for (; *cursor >= '0' && *cursor <= '9'; cursor++) {
            if (conv->width <= INT_MAX)
                conv->width = conv->width * 10 + (size_t)(*cursor - '0');
        }
    }

    if (*cursor == '.') {
        cursor++;
        if (*cursor == '*') {
            int precision = va_arg(*args, int);
            /* A negative precision from '*' is taken as if none were given. */
            conv->precision = precision < 0 ? -1 : precision;
            cursor++;
        } else {
            conv->precision = 0;
            for (; *cursor >= '0' && *cursor <= '9'; cursor++) {
                if (conv->precision <= INT_MAX)
                    conv->precision = conv->precision * 10 + (*cursor - '0');
            }
        }
    }

    switch (*cursor) {
    case 'h':
        cursor++;
        conv->length = LENGTH_H;
        if (*cursor == 'h') {
            cursor++;
            conv->length = LENGTH_HH;
        }
        break;
    case 'l':
        cursor++;
        conv->length = LENGTH_L;
        if (*cursor == 'l') {
            cursor++;
            conv->length = LENGTH_LL;
        }
        break;
    case 'z':
        cursor++;
        conv->length = LENGTH_Z;
        break;
    case 'j':
        cursor++;
        conv->length = LENGTH_J;
        break;
    case 't':
        cursor++;
        conv->length = LENGTH_T;
        break;
    default:
        break;
    }
    return cursor;
}

static void format_all(struct sink *sink, const char *format, va_list *args)
{
    const char *cursor = format;

    while (*cursor != '\0') {
        const char *literal_end = cursor;
        while (*literal_end != '\0' && *literal_end != '%')
            literal_end++;
        sink_write(sink, cursor, (size_t)(literal_end - cursor));
        if (*literal_end == '\0')
            return;

        const char *spec_start = literal_end;
        struct conversion conv;
        cursor = parse_conversion(literal_end + 1, &conv, args);
        char letter = *cursor;
        switch (letter) {
        case 'd':
        case 'i': {
            intmax_t value = fetch_signed(args, conv.length);
            char sign = value < 0 ? '-' : (conv.flags & FLAG_PLUS) ? '+' : (conv.flags & FLAG_SPACE) ? ' ' : '\0';
            /* Negate in unsigned arithmetic so INTMAX_MIN has a magnitude. */
            uintmax_t magnitude = value < 0 ? -(uintmax_t)value : (uintmax_t)value;
            format_integer(sink, &conv, magnitude, sign, 10, false, false);
            break;
        }
        case 'u':
            format_integer(sink, &conv, fetch_unsigned(args, conv.length), '\0', 10, false, false);
            break;
        case 'o':
            format_integer(sink, &conv, fetch_unsigned(args, conv.length), '\0', 8, false, false);
            break;
        case 'x':
        case 'X': {
            uintmax_t value = fetch_unsigned(args, conv.length);
            bool prefix = (conv.flags & FLAG_ALT) && value != 0;
            format_integer(sink, &conv, value, '\0', 16, letter == 'X', prefix);
            break;
        }
        case 'p': {
            void *pointer = va_arg(*args, void *);
            if (pointer == NULL) {
                conv.precision = -1;
                format_string(sink, &conv, "(nil)");
            } else {
                char sign = (conv.flags & FLAG_PLUS) ? '+' : (conv.flags & FLAG_SPACE) ? ' ' : '\0';
                format_integer(sink, &conv, (uintptr_t)pointer, sign, 16, false, true);
            }
            break;
        }
        case 'c': {
            char c = (char)va_arg(*args, int);
            write_padded(sink, &conv, "", 0, 0, &c, 1);
            break;
        }
        case 's':
            format_string(sink, &conv, va_arg(*args, const char *));
            break;
        case '%':
            sink_write(sink, "%", 1);
            break;
        case '\0':
            /* A lone '%' at the end: write what there was and stop. */
            sink_write(sink, spec_start, (size_t)(cursor - spec_start));
            return;
        default:
            /* Not a conversion we know: write it as it stands. */
            sink_write(sink, spec_start, (size_t)(cursor + 1 - spec_start));
            break;
        }
        cursor++;
    }
}

static int clamp_result(size_t total)
{
    return total > INT_MAX ? -1 : (int)total;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict format, va_list args)
{
    struct sink sink = {
        .buf = buf,
        .capacity = size > 0 ? size - 1 : 0,
        .used = 0,
        .total = 0,
        .to_console = false,
    };
    va_list copy;

    va_copy(copy, args);
    format_all(&sink, format, &copy);
    va_end(copy);
    if (size > 0)
        buf[sink.used] = '\0';
    return clamp_result(sink.total);
}

int snprintf(char *restrict buf, size_t size, const char *restrict format, ...)
{
    va_list args;

    va_start(args, format);
    int result = vsnprintf(buf, size, format, args);
    va_end(args);
    return result;
}

static struct sink console_sink(void)
{
    struct sink sink = {
        .buf = console_line,
        .capacity = sizeof(console_line),
        .used = 0,
        .total = 0,
        .to_console = true,
    };
    return sink;
}

int vprintf(const char *restrict format, va_list args)
{
    struct sink sink = console_sink();
    va_list copy;

    va_copy(copy, args);
    format_all(&sink, format, &copy);
    va_end(copy);
    sink_flush(&sink);
    return clamp_result(sink.total);
}

int printf(const char *restrict format, ...)
{
    va_list args;

    va_start(args, format);
    int result = vprintf(format, args);
    va_end(args);
    return result;
}

int puts(const char *s)
{
    struct sink sink = console_sink();

    sink_write(&sink, s, strlen(s));
    sink_write(&sink, "\n", 1);
    sink_flush(&sink);
    return 0;
}

int putchar(int c)
{
    char byte = (char)c;

    platform_console_write(&byte, 1);
    return (unsigned char)byte;
}

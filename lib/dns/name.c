/* name.c: domain names: reading compressed wire names safely, comparison and canonical order, compression. */
#include <string.h>

#include "lib/dns/dns_internal.h"

int dns_name_read(const uint8_t *message, size_t message_len, size_t offset, struct dns_name *name, size_t *next)
{
    /* Every pointer must go strictly below the lowest position read so far: the walk then ends in at most
     * message_len steps, and a pointer can never reach forward or into itself. */
    size_t pos = offset, lowest = offset;
    bool jumped = false;
    unsigned length = 0, labels = 0, steps = 0;
    for (;;) {
        /* 127 labels and as many pointers is more than any valid name needs; this bounds the work per name. */
        if (pos >= message_len || ++steps > 2 * DNS_LABELS_MAX) {
            return -1;
        }
        uint8_t octet = message[pos];
        if ((octet & 0xC0) == 0xC0) {
            if (pos + 1 >= message_len) {
                return -1;
            }
            size_t target = ((size_t)(octet & 0x3F) << 8) | message[pos + 1];
            if (target >= lowest) {
                return -1;
            }
            if (!jumped) {
                *next = pos + 2;
                jumped = true;
            }
            lowest = target;
            pos = target;
            continue;
        }
        if (octet & 0xC0) {
            return -1; /* 0x40 and 0x80 label types are obsolete or undefined */
        }
        if (octet == 0) {
            if (length + 1 > DNS_NAME_MAX) {
                return -1;
            }
            name->wire[length++] = 0;
            name->length = (uint8_t)length;
            name->label_count = (uint8_t)labels;
            name->labels[labels] = (uint8_t)(length - 1);
            if (!jumped) {
                *next = pos + 1;
            }
            return 0;
        }
        if (pos + 1 + octet > message_len || length + 1 + octet + 1 > DNS_NAME_MAX) {
            return -1;
        }
        name->labels[labels++] = (uint8_t)length;
        memcpy(name->wire + length, message + pos, (size_t)octet + 1);
        length += (unsigned)octet + 1;
        pos += (size_t)octet + 1;
    }
}

int dns_name_from_wire(const uint8_t *wire, size_t available, struct dns_name *name)
{
    size_t length = 0;
    unsigned labels = 0;
    for (;;) {
        if (length >= available) {
            return -1;
        }
        uint8_t octet = wire[length];
        if (octet > DNS_LABEL_MAX) {
            return -1;
        }
        if (octet == 0) {
            if (length + 1 > DNS_NAME_MAX) {
                return -1;
            }
            name->labels[labels] = (uint8_t)length;
            memcpy(name->wire, wire, length + 1);
            name->length = (uint8_t)(length + 1);
            name->label_count = (uint8_t)labels;
            return 0;
        }
        if (length + 1 + octet + 1 > DNS_NAME_MAX) {
            return -1;
        }
        name->labels[labels++] = (uint8_t)length;
        length += (size_t)octet + 1;
    }
}

size_t dns_wire_name_length(const uint8_t *wire)
{
    size_t length = 0;
    while (wire[length] != 0) {
        length += (size_t)wire[length] + 1;
    }
    return length + 1;
}

void dns_name_lowercase(struct dns_name *name)
{
    for (unsigned i = 0; i < name->length; i++) {
        name->wire[i] = dns_lower(name->wire[i]);
    }
}

bool dns_wire_name_equal(const uint8_t *a, const uint8_t *b)
{
    for (;;) {
        if (*a != *b) {
            return false;
        }
        unsigned length = *a;
        if (length == 0) {
            return true;
        }
        for (unsigned i = 1; i <= length; i++) {
            if (dns_lower(a[i]) != dns_lower(b[i])) {
                return false;
            }
        }
        a += length + 1;
        b += length + 1;
    }
}

static bool label_equal(const uint8_t *a, const uint8_t *b)
{
    if (*a != *b) {
        return false;
    }
    for (unsigned i = 1; i <= *a; i++) {
        if (dns_lower(a[i]) != dns_lower(b[i])) {
            return false;
        }
    }
    return true;
}

unsigned dns_name_common_labels(struct dns_name_ref a, struct dns_name_ref b)
{
    unsigned i = a.label_count, j = b.label_count, common = 0;
    while (i > 0 && j > 0 && label_equal(a.wire + a.labels[i - 1], b.wire + b.labels[j - 1])) {
        i--;
        j--;
        common++;
    }
    return common;
}

bool dns_name_is_at_or_below(struct dns_name_ref name, struct dns_name_ref ancestor)
{
    if (name.label_count < ancestor.label_count) {
        return false;
    }
    return dns_wire_name_equal(name.wire + name.labels[name.label_count - ancestor.label_count], ancestor.wire);
}

int dns_name_canonical_compare(struct dns_name_ref a, struct dns_name_ref b)
{
    unsigned i = a.label_count, j = b.label_count;
    while (i > 0 && j > 0) {
        const uint8_t *la = a.wire + a.labels[--i], *lb = b.wire + b.labels[--j];
        unsigned shorter = la[0] < lb[0] ? la[0] : lb[0];
        int order = memcmp(la + 1, lb + 1, shorter);
        if (order != 0) {
            return order;
        }
        if (la[0] != lb[0]) {
            return la[0] < lb[0] ? -1 : 1;
        }
    }
    if (i == j) {
        return 0;
    }
    return i == 0 ? -1 : 1; /* the name with labels left is below the other, so after it */
}

void dns_name_suffix(const struct dns_name *name, unsigned drop, struct dns_name *suffix)
{
    unsigned start = name->labels[drop];
    suffix->length = (uint8_t)(name->length - start);
    suffix->label_count = (uint8_t)(name->label_count - drop);
    memcpy(suffix->wire, name->wire + start, suffix->length);
    for (unsigned i = 0; i <= suffix->label_count; i++) {
        suffix->labels[i] = (uint8_t)(name->labels[i + drop] - start);
    }
}

/* Whether the name written at message[offset] (our own output, so its pointers are sound) equals `wire`. */
static bool message_name_equal(const uint8_t *message, size_t offset, const uint8_t *wire)
{
    for (;;) {
        uint8_t octet = message[offset];
        if ((octet & 0xC0) == 0xC0) {
            offset = ((size_t)(octet & 0x3F) << 8) | message[offset + 1];
            continue;
        }
        if (!label_equal(message + offset, wire)) {
            return false;
        }
        if (octet == 0) {
            return true;
        }
        offset += (size_t)octet + 1;
        wire += octet + 1;
    }
}

bool dns_name_write(uint8_t *message, size_t *pos, size_t limit, const uint8_t *wire, struct dns_compressor *compressor)
{
    /* Labels of `wire` from the left; find the longest suffix already in the message. */
    uint8_t starts[DNS_LABELS_MAX + 1];
    unsigned labels = 0;
    for (unsigned at = 0; wire[at] != 0; at += (unsigned)wire[at] + 1) {
        starts[labels++] = (uint8_t)at;
    }
    unsigned literal = labels; /* labels written literally before a pointer (all of them: no pointer) */
    uint16_t pointer = 0;
    if (compressor != NULL) {
        for (unsigned i = 0; i < labels && literal == labels; i++) {
            uint8_t suffix_labels = (uint8_t)(labels - i);
            for (unsigned e = 0; e < compressor->count; e++) {
                if (compressor->labels[e] == suffix_labels &&
                    message_name_equal(message, compressor->offset[e], wire + starts[i])) {
                    literal = i;
                    pointer = compressor->offset[e];
                    break;
                }
            }
        }
    }
    size_t literal_octets = literal == labels ? dns_wire_name_length(wire) : starts[literal];
    size_t total = literal_octets + (literal == labels ? 0 : 2);
    if (*pos > limit || limit - *pos < total) {
        return false;
    }
    size_t start = *pos;
    memcpy(message + start, wire, literal_octets);
    if (literal != labels) {
        dns_put16(message + start + literal_octets, (uint16_t)(0xC000 | pointer));
    }
    if (compressor != NULL) {
        for (unsigned i = 0; i < literal && compressor->count < DNS_COMPRESS_ENTRIES; i++) {
            size_t offset = start + starts[i];
            if (offset > 0x3FFF) {
                break;
            }
            compressor->offset[compressor->count] = (uint16_t)offset;
            compressor->labels[compressor->count] = (uint8_t)(labels - i);
            compressor->count++;
        }
    }
    *pos = start + total;
    return true;
}

static int digit_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

const char *dns_name_from_text(const char *text, size_t len, const struct dns_name *origin, struct dns_name *name)
{
    if (len == 1 && text[0] == '@') {
        *name = *origin;
        return NULL;
    }
    if (len == 0) {
        return "empty name";
    }
    if (len == 1 && text[0] == '.') {
        name->length = 1;
        name->label_count = 0;
        name->labels[0] = 0;
        name->wire[0] = 0;
        return NULL;
    }
    uint8_t wire[DNS_NAME_MAX + DNS_LABEL_MAX + 2];
    size_t out = 0, label_start = 0;
    bool absolute = false;
    wire[0] = 0;
    out = 1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        uint8_t octet;
        if (c == '.') {
            if (out == label_start + 1) {
                return "empty label";
            }
            if (i + 1 == len) {
                absolute = true;
                break;
            }
            if (out >= DNS_NAME_MAX) {
                return "name longer than 255 octets";
            }
            label_start = out;
            wire[out++] = 0;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= len) {
                return "backslash at the end of a name";
            }
            if (digit_value(text[i + 1]) >= 0) {
                if (i + 3 >= len || digit_value(text[i + 2]) < 0 || digit_value(text[i + 3]) < 0) {
                    return "bad \\DDD escape";
                }
                int value = digit_value(text[i + 1]) * 100 + digit_value(text[i + 2]) * 10 + digit_value(text[i + 3]);
                if (value > 255) {
                    return "\\DDD escape above 255";
                }
                octet = (uint8_t)value;
                i += 3;
            } else {
                octet = (uint8_t)text[++i];
            }
        } else {
            octet = (uint8_t)c;
        }
        if (out - label_start > DNS_LABEL_MAX) {
            return "label longer than 63 octets";
        }
        if (out >= DNS_NAME_MAX) {
            return "name longer than 255 octets";
        }
        wire[out++] = octet;
        wire[label_start] = (uint8_t)(out - label_start - 1);
    }
    size_t length = out;
    if (absolute) {
        if (length + 1 > DNS_NAME_MAX) {
            return "name longer than 255 octets";
        }
        wire[length++] = 0;
    } else {
        if (length + origin->length > DNS_NAME_MAX) {
            return "name longer than 255 octets";
        }
        memcpy(wire + length, origin->wire, origin->length);
        length += origin->length;
    }
    if (dns_name_from_wire(wire, length, name) != 0) {
        return "malformed name";
    }
    return NULL;
}

/* zone_parse.c: reads master-file entries into records: $ORIGIN, $TTL, owners (relative, @, blank = previous),
 * TTL and class in either order, type, RDATA; errors as "<line>: <problem>". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dns/dns_internal.h"

struct parser {
    struct dns_name origin;
    struct dns_name previous_owner;
    bool have_previous_owner;
    bool have_default_ttl; /* from $TTL */
    uint32_t default_ttl;
    bool have_last_ttl; /* the last explicit TTL, used when there is no $TTL (RFC 1035) */
    uint32_t last_ttl;
    char *error;
    size_t error_size;
};

__attribute__((__format__(__printf__, 3, 4))) static int report(struct parser *parser, unsigned line,
                                                                const char *format, ...)
{
    if (parser->error_size == 0) {
        return -1;
    }
    int used = snprintf(parser->error, parser->error_size, "%u: ", line);
    if (used >= 0 && (size_t)used < parser->error_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(parser->error + used, parser->error_size - (size_t)used, format, args);
        va_end(args);
    }
    return -1;
}

static int clip(const struct dns_token *token)
{
    return token->length > 60 ? 60 : (int)token->length;
}

static bool word_is(const struct dns_token *token, const char *word)
{
    size_t len = strlen(word);
    if (token->quoted || token->length != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (dns_lower((uint8_t)token->text[i]) != dns_lower((uint8_t)word[i])) {
            return false;
        }
    }
    return true;
}

static int directive(struct parser *parser, const struct dns_entry *entry)
{
    const struct dns_token *name = &entry->tokens[0];
    if (word_is(name, "$ORIGIN")) {
        if (entry->count != 2) {
            return report(parser, entry->line, "$ORIGIN takes one domain name");
        }
        struct dns_name origin;
        const char *problem =
            dns_name_from_text(entry->tokens[1].text, entry->tokens[1].length, &parser->origin, &origin);
        if (problem != NULL) {
            return report(parser, entry->line, "bad $ORIGIN '%.*s': %s", clip(&entry->tokens[1]), entry->tokens[1].text,
                          problem);
        }
        parser->origin = origin;
        return 0;
    }
    if (word_is(name, "$TTL")) {
        if (entry->count != 2 ||
            dns_ttl_from_text(entry->tokens[1].text, entry->tokens[1].length, &parser->default_ttl) != 0) {
            return report(parser, entry->line, "$TTL takes one TTL (seconds, or units like 1h30m)");
        }
        parser->have_default_ttl = true;
        return 0;
    }
    if (word_is(name, "$INCLUDE")) {
        return report(parser, entry->line, "$INCLUDE is not supported: a zone is one file");
    }
    return report(parser, entry->line, "unknown directive '%.*s'", clip(name), name->text);
}

static bool starts_with_digit(const struct dns_token *token)
{
    return !token->quoted && token->length > 0 && token->text[0] >= '0' && token->text[0] <= '9';
}

/* A class mnemonic: 1 for IN, another class number for one we do not serve, 0 when the token is no class. */
static unsigned class_of(const struct dns_token *token)
{
    if (word_is(token, "IN")) {
        return DNS_CLASS_IN;
    }
    if (word_is(token, "CH") || word_is(token, "CS") || word_is(token, "HS")) {
        return 3;
    }
    if (!token->quoted && token->length > 5 && word_is(&(struct dns_token){token->text, 5, false}, "CLASS")) {
        return 3;
    }
    return 0;
}

static int record(struct parser *parser, const struct dns_entry *entry, struct dns_zone_builder *builder,
                  uint8_t *rdata)
{
    size_t at = 0;
    struct dns_name owner;
    if (entry->owner_blank) {
        if (!parser->have_previous_owner) {
            return report(parser, entry->line, "the first record has no owner name");
        }
        owner = parser->previous_owner;
    } else {
        const struct dns_token *token = &entry->tokens[at++];
        const char *problem = token->quoted ? "quoted owner name"
                                            : dns_name_from_text(token->text, token->length, &parser->origin, &owner);
        if (problem != NULL) {
            return report(parser, entry->line, "bad owner name '%.*s': %s", clip(token), token->text, problem);
        }
    }
    bool have_ttl = false, have_class = false;
    uint32_t ttl = 0;
    while (at < entry->count && (!have_ttl || !have_class)) {
        const struct dns_token *token = &entry->tokens[at];
        if (!have_ttl && starts_with_digit(token)) {
            if (dns_ttl_from_text(token->text, token->length, &ttl) != 0) {
                return report(parser, entry->line, "bad TTL '%.*s'", clip(token), token->text);
            }
            have_ttl = true;
            at++;
            continue;
        }
        unsigned class = have_class ? 0 : class_of(token);
        if (class == 0) {
            break;
        }
        if (class != DNS_CLASS_IN) {
            return report(parser, entry->line, "class '%.*s' is not supported: only IN", clip(token), token->text);
        }
        have_class = true;
        at++;
    }
    if (at >= entry->count) {
        return report(parser, entry->line, "missing record type");
    }
    const struct dns_token *type_token = &entry->tokens[at++];
    uint16_t type = type_token->quoted ? 0 : dns_type_from_text(type_token->text, type_token->length);
    if (type == 0) {
        return report(parser, entry->line, "unknown record type '%.*s'", clip(type_token), type_token->text);
    }
    if (!have_ttl) {
        if (parser->have_default_ttl) {
            ttl = parser->default_ttl;
        } else if (parser->have_last_ttl) {
            ttl = parser->last_ttl;
        } else {
            return report(parser, entry->line, "no TTL: give one or set $TTL");
        }
    } else {
        parser->have_last_ttl = true;
        parser->last_ttl = ttl;
    }
    if (ttl > 0x7FFFFFFFU) {
        ttl = 0; /* RFC 2181 section 8: a TTL with the top bit set reads as zero */
    }
    size_t rdlength = 0;
    char detail[64];
    const char *problem =
        dns_rdata_from_text(type, entry->tokens + at, entry->count - at, &parser->origin, rdata, &rdlength, detail);
    if (problem != NULL) {
        if (detail[0] != '\0') {
            return report(parser, entry->line, "%.*s record: %s '%s'", clip(type_token), type_token->text, problem,
                          detail);
        }
        return report(parser, entry->line, "%.*s record: %s", clip(type_token), type_token->text, problem);
    }
    if (dns_builder_add(builder, &owner, type, ttl, rdata, rdlength, entry->line) != 0) {
        return report(parser, entry->line, "out of memory");
    }
    parser->previous_owner = owner;
    parser->have_previous_owner = true;
    return 0;
}

struct dns_zone *dns_zone_parse(const char *text, size_t len, const char *origin, char *error, size_t error_size)
{
    struct parser parser = {.error = error, .error_size = error_size};
    if (error_size > 0) {
        error[0] = '\0';
    }
    struct dns_name root = {.length = 1, .label_count = 0};
    const char *problem =
        origin == NULL ? "no origin" : dns_name_from_text(origin, strlen(origin), &root, &parser.origin);
    if (problem != NULL) {
        report(&parser, 0, "bad origin '%s': %s", origin == NULL ? "" : origin, problem);
        return NULL;
    }
    struct dns_entry *entry = malloc(sizeof *entry);
    uint8_t *rdata = malloc(DNS_RDATA_MAX);
    struct dns_zone_builder builder = {0};
    struct dns_zone *zone = NULL;
    struct dns_lexer lexer = {.text = text, .length = len, .pos = 0, .line = 1};
    if (entry == NULL || rdata == NULL) {
        report(&parser, 0, "out of memory");
        goto done;
    }
    for (;;) {
        int got = dns_lexer_next(&lexer, entry, &problem);
        if (got < 0) {
            report(&parser, entry->line, "%s", problem);
            goto done;
        }
        if (got == 0) {
            break;
        }
        bool is_directive = !entry->owner_blank && !entry->tokens[0].quoted && entry->tokens[0].length > 0 &&
                            entry->tokens[0].text[0] == '$';
        if ((is_directive ? directive(&parser, entry) : record(&parser, entry, &builder, rdata)) != 0) {
            goto done;
        }
    }
    unsigned line = 0;
    char message[160];
    zone = dns_zone_build(&builder, &line, message, sizeof message);
    if (zone == NULL) {
        report(&parser, line, "%s", message);
    }
done:
    dns_builder_free(&builder);
    free(rdata);
    free(entry);
    return zone;
}

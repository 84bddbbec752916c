/* zone_lexer.c: splits a master file into entries of tokens: comments, parentheses across lines, quoted strings,
 * escapes, and whether an entry's owner field is blank (RFC 1035 section 5.1). */
#include "lib/dns/dns_internal.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool ends_token(char c)
{
    return is_blank(c) || c == '\n' || c == ';' || c == '(' || c == ')' || c == '"';
}

static int fail(struct dns_entry *entry, unsigned line, const char **problem, const char *what)
{
    entry->line = line;
    *problem = what;
    return -1;
}

int dns_lexer_next(struct dns_lexer *lexer, struct dns_entry *entry, const char **problem)
{
    const char *text = lexer->text;
    size_t length = lexer->length;
    unsigned depth = 0, opened_at = 0;
    bool at_line_start = true;
    entry->count = 0;
    entry->owner_blank = false;
    entry->line = lexer->line;
    while (lexer->pos < length) {
        char c = text[lexer->pos];
        if (at_line_start && depth == 0 && entry->count == 0) {
            entry->owner_blank = is_blank(c);
            entry->line = lexer->line;
        }
        at_line_start = false;
        if (c == '\n') {
            lexer->pos++;
            lexer->line++;
            at_line_start = true;
            if (depth == 0 && entry->count > 0) {
                return 1;
            }
            continue;
        }
        if (is_blank(c)) {
            lexer->pos++;
            continue;
        }
        if (c == ';') {
            while (lexer->pos < length && text[lexer->pos] != '\n') {
                lexer->pos++;
            }
            continue;
        }
        if (c == '(') {
            if (depth++ == 0) {
                opened_at = lexer->line;
            }
            lexer->pos++;
            continue;
        }
        if (c == ')') {
            if (depth == 0) {
                return fail(entry, lexer->line, problem, "')' without '('");
            }
            depth--;
            lexer->pos++;
            continue;
        }
        if (entry->count == DNS_ENTRY_TOKENS_MAX) {
            return fail(entry, lexer->line, problem, "too many fields in one entry");
        }
        struct dns_token *token = &entry->tokens[entry->count];
        if (c == '"') {
            size_t start = ++lexer->pos;
            while (lexer->pos < length && text[lexer->pos] != '"') {
                if (text[lexer->pos] == '\n') {
                    return fail(entry, lexer->line, problem, "quoted string not closed on its line");
                }
                if (text[lexer->pos] == '\\' && lexer->pos + 1 < length && text[lexer->pos + 1] != '\n') {
                    lexer->pos++;
                }
                lexer->pos++;
            }
            if (lexer->pos >= length) {
                return fail(entry, lexer->line, problem, "quoted string not closed at the end of the file");
            }
            token->text = text + start;
            token->length = (uint32_t)(lexer->pos - start);
            token->quoted = true;
            lexer->pos++;
        } else {
            size_t start = lexer->pos;
            while (lexer->pos < length && !ends_token(text[lexer->pos])) {
                if (text[lexer->pos] == '\\' && lexer->pos + 1 < length && text[lexer->pos + 1] != '\n') {
                    lexer->pos++; /* an escaped blank, quote, parenthesis or semicolon stays in the token */
                }
                lexer->pos++;
            }
            token->text = text + start;
            token->length = (uint32_t)(lexer->pos - start);
            token->quoted = false;
        }
        entry->count++;
    }
    if (depth > 0) {
        return fail(entry, opened_at, problem, "'(' not closed before the end of the file");
    }
    return entry->count > 0 ? 1 : 0;
}

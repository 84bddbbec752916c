/* keys.c: the key table: boot arguments `--<name>=<value>` over configure-time values, typed lookups. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/runtime/boot.h"
#include "lib/runtime/abi_hooks.h"

/* The table generated main.c hands over at boot; owned by this file. */
static struct mirage_key *key_table;
/* The instance whose connect function runs now, set by generated main.c around the call; NULL otherwise. */
static const char *key_scope;

static const char *key_type_name(enum mirage_key_type type)
{
    switch (type) {
    case MIRAGE_KEY_STRING:
        return "string";
    case MIRAGE_KEY_INT:
        return "int";
    case MIRAGE_KEY_BOOL:
        return "bool";
    }
    return "unknown";
}

/* Strict decimal int64: optional '-', no leading zeros, no overflow. Same rule as the build-time check. */
static bool parse_int64(const char *text, int64_t *out)
{
    bool negative = false;
    uint64_t magnitude = 0;
    const uint64_t limit = (uint64_t)INT64_MAX;

    if (*text == '-') {
        negative = true;
        text++;
    }
    if (*text < '0' || *text > '9' || (text[0] == '0' && text[1] != '\0'))
        return false;
    for (; *text != '\0'; text++) {
        if (*text < '0' || *text > '9')
            return false;
        uint64_t digit = (uint64_t)(*text - '0');
        if (magnitude > (limit + (negative ? 1u : 0u) - digit) / 10u)
            return false;
        magnitude = magnitude * 10u + digit;
    }
    if (negative)
        *out = magnitude == limit + 1u ? INT64_MIN : -(int64_t)magnitude;
    else
        *out = (int64_t)magnitude;
    return true;
}

static bool parse_bool(const char *text, bool *out)
{
    if (strcmp(text, "true") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(text, "false") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static bool value_is_valid(enum mirage_key_type type, const char *value)
{
    int64_t as_int;
    bool as_bool;

    switch (type) {
    case MIRAGE_KEY_STRING:
        return true;
    case MIRAGE_KEY_INT:
        return parse_int64(value, &as_int);
    case MIRAGE_KEY_BOOL:
        return parse_bool(value, &as_bool);
    }
    return false;
}

static struct mirage_key *find_key(const char *name, size_t name_len)
{
    for (struct mirage_key *key = key_table; key != NULL && key->name != NULL; key++) {
        if (strlen(key->name) == name_len && strncmp(key->name, name, name_len) == 0)
            return key;
    }
    return NULL;
}

static void print_usage(void)
{
    mirage_log("usage: boot arguments are --<key>=<value>; keys and their values now:", "", "", "");
    for (struct mirage_key *key = key_table; key->name != NULL; key++)
        mirage_log("  --", key->name, "=", key->value);
}

static int apply_argument(const char *arg)
{
    if (strncmp(arg, "--", 2) != 0) {
        mirage_log("mirage: boot argument `", arg, "` is not of the form --<key>=<value>", "");
        return MIRAGE_EXIT_USAGE;
    }
    const char *name = arg + 2;
    const char *equals = strchr(name, '=');
    if (equals == NULL) {
        mirage_log("mirage: boot argument `", arg, "` has no value; write --<key>=<value>", "");
        return MIRAGE_EXIT_USAGE;
    }
    struct mirage_key *key = find_key(name, (size_t)(equals - name));
    if (key == NULL) {
        mirage_log("mirage: unknown key in boot argument `", arg, "`; --help lists the keys", "");
        return MIRAGE_EXIT_USAGE;
    }
    const char *value = equals + 1;
    if (!value_is_valid(key->type, value)) {
        mirage_log("mirage: malformed value in `", arg, "`: expected ", key_type_name(key->type));
        return MIRAGE_EXIT_USAGE;
    }
    key->value = value;
    return MIRAGE_BOOT_CONTINUE;
}

int mirage_keys_init(struct mirage_key *keys, int argc, char **argv)
{
    key_table = keys;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            print_usage();
            return 0;
        }
        int rc = apply_argument(argv[i]);
        if (rc != MIRAGE_BOOT_CONTINUE)
            return rc;
    }
    return MIRAGE_BOOT_CONTINUE;
}

void mirage_keys_scope(const char *scope)
{
    key_scope = scope;
}

/* `<key_scope>.<name>`, the key of the instance being connected, if the table has one. */
static struct mirage_key *find_scoped_key(const char *name)
{
    if (key_scope == NULL)
        return NULL;
    size_t scope_len = strlen(key_scope);
    for (struct mirage_key *key = key_table; key != NULL && key->name != NULL; key++) {
        if (strncmp(key->name, key_scope, scope_len) == 0 && key->name[scope_len] == '.' &&
            strcmp(key->name + scope_len + 1, name) == 0)
            return key;
    }
    return NULL;
}

static const struct mirage_key *lookup(const char *name, enum mirage_key_type type)
{
    const struct mirage_key *key = find_scoped_key(name);
    if (key == NULL)
        key = find_key(name, strlen(name));
    if (key == NULL) {
        mirage_log("mirage: the code asked for key `", name, "`, which no BUILD file declares", "");
        mirage_platform_abort(MIRAGE_EXIT_ABORT);
    }
    if (key->type != type) {
        mirage_log("mirage: key `", name, "` is not declared as ", key_type_name(type));
        mirage_platform_abort(MIRAGE_EXIT_ABORT);
    }
    return key;
}

const char *mirage_key_string(const char *name)
{
    return lookup(name, MIRAGE_KEY_STRING)->value;
}

int64_t mirage_key_int(const char *name)
{
    int64_t value = 0;
    /* Values were checked at build time and at boot, so this parse cannot fail. */
    if (!parse_int64(lookup(name, MIRAGE_KEY_INT)->value, &value))
        mirage_platform_abort(MIRAGE_EXIT_ABORT);
    return value;
}

bool mirage_key_bool(const char *name)
{
    bool value = false;
    if (!parse_bool(lookup(name, MIRAGE_KEY_BOOL)->value, &value))
        mirage_platform_abort(MIRAGE_EXIT_ABORT);
    return value;
}

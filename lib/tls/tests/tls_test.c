/* tls_test.c: lib/tls's pure parts on the build host, as TAP: the tls-certificates and list syntax, server-name
 * patterns, BearSSL error names, and credentials decoded from the files of the directory given (which
 * tests/tls_lib generates with openssl: a chain, RSA and EC keys in PEM, DER and PKCS#8, an encrypted key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/testing/tap.h"
#include "lib/tls/tls_internal.h"

static const char *directory;

static void parse_checks(void)
{
    static struct tls_certificate_spec entries[4];
    char why[TLS_WHY_SIZE] = "";
    int count = tls_certificates_parse(" a.org www.a.org : a.pem , a.key ; *.b.net:b.pem,b.key;c.pem,c.key; ", entries,
                                       4, why, sizeof(why));
    tap_check(count == 3, "three entries", "got %d (%s)", count, why);
    tap_check(entries[0].name_count == 2 && strcmp(entries[0].names[1], "www.a.org") == 0, "names of the first",
              "%zu names", entries[0].name_count);
    tap_check(strcmp(entries[0].chain_path, "a.pem") == 0 && strcmp(entries[0].key_path, "a.key") == 0, "paths trimmed",
              "`%s` `%s`", entries[0].chain_path, entries[0].key_path);
    tap_check(entries[1].name_count == 1 && strcmp(entries[1].names[0], "*.b.net") == 0, "a wildcard name", "%s",
              entries[1].names[0]);
    tap_check(entries[2].name_count == 0 && strcmp(entries[2].chain_path, "c.pem") == 0, "an entry without names",
              "%zu", entries[2].name_count);
    tap_check(tls_certificates_parse("", entries, 4, why, sizeof(why)) == 0, "empty: no entries", "%s", why);
    tap_check(tls_certificates_parse("a.org:a.pem", entries, 4, why, sizeof(why)) == -1 && strstr(why, "a.pem"),
              "no key path is refused, quoted", "%s", why);
    tap_check(tls_certificates_parse("a..org:a.pem,a.key", entries, 4, why, sizeof(why)) == -1 && strstr(why, "a..org"),
              "an empty label is refused", "%s", why);
    tap_check(tls_certificates_parse("a_b.org:a.pem,a.key", entries, 4, why, sizeof(why)) == -1,
              "an underscore is refused", "%s", why);
    tap_check(tls_certificates_parse("a.pem,a.key,extra", entries, 4, why, sizeof(why)) == -1,
              "three paths are refused", "%s", why);
    tap_check(tls_certificates_parse("a,b;c,d;e,f", entries, 2, why, sizeof(why)) == -1 && strstr(why, "more than"),
              "more entries than room are refused", "%s", why);
}

static void list_checks(void)
{
    char names[4][16];
    char why[TLS_WHY_SIZE] = "";
    int count = tls_list_parse(" h2 , http/1.1,,", &names[0][0], 16, 4, why, sizeof(why));
    tap_check(count == 2 && strcmp(names[0], "h2") == 0 && strcmp(names[1], "http/1.1") == 0, "two protocols", "%d",
              count);
    tap_check(tls_list_parse("", &names[0][0], 16, 4, why, sizeof(why)) == 0, "empty list", "%s", why);
    tap_check(tls_list_parse("a,b,c,d,e", &names[0][0], 16, 4, why, sizeof(why)) == -1, "too many names", "%s", why);
    tap_check(tls_list_parse("a-name-longer-than-15", &names[0][0], 16, 4, why, sizeof(why)) == -1, "a name too long",
              "%s", why);
}

static void name_checks(void)
{
    tap_check(tls_name_matches("example.org", "example.org"), "exact", "`example.org` and `example.org`");
    tap_check(tls_name_matches("example.org", "EXAMPLE.Org."), "case and the root's dot",
              "`example.org` and `EXAMPLE.Org.`");
    tap_check(!tls_name_matches("example.org", "www.example.org"), "no suffix match",
              "`example.org` and `www.example.org`");
    tap_check(tls_name_matches("*.example.org", "www.example.org"), "wildcard: one label",
              "`*.example.org` and `www.example.org`");
    tap_check(!tls_name_matches("*.example.org", "example.org"), "wildcard: not the bare name",
              "`*.example.org` and `example.org`");
    tap_check(!tls_name_matches("*.example.org", "a.b.example.org"), "wildcard: not two labels",
              "`*.example.org` and `a.b.example.org`");
    tap_check(!tls_name_matches("*.example.org", ".example.org"), "wildcard: not an empty label",
              "`*.example.org` and `.example.org`");
    tap_check(!tls_name_matches("example.org", ""), "no name", "`example.org` and ``");
}

static void error_checks(void)
{
    char name[96];
    tap_check(strcmp(tls_error_name(BR_ERR_BAD_MAC, name, sizeof(name)), "BR_ERR_BAD_MAC") == 0, "an engine error",
              "%s", name);
    tap_check(strcmp(tls_error_name(BR_ERR_X509_EXPIRED, name, sizeof(name)), "BR_ERR_X509_EXPIRED") == 0,
              "an X.509 error", "%s", name);
    tap_check(strstr(tls_error_name(BR_ERR_RECV_FATAL_ALERT + 48, name, sizeof(name)), "unknown_ca") != NULL,
              "a received alert", "%s", name);
    tap_check(strstr(tls_error_name(BR_ERR_SEND_FATAL_ALERT + 40, name, sizeof(name)), "SEND") != NULL &&
                  strstr(name, "handshake_failure") != NULL,
              "a sent alert", "%s", name);
    tap_check(strstr(tls_error_name(9999, name, sizeof(name)), "9999") != NULL, "an unknown code", "%s", name);
    const char *version = tls_error_hint(BR_ERR_SEND_FATAL_ALERT + 70, true);
    const char *suites = tls_error_hint(BR_ERR_SEND_FATAL_ALERT + 40, true);
    tap_check(version != NULL && strstr(version, "TLS 1.2") != NULL && suites != NULL &&
                  strstr(suites, "TLS 1.3") != NULL,
              "a server's refusal of an outdated or TLS 1.3-only client is explained", "%s / %s",
              version != NULL ? version : "none", suites != NULL ? suites : "none");
    tap_check(tls_error_hint(BR_ERR_SEND_FATAL_ALERT + 40, false) == NULL &&
                  tls_error_hint(BR_ERR_BAD_MAC, true) == NULL,
              "errors whose name says enough, and a client's own refusals, get no hint", "a hint");
}

/* The bytes of DIRECTORY/name; exits when the file is missing (the Python test made it). */
static uint8_t *file_bytes(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", directory, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "tls_test: cannot open %s\n", path);
        exit(1);
    }
    static uint8_t buffer[1 << 16];
    *len = fread(buffer, 1, sizeof(buffer), file);
    fclose(file);
    uint8_t *copy = malloc(*len + 1);
    if (copy == NULL)
        exit(1);
    memcpy(copy, buffer, *len);
    return copy;
}

static int load_chain(const char *name, br_x509_certificate **chain, size_t *count, char *why)
{
    size_t len = 0;
    uint8_t *bytes = file_bytes(name, &len);
    int rc = tls_chain_decode(name, bytes, len, chain, count, why, TLS_WHY_SIZE);
    free(bytes);
    return rc;
}

static int load_key(const char *name, struct tls_private_key *key, char *why)
{
    size_t len = 0;
    uint8_t *bytes = file_bytes(name, &len);
    int rc = tls_key_decode(name, bytes, len, key, why, TLS_WHY_SIZE);
    free(bytes);
    return rc;
}

static void credential_checks(void)
{
    char why[TLS_WHY_SIZE] = "";
    br_x509_certificate *chain = NULL, *single = NULL;
    size_t count = 0, single_count = 0;
    tap_check(load_chain("a-chain.pem", &chain, &count, why) == 0 && count == 2, "a PEM chain of two", "%zu %s", count,
              why);
    tap_check(load_chain("a.der", &single, &single_count, why) == 0 && single_count == 1 &&
                  single[0].data_len == chain[0].data_len &&
                  memcmp(single[0].data, chain[0].data, single[0].data_len) == 0,
              "a DER certificate, the same as the PEM one", "%s", why);
    struct tls_private_key rsa, ec, pkcs8, der, other;
    tap_check(load_key("a.key", &rsa, why) == 0 && rsa.type == BR_KEYTYPE_RSA, "an RSA key (PKCS#8 PEM)", "%s", why);
    tap_check(load_key("b.key", &ec, why) == 0 && ec.type == BR_KEYTYPE_EC, "an EC key (SEC 1 PEM)", "%s", why);
    tap_check(load_key("a-rsa.key", &pkcs8, why) == 0 && pkcs8.type == BR_KEYTYPE_RSA &&
                  tls_key_matches_chain("a-rsa.key", chain, &pkcs8, why, sizeof(why)) == 0,
              "an RSA key (PKCS#1 PEM), the same key", "%s", why);
    tap_check(load_key("a-key.der", &der, why) == 0 && der.type == BR_KEYTYPE_RSA, "an RSA key in DER", "%s", why);
    tap_check(tls_key_matches_chain("a.key", chain, &rsa, why, sizeof(why)) == 0, "the key fits its certificate", "%s",
              why);
    tap_check(load_key("other.key", &other, why) == 0 &&
                  tls_key_matches_chain("other.key", chain, &other, why, sizeof(why)) == -1 &&
                  strstr(why, "other.key") != NULL && strstr(why, "modulus") != NULL,
              "another RSA key is refused, named", "%s", why);
    tap_check(tls_key_matches_chain("b.key", chain, &ec, why, sizeof(why)) == -1 && strstr(why, "EC") != NULL,
              "an EC key for an RSA certificate is refused", "%s", why);
    struct tls_private_key refused;
    tap_check(load_key("encrypted.key", &refused, why) == -1 && strstr(why, "encrypted") != NULL &&
                  strstr(why, "encrypted.key") != NULL,
              "an encrypted key is refused, named", "%s", why);
    tap_check(load_key("a-chain.pem", &refused, why) == -1 && strstr(why, "no PRIVATE KEY") != NULL,
              "a file without a key is refused", "%s", why);
    static const uint8_t garbage[] = "not a certificate at all";
    br_x509_certificate *none = NULL;
    size_t none_count = 0;
    tap_check(tls_chain_decode("garbage.pem", garbage, sizeof(garbage), &none, &none_count, why, sizeof(why)) == -1 &&
                  strstr(why, "garbage.pem: certificate 1 is not a valid X.509 certificate") != NULL,
              "garbage is refused, named", "%s", why);
    static const char unterminated[] = "-----BEGIN CERTIFICATE-----\nMIIB\n";
    tap_check(tls_chain_decode("cut.pem", (const uint8_t *)unterminated, strlen(unterminated), &none, &none_count, why,
                               sizeof(why)) == -1 &&
                  strstr(why, "cut.pem") != NULL,
              "a PEM object without END is refused", "%s", why);
    size_t len = 0;
    uint8_t *bytes = file_bytes("ca.pem", &len);
    br_x509_trust_anchor *anchors = NULL;
    size_t anchor_count = 0;
    tap_check(tls_anchors_decode("ca.pem", bytes, len, &anchors, &anchor_count, why, sizeof(why)) == 0 &&
                  anchor_count == 1 && (anchors[0].flags & BR_X509_TA_CA) != 0,
              "a CA as trust anchor", "%s", why);
    free(bytes);
    tls_anchors_free(anchors, anchor_count);
    tls_key_free(&rsa);
    tls_key_free(&ec);
    tls_key_free(&pkcs8);
    tls_key_free(&der);
    tls_key_free(&other);
    tls_chain_free(chain, count);
    tls_chain_free(single, single_count);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tls_test DIRECTORY (the credentials tests/tls_lib generates)\n");
        return 2;
    }
    directory = argv[1];
    static const struct tap_group groups[] = {
        {"tls-certificates", parse_checks, 11}, {"lists", list_checks, 4},
        {"server names", name_checks, 8},       {"error names", error_checks, 7},
        {"credentials", credential_checks, 14},
    };
    return tap_run_groups("tls_test", groups, sizeof(groups) / sizeof(groups[0]));
}

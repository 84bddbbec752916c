/* errors.c: BearSSL's error codes by name, for the log lines of failed handshakes. */
#include <stdio.h>

#include "lib/tls/tls_internal.h"

struct error_name {
    int code;
    const char *name;
};

static const struct error_name error_names[] = {
    {BR_ERR_OK, "BR_ERR_OK"},
    {BR_ERR_BAD_PARAM, "BR_ERR_BAD_PARAM"},
    {BR_ERR_BAD_STATE, "BR_ERR_BAD_STATE"},
    {BR_ERR_UNSUPPORTED_VERSION, "BR_ERR_UNSUPPORTED_VERSION"},
    {BR_ERR_BAD_VERSION, "BR_ERR_BAD_VERSION"},
    {BR_ERR_BAD_LENGTH, "BR_ERR_BAD_LENGTH"},
    {BR_ERR_TOO_LARGE, "BR_ERR_TOO_LARGE"},
    {BR_ERR_BAD_MAC, "BR_ERR_BAD_MAC"},
    {BR_ERR_NO_RANDOM, "BR_ERR_NO_RANDOM"},
    {BR_ERR_UNKNOWN_TYPE, "BR_ERR_UNKNOWN_TYPE"},
    {BR_ERR_UNEXPECTED, "BR_ERR_UNEXPECTED"},
    {BR_ERR_BAD_CCS, "BR_ERR_BAD_CCS"},
    {BR_ERR_BAD_ALERT, "BR_ERR_BAD_ALERT"},
    {BR_ERR_BAD_HANDSHAKE, "BR_ERR_BAD_HANDSHAKE"},
    {BR_ERR_OVERSIZED_ID, "BR_ERR_OVERSIZED_ID"},
    {BR_ERR_BAD_CIPHER_SUITE, "BR_ERR_BAD_CIPHER_SUITE"},
    {BR_ERR_BAD_COMPRESSION, "BR_ERR_BAD_COMPRESSION"},
    {BR_ERR_BAD_FRAGLEN, "BR_ERR_BAD_FRAGLEN"},
    {BR_ERR_BAD_SECRENEG, "BR_ERR_BAD_SECRENEG"},
    {BR_ERR_EXTRA_EXTENSION, "BR_ERR_EXTRA_EXTENSION"},
    {BR_ERR_BAD_SNI, "BR_ERR_BAD_SNI"},
    {BR_ERR_BAD_HELLO_DONE, "BR_ERR_BAD_HELLO_DONE"},
    {BR_ERR_LIMIT_EXCEEDED, "BR_ERR_LIMIT_EXCEEDED"},
    {BR_ERR_BAD_FINISHED, "BR_ERR_BAD_FINISHED"},
    {BR_ERR_RESUME_MISMATCH, "BR_ERR_RESUME_MISMATCH"},
    {BR_ERR_INVALID_ALGORITHM, "BR_ERR_INVALID_ALGORITHM"},
    {BR_ERR_BAD_SIGNATURE, "BR_ERR_BAD_SIGNATURE"},
    {BR_ERR_WRONG_KEY_USAGE, "BR_ERR_WRONG_KEY_USAGE"},
    {BR_ERR_NO_CLIENT_AUTH, "BR_ERR_NO_CLIENT_AUTH"},
    {BR_ERR_IO, "BR_ERR_IO"},
    {BR_ERR_X509_OK, "BR_ERR_X509_OK"},
    {BR_ERR_X509_INVALID_VALUE, "BR_ERR_X509_INVALID_VALUE"},
    {BR_ERR_X509_TRUNCATED, "BR_ERR_X509_TRUNCATED"},
    {BR_ERR_X509_EMPTY_CHAIN, "BR_ERR_X509_EMPTY_CHAIN"},
    {BR_ERR_X509_INNER_TRUNC, "BR_ERR_X509_INNER_TRUNC"},
    {BR_ERR_X509_BAD_TAG_CLASS, "BR_ERR_X509_BAD_TAG_CLASS"},
    {BR_ERR_X509_BAD_TAG_VALUE, "BR_ERR_X509_BAD_TAG_VALUE"},
    {BR_ERR_X509_INDEFINITE_LENGTH, "BR_ERR_X509_INDEFINITE_LENGTH"},
    {BR_ERR_X509_EXTRA_ELEMENT, "BR_ERR_X509_EXTRA_ELEMENT"},
    {BR_ERR_X509_UNEXPECTED, "BR_ERR_X509_UNEXPECTED"},
    {BR_ERR_X509_NOT_CONSTRUCTED, "BR_ERR_X509_NOT_CONSTRUCTED"},
    {BR_ERR_X509_NOT_PRIMITIVE, "BR_ERR_X509_NOT_PRIMITIVE"},
    {BR_ERR_X509_PARTIAL_BYTE, "BR_ERR_X509_PARTIAL_BYTE"},
    {BR_ERR_X509_BAD_BOOLEAN, "BR_ERR_X509_BAD_BOOLEAN"},
    {BR_ERR_X509_OVERFLOW, "BR_ERR_X509_OVERFLOW"},
    {BR_ERR_X509_BAD_DN, "BR_ERR_X509_BAD_DN"},
    {BR_ERR_X509_BAD_TIME, "BR_ERR_X509_BAD_TIME"},
    {BR_ERR_X509_UNSUPPORTED, "BR_ERR_X509_UNSUPPORTED"},
    {BR_ERR_X509_LIMIT_EXCEEDED, "BR_ERR_X509_LIMIT_EXCEEDED"},
    {BR_ERR_X509_WRONG_KEY_TYPE, "BR_ERR_X509_WRONG_KEY_TYPE"},
    {BR_ERR_X509_BAD_SIGNATURE, "BR_ERR_X509_BAD_SIGNATURE"},
    {BR_ERR_X509_TIME_UNKNOWN, "BR_ERR_X509_TIME_UNKNOWN"},
    {BR_ERR_X509_EXPIRED, "BR_ERR_X509_EXPIRED"},
    {BR_ERR_X509_DN_MISMATCH, "BR_ERR_X509_DN_MISMATCH"},
    {BR_ERR_X509_BAD_SERVER_NAME, "BR_ERR_X509_BAD_SERVER_NAME"},
    {BR_ERR_X509_CRITICAL_EXTENSION, "BR_ERR_X509_CRITICAL_EXTENSION"},
    {BR_ERR_X509_NOT_CA, "BR_ERR_X509_NOT_CA"},
    {BR_ERR_X509_FORBIDDEN_KEY_USAGE, "BR_ERR_X509_FORBIDDEN_KEY_USAGE"},
    {BR_ERR_X509_WEAK_PUBLIC_KEY, "BR_ERR_X509_WEAK_PUBLIC_KEY"},
    {BR_ERR_X509_NOT_TRUSTED, "BR_ERR_X509_NOT_TRUSTED"},
};

/* TLS alert descriptions (RFC 5246 7.2, RFC 6066, RFC 7301), for the fatal alerts sent or received. */
static const struct error_name alert_names[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {22, "record_overflow"},
    {40, "handshake_failure"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {110, "unsupported_extension"},
    {112, "unrecognized_name"},
    {120, "no_application_protocol"},
};

static const char *lookup(const struct error_name *table, size_t count, int code)
{
    for (size_t i = 0; i < count; i++)
        if (table[i].code == code)
            return table[i].name;
    return NULL;
}

const char *tls_error_name(int code, char *out, size_t out_size)
{
    const char *name = lookup(error_names, sizeof(error_names) / sizeof(error_names[0]), code);
    if (name != NULL) {
        snprintf(out, out_size, "%s", name);
        return out;
    }
    /* Alerts are 256 + description (received) and 512 + description (sent): name the description. */
    if (code >= BR_ERR_RECV_FATAL_ALERT && code < BR_ERR_RECV_FATAL_ALERT + 256) {
        name = lookup(alert_names, sizeof(alert_names) / sizeof(alert_names[0]), code - BR_ERR_RECV_FATAL_ALERT);
        snprintf(out, out_size, "BR_ERR_RECV_FATAL_ALERT %s (%d)", name != NULL ? name : "unknown alert",
                 code - BR_ERR_RECV_FATAL_ALERT);
        return out;
    }
    if (code >= BR_ERR_SEND_FATAL_ALERT && code < BR_ERR_SEND_FATAL_ALERT + 256) {
        name = lookup(alert_names, sizeof(alert_names) / sizeof(alert_names[0]), code - BR_ERR_SEND_FATAL_ALERT);
        snprintf(out, out_size, "BR_ERR_SEND_FATAL_ALERT %s (%d)", name != NULL ? name : "unknown alert",
                 code - BR_ERR_SEND_FATAL_ALERT);
        return out;
    }
    snprintf(out, out_size, "BearSSL error %d", code);
    return out;
}

const char *tls_error_hint(int code, bool is_server)
{
    if (!is_server)
        return NULL;
    switch (code) {
    case BR_ERR_SEND_FATAL_ALERT + 70: /* protocol_version */
        return "the client offered no TLS 1.2, the only version this server speaks";
    case BR_ERR_SEND_FATAL_ALERT + 40: /* handshake_failure */
        return "the client offered no suite, curve or signature this server takes (TLS 1.2 ECDHE with AES-GCM, "
               "ChaCha20-Poly1305 or AES-CBC; a client limited to TLS 1.3 offers none)";
    default:
        return NULL;
    }
}

/* redirect.c: where the plain-HTTP listener sends a client: https on the host it asked for (its Host field), or
 * on the authority the `redirect-to-https` key fixes. */
#include <stdio.h>
#include <string.h>

#include "examples/website/server.h"

/* The host part of a Host field's value: up to the ':' before a port, or a bracketed IPv6 literal whole. Returns
 * its length, or 0 when the value is no host[:port]. */
static size_t host_length(const char *value, size_t length)
{
    if (length > 0 && value[0] == '[') {
        const char *close = memchr(value, ']', length);
        if (close == NULL)
            return 0;
        size_t n = (size_t)(close - value) + 1;
        return n == length || value[n] == ':' ? n : 0;
    }
    const char *colon = memchr(value, ':', length);
    return colon == NULL ? length : (size_t)(colon - value);
}

const char *redirect_authority(const struct service *service, const struct http_request *request, char *buffer,
                               size_t size)
{
    if (service->redirect_authority != NULL)
        return service->redirect_authority;
    size_t position = 0;
    const struct http_header *host = http_header_next(request, "host", &position);
    if (host == NULL || http_header_next(request, "host", &position) != NULL)
        return NULL; /* RFC 9112 3.2: a request with no Host or several is a bad one */
    size_t n = host_length(host->value, host->value_length);
    if (n == 0 || n > 255 || size < REDIRECT_AUTHORITY_SIZE)
        return NULL;
    memcpy(buffer, host->value, n);
    buffer[n] = '\0';
    if (service->https_port != 443) {
        int written = snprintf(buffer + n, size - n, ":%u", (unsigned)service->https_port);
        if (written < 0 || (size_t)written >= size - n)
            return NULL;
    }
    /* Only letters, digits and the few marks of a host reach the Location field: nothing that could split the
     * header or name another scheme's authority (userinfo, a path). */
    return http_authority_valid(buffer) ? buffer : NULL;
}

/* time.h: time() only, for code built against a hosted C library (Debian's static archives call it). */
#ifndef MIRAGE_LIBC_TIME_H
#define MIRAGE_LIBC_TIME_H

#include <stdint.h>

typedef int64_t time_t;

/* There is no ambient clock: the wall clock is the pclock device, which code that needs the time takes as a
 * parameter. time() always fails, returning (time_t)-1 (also stored in *t when t is not NULL) with errno EINVAL, so
 * code that falls back on it (BearSSL's X.509 validation without br_x509_minimal_set_time) fails closed: it sees a
 * date in 1970, before every certificate's validity. */
time_t time(time_t *t);

#endif

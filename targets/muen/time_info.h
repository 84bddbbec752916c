/* time_info.h: Muen's time info page, which the system's time subject publishes into a channel the subject reads.
 *
 * Layout (Muen's libmutime): tsc_time_base u64 @0, the wall clock in microseconds since 1970-01-01T00:00:00Z at
 * TSC value 0 (0 until the time subject publishes); tsc_tick_rate_hz u64 @8; timezone_microsecs i64 @16, the
 * local time's offset. The current time is tsc_time_base plus the TSC's ticks converted at the tick rate. Muen
 * takes rates from 1 MHz to 100 GHz; anything else, or a base of 0, is an unpublished or hostile page. */
#ifndef MIRAGE_TARGETS_MUEN_TIME_INFO_H
#define MIRAGE_TARGETS_MUEN_TIME_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MUEN_TIME_INFO_SIZE 24u
#define MUEN_TSC_RATE_MIN UINT64_C(1000000)
#define MUEN_TSC_RATE_MAX UINT64_C(100000000000)
/* A timezone further than a day from UTC is not one. */
#define MUEN_TIMEZONE_MAX_MICROSECS INT64_C(86400000000)

struct muen_time_info {
    uint64_t tsc_time_base; /* microseconds since 1970 at TSC 0 */
    uint64_t tsc_tick_rate_hz;
    int64_t timezone_microsecs;
};

/* Read the page's three fields from the `size` bytes at `page`, each once, and check them. */
bool muen_time_info_read(const volatile uint8_t *page, size_t size, struct muen_time_info *out);

/* Nanoseconds in `ticks` of a TSC that ticks `rate_hz` times a second (not 0); saturates at UINT64_MAX. */
uint64_t muen_ticks_to_nsecs(uint64_t ticks, uint64_t rate_hz);

/* Nanoseconds since 1970 (UTC) at TSC value `tsc`; saturates at UINT64_MAX. */
uint64_t muen_time_wall_nsecs(const struct muen_time_info *info, uint64_t tsc);

#endif

/* time_info.c: reading and checking Muen's time info page, and the TSC arithmetic (time_info.h). */
#include "targets/muen/time_info.h"

#define NSECS_PER_SEC UINT64_C(1000000000)
#define NSECS_PER_USEC UINT64_C(1000)

static uint64_t read_u64(const volatile uint8_t *at)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < 8; i++)
        value |= (uint64_t)at[i] << (8 * i);
    return value;
}

bool muen_time_info_read(const volatile uint8_t *page, size_t size, struct muen_time_info *out)
{
    if (size < MUEN_TIME_INFO_SIZE)
        return false;
    out->tsc_time_base = read_u64(page);
    out->tsc_tick_rate_hz = read_u64(page + 8);
    out->timezone_microsecs = (int64_t)read_u64(page + 16);
    return out->tsc_time_base != 0 && out->tsc_tick_rate_hz >= MUEN_TSC_RATE_MIN &&
           out->tsc_tick_rate_hz <= MUEN_TSC_RATE_MAX && out->timezone_microsecs <= MUEN_TIMEZONE_MAX_MICROSECS &&
           out->timezone_microsecs >= -MUEN_TIMEZONE_MAX_MICROSECS;
}

uint64_t muen_ticks_to_nsecs(uint64_t ticks, uint64_t rate_hz)
{
    /* Whole seconds exactly, the rest through a 32.32 fixed-point nanoseconds-per-tick: only 64-bit divisions and
     * a 128-bit product (freestanding code has no 128-bit division). 10^9 << 32 fits 64 bits; rest * per_tick <
     * rate * (10^9 << 32) / rate, so the fraction stays below a second and the result never goes back as the
     * ticks grow. */
    uint64_t seconds = ticks / rate_hz;
    uint64_t rest = ticks % rate_hz;
    uint64_t nsecs_per_tick_32_32 = (NSECS_PER_SEC << 32) / rate_hz;
    uint64_t fraction = (uint64_t)(((unsigned __int128)rest * nsecs_per_tick_32_32) >> 32);
    if (seconds > (UINT64_MAX - fraction) / NSECS_PER_SEC)
        return UINT64_MAX;
    return seconds * NSECS_PER_SEC + fraction;
}

uint64_t muen_time_wall_nsecs(const struct muen_time_info *info, uint64_t tsc)
{
    uint64_t since_tsc_zero = muen_ticks_to_nsecs(tsc, info->tsc_tick_rate_hz);
    if (info->tsc_time_base > (UINT64_MAX - since_tsc_zero) / NSECS_PER_USEC)
        return UINT64_MAX;
    return info->tsc_time_base * NSECS_PER_USEC + since_tsc_zero;
}

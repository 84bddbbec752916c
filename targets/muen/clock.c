/* clock.c: the monotonic clock from the TSC at the rate Muen publishes, and the wall clock from the time info page
 * (time_info.h), read again on every call so the time subject's corrections show at once. */
#include "lib/platform/platform.h"
#include "lib/platform/x86_cpu.h"
#include "targets/muen/bindings.h"
#include "targets/muen/muen_abi.h"
#include "targets/muen/time_info.h"

/* Reads of a page the time subject may be rewriting: two equal reads in a row, within this many tries. */
#define TIME_INFO_READ_TRIES 8

static uint64_t tsc_at_boot;
static uint64_t tsc_rate_hz;
static const volatile uint8_t *time_info_page;
static uint64_t time_info_size;

/* A consistent, valid copy of the page, or false. */
static bool read_time_info(struct muen_time_info *info)
{
    struct muen_time_info again;
    if (time_info_page == NULL)
        return false;
    for (int i = 0; i < TIME_INFO_READ_TRIES; i++) {
        if (!muen_time_info_read(time_info_page, time_info_size, info))
            continue;
        if (muen_time_info_read(time_info_page, time_info_size, &again) && again.tsc_time_base == info->tsc_time_base &&
            again.tsc_tick_rate_hz == info->tsc_tick_rate_hz && again.timezone_microsecs == info->timezone_microsecs)
            return true;
    }
    return false;
}

const char *muen_clock_init(const struct muen_sinfo *sinfo)
{
    static const char no_time_info[] = "muen: no valid time info page: the wall clock counts from boot at 1970\n";
    const struct muen_memory_region *channel = muen_sinfo_region(sinfo, MUEN_NAME_TIME_INFO);
    struct muen_time_info info;

    tsc_at_boot = x86_read_tsc();
    if (channel != NULL && !channel->device && (channel->flags & MUEN_MEMORY_EXECUTABLE) == 0) {
        time_info_page = (const volatile uint8_t *)(uintptr_t)channel->address;
        time_info_size = channel->size;
    }
    /* The time subject may not have published yet: wait up to a second of the TSC as sinfo states its rate. */
    uint64_t khz = sinfo->tsc_khz;
    uint64_t wait_until = tsc_at_boot + khz * 1000u;
    bool published = read_time_info(&info);
    while (!published && time_info_page != NULL && x86_read_tsc() < wait_until) {
        __builtin_ia32_pause();
        published = read_time_info(&info);
    }
    if (published) {
        tsc_rate_hz = info.tsc_tick_rate_hz;
        return NULL;
    }
    platform_console_write(no_time_info, sizeof no_time_info - 1);
    if (khz * 1000u < MUEN_TSC_RATE_MIN || khz * 1000u > MUEN_TSC_RATE_MAX)
        return "neither the time info page nor sinfo gives a TSC rate from 1 MHz to 100 GHz";
    tsc_rate_hz = khz * 1000u;
    return NULL;
}

uint64_t platform_clock_monotonic(void)
{
    return muen_ticks_to_nsecs(x86_read_tsc() - tsc_at_boot, tsc_rate_hz);
}

uint64_t platform_clock_wall(void)
{
    struct muen_time_info info;
    if (read_time_info(&info))
        return muen_time_wall_nsecs(&info, x86_read_tsc());
    return platform_clock_monotonic();
}

/* wall_clock.c: the wall clock: kvmclock's when there is one, else the CMOS RTC read once at boot; both then
 * advance with the monotonic clock. */
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_DISABLE 0x80
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_CENTURY 0x32 /* where QEMU and PC firmware keep it */
#define RTC_UPDATE_IN_PROGRESS 0x80
#define RTC_BINARY 0x04
#define RTC_24_HOUR 0x02
#define NSECS_PER_SEC UINT64_C(1000000000)
#define MAX_READS 16

static uint64_t wall_at_boot;

static uint8_t cmos_read(uint8_t reg)
{
    virtio_outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
    return virtio_inb(CMOS_DATA);
}

struct rtc_time {
    uint8_t second, minute, hour, day, month, year, century, status_b;
};

static void rtc_read(struct rtc_time *time)
{
    for (int wait = 0; wait < 100000 && (cmos_read(RTC_STATUS_A) & RTC_UPDATE_IN_PROGRESS); wait++)
        ;
    time->second = cmos_read(RTC_SECONDS);
    time->minute = cmos_read(RTC_MINUTES);
    time->hour = cmos_read(RTC_HOURS);
    time->day = cmos_read(RTC_DAY);
    time->month = cmos_read(RTC_MONTH);
    time->year = cmos_read(RTC_YEAR);
    time->century = cmos_read(RTC_CENTURY);
    time->status_b = cmos_read(RTC_STATUS_B);
}

static uint32_t from_bcd(uint8_t value, bool binary)
{
    return binary ? value : (uint32_t)(value >> 4) * 10 + (value & 0xf);
}

/* Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t year, uint32_t month, uint32_t day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static uint64_t rtc_nsecs(void)
{
    struct rtc_time first, second;
    /* Two equal reads in a row: none straddled an update. */
    rtc_read(&first);
    for (int i = 0; i < MAX_READS; i++) {
        rtc_read(&second);
        if (__builtin_memcmp(&first, &second, sizeof first) == 0)
            break;
        first = second;
    }
    bool binary = (first.status_b & RTC_BINARY) != 0;
    bool pm = (first.hour & 0x80) != 0;
    uint32_t hour = from_bcd(first.hour & 0x7f, binary);
    if (!(first.status_b & RTC_24_HOUR))
        hour = hour % 12 + (pm ? 12 : 0);
    uint32_t century = from_bcd(first.century, binary);
    int64_t year = (int64_t)(century >= 19 && century <= 99 ? century : 20) * 100 + from_bcd(first.year, binary);
    uint32_t month = from_bcd(first.month, binary), day = from_bcd(first.day, binary);
    if (month < 1 || month > 12 || day < 1 || day > 31)
        return 0;
    int64_t days = days_from_civil(year, month, day);
    if (days < 0)
        return 0;
    uint64_t seconds =
        (uint64_t)days * 86400 + hour * 3600 + from_bcd(first.minute, binary) * 60 + from_bcd(first.second, binary);
    return seconds * NSECS_PER_SEC;
}

void virtio_wall_clock_init(void)
{
    uint64_t kvm_wall = virtio_kvmclock_wall_at_boot();
    if (kvm_wall != 0) {
        wall_at_boot = kvm_wall;
        return;
    }
    uint64_t now = rtc_nsecs(), since_boot = platform_clock_monotonic();
    wall_at_boot = now > since_boot ? now - since_boot : 0;
}

uint64_t platform_clock_wall(void)
{
    return wall_at_boot + platform_clock_monotonic();
}

/* exit.c: ending the unikernel: the exit report line (bindings.h) on the console, then the BCM2711 watchdog's
 * full reset with the reset status the firmware reads as "halt" (partition 63), as Linux powers a Pi off. QEMU's
 * raspi4b, started with -no-reboot, ends on that reset. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"
#include "lib/platform/platform.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define PM_RSTC (BCM2711_PM_BASE + 0x1c)
#define PM_RSTS (BCM2711_PM_BASE + 0x20)
#define PM_WDOG (BCM2711_PM_BASE + 0x24)
#define PM_PASSWORD 0x5a000000u
#define PM_RSTC_WRCFG_CLR 0xffffffcfu
#define PM_RSTC_WRCFG_FULL_RESET 0x20u
#define PM_RSTS_PARTITION_HALT 0x555u /* partition 63, spread over the even bits 0-10 */
#define PM_WDOG_TICKS 10u             /* about 150 us at the watchdog's 65.5 kHz */

static bool exit_reported;

static void report_exit(uint32_t code)
{
    const char digits[5] = {(char)('0' + code / 100), (char)('0' + code / 10 % 10), (char)('0' + code % 10), '\n',
                            '\0'};
    /* A fault while reporting must not start a second report. */
    if (exit_reported)
        return;
    exit_reported = true;
    if (!pl011_at_line_start())
        pl011_puts("\n");
    pl011_puts(RPI4_EXIT_REPORT_PREFIX);
    pl011_puts(digits);
}

_Noreturn void aarch64_board_exit(uint32_t code)
{
    report_exit(code);
    uint32_t status = mmio_read32(PM_RSTS);
    mmio_write32(PM_RSTS, PM_PASSWORD | status | PM_RSTS_PARTITION_HALT);
    mmio_write32(PM_WDOG, PM_PASSWORD | PM_WDOG_TICKS);
    uint32_t control = mmio_read32(PM_RSTC) & PM_RSTC_WRCFG_CLR;
    mmio_write32(PM_RSTC, PM_PASSWORD | control | PM_RSTC_WRCFG_FULL_RESET);
    for (;;)
        __asm__ __volatile__("wfi");
}

_Noreturn void platform_exit(int status)
{
    /* The low 8 bits, as a process's exit status and the other ABIs keep them. */
    aarch64_exit((uint32_t)status & 0xffu);
}

/* exit.c: ending the guest: the exit report on the isa-debugcon port, then QEMU's isa-debug-exit (pvh_abi.h). */
/* Also run at CPL 0 by the fault report. */
#include "targets/virtio/cpl0.h"

#include <stdbool.h>

#include "lib/platform/device_model.h"
#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"
#include "targets/virtio/pvh_abi.h"
#include "targets/virtio/virtio.h"

/* Set before the first byte of the report: a fault while writing it must not start a second one (the runner
 * refuses anything but one whole report, so a torn one is reported as such). */
static bool exit_reported;

static void report_exit(uint32_t code)
{
    static const char prefix[] = VIRTIO_EXIT_REPORT_PREFIX;
    const char digits[3] = {(char)('0' + code / 100), (char)('0' + code / 10 % 10), (char)('0' + code % 10)};

    if (exit_reported)
        return;
    exit_reported = true;
    for (uint32_t i = 0; i < sizeof prefix - 1; i++)
        virtio_outb(VIRTIO_EXIT_REPORT_PORT, (uint8_t)prefix[i]);
    for (uint32_t i = 0; i < sizeof digits; i++)
        virtio_outb(VIRTIO_EXIT_REPORT_PORT, (uint8_t)digits[i]);
    virtio_outb(VIRTIO_EXIT_REPORT_PORT, '\n');
}

_Noreturn void virtio_exit_code(uint32_t code)
{
    if (code > VIRTIO_EXIT_CODE_MAX)
        code = PLATFORM_EXIT_ABORT;
    report_exit(code);
    /* Without the exit device QEMU ignores the write; spinning on it keeps this function from returning. */
    for (;;)
        virtio_outl(VIRTIO_EXIT_PORT, code);
}

_Noreturn void platform_exit(int status)
{
    /* Frames sent just before exiting are queued, not yet announced to the device: announce them. */
    virtio_net_flush_all();
    /* The low 8 bits, as a process's exit status and the hvt and spt tenders keep them. */
    virtio_exit_code((uint32_t)status & 0xffu);
}

_Noreturn void platform_abort(void)
{
    virtio_exit_code(PLATFORM_EXIT_ABORT);
}

_Noreturn void virtio_fail(const char *message)
{
    virtio_console_puts(message);
    virtio_console_puts("\n");
    virtio_exit_code(PLATFORM_EXIT_ABORT);
}

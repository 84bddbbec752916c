/* exit.c: ending the guest: the exit report and the exit code through Arm semihosting (virt_abi.h), or PSCI
 * SYSTEM_OFF where semihosting is not enabled. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/platform.h"
#include "targets/virt_arm64/virt_abi.h"
#include "targets/virtio/virtio.h"

#define SEMIHOSTING_SYS_WRITE0 0x04u
#define SEMIHOSTING_SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT UINT64_C(0x20026)
#define PSCI_SYSTEM_OFF UINT64_C(0x84000008)

_Static_assert(VIRT_EXIT_CODE_MAX == 255, "aarch64_board_exit takes codes up to 255");

/* Set before the first semihosting call: a fault in it (semihosting off) must not start a second exit, and a fault
 * in PSCI must not loop through the fault report again. */
static bool exit_started;
static bool power_off_started;

static uint64_t semihosting_call(uint64_t operation, uintptr_t argument)
{
    register uint64_t x0 __asm__("x0") = operation;
    register uint64_t x1 __asm__("x1") = argument;
    __asm__ __volatile__("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    return x0;
}

static _Noreturn void power_off(void)
{
    if (!power_off_started) {
        power_off_started = true;
        register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
        __asm__ __volatile__("hvc #0" : "+r"(x0) : : "memory");
    }
    for (;;)
        __asm__ __volatile__("wfi");
}

_Noreturn void aarch64_board_exit(uint32_t code)
{
    if (!exit_started) {
        exit_started = true;
        const char report[VIRT_EXIT_REPORT_SIZE + 1] = {
            'e',  'x', 'i', 't', ' ', (char)('0' + code / 100), (char)('0' + code / 10 % 10), (char)('0' + code % 10),
            '\n', '\0'};
        _Static_assert(sizeof(VIRT_EXIT_REPORT_PREFIX) - 1 == 5, "the report starts with \"exit \"");
        semihosting_call(SEMIHOSTING_SYS_WRITE0, (uintptr_t)report);
        const uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, code};
        semihosting_call(SEMIHOSTING_SYS_EXIT, (uintptr_t)block);
    }
    power_off();
}

_Noreturn void platform_exit(int status)
{
    /* Frames sent just before exiting are queued, not yet announced to the device: announce them. */
    virtio_net_flush_all();
    /* The low 8 bits, as a process's exit status and the other ABIs keep them. */
    aarch64_exit((uint32_t)status & 0xffu);
}

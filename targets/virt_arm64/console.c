/* console.c: console output on the PL011 UART, polled; QEMU's -serial stdio is the other end. */
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/sysreg.h"
#include "targets/virt_arm64/virt_abi.h"

#define UART_DATA 0x00
#define UART_FLAGS 0x18
#define FLAGS_TRANSMIT_FULL (1u << 5)
/* A UART that never drains must not hang the guest: give up on a byte after this many polls. */
#define TRANSMIT_POLLS 100000

static void put_byte(char c)
{
    for (int poll = 0; poll < TRANSMIT_POLLS && (mmio_read32(VIRT_UART_BASE + UART_FLAGS) & FLAGS_TRANSMIT_FULL);
         poll++)
        ;
    mmio_write32(VIRT_UART_BASE + UART_DATA, (uint8_t)c);
}

void platform_console_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        put_byte(text[i]);
}

void virt_console_puts(const char *text)
{
    while (*text != '\0')
        put_byte(*text++);
}

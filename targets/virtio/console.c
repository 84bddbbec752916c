/* console.c: console output on the COM1 UART (port 0x3f8), polled; QEMU's -serial stdio is the other end. */
/* Also run at CPL 0 by the fault report. */
#include "targets/virtio/cpl0.h"

#include "lib/platform/platform.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"

#define COM1 0x3f8
#define UART_DATA 0
#define UART_LINE_STATUS 5
#define LINE_STATUS_THR_EMPTY 0x20
/* A UART that never drains (none at the port) must not hang the guest: give up on a byte after this many polls. */
#define TRANSMIT_POLLS 100000

static void put_byte(char c)
{
    for (int poll = 0; poll < TRANSMIT_POLLS && !(virtio_inb(COM1 + UART_LINE_STATUS) & LINE_STATUS_THR_EMPTY); poll++)
        ;
    virtio_outb(COM1 + UART_DATA, (uint8_t)c);
}

void platform_console_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        put_byte(text[i]);
}

void virtio_console_puts(const char *text)
{
    while (*text != '\0')
        put_byte(*text++);
}

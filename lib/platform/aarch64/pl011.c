/* pl011.c: the console on an Arm PL011 UART, polled: programmed for the board's reference clock and baud rate,
 * 8N1 with FIFOs, interrupts off. Bytes go out as they are (no CR added), as on the other ABIs' consoles. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"
#include "lib/platform/platform.h"

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_IBRD 0x24
#define UART_FBRD 0x28
#define UART_LCRH 0x2c
#define UART_CR 0x30
#define UART_IMSC 0x38
#define UART_ICR 0x44
#define UART_FR_BUSY (1u << 3)
#define UART_FR_TXFF (1u << 5)
#define UART_LCRH_8N1_FIFO 0x70u    /* 8 data bits, FIFOs on */
#define UART_CR_ENABLE_TX_RX 0x301u /* UARTEN, TXE, RXE */
#define UART_ICR_ALL 0x7ffu
#define UART_FBRD_BITS 6 /* the divisor's fraction, in 64ths */

/* A UART whose clock is off never drains its FIFO: give up on a byte after this many polls rather than hang. */
#define UART_SPIN_LIMIT 1000000u

static uint64_t uart_base;
/* Whether the last byte written ended a line: a report starts a line of its own without adding an empty one. */
static bool at_line_start = true;

void pl011_init(uint64_t base, uint32_t clock_hz, uint32_t baud)
{
    /* The divisor is clock / (16 * baud), in 64ths and rounded: 48 MHz at 115200 baud gives 26 + 3/64. */
    uint64_t divisor = ((uint64_t)clock_hz * 4u + baud / 2u) / baud;

    mmio_write32(base + UART_CR, 0);
    for (uint32_t spins = 0; spins < UART_SPIN_LIMIT && (mmio_read32(base + UART_FR) & UART_FR_BUSY); spins++)
        ;
    mmio_write32(base + UART_IMSC, 0);
    mmio_write32(base + UART_ICR, UART_ICR_ALL);
    mmio_write32(base + UART_IBRD, (uint32_t)(divisor >> UART_FBRD_BITS));
    mmio_write32(base + UART_FBRD, (uint32_t)(divisor & ((1u << UART_FBRD_BITS) - 1)));
    mmio_write32(base + UART_LCRH, UART_LCRH_8N1_FIFO);
    mmio_write32(base + UART_CR, UART_CR_ENABLE_TX_RX);
    uart_base = base;
}

static void put_byte(char byte)
{
    if (uart_base == 0)
        return;
    at_line_start = byte == '\n';
    for (uint32_t spins = 0; mmio_read32(uart_base + UART_FR) & UART_FR_TXFF; spins++) {
        if (spins == UART_SPIN_LIMIT)
            return;
    }
    mmio_write32(uart_base + UART_DR, (uint8_t)byte);
}

void platform_console_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        put_byte(text[i]);
}

void pl011_puts(const char *text)
{
    while (*text != '\0')
        put_byte(*text++);
}

bool pl011_at_line_start(void)
{
    return at_line_start;
}

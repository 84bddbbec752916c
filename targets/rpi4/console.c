/* console.c: the console on the PL011 (UART0) on GPIO 14/15 at 115200 8N1, from the 48 MHz UART clock config.txt
 * asks the firmware for. Bytes go out as they are (no CR added), as on the other ABIs' consoles. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/platform.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define UART_DR (BCM2711_UART0_BASE + 0x00)
#define UART_FR (BCM2711_UART0_BASE + 0x18)
#define UART_IBRD (BCM2711_UART0_BASE + 0x24)
#define UART_FBRD (BCM2711_UART0_BASE + 0x28)
#define UART_LCRH (BCM2711_UART0_BASE + 0x2c)
#define UART_CR (BCM2711_UART0_BASE + 0x30)
#define UART_IMSC (BCM2711_UART0_BASE + 0x38)
#define UART_ICR (BCM2711_UART0_BASE + 0x44)
#define UART_FR_BUSY (1u << 3)
#define UART_FR_TXFF (1u << 5)
#define UART_LCRH_8N1_FIFO 0x70u    /* 8 data bits, FIFOs on */
#define UART_CR_ENABLE_TX_RX 0x301u /* UARTEN, TXE, RXE */
/* 48 MHz / (16 * 115200) = 26.042: integer 26, fraction 0.042 * 64 = 3. */
#define UART_IBRD_115200 26u
#define UART_FBRD_115200 3u

#define GPFSEL1 (BCM2711_GPIO_BASE + 0x04)
#define GPIO_PULL_CNTRL0 (BCM2711_GPIO_BASE + 0xe4)
#define GPFSEL1_PIN14_SHIFT 12
#define GPFSEL1_PIN15_SHIFT 15
#define GPIO_FUNCTION_MASK 7u
#define GPIO_FUNCTION_ALT0 4u
#define GPIO_PULL_PIN14_SHIFT 28
#define GPIO_PULL_PIN15_SHIFT 30
#define GPIO_PULL_MASK 3u
#define GPIO_PULL_UP 1u

/* Whether the last byte written ended a line: the exit report starts a line of its own without adding an empty one. */
static bool at_line_start = true;

/* A UART whose clock is off never drains its FIFO: give up on a byte after this many polls rather than hang. */
#define UART_SPIN_LIMIT 1000000u

void rpi4_console_init(void)
{
    uint32_t select = mmio_read32(GPFSEL1);
    select &= ~((GPIO_FUNCTION_MASK << GPFSEL1_PIN14_SHIFT) | (GPIO_FUNCTION_MASK << GPFSEL1_PIN15_SHIFT));
    select |= (GPIO_FUNCTION_ALT0 << GPFSEL1_PIN14_SHIFT) | (GPIO_FUNCTION_ALT0 << GPFSEL1_PIN15_SHIFT);
    mmio_write32(GPFSEL1, select);
    /* TX driven, RX pulled up so an unconnected line reads idle. */
    uint32_t pull = mmio_read32(GPIO_PULL_CNTRL0);
    pull &= ~((GPIO_PULL_MASK << GPIO_PULL_PIN14_SHIFT) | (GPIO_PULL_MASK << GPIO_PULL_PIN15_SHIFT));
    pull |= GPIO_PULL_UP << GPIO_PULL_PIN15_SHIFT;
    mmio_write32(GPIO_PULL_CNTRL0, pull);

    mmio_write32(UART_CR, 0);
    for (uint32_t spins = 0; spins < UART_SPIN_LIMIT && (mmio_read32(UART_FR) & UART_FR_BUSY); spins++)
        ;
    mmio_write32(UART_IMSC, 0);
    mmio_write32(UART_ICR, 0x7ff);
    mmio_write32(UART_IBRD, UART_IBRD_115200);
    mmio_write32(UART_FBRD, UART_FBRD_115200);
    mmio_write32(UART_LCRH, UART_LCRH_8N1_FIFO);
    mmio_write32(UART_CR, UART_CR_ENABLE_TX_RX);
}

static void put_byte(char byte)
{
    at_line_start = byte == '\n';
    for (uint32_t spins = 0; mmio_read32(UART_FR) & UART_FR_TXFF; spins++) {
        if (spins == UART_SPIN_LIMIT)
            return;
    }
    mmio_write32(UART_DR, (uint8_t)byte);
}

void platform_console_write(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        put_byte(text[i]);
}

bool rpi4_console_at_line_start(void)
{
    return at_line_start;
}

void rpi4_console_puts(const char *text)
{
    while (*text != '\0')
        put_byte(*text++);
}

void rpi4_console_put_hex(uint64_t value)
{
    static const char digits[] = "0123456789abcdef";
    char text[19] = {'0', 'x'};
    for (int i = 0; i < 16; i++)
        text[2 + i] = digits[(value >> (60 - 4 * i)) & 0xf];
    text[18] = '\0';
    rpi4_console_puts(text);
}

void rpi4_console_put_decimal(uint64_t value)
{
    char text[21];
    int at = 20;
    text[at] = '\0';
    do {
        text[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0 && at > 0);
    rpi4_console_puts(&text[at]);
}

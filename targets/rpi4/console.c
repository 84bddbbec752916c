/* console.c: the console on the PL011 (UART0), routed to GPIO 14/15, at 115200 8N1 from the 48 MHz UART clock
 * config.txt asks the firmware for (lib/platform/aarch64/pl011.c drives the UART). */
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define UART_BAUD 115200u
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

    pl011_init(BCM2711_UART0_BASE, BCM2711_UART_CLOCK_HZ, UART_BAUD);
}

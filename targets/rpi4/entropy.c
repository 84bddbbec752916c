/* entropy.c: entropy from the BCM2711's RNG200. QEMU's raspi4b (10.0) does not model it: reading its registers
 * raises an external abort. Where it is absent or gives nothing the board says so once and platform_entropy
 * fails, so an image that needs the random device refuses to start (its connect draws a byte) instead of running
 * on guessable numbers. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"
#include "lib/platform/platform.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define RNG_CTRL (BCM2711_RNG_BASE + 0x00)
#define RNG_FIFO_DATA (BCM2711_RNG_BASE + 0x20)
#define RNG_FIFO_COUNT (BCM2711_RNG_BASE + 0x24)
#define RNG_CTRL_RBGEN_MASK 0x1fffu
#define RNG_CTRL_RBGEN_ENABLE 0x1u
#define RNG_FIFO_COUNT_MASK 0xffu
/* The generator warms up before its first word; a word missing for this long means there is no generator. */
#define RNG_WAIT_NS UINT64_C(200000000)

static bool rng_failed, rng_probed;

static void rng_missing(const char *why)
{
    pl011_puts("rpi4: ");
    pl011_puts(why);
    pl011_puts(": no entropy here; the stack canary comes from the clock and a random device will not "
               "connect\n");
    rng_failed = true;
}

static bool next_word(uint32_t *word)
{
    uint32_t control;
    if (rng_failed)
        return false;
    if (!rng_probed) {
        rng_probed = true;
        if (!aarch64_probe_read32(RNG_CTRL, &control)) {
            rng_missing("no RNG200 answers at 0xfe104000 (QEMU's raspi4b models none)");
            return false;
        }
    }
    if ((mmio_read32(RNG_CTRL) & RNG_CTRL_RBGEN_MASK) == 0)
        mmio_write32(RNG_CTRL, (mmio_read32(RNG_CTRL) & ~RNG_CTRL_RBGEN_MASK) | RNG_CTRL_RBGEN_ENABLE);
    uint64_t give_up = platform_clock_monotonic() + RNG_WAIT_NS;
    while ((mmio_read32(RNG_FIFO_COUNT) & RNG_FIFO_COUNT_MASK) == 0) {
        if (platform_clock_monotonic() > give_up) {
            rng_missing("the RNG200 gave no data in 200 ms");
            return false;
        }
    }
    *word = mmio_read32(RNG_FIFO_DATA);
    return true;
}

platform_result_t platform_entropy(void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len > 0) {
        uint32_t word;
        if (!next_word(&word))
            return PLATFORM_UNSPECIFIED;
        size_t take = len < sizeof word ? len : sizeof word;
        memcpy(out, &word, take);
        out += take;
        len -= take;
    }
    return PLATFORM_OK;
}

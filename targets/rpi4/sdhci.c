/* sdhci.c: the SD card on one of the BCM2711's SD Host Controllers: EMMC2 (0xfe340000), the Pi 4's card slot, or
 * else EMMC (0xfe300000), where QEMU's raspi4b (10.0) attaches `-drive if=sd`; the first with a card inserted is
 * used. The card is brought up by the SD protocol's steps, then single 512-byte blocks are read and written
 * through the controller's data port, polling with a timeout on every wait. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/platform/aarch64/board.h"
#include "lib/platform/aarch64/mmio.h"
#include "lib/platform/platform.h"
#include "targets/rpi4/bcm2711.h"
#include "targets/rpi4/bindings.h"

#define EMMC2_BASE UINT64_C(0xfe340000)
#define EMMC_BASE UINT64_C(0xfe300000)
/* Registers, as offsets from the controller's base (card.base). */
#define SDHCI_BLOCK 0x04u /* block size (low 16 bits) and count (high 16) */
#define SDHCI_ARGUMENT 0x08u
#define SDHCI_COMMAND 0x0cu /* transfer mode (low 16 bits) and command (high 16) */
#define SDHCI_RESPONSE 0x10u
#define SDHCI_DATA 0x20u
#define SDHCI_PRESENT 0x24u
#define SDHCI_HOST_CONTROL 0x28u /* host control, power control, ... */
#define SDHCI_CLOCK 0x2cu        /* clock control (low 16), timeout (bits 16-23), reset (24-31) */
#define SDHCI_INTERRUPT 0x30u    /* normal (low 16) and error (high 16) status, write 1 to clear */
#define SDHCI_INTERRUPT_ENABLE 0x34u
#define SDHCI_SIGNAL_ENABLE 0x38u
#define SDHCI_CAPABILITIES 0x40u

#define PRESENT_COMMAND_INHIBIT (1u << 0)
#define PRESENT_DATA_INHIBIT (1u << 1)
#define PRESENT_CARD_INSERTED (1u << 16)
#define POWER_ON_3V3 (0x0fu << 8) /* power control: 3.3 V, bus power on */
#define CLOCK_INTERNAL_ENABLE (1u << 0)
#define CLOCK_INTERNAL_STABLE (1u << 1)
#define CLOCK_CARD_ENABLE (1u << 2)
#define TIMEOUT_LONGEST (0x0eu << 16)
#define RESET_ALL (1u << 24)
#define INTERRUPT_COMMAND_DONE (1u << 0)
#define INTERRUPT_TRANSFER_DONE (1u << 1)
#define INTERRUPT_WRITE_READY (1u << 4)
#define INTERRUPT_READ_READY (1u << 5)
#define INTERRUPT_ERROR (1u << 15)
#define INTERRUPT_ALL 0xffffffffu

/* The command register: index, response type, checks, data. */
#define RESPONSE_NONE 0x0u
#define RESPONSE_136 0x1u
#define RESPONSE_48 0x2u
#define RESPONSE_48_BUSY 0x3u
#define CHECK_CRC (1u << 3)
#define CHECK_INDEX (1u << 4)
#define DATA_PRESENT (1u << 5)
#define R1 (RESPONSE_48 | CHECK_CRC | CHECK_INDEX)
#define R1B (RESPONSE_48_BUSY | CHECK_CRC | CHECK_INDEX)
#define R2 (RESPONSE_136 | CHECK_CRC)
#define R3 RESPONSE_48
#define TRANSFER_READ (1u << 4)

#define SD_BLOCK_SIZE RPI4_SD_BLOCK_SIZE
#define SD_OCR_BUSY_DONE (1u << 31)
#define SD_OCR_HIGH_CAPACITY (1u << 30)
#define SD_ACMD41_ARGUMENT 0x40ff8000u /* high capacity supported, 2.7-3.6 V */
#define SD_CMD8_ARGUMENT 0x1aau        /* 2.7-3.6 V, check pattern 0xaa */
#define INITIAL_CLOCK_HZ 400000u
#define TRANSFER_CLOCK_HZ 25000000u
#define BASE_CLOCK_DEFAULT_HZ 100000000u /* when the capabilities do not say */
#define WAIT_NS UINT64_C(1000000000)
#define ACMD41_TRIES 1000u

struct sd_card {
    uint64_t base; /* the controller's */
    bool ready;
    bool high_capacity; /* block addresses instead of byte addresses */
    uint32_t rca;
    uint64_t capacity;
};

static struct sd_card card;

static uint32_t sdhci_read(uint32_t offset)
{
    return mmio_read32(card.base + offset);
}

static void sdhci_write(uint32_t offset, uint32_t value)
{
    mmio_write32(card.base + offset, value);
}

/* Wait until (register & mask) == want, at most a second. */
static bool wait_for(uint32_t offset, uint32_t mask, uint32_t want)
{
    uint64_t give_up = platform_clock_monotonic() + WAIT_NS;
    while ((sdhci_read(offset) & mask) != want) {
        if (platform_clock_monotonic() > give_up)
            return false;
    }
    return true;
}

/* Wait for `bit` in the interrupt status, failing on an error bit; clears what it saw. */
static bool wait_interrupt(uint32_t bit)
{
    uint64_t give_up = platform_clock_monotonic() + WAIT_NS;
    for (;;) {
        uint32_t status = sdhci_read(SDHCI_INTERRUPT);
        if (status & INTERRUPT_ERROR) {
            sdhci_write(SDHCI_INTERRUPT, status);
            return false;
        }
        if (status & bit) {
            sdhci_write(SDHCI_INTERRUPT, bit);
            return true;
        }
        if (platform_clock_monotonic() > give_up)
            return false;
    }
}

static bool command(uint32_t index, uint32_t flags, uint32_t argument, uint32_t transfer_mode)
{
    uint32_t inhibit = PRESENT_COMMAND_INHIBIT | ((flags & DATA_PRESENT) ? PRESENT_DATA_INHIBIT : 0);
    if (!wait_for(SDHCI_PRESENT, inhibit, 0))
        return false;
    sdhci_write(SDHCI_INTERRUPT, INTERRUPT_ALL);
    sdhci_write(SDHCI_ARGUMENT, argument);
    sdhci_write(SDHCI_COMMAND, (index << 24) | (flags << 16) | transfer_mode);
    return wait_interrupt(INTERRUPT_COMMAND_DONE);
}

static bool set_clock(uint32_t hz)
{
    uint32_t base = ((sdhci_read(SDHCI_CAPABILITIES) >> 8) & 0xffu) * 1000000u;
    if (base == 0)
        base = BASE_CLOCK_DEFAULT_HZ;
    /* SD Host Controller 3.00's 10-bit divider: the card clock is base / (2 * divider), or base for 0. */
    uint32_t divider = 0;
    while (divider < 0x3ffu && base / (2 * (divider == 0 ? 1 : divider)) > hz)
        divider++;
    uint32_t control = sdhci_read(SDHCI_CLOCK) & ~0xffffu;
    control |= ((divider & 0xffu) << 8) | ((divider >> 8) << 6) | CLOCK_INTERNAL_ENABLE;
    sdhci_write(SDHCI_CLOCK, control | TIMEOUT_LONGEST);
    if (!wait_for(SDHCI_CLOCK, CLOCK_INTERNAL_STABLE, CLOCK_INTERNAL_STABLE))
        return false;
    sdhci_write(SDHCI_CLOCK, sdhci_read(SDHCI_CLOCK) | CLOCK_CARD_ENABLE);
    return true;
}

/* Bit `bit` of the 128-bit CSD, as the controller holds it: CRC dropped, so bit n is at response bit n - 8. */
static uint32_t csd_bits(const uint32_t response[4], uint32_t high, uint32_t low)
{
    uint32_t value = 0;
    for (uint32_t bit = high + 1; bit-- > low;) {
        uint32_t at = bit - 8;
        value = (value << 1) | ((response[at / 32] >> (at % 32)) & 1u);
    }
    return value;
}

static uint64_t csd_capacity(const uint32_t response[4])
{
    if (csd_bits(response, 127, 126) == 1) /* CSD 2.0: (C_SIZE + 1) * 512 KiB */
        return ((uint64_t)csd_bits(response, 69, 48) + 1) * 512u * 1024u;
    uint64_t block_length = UINT64_C(1) << csd_bits(response, 83, 80);
    uint64_t multiplier = UINT64_C(1) << (csd_bits(response, 49, 47) + 2);
    return ((uint64_t)csd_bits(response, 73, 62) + 1) * multiplier * block_length;
}

const char *rpi4_sd_start(uint64_t *capacity)
{
    uint32_t response[4];
    uint32_t present;

    static const uint64_t controllers[] = {EMMC2_BASE, EMMC_BASE};
    card.base = 0;
    for (uint32_t i = 0; i < sizeof controllers / sizeof controllers[0] && card.base == 0; i++) {
        if (aarch64_probe_read32(controllers[i] + SDHCI_PRESENT, &present) && (present & PRESENT_CARD_INSERTED))
            card.base = controllers[i];
    }
    if (card.base == 0)
        return "no SD card is inserted (looked at EMMC2 and EMMC)";
    sdhci_write(SDHCI_CLOCK, RESET_ALL);
    if (!wait_for(SDHCI_CLOCK, RESET_ALL, 0))
        return "the SD host controller did not come out of reset";
    sdhci_write(SDHCI_HOST_CONTROL, POWER_ON_3V3);
    sdhci_write(SDHCI_INTERRUPT_ENABLE, INTERRUPT_ALL);
    sdhci_write(SDHCI_SIGNAL_ENABLE, 0);
    if (!set_clock(INITIAL_CLOCK_HZ))
        return "the SD clock did not become stable";

    if (!command(0, RESPONSE_NONE, 0, 0))
        return "the SD card did not take GO_IDLE_STATE";
    bool version2 = command(8, R1, SD_CMD8_ARGUMENT, 0) && (sdhci_read(SDHCI_RESPONSE) & 0xfffu) == SD_CMD8_ARGUMENT;
    uint32_t ocr = 0;
    for (uint32_t tries = 0; !(ocr & SD_OCR_BUSY_DONE); tries++) {
        if (tries == ACMD41_TRIES || !command(55, R1, 0, 0) ||
            !command(41, R3, version2 ? SD_ACMD41_ARGUMENT : SD_ACMD41_ARGUMENT & ~SD_OCR_HIGH_CAPACITY, 0))
            return "the SD card did not finish powering up (ACMD41)";
        ocr = sdhci_read(SDHCI_RESPONSE);
    }
    card.high_capacity = (ocr & SD_OCR_HIGH_CAPACITY) != 0;
    if (!command(2, R2, 0, 0) || !command(3, R1, 0, 0))
        return "the SD card did not give its identity and address";
    card.rca = sdhci_read(SDHCI_RESPONSE) & 0xffff0000u;
    if (!command(9, R2, card.rca, 0))
        return "the SD card did not give its CSD";
    for (uint32_t i = 0; i < 4; i++)
        response[i] = sdhci_read(SDHCI_RESPONSE + 4 * i);
    card.capacity = csd_capacity(response);
    if (!command(7, R1B, card.rca, 0) || !wait_interrupt(INTERRUPT_TRANSFER_DONE))
        return "the SD card could not be selected";
    if (!card.high_capacity && !command(16, R1, SD_BLOCK_SIZE, 0))
        return "the SD card did not take 512-byte blocks";
    if (!set_clock(TRANSFER_CLOCK_HZ))
        return "the SD clock did not become stable at 25 MHz";
    card.ready = true;
    *capacity = card.capacity;
    return NULL;
}

/* One block at block number `block`: read into `in`, or written from `out` (the other is NULL). */
static bool transfer_block(uint64_t block, uint8_t *in, const uint8_t *out)
{
    bool read = in != NULL;
    uint64_t address = card.high_capacity ? block : block * SD_BLOCK_SIZE;
    if (!card.ready || address > UINT32_MAX)
        return false;
    sdhci_write(SDHCI_BLOCK, (1u << 16) | SD_BLOCK_SIZE);
    if (!command(read ? 17 : 24, R1 | DATA_PRESENT, (uint32_t)address, read ? TRANSFER_READ : 0))
        return false;
    if (!wait_interrupt(read ? INTERRUPT_READ_READY : INTERRUPT_WRITE_READY))
        return false;
    for (uint32_t i = 0; i < SD_BLOCK_SIZE; i += 4) {
        if (read) {
            uint32_t word = sdhci_read(SDHCI_DATA);
            in[i] = (uint8_t)word;
            in[i + 1] = (uint8_t)(word >> 8);
            in[i + 2] = (uint8_t)(word >> 16);
            in[i + 3] = (uint8_t)(word >> 24);
        } else {
            sdhci_write(SDHCI_DATA, (uint32_t)out[i] | (uint32_t)out[i + 1] << 8 | (uint32_t)out[i + 2] << 16 |
                                        (uint32_t)out[i + 3] << 24);
        }
    }
    return wait_interrupt(INTERRUPT_TRANSFER_DONE);
}

bool rpi4_sd_read(uint64_t offset, uint8_t *buf, size_t size)
{
    for (size_t done = 0; done < size; done += SD_BLOCK_SIZE) {
        if (!transfer_block((offset + done) / SD_BLOCK_SIZE, buf + done, NULL))
            return false;
    }
    return true;
}

bool rpi4_sd_write(uint64_t offset, const uint8_t *buf, size_t size)
{
    for (size_t done = 0; done < size; done += SD_BLOCK_SIZE) {
        if (!transfer_block((offset + done) / SD_BLOCK_SIZE, NULL, buf + done))
            return false;
    }
    return true;
}

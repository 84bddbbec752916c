/* pit.c: the PIT (8254) as a reference for calibrating the TSC where there is no kvmclock. Channel 0 counts down
 * at 1.193182 MHz; its interrupt stays masked, and the count is read by latching it. */
#include "lib/platform/x86_cpu.h"
#include "targets/virtio/bindings.h"
#include "targets/virtio/port_io.h"

#define PIT_HZ UINT64_C(1193182)
#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
#define PIT_CHANNEL0_RATE_GENERATOR 0x34 /* channel 0, low then high byte, mode 2, binary */
#define PIT_LATCH_CHANNEL0 0x00
/* A PIT whose count does not move (none at the ports) ends the calibration after this many reads in a row. */
#define MAX_STALLED_READS 1000000

static uint16_t read_count(void)
{
    virtio_outb(PIT_COMMAND, PIT_LATCH_CHANNEL0);
    uint8_t low = virtio_inb(PIT_CHANNEL0);
    uint8_t high = virtio_inb(PIT_CHANNEL0);
    return (uint16_t)(((uint16_t)high << 8) | low);
}

uint64_t virtio_pit_measure_tsc(uint64_t nsecs)
{
    uint64_t target = nsecs * PIT_HZ / UINT64_C(1000000000), elapsed = 0;
    uint32_t stalled = 0;

    /* A reload value of 0 means 65536: the count wraps every 55 ms, far longer than one poll. */
    virtio_outb(PIT_COMMAND, PIT_CHANNEL0_RATE_GENERATOR);
    virtio_outb(PIT_CHANNEL0, 0);
    virtio_outb(PIT_CHANNEL0, 0);
    uint16_t previous = read_count();
    /* Start on a tick edge, so the window is whole ticks. */
    while (read_count() == previous && stalled < MAX_STALLED_READS)
        stalled++;
    previous = read_count();
    uint64_t start = x86_read_tsc();
    while (elapsed < target) {
        uint16_t count = read_count();
        uint16_t passed = (uint16_t)(previous - count);
        if (passed != 0)
            stalled = 0;
        else if (++stalled >= MAX_STALLED_READS)
            return 0;
        elapsed += passed;
        previous = count;
    }
    uint64_t ticks = x86_read_tsc() - start;
    /* Scaled to exactly `nsecs`, since the loop may overshoot the target by a PIT tick or two. */
    return ticks * target / elapsed; /* below 2^64: seconds of TSC ticks times a few thousand */
}

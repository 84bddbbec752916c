/* port_io.h: port I/O from either privilege level: direct at CPL 0, through the int3 gate in traps.S at CPL 3.
 * KVM on PVM honours neither IOPL 3 (`in` at CPL 3 raised #GP) nor `int` at CPL 0 (an emulation failure), so the
 * code asks which level it runs at. */
#ifndef MIRAGE_TARGETS_VIRTIO_PORT_IO_H
#define MIRAGE_TARGETS_VIRTIO_PORT_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "targets/virtio/cpu.h"

static inline bool virtio_at_cpl0(void)
{
    uint16_t cs;
    __asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
    return (cs & 3) == 0;
}

static inline void virtio_outb(uint16_t port, uint8_t value)
{
    if (virtio_at_cpl0())
        __asm__ __volatile__("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
    else
        __asm__ __volatile__("int3" : : "a"(value), "d"(port), "c"(VIRTIO_GATE_OUTB) : "memory");
}

static inline void virtio_outl(uint16_t port, uint32_t value)
{
    if (virtio_at_cpl0())
        __asm__ __volatile__("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
    else
        __asm__ __volatile__("int3" : : "a"(value), "d"(port), "c"(VIRTIO_GATE_OUTL) : "memory");
}

static inline uint8_t virtio_inb(uint16_t port)
{
    uint8_t value;
    if (virtio_at_cpl0())
        __asm__ __volatile__("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    else
        __asm__ __volatile__("int3" : "=a"(value) : "d"(port), "c"(VIRTIO_GATE_INB) : "memory");
    return value;
}

#endif

/* block.h: the block device: read and write whole blocks of a disk. */
#ifndef MIRAGE_DEVICES_BLOCK_H
#define MIRAGE_DEVICES_BLOCK_H

#include <stddef.h>
#include <stdint.h>

struct block;

struct block_ops {
    /* Read `len` bytes at byte `offset` (both multiples of block_size); returns 0 or a negative error code. */
    int (*read)(struct block *self, uint64_t offset, uint8_t *buf, size_t len);
    /* Write `len` bytes at byte `offset` (both multiples of block_size); returns 0 or a negative error code. */
    int (*write)(struct block *self, uint64_t offset, const uint8_t *buf, size_t len);
};

struct block {
    const struct block_ops *ops;
    void *state;
    uint64_t capacity;   /* bytes */
    uint64_t block_size; /* bytes */
};

static inline int block_read(struct block *self, uint64_t offset, uint8_t *buf, size_t len)
{
    return self->ops->read(self, offset, buf, len);
}

static inline int block_write(struct block *self, uint64_t offset, const uint8_t *buf, size_t len)
{
    return self->ops->write(self, offset, buf, len);
}

#endif

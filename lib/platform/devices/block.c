/* block.c: the block device over the platform interface; the manifest names it. */
#include <stdint.h>

#include "devices/block.h"
#include "lib/platform/platform.h"

static platform_handle_t handle_of(const struct block *self)
{
    return (platform_handle_t)(uintptr_t)self->state;
}

static int block_read_blocks(struct block *self, uint64_t offset, uint8_t *buf, size_t len)
{
    return platform_block_read(handle_of(self), offset, buf, len) == PLATFORM_OK ? 0 : -1;
}

static int block_write_blocks(struct block *self, uint64_t offset, const uint8_t *buf, size_t len)
{
    return platform_block_write(handle_of(self), offset, buf, len) == PLATFORM_OK ? 0 : -1;
}

static const struct block_ops ops = {.read = block_read_blocks, .write = block_write_blocks};

/* `name` is the instance's manifest entry, which the tender mapped to a host file. */
int platform_block_connect(struct block *self, const char *name)
{
    platform_handle_t handle;
    struct platform_block_info info;
    if (platform_block_acquire(name, &handle, &info) != PLATFORM_OK)
        return -1;
    self->ops = &ops;
    self->state = (void *)(uintptr_t)handle;
    self->capacity = info.capacity;
    self->block_size = info.block_size;
    return 0;
}

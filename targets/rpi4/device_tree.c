/* device_tree.c: /chosen/bootargs from a flattened device tree (version 17, the format of the Devicetree
 * Specification), with every offset and size checked against the blob before it is used. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "targets/rpi4/device_tree.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40u
#define FDT_VERSION_MIN 17u
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

/* The big-endian word at `offset`; the caller checked offset + 4 <= size. */
static uint32_t be32_at(const uint8_t *bytes, size_t offset)
{
    return (uint32_t)bytes[offset] << 24 | (uint32_t)bytes[offset + 1] << 16 | (uint32_t)bytes[offset + 2] << 8 |
           (uint32_t)bytes[offset + 3];
}

/* Whether [offset, offset + size) lies inside [0, limit), without forming a sum that could overflow. */
static bool within(uint32_t offset, uint32_t size, uint32_t limit)
{
    return offset <= limit && size <= limit - offset;
}

static uint32_t align4(uint32_t offset)
{
    return (offset + 3u) & ~3u;
}

enum rpi4_device_tree_result rpi4_device_tree_bootargs(const uint8_t *blob, size_t available, const char **bootargs)
{
    if (blob == NULL || available < FDT_HEADER_SIZE || be32_at(blob, 0) != FDT_MAGIC)
        return RPI4_DEVICE_TREE_INVALID;
    uint32_t total = be32_at(blob, 4);
    uint32_t struct_offset = be32_at(blob, 8), strings_offset = be32_at(blob, 12);
    uint32_t strings_size = be32_at(blob, 32), struct_size = be32_at(blob, 36);
    if (total < FDT_HEADER_SIZE || total > available || total > RPI4_DEVICE_TREE_SIZE_MAX ||
        be32_at(blob, 20) < FDT_VERSION_MIN || !within(struct_offset, struct_size, total) ||
        !within(strings_offset, strings_size, total) || struct_offset % 4 != 0)
        return RPI4_DEVICE_TREE_INVALID;

    const uint8_t *structure = blob + struct_offset;
    const char *strings = (const char *)blob + strings_offset;
    uint32_t at = 0, depth = 0;
    bool in_chosen = false;
    while (within(at, 4, struct_size)) {
        uint32_t token = be32_at(structure, at);
        at += 4;
        switch (token) {
        case FDT_BEGIN_NODE: {
            const char *name = (const char *)structure + at;
            size_t room = struct_size - at;
            size_t length = strnlen(name, room);
            if (length == room)
                return RPI4_DEVICE_TREE_INVALID;
            /* /chosen is a child of the root node (depth 1), which has the empty name. */
            if (depth == 1 && strcmp(name, "chosen") == 0)
                in_chosen = true;
            depth++;
            at = align4(at + (uint32_t)length + 1);
            break;
        }
        case FDT_END_NODE:
            if (depth == 0)
                return RPI4_DEVICE_TREE_INVALID;
            depth--;
            if (depth < 2)
                in_chosen = false;
            break;
        case FDT_PROP: {
            if (!within(at, 8, struct_size))
                return RPI4_DEVICE_TREE_INVALID;
            uint32_t length = be32_at(structure, at), name_offset = be32_at(structure, at + 4);
            at += 8;
            if (!within(at, length, struct_size) || name_offset >= strings_size)
                return RPI4_DEVICE_TREE_INVALID;
            const char *name = strings + name_offset;
            if (strnlen(name, strings_size - name_offset) == strings_size - name_offset)
                return RPI4_DEVICE_TREE_INVALID;
            if (in_chosen && depth == 2 && strcmp(name, "bootargs") == 0) {
                const char *value = (const char *)structure + at;
                if (length == 0 || strnlen(value, length) == length)
                    return RPI4_DEVICE_TREE_INVALID;
                *bootargs = value;
                return RPI4_DEVICE_TREE_FOUND;
            }
            at = align4(at + length);
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            return RPI4_DEVICE_TREE_NO_BOOTARGS;
        default:
            return RPI4_DEVICE_TREE_INVALID;
        }
    }
    return RPI4_DEVICE_TREE_INVALID;
}

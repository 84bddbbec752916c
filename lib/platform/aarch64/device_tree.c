/* device_tree.c: /chosen/bootargs and the first /memory range from a flattened device tree (the format of the
 * Devicetree Specification), every offset and size checked against the blob before it is used. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/platform/aarch64/device_tree.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40u
#define FDT_VERSION_MIN 17u
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
/* The root's defaults when it does not say (Devicetree Specification 2.3.5). */
#define ADDRESS_CELLS_DEFAULT 2u
#define SIZE_CELLS_DEFAULT 1u

/* The big-endian word at `offset`; the caller checked offset + 4 <= size. */
static uint32_t be32_at(const uint8_t *bytes, size_t offset)
{
    return (uint32_t)bytes[offset] << 24 | (uint32_t)bytes[offset + 1] << 16 | (uint32_t)bytes[offset + 2] << 8 |
           (uint32_t)bytes[offset + 3];
}

/* `cells` (1 or 2) big-endian words at `bytes` as one number. */
static uint64_t cells_at(const uint8_t *bytes, uint32_t cells)
{
    uint64_t value = 0;
    for (uint32_t i = 0; i < cells; i++)
        value = value << 32 | be32_at(bytes, 4 * i);
    return value;
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

/* The nodes right below the root whose properties the board reads. */
enum node { NODE_OTHER, NODE_CHOSEN, NODE_MEMORY };

struct walk {
    const uint8_t *structure;
    uint32_t structure_size;
    const char *strings;
    uint32_t strings_size;
    uint32_t address_cells, size_cells;
};

/* One property of the node `node` at `depth` (1: the root). */
static const char *take_property(struct walk *walk, uint32_t depth, enum node node, const char *name,
                                 const uint8_t *value, uint32_t length, struct device_tree_boot *boot)
{
    if (depth == 1 && length == 4 && strcmp(name, "#address-cells") == 0)
        walk->address_cells = be32_at(value, 0);
    else if (depth == 1 && length == 4 && strcmp(name, "#size-cells") == 0)
        walk->size_cells = be32_at(value, 0);
    else if (depth == 2 && node == NODE_CHOSEN && strcmp(name, "bootargs") == 0) {
        if (length == 0 || strnlen((const char *)value, length) == length)
            return "/chosen/bootargs is not a NUL-terminated string";
        boot->bootargs = (const char *)value;
    } else if (depth == 2 && node == NODE_MEMORY && strcmp(name, "reg") == 0 && boot->memory_size == 0) {
        uint32_t cells = walk->address_cells + walk->size_cells;
        if (walk->address_cells < 1 || walk->address_cells > 2 || walk->size_cells < 1 || walk->size_cells > 2 ||
            length < 4 * cells)
            return "/memory's reg is not an (address, size) pair";
        uint64_t base = cells_at(value, walk->address_cells);
        uint64_t size = cells_at(value + 4 * walk->address_cells, walk->size_cells);
        if (size > UINT64_MAX - base)
            return "/memory's reg runs past the end of the address space";
        boot->memory_base = base;
        boot->memory_size = size;
    }
    return NULL;
}

const char *device_tree_read(const uint8_t *blob, size_t available, struct device_tree_boot *boot)
{
    memset(boot, 0, sizeof *boot);
    if (blob == NULL || available < FDT_HEADER_SIZE || be32_at(blob, 0) != FDT_MAGIC)
        return "no device tree (its magic number is missing)";
    uint32_t total = be32_at(blob, 4);
    uint32_t structure_offset = be32_at(blob, 8), strings_offset = be32_at(blob, 12);
    uint32_t strings_size = be32_at(blob, 32), structure_size = be32_at(blob, 36);
    if (total < FDT_HEADER_SIZE || total > available || total > DEVICE_TREE_SIZE_MAX)
        return "the device tree's size is not that of the bytes it has";
    if (be32_at(blob, 20) < FDT_VERSION_MIN)
        return "the device tree is older than version 17";
    if (!within(structure_offset, structure_size, total) || !within(strings_offset, strings_size, total) ||
        structure_offset % 4 != 0)
        return "the device tree's header gives blocks outside the tree";

    struct walk walk = {blob + structure_offset, structure_size,    (const char *)blob + strings_offset, strings_size,
                        ADDRESS_CELLS_DEFAULT,   SIZE_CELLS_DEFAULT};
    uint32_t at = 0, depth = 0;
    enum node node = NODE_OTHER;
    while (within(at, 4, structure_size)) {
        uint32_t token = be32_at(walk.structure, at);
        at += 4;
        switch (token) {
        case FDT_BEGIN_NODE: {
            const char *name = (const char *)walk.structure + at;
            size_t room = structure_size - at;
            size_t length = strnlen(name, room);
            if (length == room)
                return "a device tree node's name runs off the tree";
            /* The root (depth 0 before it opens) has the empty name; /chosen and /memory@<address> are its children. */
            if (depth == 1)
                node = strcmp(name, "chosen") == 0                                       ? NODE_CHOSEN
                       : strcmp(name, "memory") == 0 || strncmp(name, "memory@", 7) == 0 ? NODE_MEMORY
                                                                                         : NODE_OTHER;
            depth++;
            at = align4(at + (uint32_t)length + 1);
            break;
        }
        case FDT_END_NODE:
            if (depth == 0)
                return "the device tree closes more nodes than it opens";
            depth--;
            if (depth < 2)
                node = NODE_OTHER;
            break;
        case FDT_PROP: {
            if (!within(at, 8, structure_size))
                return "a device tree property is cut short";
            uint32_t length = be32_at(walk.structure, at), name_offset = be32_at(walk.structure, at + 4);
            at += 8;
            if (!within(at, length, structure_size))
                return "a device tree property's value runs off the tree";
            if (name_offset >= strings_size ||
                strnlen(walk.strings + name_offset, strings_size - name_offset) == strings_size - name_offset)
                return "a device tree property's name is outside the strings block";
            const char *problem =
                take_property(&walk, depth, node, walk.strings + name_offset, walk.structure + at, length, boot);
            if (problem != NULL)
                return problem;
            at = align4(at + length);
            break;
        }
        case FDT_NOP:
            break;
        case FDT_END:
            return NULL;
        default:
            return "the device tree has an unknown token";
        }
    }
    return "the device tree ends without FDT_END";
}

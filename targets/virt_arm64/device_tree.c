/* device_tree.c: the boot arguments (/chosen/bootargs, from QEMU's -append) and the RAM's extent (/memory's reg)
 * from the flattened device tree QEMU puts at the start of RAM for an ELF kernel. The tree is read through one
 * bounds-checked accessor: a malformed one stops the boot with a message, never a wild read. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "targets/virt_arm64/bindings.h"
#include "targets/virt_arm64/virt_abi.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40u
#define FDT_SIZE_MAX 0x200000u /* everything below the image */
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define CMDLINE_SIZE 8192u

struct tree {
    const uint8_t *base;
    uint32_t size;
    uint32_t structure, structure_end; /* offsets within the tree */
    uint32_t strings, strings_size;
};

static char cmdline[CMDLINE_SIZE];
static uint64_t ram_end;

/* The big-endian word at `offset`, if [offset, offset + 4) lies in [0, limit). */
static bool read_be32(const struct tree *tree, uint32_t offset, uint32_t limit, uint32_t *value)
{
    if (limit > tree->size || offset > limit || limit - offset < 4)
        return false;
    const uint8_t *p = tree->base + offset;
    *value = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return true;
}

/* A NUL-terminated string at `offset` lying before `limit`, or NULL. */
static const char *string_at(const struct tree *tree, uint32_t offset, uint32_t limit)
{
    if (limit > tree->size || offset >= limit)
        return NULL;
    const char *start = (const char *)tree->base + offset;
    return memchr(start, '\0', limit - offset) != NULL ? start : NULL;
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t value = 0;
    for (uint32_t i = 0; i < cells * 4; i++)
        value = value << 8 | p[i];
    return value;
}

static uint32_t align4(uint32_t offset)
{
    return (offset + 3u) & ~3u;
}

static const char *open_tree(struct tree *tree)
{
    uint32_t magic, total, structure, strings, structure_size, strings_size;
    tree->base = (const uint8_t *)(uintptr_t)VIRT_RAM_BASE;
    tree->size = FDT_HEADER_SIZE;
    if (!read_be32(tree, 0, FDT_HEADER_SIZE, &magic) || magic != FDT_MAGIC)
        return "virt_arm64: no device tree at the start of RAM (boot with QEMU -M virt -kernel)";
    if (!read_be32(tree, 4, FDT_HEADER_SIZE, &total) || !read_be32(tree, 8, FDT_HEADER_SIZE, &structure) ||
        !read_be32(tree, 12, FDT_HEADER_SIZE, &strings) || !read_be32(tree, 32, FDT_HEADER_SIZE, &strings_size) ||
        !read_be32(tree, 36, FDT_HEADER_SIZE, &structure_size))
        return "virt_arm64: the device tree's header is cut short";
    if (total < FDT_HEADER_SIZE || total > FDT_SIZE_MAX || structure > total || total - structure < structure_size ||
        strings > total || total - strings < strings_size)
        return "virt_arm64: the device tree's header gives blocks outside the tree";
    tree->size = total;
    tree->structure = structure;
    tree->structure_end = structure + structure_size;
    tree->strings = strings;
    tree->strings_size = strings_size;
    return 0;
}

const char *virt_device_tree_read(void)
{
    struct tree tree;
    const char *problem = open_tree(&tree);
    if (problem != 0)
        return problem;

    uint32_t offset = tree.structure, depth = 0, address_cells = 2, size_cells = 1;
    bool in_chosen = false, in_memory = false;
    for (;;) {
        uint32_t token;
        if (!read_be32(&tree, offset, tree.structure_end, &token))
            return "virt_arm64: the device tree ends without FDT_END";
        offset += 4;
        if (token == FDT_END)
            break;
        if (token == FDT_NOP)
            continue;
        if (token == FDT_BEGIN_NODE) {
            const char *name = string_at(&tree, offset, tree.structure_end);
            if (name == NULL)
                return "virt_arm64: a device tree node's name runs off the tree";
            depth++;
            /* Nodes right below the root (depth 2): /chosen and /memory@<address>. */
            if (depth == 2) {
                in_chosen = strcmp(name, "chosen") == 0;
                in_memory = strcmp(name, "memory") == 0 || strncmp(name, "memory@", 7) == 0;
            }
            offset = align4(offset + (uint32_t)strlen(name) + 1);
            continue;
        }
        if (token == FDT_END_NODE) {
            if (depth == 0)
                return "virt_arm64: the device tree closes more nodes than it opens";
            depth--;
            if (depth < 2)
                in_chosen = in_memory = false;
            continue;
        }
        if (token != FDT_PROP)
            return "virt_arm64: the device tree has an unknown token";
        uint32_t length, name_offset;
        if (!read_be32(&tree, offset, tree.structure_end, &length) ||
            !read_be32(&tree, offset + 4, tree.structure_end, &name_offset))
            return "virt_arm64: a device tree property is cut short";
        uint32_t value = offset + 8;
        if (value > tree.structure_end || tree.structure_end - value < length)
            return "virt_arm64: a device tree property's value runs off the tree";
        const char *name = name_offset < tree.strings_size
                               ? string_at(&tree, tree.strings + name_offset, tree.strings + tree.strings_size)
                               : NULL;
        if (name == NULL)
            return "virt_arm64: a device tree property's name is outside the strings block";
        const uint8_t *data = tree.base + value;
        if (depth == 1 && strcmp(name, "#address-cells") == 0 && length == 4)
            address_cells = (uint32_t)read_cells(data, 1);
        else if (depth == 1 && strcmp(name, "#size-cells") == 0 && length == 4)
            size_cells = (uint32_t)read_cells(data, 1);
        else if (depth == 2 && in_chosen && strcmp(name, "bootargs") == 0) {
            if (length >= CMDLINE_SIZE)
                return "virt_arm64: the boot arguments are longer than 8 KiB";
            memcpy(cmdline, data, length);
            cmdline[length] = '\0';
        } else if (depth == 2 && in_memory && strcmp(name, "reg") == 0 && ram_end == 0) {
            if (address_cells < 1 || address_cells > 2 || size_cells < 1 || size_cells > 2 ||
                length < 4 * (address_cells + size_cells))
                return "virt_arm64: the device tree's /memory reg is not one (address, size) pair";
            uint64_t base = read_cells(data, address_cells), size = read_cells(data + 4 * address_cells, size_cells);
            if (base != VIRT_RAM_BASE || size > UINT64_MAX - base)
                return "virt_arm64: the device tree's RAM does not start where QEMU virt's does";
            ram_end = base + size;
        }
        offset = align4(value + length);
    }
    if (ram_end == 0)
        return "virt_arm64: the device tree has no /memory node";
    return 0;
}

const char *virt_cmdline(void)
{
    return cmdline;
}

uint64_t virt_ram_end(void)
{
    return ram_end;
}

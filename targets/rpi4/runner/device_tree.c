/* device_tree.c: runner_write_device_tree: the smallest device tree QEMU's Linux-style boot takes (a root with
 * its cell sizes, /memory and /chosen): QEMU fills in /memory's size and /chosen/bootargs from -append, and hands
 * the board its address, as the Pi's firmware hands over its own with cmdline.txt in /chosen/bootargs. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "targets/rpi4/runner/runner.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_VERSION 17u
#define FDT_LAST_COMPATIBLE_VERSION 16u
#define FDT_HEADER_SIZE 40u
#define FDT_RESERVE_MAP_SIZE 16u /* the one, terminating, empty entry */
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_END 9u
#define BLOCK_SIZE 1024u

struct fdt_builder {
    uint8_t structure[BLOCK_SIZE];
    uint32_t structure_size;
    char strings[BLOCK_SIZE];
    uint32_t strings_size;
    bool overflow;
};

static void put_bytes(struct fdt_builder *fdt, const void *bytes, uint32_t size)
{
    uint32_t padded = (size + 3u) & ~3u;
    if (fdt->overflow || padded > sizeof fdt->structure - fdt->structure_size) {
        fdt->overflow = true;
        return;
    }
    memcpy(fdt->structure + fdt->structure_size, bytes, size);
    memset(fdt->structure + fdt->structure_size + size, 0, padded - size);
    fdt->structure_size += padded;
}

static void put_be32(struct fdt_builder *fdt, uint32_t value)
{
    uint8_t bytes[4] = {(uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value};
    put_bytes(fdt, bytes, sizeof bytes);
}

static void begin_node(struct fdt_builder *fdt, const char *name)
{
    put_be32(fdt, FDT_BEGIN_NODE);
    put_bytes(fdt, name, (uint32_t)strlen(name) + 1);
}

static void property(struct fdt_builder *fdt, const char *name, const void *value, uint32_t size)
{
    uint32_t name_size = (uint32_t)strlen(name) + 1;
    if (name_size > sizeof fdt->strings - fdt->strings_size) {
        fdt->overflow = true;
        return;
    }
    uint32_t name_offset = fdt->strings_size;
    memcpy(fdt->strings + fdt->strings_size, name, name_size);
    fdt->strings_size += name_size;
    put_be32(fdt, FDT_PROP);
    put_be32(fdt, size);
    put_be32(fdt, name_offset);
    put_bytes(fdt, value, size);
}

static void property_cells(struct fdt_builder *fdt, const char *name, const uint32_t *cells, uint32_t count)
{
    uint8_t bytes[16];
    for (uint32_t i = 0; i < count && i < 4; i++) {
        bytes[4 * i] = (uint8_t)(cells[i] >> 24);
        bytes[4 * i + 1] = (uint8_t)(cells[i] >> 16);
        bytes[4 * i + 2] = (uint8_t)(cells[i] >> 8);
        bytes[4 * i + 3] = (uint8_t)cells[i];
    }
    property(fdt, name, bytes, 4 * count);
}

static void header_word(uint8_t *header, uint32_t index, uint32_t value)
{
    header[4 * index] = (uint8_t)(value >> 24);
    header[4 * index + 1] = (uint8_t)(value >> 16);
    header[4 * index + 2] = (uint8_t)(value >> 8);
    header[4 * index + 3] = (uint8_t)value;
}

const char *runner_write_device_tree(const char *path)
{
    static struct fdt_builder fdt;
    static const char compatible[] = "raspberrypi,4-model-b\0brcm,bcm2711";
    static const uint32_t two = 2, one = 1, memory[3] = {0, 0, 0x40000000u};
    uint8_t header[FDT_HEADER_SIZE + FDT_RESERVE_MAP_SIZE] = {0};

    memset(&fdt, 0, sizeof fdt);
    begin_node(&fdt, "");
    property_cells(&fdt, "#address-cells", &two, 1);
    property_cells(&fdt, "#size-cells", &one, 1);
    property(&fdt, "compatible", compatible, sizeof compatible);
    begin_node(&fdt, "memory@0");
    property(&fdt, "device_type", "memory", sizeof "memory");
    property_cells(&fdt, "reg", memory, 3);
    put_be32(&fdt, FDT_END_NODE);
    begin_node(&fdt, "chosen");
    property(&fdt, "bootargs", "", 1);
    put_be32(&fdt, FDT_END_NODE);
    put_be32(&fdt, FDT_END_NODE);
    put_be32(&fdt, FDT_END);
    if (fdt.overflow)
        return "the device tree outgrew its buffer";

    uint32_t structure_offset = sizeof header;
    uint32_t strings_offset = structure_offset + fdt.structure_size;
    header_word(header, 0, FDT_MAGIC);
    header_word(header, 1, strings_offset + fdt.strings_size);
    header_word(header, 2, structure_offset);
    header_word(header, 3, strings_offset);
    header_word(header, 4, FDT_HEADER_SIZE);
    header_word(header, 5, FDT_VERSION);
    header_word(header, 6, FDT_LAST_COMPATIBLE_VERSION);
    header_word(header, 7, 0);
    header_word(header, 8, fdt.strings_size);
    header_word(header, 9, fdt.structure_size);

    FILE *out = fopen(path, "wb");
    if (out == NULL)
        return "cannot create the device tree file";
    bool written = fwrite(header, 1, sizeof header, out) == sizeof header &&
                   fwrite(fdt.structure, 1, fdt.structure_size, out) == fdt.structure_size &&
                   fwrite(fdt.strings, 1, fdt.strings_size, out) == fdt.strings_size;
    if (fclose(out) != 0 || !written)
        return "cannot write the device tree file";
    return NULL;
}

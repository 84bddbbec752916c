/* block_check.c: write a recognisable pattern to a disk, read it back, and say what was verified. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/block.h"
#include "devices/console.h"
#include "lib/runtime/mirage.h"

enum { BLOCK_BUFFER_SIZE = 4096 };

static uint8_t write_buffer[BLOCK_BUFFER_SIZE];
static uint8_t read_buffer[BLOCK_BUFFER_SIZE];

/* Block n holds "MIRAGE BLOCK <n>\n" followed by bytes (n * 31 + i) & 0xff: a host test can check it too. */
static void fill_pattern(uint8_t *buf, size_t size, uint64_t block)
{
    for (size_t i = 0; i < size; i++)
        buf[i] = (uint8_t)((block * 31u + i) & 0xffu);
    int header = snprintf((char *)buf, size, "MIRAGE BLOCK %llu\n", (unsigned long long)block);
    (void)header;
}

static int say(struct console *console, const char *line)
{
    return console_write(console, line, strlen(line));
}

int block_check_start(struct console *console, struct block *storage)
{
    char line[160];
    int64_t blocks = mirage_key_int("blocks");
    uint64_t size = storage->block_size;

    if (size == 0 || size > BLOCK_BUFFER_SIZE) {
        snprintf(line, sizeof(line), "block: unsupported block size %llu\n", (unsigned long long)size);
        say(console, line);
        return 1;
    }
    if (blocks < 0 || (uint64_t)blocks > storage->capacity / size) {
        snprintf(line, sizeof(line), "block: %lld blocks do not fit in %llu bytes\n", (long long)blocks,
                 (unsigned long long)storage->capacity);
        say(console, line);
        return 1;
    }
    for (uint64_t n = 0; n < (uint64_t)blocks; n++) {
        fill_pattern(write_buffer, size, n);
        if (block_write(storage, n * size, write_buffer, size) != 0) {
            snprintf(line, sizeof(line), "block: writing block %llu failed\n", (unsigned long long)n);
            say(console, line);
            return 1;
        }
    }
    for (uint64_t n = 0; n < (uint64_t)blocks; n++) {
        fill_pattern(write_buffer, size, n);
        if (block_read(storage, n * size, read_buffer, size) != 0 || memcmp(read_buffer, write_buffer, size) != 0) {
            snprintf(line, sizeof(line), "block: block %llu did not read back as written\n", (unsigned long long)n);
            say(console, line);
            return 1;
        }
    }
    snprintf(line, sizeof(line), "block: wrote and verified %lld blocks of %llu bytes (capacity %llu bytes)\n",
             (long long)blocks, (unsigned long long)size, (unsigned long long)storage->capacity);
    say(console, line);
    return 0;
}

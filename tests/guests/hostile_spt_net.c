/* hostile_spt_net.c: an spt guest that skips its own platform code and writes a frame of `size` bytes to its tap's
 * file descriptor with a raw system call; above MTU + 14 bytes the tender's filter must kill it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "devices/console.h"
#include "devices/netif.h"
#include "lib/platform/boot_devices.h"
#include "lib/platform/device_table.h"
#include "lib/platform/platform.h"
#include "lib/runtime/mirage.h"

/* The device table (lib/platform/device_table.h) is linked into every freestanding image: code in the image can
 * look a device up in it, and so learn the host's file descriptor, whatever the platform interface hides. */

enum { ETHERTYPE_LOCAL_EXPERIMENT = 0x88b5, FRAME_BUFFER_SIZE = 4096, SYS_WRITE = 1 };

static uint8_t frame[FRAME_BUFFER_SIZE];

int hostile_spt_net_start(struct console *console, struct netif *service)
{
    platform_handle_t handle;
    const struct mirage_boot_device *tap = platform_device_find("service", MIRAGE_DEVICE_NET, &handle);
    int64_t size = mirage_key_int("size");
    char line[160];

    if (tap == NULL || size < 14 || size > FRAME_BUFFER_SIZE) {
        console_write(console, "hostile: no tap 'service' or a bad size\n", 40);
        return 1;
    }
    /* A broadcast of a local experimental EtherType: nothing in the test's namespace answers it. */
    memset(frame, 0xff, 6);
    memcpy(frame + 6, service->mac, 6);
    frame[12] = ETHERTYPE_LOCAL_EXPERIMENT >> 8;
    frame[13] = ETHERTYPE_LOCAL_EXPERIMENT & 0xff;
    snprintf(line, sizeof(line), "hostile: writing a frame of %lld bytes (mtu %u)\n", (long long)size,
             (unsigned)service->mtu);
    console_write(console, line, strlen(line));
    int64_t result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"((int64_t)SYS_WRITE), "D"((uint64_t)tap->host_fd), "S"((uintptr_t)frame), "d"((uint64_t)size)
                     : "rcx", "r11", "memory");
    snprintf(line, sizeof(line), "hostile: write returned %lld\n", (long long)result);
    console_write(console, line, strlen(line));
    return 0;
}

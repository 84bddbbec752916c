/* device_rules.c: the seccomp rules for the devices' host descriptors, and the separate filter for block alignment,
 * shared by the hvt and spt tenders. */
#include <string.h>

#include "targets/tender/seccomp/device_rules.h"
#include "targets/tender/tender.h"

void tender_seccomp_allow(scmp_filter_ctx filter, int syscall, unsigned count, const struct scmp_arg_cmp *comparisons,
                          const char *what)
{
    int result = seccomp_rule_add_array(filter, SCMP_ACT_ALLOW, syscall, count, comparisons);
    if (result != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot add the seccomp rule for %s: %s", what, strerror(-result));
}

/* The bounds rest on whole blocks of a power-of-two size (the alignment filter tests bits), as
 * tender_attach_devices gives them; anything else is a tender bug, refused before the guest runs. */
static void check_block_geometry(const struct mirage_boot_device *device)
{
    uint64_t block = device->block_size;

    if (block == 0 || (block & (block - 1)) != 0 || device->capacity < block || device->capacity % block != 0)
        tender_fail(TENDER_EXIT_ERROR,
                    "block device '%s': capacity %llu is not whole blocks of a power-of-two size "
                    "(block size %llu)",
                    device->name, (unsigned long long)device->capacity, (unsigned long long)block);
}

void tender_seccomp_allow_devices(scmp_filter_ctx filter, const struct mirage_boot_devices *devices,
                                  uint64_t net_header_size, uint64_t net_offload_frame_max)
{
    for (uint32_t i = 0; i < devices->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        const struct mirage_boot_device *device = &devices->devices[i];
        const scmp_datum_t fd = (scmp_datum_t)device->host_fd;

        if (device->type == MIRAGE_DEVICE_NET) {
            struct scmp_arg_cmp on_fd = SCMP_A0(SCMP_CMP_EQ, fd);
            uint64_t frame_max = mirage_net_frame_max(device);
            if (net_offload_frame_max > frame_max)
                frame_max = net_offload_frame_max;
            struct scmp_arg_cmp one_frame[] = {
                SCMP_A0(SCMP_CMP_EQ, fd),
                SCMP_A2(SCMP_CMP_LE, (scmp_datum_t)(net_header_size + frame_max)),
            };
            tender_seccomp_allow(filter, SCMP_SYS(read), 1, &on_fd, device->name);
            tender_seccomp_allow(filter, SCMP_SYS(write), 2, one_frame, device->name);
        } else if (device->type == MIRAGE_DEVICE_BLOCK) {
            check_block_geometry(device);
            /* With exactly one block at an offset up to capacity - block size, the file can neither grow nor be
             * touched beyond the disk; alignment is the other filter's (libseccomp tests an argument once a rule). */
            struct scmp_arg_cmp one_block[] = {
                SCMP_A0(SCMP_CMP_EQ, fd),
                SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)device->block_size),
                SCMP_A3(SCMP_CMP_LE, (scmp_datum_t)(device->capacity - device->block_size)),
            };
            tender_seccomp_allow(filter, SCMP_SYS(pread64), 3, one_block, device->name);
            tender_seccomp_allow(filter, SCMP_SYS(pwrite64), 3, one_block, device->name);
        }
    }
}

static void kill_when(scmp_filter_ctx filter, int syscall, unsigned count, const struct scmp_arg_cmp *comparisons,
                      const char *what)
{
    int result = seccomp_rule_add_array(filter, SCMP_ACT_KILL_PROCESS, syscall, count, comparisons);
    if (result != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot add the seccomp alignment rule for %s: %s", what, strerror(-result));
}

void tender_seccomp_load_block_alignment(const struct mirage_boot_devices *devices)
{
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL)
        tender_fail(TENDER_EXIT_ERROR, "cannot create the seccomp filter for block alignment");

    /* Rules of one action are alternatives: one rule per bit below the block size, any set bit kills. */
    uint32_t rules = 0;
    for (uint32_t i = 0; i < devices->count && i < MIRAGE_MANIFEST_MAX_DEVICES; i++) {
        const struct mirage_boot_device *device = &devices->devices[i];
        if (device->type != MIRAGE_DEVICE_BLOCK)
            continue;
        check_block_geometry(device);
        for (uint64_t bit = 1; bit < device->block_size; bit <<= 1) {
            struct scmp_arg_cmp misaligned[] = {
                SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)device->host_fd),
                SCMP_A3(SCMP_CMP_MASKED_EQ, (scmp_datum_t)bit, (scmp_datum_t)bit),
            };
            kill_when(filter, SCMP_SYS(pread64), 2, misaligned, device->name);
            kill_when(filter, SCMP_SYS(pwrite64), 2, misaligned, device->name);
            rules++;
        }
    }
    if (rules > 0)
        tender_seccomp_load(filter);
    seccomp_release(filter);
}

void tender_seccomp_load(scmp_filter_ctx filter)
{
    int result = seccomp_load(filter);
    if (result != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot install the seccomp filter: %s", strerror(-result));
}

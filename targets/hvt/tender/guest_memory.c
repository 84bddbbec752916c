/* guest_memory.c: the one checked accessor between guest-supplied addresses and the tender's view of guest memory. */
#include <string.h>

#include "targets/hvt/tender/hvt_tender.h"

void *hvt_guest_range(const struct hvt_vm *vm, uint64_t address, uint64_t len, const char *hypercall)
{
    /* Written so that no addition can wrap: address <= mem_size first, then len against what is left. */
    if (address > vm->mem_size || len > vm->mem_size - address)
        tender_fail(TENDER_EXIT_ABORT, "guest passed an invalid address 0x%llx length %llu to hypercall %s",
                    (unsigned long long)address, (unsigned long long)len, hypercall);
    return vm->mem + address;
}

int hvt_guest_is_read_only(const struct hvt_vm *vm, uint64_t address)
{
    for (uint32_t i = 0; i < vm->read_only_count; i++) {
        if (address >= vm->read_only[i].start && address < vm->read_only[i].end)
            return 1;
    }
    return 0;
}

void *hvt_guest_writable_range(const struct hvt_vm *vm, uint64_t address, uint64_t len, const char *hypercall)
{
    uint8_t *host = hvt_guest_range(vm, address, len, hypercall);
    /* hvt_guest_range kept address + len within mem_size: no wrap. The tender's own write there would fault. */
    for (uint32_t i = 0; i < vm->read_only_count; i++) {
        if (len > 0 && address < vm->read_only[i].end && vm->read_only[i].start < address + len)
            tender_fail(TENDER_EXIT_ABORT,
                        "guest passed address 0x%llx length %llu, in its read-only text or data "
                        "[0x%llx, 0x%llx), for hypercall %s to write into",
                        (unsigned long long)address, (unsigned long long)len,
                        (unsigned long long)vm->read_only[i].start, (unsigned long long)vm->read_only[i].end,
                        hypercall);
    }
    return host;
}

void hvt_guest_read(const struct hvt_vm *vm, uint64_t address, void *out, size_t size, const char *hypercall)
{
    /* A copy, so the handler checks and uses the same values even if the struct is unaligned. */
    memcpy(out, hvt_guest_range(vm, address, size, hypercall), size);
}

void hvt_guest_write(const struct hvt_vm *vm, uint64_t address, const void *in, size_t size, const char *hypercall)
{
    memcpy(hvt_guest_writable_range(vm, address, size, hypercall), in, size);
}

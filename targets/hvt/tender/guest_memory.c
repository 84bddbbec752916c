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

void hvt_guest_read(const struct hvt_vm *vm, uint64_t address, void *out, size_t size, const char *hypercall)
{
    /* A copy, so the handler checks and uses the same values even if the struct is unaligned. */
    memcpy(out, hvt_guest_range(vm, address, size, hypercall), size);
}

void hvt_guest_write(const struct hvt_vm *vm, uint64_t address, const void *in, size_t size, const char *hypercall)
{
    memcpy(hvt_guest_range(vm, address, size, hypercall), in, size);
}

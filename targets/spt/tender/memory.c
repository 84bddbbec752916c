/* memory.c: guest memory of the spt tender: one fixed mapping at the guest's own addresses, its layout after the
 * image, and the per-page protections (W^X) set before the guest starts. */
#include <errno.h>
#include <elf.h>
#include <string.h>
#include <sys/mman.h>

#include "targets/spt/tender/spt_tender.h"

static uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

void spt_map_guest_memory(uint64_t mem_size)
{
    void *wanted = (void *)(uintptr_t)SPT_GUEST_LOAD_ADDRESS;
    size_t length = mem_size - SPT_GUEST_LOAD_ADDRESS;

    /* MAP_NORESERVE: pages the guest never touches cost nothing, so a generous --mem is cheap. */
    void *mapped = mmap(wanted, length, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED && errno == EEXIST)
        tender_fail(TENDER_EXIT_ERROR,
                    "guest memory [%#x, %#llx) overlaps the tender's own memory: lower --mem (the tender must be PIE)",
                    SPT_GUEST_LOAD_ADDRESS, (unsigned long long)mem_size);
    if (mapped == MAP_FAILED)
        tender_fail(TENDER_EXIT_ERROR, "cannot map %llu MiB of guest memory: %s", (unsigned long long)(mem_size >> 20),
                    strerror(errno));
    /* Kernels before 4.17 take MAP_FIXED_NOREPLACE as a hint and may map elsewhere. */
    if (mapped != wanted)
        tender_fail(TENDER_EXIT_ERROR,
                    "the kernel mapped guest memory at %p instead of %p (Linux 4.17 or later needed)", mapped, wanted);
}

void spt_plan_layout(const char *image_path, const struct tender_image *image, uint64_t mem_size, size_t cmdline_len,
                     struct spt_layout *out)
{
    uint64_t boot_size = sizeof(struct spt_boot_info) + cmdline_len + 1;

    memset(out, 0, sizeof(*out));
    out->mem_size = mem_size;
    out->stack_top = mem_size;
    out->boot_info = image->end;
    out->cmdline = image->end + sizeof(struct spt_boot_info);
    out->boot_end = align_up(image->end + boot_size, SPT_PAGE_SIZE);
    out->heap_start = out->boot_end;
    /* At least one page of heap; tender_load_elf already kept image->end within mem_size. */
    if (mem_size < (uint64_t)SPT_STACK_SIZE + SPT_PAGE_SIZE ||
        out->boot_end + SPT_PAGE_SIZE > mem_size - SPT_STACK_SIZE - SPT_PAGE_SIZE)
        tender_fail(TENDER_EXIT_ERROR,
                    "%s: %llu MiB of guest memory leave no room for the heap and the %u KiB stack "
                    "after the image: raise --mem",
                    image_path, (unsigned long long)(mem_size >> 20), SPT_STACK_SIZE >> 10);
    out->guard_page = mem_size - SPT_STACK_SIZE - SPT_PAGE_SIZE;
    out->heap_size = out->guard_page - out->heap_start;
}

static int segment_protection(uint32_t flags)
{
    return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) | ((flags & PF_X) ? PROT_EXEC : 0);
}

static void protect(uint64_t start, uint64_t end, int protection, const char *what)
{
    if (end > start && mprotect((void *)(uintptr_t)start, end - start, protection) != 0)
        tender_fail(TENDER_EXIT_ERROR, "cannot protect %s [%#llx, %#llx): %s", what, (unsigned long long)start,
                    (unsigned long long)end, strerror(errno));
}

void spt_protect_guest_memory(const char *image_path, const struct tender_image *image, const struct spt_layout *layout)
{
    /* A page holds one segment only, so its protection is exactly that segment's flags (spt.ld page-aligns them). */
    for (uint32_t i = 0; i < image->segment_count; i++) {
        const struct tender_segment *a = &image->segments[i];
        for (uint32_t j = 0; j < image->segment_count; j++) {
            const struct tender_segment *b = &image->segments[j];
            if (i != j && a->address / SPT_PAGE_SIZE <= (b->address + b->mem_size - 1) / SPT_PAGE_SIZE &&
                b->address / SPT_PAGE_SIZE <= (a->address + a->mem_size - 1) / SPT_PAGE_SIZE)
                tender_fail(TENDER_EXIT_ERROR,
                            "%s: two segments share a page; spt needs page-aligned segments "
                            "(link with targets/spt/spt.ld)",
                            image_path);
        }
    }

    protect(SPT_GUEST_LOAD_ADDRESS, image->end, PROT_NONE, "the image's gaps");
    for (uint32_t i = 0; i < image->segment_count; i++) {
        const struct tender_segment *segment = &image->segments[i];
        uint64_t start = segment->address & ~(uint64_t)(SPT_PAGE_SIZE - 1);
        protect(start, align_up(segment->address + segment->mem_size, SPT_PAGE_SIZE),
                segment_protection(segment->flags), "a segment");
    }
    protect(layout->boot_info, layout->boot_end, PROT_READ, "the boot info");
    protect(layout->guard_page, layout->guard_page + SPT_PAGE_SIZE, PROT_NONE, "the stack guard page");
}

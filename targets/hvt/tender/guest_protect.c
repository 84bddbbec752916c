/* guest_protect.c: the image's text and read-only data mapped read-only in the tender as well as in the guest's page
 * tables: a guest at CPL 0 can rewrite its page tables or clear CR0.WP, but not the host's mapping, so KVM refuses
 * its writes there (KVM_RUN fails with EFAULT, which run.c reports). */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "targets/hvt/tender/hvt_tender.h"

#define PAGE_SIZE 0x1000ull

static struct hvt_range segment_pages(const struct tender_segment *segment)
{
    return (struct hvt_range){
        .start = segment->address & ~(PAGE_SIZE - 1),
        .end = (segment->address + segment->mem_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1),
    };
}

void hvt_guest_protect_image(struct hvt_vm *vm, const char *image_path, const struct tender_image *image)
{
    vm->read_only_count = 0;
    for (uint32_t i = 0; i < image->segment_count && i < TENDER_MAX_SEGMENTS; i++) {
        if (image->segments[i].flags & PF_W || image->segments[i].mem_size == 0)
            continue;
        struct hvt_range pages = segment_pages(&image->segments[i]);
        /* A page is protected whole: one shared with a writable segment would make that segment read-only. */
        for (uint32_t j = 0; j < image->segment_count && j < TENDER_MAX_SEGMENTS; j++) {
            struct hvt_range other = segment_pages(&image->segments[j]);
            if ((image->segments[j].flags & PF_W) && image->segments[j].mem_size > 0 && other.start < pages.end &&
                pages.start < other.end)
                tender_fail(TENDER_EXIT_ERROR,
                            "%s: a read-only segment shares a page with a writable one at 0x%llx; "
                            "hvt needs page-aligned segments (link with targets/hvt/hvt.ld)",
                            image_path, (unsigned long long)(other.start > pages.start ? other.start : pages.start));
        }
        /* tender_load_elf kept every segment inside guest memory, and image->end is page aligned. */
        if (mprotect(vm->mem + pages.start, pages.end - pages.start, PROT_READ) != 0)
            tender_fail(TENDER_EXIT_ERROR, "cannot map the image's read-only pages [0x%llx, 0x%llx) read-only: %s",
                        (unsigned long long)pages.start, (unsigned long long)pages.end, strerror(errno));
        vm->read_only[vm->read_only_count++] = pages;
    }
}

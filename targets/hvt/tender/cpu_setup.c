/* cpu_setup.c: the CPU state the guest starts in: identity page tables, a flat 64-bit GDT, control registers and
 * the entry registers of hvt_abi.h. */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "targets/hvt/tender/hvt_tender.h"

#define PAGE_SIZE 0x1000ull
#define LARGE_PAGE_SIZE 0x200000ull /* 2 MiB */
#define ENTRIES_PER_TABLE 512ull

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_USER (1ull << 2)     /* the guest runs the unikernel at CPL 3 (see targets/hvt/start.S) */
#define PTE_ACCESSED (1ull << 5) /* set up front, so the CPU never writes the tables */
#define PTE_DIRTY (1ull << 6)
#define PTE_LARGE (1ull << 7)
#define PTE_NO_EXECUTE (1ull << 63)
#define PTE_TABLE (PTE_PRESENT | PTE_WRITABLE | PTE_USER | PTE_ACCESSED)
#define PTE_READ_ONLY (PTE_PRESENT | PTE_USER | PTE_ACCESSED | PTE_DIRTY | PTE_NO_EXECUTE)
#define PTE_DATA (PTE_READ_ONLY | PTE_WRITABLE)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define GDT_CODE_SELECTOR 0x08
#define GDT_DATA_SELECTOR 0x10

static uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static void write_entry(const struct hvt_vm *vm, uint64_t table, uint64_t index, uint64_t entry)
{
    memcpy(vm->mem + table + index * sizeof entry, &entry, sizeof entry);
}

/* The 4 KiB-page entry for guest page `address` below the first 2 MiB boundary after the image: the image's
 * segments get their own permissions (text R+X, rodata R, data R+W), its heap R+W, and the tender's low memory is
 * read-only, except page 0 and unused pages, which stay unmapped. */
static uint64_t small_page_entry(const struct tender_image *image, uint64_t address)
{
    if (address < HVT_GUEST_LOAD_ADDRESS) {
        bool readable = address == HVT_GDT_ADDRESS ||
                        (address >= HVT_BOOT_INFO_ADDRESS && address < HVT_CMDLINE_ADDRESS + PLATFORM_CMDLINE_SIZE);
        return readable ? address | PTE_READ_ONLY : 0;
    }
    if (address >= image->end)
        return address | PTE_DATA;
    uint64_t entry = 0;
    for (uint32_t i = 0; i < image->segment_count; i++) {
        const struct tender_segment *segment = &image->segments[i];
        if (address + PAGE_SIZE <= segment->address || address >= segment->address + segment->mem_size)
            continue;
        /* A page shared by two segments gets the union; the linker script page-aligns them so it does not. */
        if (entry == 0)
            entry = address | PTE_READ_ONLY;
        if (segment->flags & PF_W)
            entry |= PTE_WRITABLE;
        if (segment->flags & PF_X)
            entry &= ~PTE_NO_EXECUTE;
    }
    return entry;
}

/* Identity-map all guest memory: 4 KiB pages up to the first 2 MiB boundary after the image (so the image keeps
 * its segment permissions and page 0 is unmapped), 2 MiB pages above. Returns the PML4's address for CR3. */
static uint64_t setup_page_tables(const struct hvt_vm *vm, const struct tender_image *image)
{
    uint64_t large_pages = align_up(vm->mem_size, LARGE_PAGE_SIZE) / LARGE_PAGE_SIZE;
    uint64_t directories = align_up(large_pages, ENTRIES_PER_TABLE) / ENTRIES_PER_TABLE;
    uint64_t small_tables = align_up(image->end, LARGE_PAGE_SIZE) / LARGE_PAGE_SIZE;
    uint64_t pml4 = HVT_PAGE_TABLES_ADDRESS;
    uint64_t pdpt = pml4 + PAGE_SIZE;
    uint64_t first_directory = pdpt + PAGE_SIZE;
    uint64_t first_small_table = first_directory + directories * PAGE_SIZE;
    if (first_small_table + small_tables * PAGE_SIZE > HVT_GUEST_LOAD_ADDRESS)
        tender_fail(TENDER_EXIT_ERROR, "the image ends at %llu MiB, too far for its page tables below 1 MiB",
                    (unsigned long long)(image->end >> 20));

    write_entry(vm, pml4, 0, pdpt | PTE_TABLE);
    for (uint64_t d = 0; d < directories; d++)
        write_entry(vm, pdpt, d, (first_directory + d * PAGE_SIZE) | PTE_TABLE);
    for (uint64_t p = 0; p < large_pages; p++) {
        uint64_t directory = first_directory + (p / ENTRIES_PER_TABLE) * PAGE_SIZE;
        uint64_t entry = p < small_tables ? (first_small_table + p * PAGE_SIZE) | PTE_TABLE
                                          : (p * LARGE_PAGE_SIZE) | PTE_DATA | PTE_LARGE;
        write_entry(vm, directory, p % ENTRIES_PER_TABLE, entry);
    }
    for (uint64_t address = 0; address < small_tables * LARGE_PAGE_SIZE; address += PAGE_SIZE) {
        uint64_t entry = small_page_entry(image, address);
        if (entry != 0) /* memory is zero: unmapped entries need no write */
            write_entry(vm, first_small_table, address / PAGE_SIZE, entry);
    }
    return pml4;
}

/* Null, 64-bit code, data. The accessed bits are preset so the CPU never writes the (read-only) GDT. */
static void setup_gdt(const struct hvt_vm *vm)
{
    static const uint64_t gdt[] = {
        0, 0x00af9b000000ffffull, /* code: present, DPL 0, execute/read, accessed, L=1, G=1 */
        0x00cf93000000ffffull,    /* data: present, DPL 0, read/write, accessed, D/B=1, G=1 */
    };
    memcpy(vm->mem + HVT_GDT_ADDRESS, gdt, sizeof gdt);
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code)
{
    return (struct kvm_segment){
        .base = 0,
        .limit = 0xffffffff,
        .selector = selector,
        .type = type,
        .present = 1,
        .dpl = 0,
        .db = code ? 0 : 1, /* a 64-bit code segment must have D clear */
        .s = 1,
        .l = code ? 1 : 0,
        .g = 1,
    };
}

void hvt_cpu_setup(const struct hvt_vm *vm, const struct tender_image *image, uint64_t boot_info_address)
{
    uint64_t pml4 = setup_page_tables(vm, image);
    setup_gdt(vm);

    struct kvm_sregs sregs;
    if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) /* keeps KVM's valid defaults for TR and LDTR */
        tender_fail(TENDER_EXIT_ERROR, "KVM_GET_SREGS failed: %s", strerror(errno));
    sregs.cs = flat_segment(GDT_CODE_SELECTOR, 11, true);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(GDT_DATA_SELECTOR, 3, false);
    sregs.gdt.base = HVT_GDT_ADDRESS;
    sregs.gdt.limit = 3 * 8 - 1;
    sregs.cr0 = CR0_PE | CR0_MP | CR0_NE | CR0_WP | CR0_PG;
    sregs.cr3 = pml4;
    sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sregs.efer = EFER_LME | EFER_LMA | EFER_NXE;
    if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_SET_SREGS failed: %s", strerror(errno));

    struct kvm_regs regs = {
        .rip = image->entry,
        .rsp = vm->mem_size, /* the top of memory, as hvt_abi.h says; the guest aligns it */
        .rdi = boot_info_address,
        .rflags = 0x2, /* bit 1 is reserved and must be set; interrupts off */
    };
    if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
        tender_fail(TENDER_EXIT_ERROR, "KVM_SET_REGS failed: %s", strerror(errno));
}

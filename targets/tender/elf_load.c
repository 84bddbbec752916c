/* elf_load.c: tender_check_and_load_elf: checks every header, offset and size of an untrusted ELF image against the
 * image and against guest memory, reads its MIRAGE notes, and copies its loadable segments into guest memory.
 * Pure apart from the source's read function: a refusal is returned with its message, never an exit, so that the
 * fuzzer (build-support/fuzz/loader_fuzz_target.c) can call it; elf_file.c is the tenders' wrapper over a file. */
#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "targets/tender/tender.h"

#define GUEST_PAGE_SIZE UINT64_C(4096)
#define MAX_PROGRAM_HEADERS 64
#define MAX_NOTE_SEGMENT_SIZE 65536
#define SECTION_HEADERS_PER_READ 64

struct image_reader {
    const struct tender_image_source *source;
    uint64_t size;
    char *error; /* TENDER_ERROR_SIZE bytes */
};

/* Records why the image is refused; returns -1 so that a check can `return image_error(...)`. */
static __attribute__((format(printf, 2, 3))) int image_error(const struct image_reader *image, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(image->error, TENDER_ERROR_SIZE, format, args);
    va_end(args);
    return -1;
}

static uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

static const char *abi_name(uint32_t abi)
{
    switch (abi) {
    case MIRAGE_ABI_HVT:
        return "hvt";
    case MIRAGE_ABI_SPT:
        return "spt";
    case MIRAGE_ABI_VIRTIO:
        return "virtio";
    case MIRAGE_ABI_VIRT_ARM64:
        return "virt_arm64";
    default:
        return "unknown";
    }
}

/* Refuses a byte range [offset, offset + size) that does not lie inside the file. */
static int check_file_range(const struct image_reader *image, uint64_t offset, uint64_t size, const char *what)
{
    uint64_t end;

    if (__builtin_add_overflow(offset, size, &end) || end > image->size)
        return image_error(image,
                           "%s (offset %#llx, %llu bytes) lies outside the %llu-byte file: truncated or corrupt image",
                           what, (unsigned long long)offset, (unsigned long long)size, (unsigned long long)image->size);
    return 0;
}

static int read_exact(const struct image_reader *image, void *buffer, uint64_t size, uint64_t offset, const char *what)
{
    if (check_file_range(image, offset, size, what) != 0)
        return -1;
    const struct tender_image_source *source = image->source;
    return source->read(source->context, buffer, size, offset, what, image->error);
}

/* The CPU an ABI's images are for: virt_arm64's are aarch64, every other ABI's x86_64. */
static uint16_t machine_of_abi(uint32_t abi)
{
    return abi == MIRAGE_ABI_VIRT_ARM64 ? EM_AARCH64 : EM_X86_64;
}

static int check_elf_header(const struct image_reader *image, const Elf64_Ehdr *header, uint32_t want_abi)
{
    uint16_t machine = machine_of_abi(want_abi);
    if (memcmp(header->e_ident, ELFMAG, SELFMAG) != 0)
        return image_error(image, "not an ELF file");
    if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != ELFDATA2LSB ||
        header->e_machine != machine)
        return image_error(image, "not a 64-bit little-endian %s ELF image (an image for abi %s)",
                           machine == EM_AARCH64 ? "aarch64" : "x86_64", abi_name(want_abi));
    if (header->e_ident[EI_VERSION] != EV_CURRENT || header->e_version != EV_CURRENT)
        return image_error(image, "unknown ELF version");
    if (header->e_type != ET_EXEC)
        return image_error(image, "not a static executable (ELF type %u, expected ET_EXEC): link with -static -no-pie",
                           (unsigned)header->e_type);
    if (header->e_ehsize != sizeof(Elf64_Ehdr) || header->e_phentsize != sizeof(Elf64_Phdr))
        return image_error(image, "corrupt ELF header (unexpected header sizes)");
    if (header->e_phnum == 0 || header->e_phnum > MAX_PROGRAM_HEADERS)
        return image_error(image, "corrupt ELF header (%u program headers, expected 1 to %d)",
                           (unsigned)header->e_phnum, MAX_PROGRAM_HEADERS);
    if (header->e_shnum == 0 && header->e_shoff != 0)
        return image_error(image, "uses extended section numbering, which tenders do not accept");
    if (header->e_shnum != 0 && header->e_shentsize != sizeof(Elf64_Shdr))
        return image_error(image, "corrupt ELF header (unexpected section header size)");
    if (header->e_shstrndx != SHN_UNDEF && header->e_shstrndx >= header->e_shnum)
        return image_error(image, "corrupt ELF header (section name table index out of range)");
    return 0;
}

/* Tenders never read sections, but an image whose section table points outside the file is corrupt. */
static int check_section_headers(const struct image_reader *image, const Elf64_Ehdr *header)
{
    Elf64_Shdr sections[SECTION_HEADERS_PER_READ];
    uint64_t table_offset = header->e_shoff;

    if (check_file_range(image, table_offset, (uint64_t)header->e_shnum * sizeof(Elf64_Shdr), "the section table") != 0)
        return -1;
    for (uint32_t first = 0; first < header->e_shnum; first += SECTION_HEADERS_PER_READ) {
        uint32_t count = header->e_shnum - first;
        if (count > SECTION_HEADERS_PER_READ)
            count = SECTION_HEADERS_PER_READ;
        if (read_exact(image, sections, (uint64_t)count * sizeof(Elf64_Shdr),
                       table_offset + (uint64_t)first * sizeof(Elf64_Shdr), "the section table") != 0)
            return -1;
        for (uint32_t i = 0; i < count; i++) {
            char what[64];
            if (sections[i].sh_type == SHT_NOBITS || sections[i].sh_type == SHT_NULL)
                continue;
            snprintf(what, sizeof(what), "section %u", first + i);
            if (check_file_range(image, sections[i].sh_offset, sections[i].sh_size, what) != 0)
                return -1;
        }
    }
    return 0;
}

static int check_manifest(const struct image_reader *image, const struct mirage_manifest_desc *manifest,
                          uint64_t desc_size)
{
    uint32_t i = 0;

    switch (mirage_manifest_check(manifest, desc_size, &i)) {
    case MIRAGE_MANIFEST_VALID:
        return 0;
    case MIRAGE_MANIFEST_BAD_VERSION:
        return image_error(image, "manifest version %u, this tender reads version %d", manifest->version,
                           MIRAGE_MANIFEST_VERSION);
    case MIRAGE_MANIFEST_TOO_MANY:
        return image_error(image, "the manifest lists %u devices, at most %d are allowed", manifest->count,
                           MIRAGE_MANIFEST_MAX_DEVICES);
    case MIRAGE_MANIFEST_TRUNCATED:
        return image_error(image, "the manifest note is shorter than its %u entries: corrupt image", manifest->count);
    case MIRAGE_MANIFEST_BAD_NAME:
        return image_error(image,
                           "manifest entry %u has an empty or unterminated name, or one outside [a-z0-9_]: "
                           "corrupt image",
                           i);
    case MIRAGE_MANIFEST_BAD_TYPE:
        return image_error(image,
                           "manifest device '%s' has unknown type %u (this tender attaches net and block devices)",
                           manifest->entries[i].name, manifest->entries[i].type);
    case MIRAGE_MANIFEST_NAME_TWICE:
        return image_error(image, "the manifest lists device '%s' twice: corrupt image", manifest->entries[i].name);
    }
    return image_error(image, "the manifest is invalid: corrupt image");
}

struct note_state {
    bool have_abi;
    bool have_manifest;
};

static int read_mirage_note(const struct image_reader *image, uint32_t type, const uint8_t *desc, uint32_t desc_size,
                            struct note_state *seen, struct tender_image *out)
{
    if (type == MIRAGE_NOTE_TYPE_ABI) {
        if (seen->have_abi)
            return image_error(image, "has two ABI notes: corrupt image");
        if (desc_size != sizeof(out->abi))
            return image_error(image, "the ABI note has %u bytes, expected %zu: corrupt image", desc_size,
                               sizeof(out->abi));
        memcpy(&out->abi, desc, sizeof(out->abi));
        seen->have_abi = true;
    } else if (type == MIRAGE_NOTE_TYPE_MANIFEST) {
        if (seen->have_manifest)
            return image_error(image, "has two manifest notes: corrupt image");
        if (desc_size < offsetof(struct mirage_manifest_desc, entries) || desc_size > sizeof(out->manifest))
            return image_error(image, "the manifest note has %u bytes, expected %zu to %zu: corrupt image", desc_size,
                               offsetof(struct mirage_manifest_desc, entries), sizeof(out->manifest));
        memset(&out->manifest, 0, sizeof(out->manifest));
        memcpy(&out->manifest, desc, desc_size);
        if (check_manifest(image, &out->manifest, desc_size) != 0)
            return -1;
        seen->have_manifest = true;
    }
    return 0;
}

/* A note is a 12-byte header and the owner name, padded to the segment's alignment (4, or 8 for 8-aligned note
 * segments), then the description, padded likewise. */
static int read_note_segment(const struct image_reader *image, const Elf64_Phdr *segment, struct note_state *seen,
                             struct tender_image *out)
{
    static uint8_t notes[MAX_NOTE_SEGMENT_SIZE];
    uint64_t alignment = segment->p_align == 8 ? 8 : 4;
    uint64_t size = segment->p_filesz;
    uint64_t position = 0;

    if (size > sizeof(notes))
        return image_error(image, "a note segment of %llu bytes is larger than %d: corrupt image",
                           (unsigned long long)size, MAX_NOTE_SEGMENT_SIZE);
    if (read_exact(image, notes, size, segment->p_offset, "a note segment") != 0)
        return -1;
    while (position < size) {
        uint32_t header[3];
        if (size - position < sizeof(header))
            return image_error(image, "a note header runs past its segment: corrupt image");
        memcpy(header, notes + position, sizeof(header));
        uint64_t name_size = header[0], desc_size = header[1];
        uint64_t name_offset = position + sizeof(header);
        uint64_t desc_offset = position + align_up(sizeof(header) + name_size, alignment);
        if (desc_offset > size || desc_size > size - desc_offset)
            return image_error(image, "a note runs past its segment: corrupt image");
        if (name_size == MIRAGE_NOTE_NAME_SIZE &&
            memcmp(notes + name_offset, MIRAGE_NOTE_NAME, MIRAGE_NOTE_NAME_SIZE) == 0 &&
            read_mirage_note(image, header[2], notes + desc_offset, (uint32_t)desc_size, seen, out) != 0)
            return -1;
        position = desc_offset + align_up(desc_size, alignment);
    }
    return 0;
}

static int check_abi(const struct image_reader *image, const struct note_state *seen, uint32_t want_abi,
                     uint32_t want_version, const struct tender_image *out)
{
    if (!seen->have_abi)
        return image_error(image, "has no MIRAGE ABI note: not a unikernel image built for a tender");
    if (out->abi.abi != want_abi)
        return image_error(image, "is an image for the %s ABI (id %u); this tender runs %s images",
                           abi_name(out->abi.abi), out->abi.abi, abi_name(want_abi));
    if (out->abi.version != want_version)
        return image_error(image,
                           "is built for %s ABI version %u; this tender implements version %u: rebuild the image",
                           abi_name(want_abi), out->abi.version, want_version);
    return 0;
}

static int check_load_segment(const struct image_reader *image, unsigned index, const Elf64_Phdr *segment,
                              uint64_t min_address, uint64_t mem_size)
{
    uint64_t end;

    if (segment->p_filesz > segment->p_memsz)
        return image_error(image, "segment %u has more bytes in the file than in memory: corrupt image", index);
    if (check_file_range(image, segment->p_offset, segment->p_filesz, "a loadable segment") != 0)
        return -1;
    if (segment->p_paddr != segment->p_vaddr)
        return image_error(image, "segment %u has different physical and virtual addresses: link it at one address",
                           index);
    if ((segment->p_flags & PF_W) && (segment->p_flags & PF_X))
        return image_error(image, "segment %u is both writable and executable (W^X): fix the linker script", index);
    if (__builtin_add_overflow(segment->p_vaddr, segment->p_memsz, &end))
        return image_error(image, "segment %u ends beyond the 64-bit address space: corrupt image", index);
    if (segment->p_vaddr < min_address)
        return image_error(image,
                           "segment %u at %#llx lies below guest memory, which starts at %#llx: wrong linker script",
                           index, (unsigned long long)segment->p_vaddr, (unsigned long long)min_address);
    if (end > mem_size)
        return image_error(image, "segment %u ends at %#llx, beyond the %llu MiB of guest memory: raise --mem", index,
                           (unsigned long long)end, (unsigned long long)(mem_size >> 20));
    return 0;
}

/* Pages are the unit of protection, so two segments whose flags together are W and X must not share one. */
static int check_segment_pages(const struct image_reader *image, const struct tender_image *out)
{
    for (uint32_t i = 0; i < out->segment_count; i++) {
        const struct tender_segment *a = &out->segments[i];
        for (uint32_t j = 0; j < i; j++) {
            const struct tender_segment *b = &out->segments[j];
            uint32_t flags = a->flags | b->flags;
            bool share_page = a->address / GUEST_PAGE_SIZE <= (b->address + b->mem_size - 1) / GUEST_PAGE_SIZE &&
                              b->address / GUEST_PAGE_SIZE <= (a->address + a->mem_size - 1) / GUEST_PAGE_SIZE;
            if (share_page && (flags & PF_W) && (flags & PF_X))
                return image_error(image,
                                   "a writable and an executable segment share a page (W^X): page-align segments");
            if (a->address < b->address + b->mem_size && b->address < a->address + a->mem_size)
                return image_error(image, "two loadable segments overlap: corrupt image");
        }
    }
    return 0;
}

static int copy_segment(const struct image_reader *image, const Elf64_Phdr *segment, uint8_t *guest_base)
{
    uint8_t *destination = (uint8_t *)((uintptr_t)guest_base + segment->p_vaddr);

    if (read_exact(image, destination, segment->p_filesz, segment->p_offset, "a loadable segment") != 0)
        return -1;
    memset(destination + segment->p_filesz, 0, segment->p_memsz - segment->p_filesz);
    return 0;
}

int tender_check_and_load_elf(const struct tender_image_source *source, uint8_t *guest_base, uint64_t min_address,
                              uint64_t mem_size, uint32_t want_abi, uint32_t want_version, struct tender_image *out,
                              char error[TENDER_ERROR_SIZE])
{
    struct image_reader reader = {.source = source, .size = source->size, .error = error};
    const struct image_reader *image = &reader;
    struct note_state seen = {0};
    Elf64_Phdr segments[MAX_PROGRAM_HEADERS];
    Elf64_Ehdr header;

    memset(out, 0, sizeof(*out));
    error[0] = '\0';
    if (image->size < sizeof(header))
        return image_error(image, "not an ELF image (only %llu bytes)", (unsigned long long)image->size);

    if (read_exact(image, &header, sizeof(header), 0, "the ELF header") != 0 ||
        check_elf_header(image, &header, want_abi) != 0 ||
        read_exact(image, segments, (uint64_t)header.e_phnum * sizeof(Elf64_Phdr), header.e_phoff,
                   "the program header table") != 0 ||
        check_section_headers(image, &header) != 0)
        return -1;

    /* The notes first: an image for another ABI gets that answer, not a complaint about its layout. */
    for (unsigned i = 0; i < header.e_phnum; i++) {
        if (segments[i].p_type == PT_NOTE && read_note_segment(image, &segments[i], &seen, out) != 0)
            return -1;
    }
    if (check_abi(image, &seen, want_abi, want_version, out) != 0)
        return -1;

    uint64_t highest_end = 0;
    bool entry_executable = false;
    for (unsigned i = 0; i < header.e_phnum; i++) {
        const Elf64_Phdr *segment = &segments[i];
        if (segment->p_type == PT_INTERP || segment->p_type == PT_DYNAMIC)
            return image_error(image, "is dynamically linked: link it with -static -no-pie");
        if (segment->p_type == PT_TLS)
            return image_error(image, "uses thread-local storage, which unikernels do not have");
        if (segment->p_type != PT_LOAD || segment->p_memsz == 0)
            continue;
        if (check_load_segment(image, i, segment, min_address, mem_size) != 0)
            return -1;
        if (out->segment_count == TENDER_MAX_SEGMENTS)
            return image_error(image, "has more than %d loadable segments", TENDER_MAX_SEGMENTS);
        out->segments[out->segment_count++] = (struct tender_segment){
            .address = segment->p_vaddr, .mem_size = segment->p_memsz, .flags = segment->p_flags};
        if ((segment->p_flags & PF_X) && header.e_entry >= segment->p_vaddr &&
            header.e_entry - segment->p_vaddr < segment->p_memsz)
            entry_executable = true;
        if (segment->p_vaddr + segment->p_memsz > highest_end)
            highest_end = segment->p_vaddr + segment->p_memsz;
    }
    if (out->segment_count == 0)
        return image_error(image, "has no loadable segment");
    if (!entry_executable)
        return image_error(image, "the entry point %#llx is not inside an executable segment",
                           (unsigned long long)header.e_entry);
    if (check_segment_pages(image, out) != 0)
        return -1;
    if (align_up(highest_end, GUEST_PAGE_SIZE) > mem_size)
        return image_error(image, "the image ends beyond the %llu MiB of guest memory: raise --mem",
                           (unsigned long long)(mem_size >> 20));

    for (unsigned i = 0; i < header.e_phnum; i++) {
        if (segments[i].p_type == PT_LOAD && segments[i].p_memsz != 0 &&
            copy_segment(image, &segments[i], guest_base) != 0)
            return -1;
    }
    out->entry = header.e_entry;
    out->end = align_up(highest_end, GUEST_PAGE_SIZE);
    return 0;
}

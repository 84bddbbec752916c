/* sandbox.c: runner_sandbox_argument: QEMU's -sandbox (a seccomp filter QEMU installs on itself) where this QEMU
 * and kernel have it. Checked on every run, because QEMU can be upgraded or rebuilt between runs. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

extern char **environ;

/* Whether `qemu -sandbox ARGUMENT -version` exits 0: QEMU parses -sandbox, and refuses it when built without
 * seccomp or when it does not know one of the options, before it reaches -version. About 10 ms. */
static bool qemu_accepts(const char *qemu, const char *argument)
{
    posix_spawn_file_actions_t actions;
    char *const argv[] = {(char *)qemu, "-sandbox", (char *)argument, "-version", NULL};
    pid_t child;
    int status;

    if (posix_spawn_file_actions_init(&actions) != 0)
        return false;
    bool ready = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) == 0 &&
                 posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) == 0 &&
                 posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) == 0;
    int spawned = ready ? posix_spawn(&child, qemu, &actions, NULL, argv, environ) : -1;
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return false;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* `count` bytes at `offset` of the file, whole, or false. */
static bool read_at(int fd, uint64_t offset, void *buffer, size_t count)
{
    ssize_t got = pread(fd, buffer, count, (off_t)offset);
    return got >= 0 && (size_t)got == count;
}

/* The file offset of virtual address `address` in one of the PT_LOAD segments, or false. */
static bool file_offset(const Elf64_Phdr *phdrs, uint16_t count, uint64_t address, uint64_t *offset)
{
    for (uint16_t i = 0; i < count; i++) {
        const Elf64_Phdr *p = &phdrs[i];
        if (p->p_type == PT_LOAD && address >= p->p_vaddr && address - p->p_vaddr < p->p_filesz) {
            *offset = p->p_offset + (address - p->p_vaddr);
            return true;
        }
    }
    return false;
}

/* Whether the QEMU executable at `path` links libseccomp (Debian's and most distributions' QEMU builds do, and
 * then accept every -sandbox option used here: they date from QEMU 2.11, older than microvm). 1 yes, 0 no, -1 when
 * the file cannot tell (not a dynamic 64-bit ELF, unreadable): the caller asks QEMU itself. Reading a few KiB of
 * headers costs far less than starting QEMU (about 14 ms a run). */
static int qemu_links_libseccomp(const char *path)
{
    enum { PHDRS_MAX = 64, DYNAMIC_MAX = 256, NAME_MAX_BYTES = 64 };
    Elf64_Ehdr header;
    Elf64_Phdr phdrs[PHDRS_MAX];
    Elf64_Dyn dynamic[DYNAMIC_MAX];
    int answer = -1;

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (!read_at(fd, 0, &header, sizeof header) || memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 ||
        header.e_phnum > PHDRS_MAX || !read_at(fd, header.e_phoff, phdrs, (size_t)header.e_phnum * sizeof(Elf64_Phdr)))
        goto done;
    const Elf64_Phdr *dynamic_segment = NULL;
    for (uint16_t i = 0; i < header.e_phnum; i++) {
        if (phdrs[i].p_type == PT_DYNAMIC)
            dynamic_segment = &phdrs[i];
    }
    if (dynamic_segment == NULL)
        goto done; /* static: no NEEDED list to read */
    size_t entries = dynamic_segment->p_filesz / sizeof(Elf64_Dyn);
    if (entries > DYNAMIC_MAX)
        entries = DYNAMIC_MAX;
    if (!read_at(fd, dynamic_segment->p_offset, dynamic, entries * sizeof(Elf64_Dyn)))
        goto done;
    uint64_t strtab = 0, strtab_size = 0;
    for (size_t i = 0; i < entries && dynamic[i].d_tag != DT_NULL; i++) {
        if (dynamic[i].d_tag == DT_STRTAB)
            strtab = dynamic[i].d_un.d_ptr;
        else if (dynamic[i].d_tag == DT_STRSZ)
            strtab_size = dynamic[i].d_un.d_val;
    }
    uint64_t strtab_offset;
    if (strtab == 0 || !file_offset(phdrs, header.e_phnum, strtab, &strtab_offset))
        goto done;
    answer = 0;
    for (size_t i = 0; i < entries && dynamic[i].d_tag != DT_NULL; i++) {
        char name[NAME_MAX_BYTES] = {0};
        if (dynamic[i].d_tag != DT_NEEDED || dynamic[i].d_un.d_val >= strtab_size)
            continue;
        /* A short read near the end of the table still holds a NUL-terminated prefix or nothing useful. */
        ssize_t got = pread(fd, name, sizeof name - 1, (off_t)(strtab_offset + dynamic[i].d_un.d_val));
        if (got > 0 && strncmp(name, "libseccomp.so", strlen("libseccomp.so")) == 0) {
            answer = 1;
            break;
        }
    }
done:
    close(fd);
    return answer;
}

const char *runner_sandbox_argument(const char *qemu_name, bool allow_spawn, char *out, size_t size, const char **why)
{
    char qemu[4096];

    /* EINVAL: the kernel has no seccomp, and QEMU would fail to install its filter at start. */
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        *why = "this kernel has no seccomp";
        return NULL;
    }
    if (!tender_find_program(qemu_name, qemu, sizeof qemu)) {
        *why = "QEMU is not on PATH";
        return NULL;
    }
    /* spawn=deny stops QEMU from forking or running programs; smb= and guestfwd=cmd: need both. */
    int length = snprintf(out, size, "on,obsolete=deny,elevateprivileges=deny,spawn=%s,resourcecontrol=deny",
                          allow_spawn ? "allow" : "deny");
    if (length < 0 || (size_t)length >= size) {
        *why = "the -sandbox argument does not fit its buffer";
        return NULL;
    }
    int links = qemu_links_libseccomp(qemu);
    if (links == 0) {
        *why = "this QEMU is built without seccomp (it does not link libseccomp)";
        return NULL;
    }
    if (links < 0 && !qemu_accepts(qemu, out)) {
        *why = "this QEMU refuses -sandbox (built without seccomp, or older than its options)";
        return NULL;
    }
    *why = NULL;
    return out;
}

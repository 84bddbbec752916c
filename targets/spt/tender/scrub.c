/* scrub.c: the tender's last step before the guest: zero its own command line and environment, strings and
 * pointers, since the guest runs in this process and can read any memory the tender could. */
#include <elf.h>
#include <string.h>

#include "targets/spt/tender/spt_tender.h"

/* Zero every string of the NULL-terminated vector `strings`, then the pointer to it. */
static void scrub_vector(char **strings)
{
    for (; *strings != NULL; strings++) {
        explicit_bzero(*strings, strlen(*strings));
        *strings = NULL;
    }
}

void spt_scrub_host_strings(char **argv, char **envp)
{
    /* On the initial stack the auxiliary vector follows envp's NULL; its AT_EXECFN points to the tender's path. */
    char **envp_end = envp;
    while (*envp_end != NULL)
        envp_end++;
    for (Elf64_auxv_t *entry = (Elf64_auxv_t *)(envp_end + 1); entry->a_type != AT_NULL; entry++) {
        if (entry->a_type == AT_EXECFN && entry->a_un.a_val != 0) {
            char *path = (char *)(uintptr_t)entry->a_un.a_val;
            explicit_bzero(path, strlen(path));
            entry->a_un.a_val = 0;
        }
    }
    scrub_vector(argv);
    scrub_vector(envp);
}

/* tap.c: the TAP output and counts of tap.h. */
#include "lib/testing/tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The counts of this program's one run (a host test program, never a unikernel). */
static unsigned checks_made, checks_failed;

bool tap_check(bool ok, const char *name, const char *format, ...)
{
    checks_made++;
    if (ok) {
        printf("ok %u - %s\n", checks_made, name);
        return true;
    }
    checks_failed++;
    printf("not ok %u - %s: ", checks_made, name);
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    return false;
}

unsigned tap_count(void)
{
    return checks_made;
}

unsigned tap_failures(void)
{
    return checks_failed;
}

void tap_plan(unsigned count)
{
    printf("1..%u\n", count);
    /* Out before anything a crash could lose. */
    fflush(stdout);
}

int tap_run_groups(const char *program, const struct tap_group *groups, size_t count)
{
    unsigned planned = 0;
    for (size_t g = 0; g < count; g++)
        planned += groups[g].planned;
    tap_plan(planned);
    bool counts_match = true;
    for (size_t g = 0; g < count; g++) {
        unsigned before = checks_made;
        groups[g].run();
        if (checks_made - before != groups[g].planned) {
            fprintf(stderr, "%s: the %s group ran %u checks but plans %u; update its count\n", program, groups[g].name,
                    checks_made - before, groups[g].planned);
            counts_match = false;
        }
    }
    return checks_failed == 0 && counts_match ? 0 : 1;
}

int tap_exit_status(void)
{
    return checks_failed == 0 ? 0 : 1;
}

void tap_bail_out(const char *format, ...)
{
    printf("Bail out! ");
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
    exit(1);
}

void *tap_alloc(size_t size, const char *what)
{
    void *memory = malloc(size);
    if (memory == NULL)
        tap_bail_out("no memory for %s (%zu bytes)", what, size);
    return memory;
}

/* fail.c: the tenders' single way to stop on an error: one line on stderr, then a fixed exit code. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "targets/tender/tender.h"

static const char *tender_name;

void tender_set_name(const char *name)
{
    tender_name = name;
}

_Noreturn void tender_fail(int status, const char *format, ...)
{
    va_list args;

    /* program_invocation_short_name is argv[0]'s basename, kept by glibc for exactly this use. */
    fprintf(stderr, "%s: ", tender_name != NULL ? tender_name : program_invocation_short_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(status);
}

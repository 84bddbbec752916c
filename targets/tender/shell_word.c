/* shell_word.c: tender_print_shell_word: one argument printed so that a command line can be pasted into a shell. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "targets/tender/tender.h"

void tender_print_shell_word(const char *word)
{
    bool plain = *word != '\0';
    for (const char *c = word; *c != '\0'; c++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,:/+@%", *c))
            plain = false;
    }
    if (plain) {
        fputs(word, stdout);
        return;
    }
    putchar('\'');
    for (const char *c = word; *c != '\0'; c++) {
        if (*c == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*c);
    }
    putchar('\'');
}

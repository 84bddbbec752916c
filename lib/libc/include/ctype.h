/* ctype.h: the freestanding libc's character classes, ASCII in the C locale. Arguments are EOF or an unsigned
 * char value; anything else is in no class. */
#ifndef MIRAGE_LIBC_CTYPE_H
#define MIRAGE_LIBC_CTYPE_H

int isalpha(int c);
int isdigit(int c);
int isxdigit(int c);
int isalnum(int c);
int isspace(int c);
int isupper(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int iscntrl(int c);
int isgraph(int c);
int toupper(int c);
int tolower(int c);

#endif

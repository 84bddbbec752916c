/* stdbool.h: the freestanding libc's boolean type (C11). */
#ifndef MIRAGE_LIBC_STDBOOL_H
#define MIRAGE_LIBC_STDBOOL_H

#define bool _Bool
#define true 1
#define false 0
#define __bool_true_false_are_defined 1

#endif

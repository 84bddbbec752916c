/* muen_abi.h: the contract between a muen image and the subject specification `pants package` writes beside it
 * (rules/mirage/util_rules/muen_subject.py): the logical names the image looks up in its subject info page, and
 * the version of that contract, which the image's ABI note carries. The addresses live in the specification only:
 * the image finds every region through sinfo (sinfo.h), whose address Muen fixes. */
#ifndef MIRAGE_TARGETS_MUEN_MUEN_ABI_H
#define MIRAGE_TARGETS_MUEN_MUEN_ABI_H

#define MUEN_ABI_VERSION 1

/* Channels: the console (we write, debug log protocol) and the time subject's time info page (we read). */
#define MUEN_NAME_CONSOLE "debuglog"
#define MUEN_NAME_TIME_INFO "time_info"
/* Memory: the boot arguments (read-only, NUL-terminated text the system integrator provides) and the heap. */
#define MUEN_NAME_CMDLINE "cmdline"
#define MUEN_NAME_HEAP "heap"
/* The source event the subject sends when it ends; what it does is the system's choice. */
#define MUEN_NAME_EXIT_EVENT "exit"

#endif

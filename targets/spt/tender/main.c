/* main.c: the spt tender: loads an spt unikernel image into this process, confines the process with seccomp, zeroes
 * its own arguments and environment and jumps into the image. The exit code is the unikernel's; a forbidden system
 * call kills it with SIGSYS. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "targets/spt/tender/spt_tender.h"

int main(int argc, char **argv, char **envp)
{
    static struct tender_args args;
    static struct tender_image image;
    struct spt_layout layout;

    tender_set_name("spt");
    tender_parse_args(argc, argv, argc > 0 ? argv[0] : "spt", &args);

    spt_map_guest_memory(args.mem_size);
    /* guest_base 0: the guest's addresses are the host's. */
    tender_load_elf(args.image, NULL, SPT_GUEST_LOAD_ADDRESS, args.mem_size, MIRAGE_ABI_SPT, SPT_ABI_VERSION, &image);
    spt_plan_layout(args.image, &image, args.mem_size, strlen(args.cmdline), &layout);

    struct spt_boot_info *boot = (struct spt_boot_info *)(uintptr_t)layout.boot_info;
    tender_attach_devices(&image.manifest, &args, &boot->devices, 0);
    spt_write_boot_info(&layout, args.cmdline);
    spt_protect_guest_memory(args.image, &image, &layout);

    /* A console on a closed pipe should lose output (write fails with EPIPE), not kill the unikernel. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        tender_fail(TENDER_EXIT_ERROR, "cannot ignore SIGPIPE: %s", strerror(errno));

    spt_install_seccomp(&boot->devices);
    /* Nothing below may fail or print: the arguments are gone. */
    explicit_bzero(&args, sizeof(args));
    spt_scrub_host_strings(argv, envp);
    spt_launch(image.entry, &layout);
}

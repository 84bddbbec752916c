/* main.c: the hvt tender: load an hvt image into a KVM guest, attach its devices, confine itself with seccomp and
 * run the guest to its exit. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "targets/hvt/tender/hvt_tender.h"

int main(int argc, char **argv)
{
    static struct tender_args args;
    static struct hvt_guest guest;
    struct tender_image image;

    tender_set_name("hvt");
    tender_parse_args(argc, argv, "hvt", &args);
    if (args.mem_size > HVT_MAX_MEM_SIZE)
        tender_fail(TENDER_EXIT_ERROR, "--mem=%llu is more than the %llu MiB an hvt guest can address",
                    (unsigned long long)(args.mem_size >> 20), HVT_MAX_MEM_SIZE >> 20);

    /* KVM first: a host without it is the most likely failure and says the most. */
    hvt_vm_create(&guest.vm, args.mem_size);
    tender_load_elf(args.image, guest.vm.mem, HVT_GUEST_LOAD_ADDRESS, args.mem_size, MIRAGE_ABI_HVT, HVT_ABI_VERSION,
                    &image);
    if (image.end > args.mem_size || args.mem_size - image.end < HVT_MIN_FREE_MEMORY)
        tender_fail(TENDER_EXIT_ERROR,
                    "--mem=%llu is too small: the image ends at %llu KiB and needs %llu KiB above it",
                    (unsigned long long)(args.mem_size >> 20), (unsigned long long)(image.end >> 10),
                    HVT_MIN_FREE_MEMORY >> 10);
    hvt_guest_protect_image(&guest.vm, args.image, &image);
    tender_attach_devices(&image.manifest, &args, &guest.devices, HVT_TAP_HEADER_SIZE);

    hvt_vcpu_create(&guest.vm);
    uint64_t boot_info =
        hvt_boot_info_write(&guest.vm, &image, args.cmdline, &guest.devices, hvt_vcpu_tsc_freq(&guest.vm));
    hvt_cpu_setup(&guest.vm, &image, boot_info);
    /* PUTS on a closed pipe should lose output (write fails with EPIPE), not kill the tender, as on spt. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        tender_fail(TENDER_EXIT_ERROR, "cannot ignore SIGPIPE: %s", strerror(errno));
    hvt_install_seccomp(&guest);
    hvt_run(&guest);
}

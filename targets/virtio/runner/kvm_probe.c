/* kvm_probe.c: whether KVM works here: /dev/kvm opens and KVM_CREATE_VM succeeds (QEMU needs no more to start). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "targets/virtio/runner/runner.h"

const char *runner_kvm_problem(void)
{
    static char problem[128];

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        snprintf(problem, sizeof problem, "cannot open /dev/kvm: %s", strerror(errno));
        return problem;
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    int saved_errno = errno;
    close(kvm);
    if (vm < 0) {
        snprintf(problem, sizeof problem, "KVM_CREATE_VM failed: %s", strerror(saved_errno));
        return problem;
    }
    close(vm);
    return NULL;
}

/* user_net.c: runner_check_user_net: the OPTIONS of --net:NAME=user:OPTIONS, split as QEMU's option parser
 * (util/qemu-option.c) splits them, so the options checked are the options QEMU will see. */
#include <string.h>

#include "targets/virtio/runner/runner.h"

struct user_option_rule {
    const char *name;
    const char *why;
};

/* The options of QEMU's user networking (-netdev user, qapi/net.json NetdevUserOptions in QEMU 7.2 to 10) that
 * reach the host beyond forwarding packets: each reads host files or runs host programs. bootfile=, smbserver= and
 * tftp-server-name= only describe these services to the guest, and do nothing without them. */
static const struct user_option_rule host_service_options[] = {
    {"tftp", "serves a host directory to the guest over TFTP"},
    {"smb", "shares a host directory with the guest through an smbd that QEMU starts"},
    {"guestfwd", "connects a guest address to a host program (cmd:) or a host chardev (a file, a socket)"},
};

/* Set by the runner: another id would detach the device from its netdev, and type= decides how QEMU parses the
 * whole option string (type=stream or dgram makes it another kind of netdev). */
static const char *const runner_owned_options[] = {"id", "type"};

static bool name_is(const char *name, size_t length, const char *wanted)
{
    return strlen(wanted) == length && memcmp(name, wanted, length) == 0;
}

static void check_option_name(const char *device, const char *options, const char *name, size_t length,
                              bool allow_host_services)
{
    if (length == 0)
        tender_fail(TENDER_EXIT_ERROR,
                    "--net:%s=user:%.64s: an empty option (a stray comma?); write ,, for a comma "
                    "inside a value",
                    device, options);
    for (size_t i = 0; i < sizeof runner_owned_options / sizeof runner_owned_options[0]; i++) {
        if (name_is(name, length, runner_owned_options[i]))
            tender_fail(TENDER_EXIT_ERROR, "--net:%s=user:%.64s: option '%s' is set by the runner; leave it out",
                        device, options, runner_owned_options[i]);
    }
    if (allow_host_services)
        return;
    for (size_t i = 0; i < sizeof host_service_options / sizeof host_service_options[0]; i++) {
        if (name_is(name, length, host_service_options[i].name))
            tender_fail(TENDER_EXIT_ERROR,
                        "--net:%s=user:%.64s: option '%s' %s; pass --allow-host-services to "
                        "allow it",
                        device, options, host_service_options[i].name, host_service_options[i].why);
    }
}

void runner_check_user_net(const char *device, const char *options, bool allow_host_services)
{
    const char *p = options;

    while (*p != '\0') {
        size_t name_length = strcspn(p, "=,");
        bool flag = p[name_length] != '=';

        check_option_name(device, options, p, name_length, allow_host_services);
        /* A bare NAME is NAME=on, and a bare noNAME is NAME=off in QEMU 7.2 (deprecated since 6.0): check both. */
        if (flag && name_length > 2 && memcmp(p, "no", 2) == 0)
            check_option_name(device, options, p + 2, name_length - 2, allow_host_services);
        p += name_length;
        if (!flag) {
            /* The value ends at a comma that is not doubled; ",," is a comma inside it. */
            for (p++; *p != '\0'; p++) {
                if (*p == ',' && p[1] != ',')
                    break;
                if (*p == ',')
                    p++;
            }
        }
        if (*p == ',')
            p++;
    }
}

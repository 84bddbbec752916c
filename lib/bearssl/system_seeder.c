/* system_seeder.c: BearSSL's "system" entropy source, replaced by none: images take entropy from the random device.
 *
 * BearSSL's own br_prng_seeder_system (its member sysrng.o) reads /dev/urandom with open/read/close, which
 * freestanding images do not have and hosted ones should not use behind the random device's back. Defining the
 * symbol here keeps that member out of every link. With no system seeder, br_ssl_engine_init_rand fails with
 * BR_ERR_NO_RANDOM unless the caller first injected entropy (br_ssl_engine_inject_entropy) from the random
 * device: a forgotten injection stops the handshake instead of running without entropy. */
#include <bearssl.h>
#include <stddef.h>

br_prng_seeder br_prng_seeder_system(const char **name)
{
    if (name != NULL)
        *name = "none";
    return 0;
}

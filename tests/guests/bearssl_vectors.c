/* bearssl_vectors.c: Debian's BearSSL archive linked into an image: SHA-256 of the `message` key, AES-GCM and
 * ChaCha20-Poly1305 test vectors with each implementation the CPU offers, the canary at %fs:0x28, and (action
 * `smash`) an overflow that reaches the canary of a BearSSL frame. The test compares the printed values. */
#include <bearssl.h>
#include <stdint.h>
#include <string.h>

#include "devices/console.h"
#include "lib/runtime/mirage.h"

enum {
    HEX_LINE_MAX = 256,
    SMASH_SCAN_MAX = 512, /* bytes above the buffer searched for the canary: a frame of br_poly1305_ctmul_run */
};

static void print(struct console *console, const char *text)
{
    console_write(console, text, strlen(text));
}

/* "<label>: <hex>\n", or the label and "too long" when the bytes do not fit the line. */
static void print_hex(struct console *console, const char *label, const uint8_t *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char line[HEX_LINE_MAX];
    size_t at = 0;

    print(console, label);
    print(console, ": ");
    if (len * 2 + 1 > sizeof line) {
        print(console, "too long\n");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        line[at++] = digits[bytes[i] >> 4];
        line[at++] = digits[bytes[i] & 0xf];
    }
    line[at++] = '\n';
    console_write(console, line, at);
}

static void sha256_of_message(struct console *console, const char *message)
{
    br_sha256_context sha;
    uint8_t digest[br_sha256_SIZE];

    br_sha256_init(&sha);
    br_sha256_update(&sha, message, strlen(message));
    br_sha256_out(&sha, digest);
    print_hex(console, "sha256", digest, sizeof digest);
}

/* McGrew and Viega's GCM test case 2: AES-128, zero key, zero 96-bit IV, one zero block, no AAD. */
static void aes_gcm(struct console *console, const char *label, const br_block_ctr_class *aes, br_ghash ghash)
{
    static const uint8_t zero_key[16], zero_iv[12];
    br_aes_gen_ctr_keys keys;
    br_gcm_context gcm;
    uint8_t block[16] = {0}, tag[16];

    aes->init(&keys.vtable, zero_key, sizeof zero_key);
    br_gcm_init(&gcm, &keys.vtable, ghash);
    br_gcm_reset(&gcm, zero_iv, sizeof zero_iv);
    br_gcm_flip(&gcm);
    br_gcm_run(&gcm, 1, block, sizeof block);
    br_gcm_get_tag(&gcm, tag);
    print(console, "aes-gcm ");
    print_hex(console, label, block, sizeof block);
    print_hex(console, "  tag", tag, sizeof tag);
}

/* Set by chacha_smashing while it runs inside br_poly1305_ctmul_run: the run to use, and whether to overflow. */
struct smash_plan {
    br_chacha20_run chacha;
    int smash;
    size_t distance; /* bytes from the buffer's start to the canary it overwrote */
};

static struct smash_plan *smash_plan_slot(void)
{
    /* The ChaCha20 callback has no context pointer, so the plan is reached through this one slot, local to the
     * file and set only around one call. */
    static struct smash_plan plan;
    return &plan;
}

static uint64_t fs_canary(void)
{
    uint64_t canary;
    __asm__ __volatile__("movq %%fs:0x28, %0" : "=r"(canary));
    return canary;
}

/* br_poly1305_ctmul_run calls this to derive its one-time key into a 32-byte array on its own, protected stack
 * frame; with a smash planned, the write runs past that array up to the frame's canary, as an overflow would. */
static uint32_t chacha_smashing(const void *key, const void *iv, uint32_t counter, void *data, size_t len)
{
    struct smash_plan *plan = smash_plan_slot();
    uint32_t next = plan->chacha(key, iv, counter, data, len);

    if (plan->smash && counter == 0 && len == 32) {
        uint64_t canary = fs_canary();
        for (size_t at = len; at + sizeof canary <= SMASH_SCAN_MAX; at += sizeof canary) {
            uint64_t word;
            memcpy(&word, (uint8_t *)data + at, sizeof word);
            if (word == canary) {
                memset((uint8_t *)data + len, 0x41, at + sizeof canary - len);
                plan->distance = at;
                break;
            }
        }
    }
    return next;
}

/* RFC 8439 section 2.8.2: the AEAD vector ("Ladies and Gentlemen of the class of '99..."). */
static void chacha20_poly1305(struct console *console, const char *label, br_chacha20_run chacha, int smash)
{
    static const char text[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
                               "future, sunscreen would be it.";
    static const uint8_t nonce[12] = {0x07, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47};
    static const uint8_t aad[12] = {0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7};
    uint8_t key[32], data[sizeof text - 1], tag[16];
    struct smash_plan *plan = smash_plan_slot();

    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(0x80 + i);
    memcpy(data, text, sizeof data);
    plan->chacha = chacha;
    plan->smash = smash;
    plan->distance = 0;
    br_poly1305_ctmul_run(key, nonce, data, sizeof data, aad, sizeof aad, tag, chacha_smashing, 1);
    /* Only reached when no canary was overwritten: BearSSL's epilogue stops the unikernel otherwise. */
    if (smash) {
        print(console, plan->distance ? "smash: survived an overwritten canary\n" : "smash: canary not found\n");
        return;
    }
    print(console, "chacha20-poly1305 ");
    print_hex(console, label, data, sizeof data);
    print_hex(console, "  tag", tag, sizeof tag);
}

int bearssl_vectors_start(struct console *console)
{
    const char *action = mirage_key_string("action");
    uint64_t canary = fs_canary();

    /* The canary's low byte is zero (a string overrun cannot write it) and boot replaced the fixed initial one. */
    print(console,
          (canary & 0xff) == 0 && canary != UINT64_C(0x5f3759df0badc000) ? "canary: seeded\n" : "canary: NOT seeded\n");
    if (strcmp(action, "smash") == 0) {
        print(console, "smash: overflowing a buffer of br_poly1305_ctmul_run\n");
        chacha20_poly1305(console, "ct", br_chacha20_ct_run, 1);
        return 1;
    }
    sha256_of_message(console, mirage_key_string("message"));
    aes_gcm(console, "ct", &br_aes_ct_ctr_vtable, br_ghash_ctmul64);
    const br_block_ctr_class *aes_ni = br_aes_x86ni_ctr_get_vtable();
    br_ghash pclmul = br_ghash_pclmul_get();
    if (aes_ni != NULL && pclmul != 0)
        aes_gcm(console, "x86ni", aes_ni, pclmul);
    else
        print(console, "aes-gcm x86ni: not offered by this CPU\n");
    chacha20_poly1305(console, "ct", br_chacha20_ct_run, 0);
    br_chacha20_run sse2 = br_chacha20_sse2_get();
    if (sse2 != 0)
        chacha20_poly1305(console, "sse2", sse2, 0);
    else
        print(console, "chacha20-poly1305 sse2: not offered by this CPU\n");
    return 0;
}

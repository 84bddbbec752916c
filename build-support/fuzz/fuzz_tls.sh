#!/bin/sh
# Fuzzes lib/tls's server side with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_tls.sh [SECONDS]
#
# Each input is one TCP connection's bytes from a client (after an octet choosing the read size and whether writes
# are taken in part), fed through lib/tls's pump into BearSSL over an in-memory stack with an echo application
# (tls_fuzz_target.c); the session must end by the end of the input with its flow closed once and nothing left
# counted. Seeded with real ClientHellos from Python's ssl (SNI for each certificate, ALPN). Runs for SECONDS
# (default 60), or until the first crash, leak, timeout or failed check, kept in dist/fuzz/tls/findings/ (replay
# one with `dist/fuzz/tls/tls_fuzz FILE`); the script then exits 1. Needs clang with its sanitizer runtimes and
# libbearssl-dev.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_tls.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
work="dist/fuzz/tls"
fuzz_build "$work/tls_fuzz" $(ls lib/tls/*.c | grep -v device_keys.c) lib/bearssl/system_seeder.c \
    build-support/fuzz/tls_fuzz_target.c -lbearssl
findings="$work/findings"
mkdir -p "$work/corpus" "$findings"
python3 - "$work/corpus" <<'PYTHON'
import os, ssl, sys

def first_flight(name, protocols):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    if protocols:
        context.set_alpn_protocols(protocols)
    connection = context.wrap_bio(incoming, outgoing, server_hostname=name)
    try:
        connection.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()

for index, (name, protocols) in enumerate([("example.org", []), ("a.example.net", ["h2", "http/1.1"]),
                                           ("unknown.test", ["spdy/1"])]):
    for mode in (0x3f, 0x40, 0x83):
        with open(os.path.join(sys.argv[1], f"seed-{index}-{mode:02x}"), "wb") as seed:
            seed.write(bytes([mode]) + first_flight(name, protocols))
PYTHON
fuzz_run "$work/tls_fuzz" "$work" "$findings" "" 8192 "dist/fuzz/tls/tls_fuzz FILE"

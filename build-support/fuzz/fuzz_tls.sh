#!/bin/sh
# Fuzzes lib/tls's server side with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_tls.sh [SECONDS]
#
# Each input is one TCP connection's bytes from a client (after an octet choosing the read size and whether writes
# are taken in part), fed through lib/tls's pump into BearSSL over an in-memory stack with an echo application
# (tls_fuzz_target.c); the session must end by the end of the input with its flow closed once and nothing left
# counted. Seeded with real ClientHellos from Python's ssl (SNI for each certificate, ALPN) and with whole sessions
# recorded against the same server built to serve standard input (TLS_FUZZ_SERVE): its randomness restarts with
# every input, so a recorded client completes the handshake again and reaches the application. Runs for SECONDS
# (default 60), or until the first crash, leak, timeout or failed check, kept in dist/fuzz/tls/findings/ (replay
# one with `dist/fuzz/tls/tls_fuzz FILE`); the script then exits 1. Needs clang with its sanitizer runtimes and
# libbearssl-dev.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_tls.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
work="dist/fuzz/tls"
sources="$(ls lib/tls/*.c | grep -v device_keys.c) lib/bearssl/system_seeder.c build-support/fuzz/tls_fuzz_target.c"
fuzz_build "$work/tls_fuzz" $sources -lbearssl
# The same server on standard input and output, to record real clients' bytes as seeds.
"$clang" -std=c11 -I. -D_GNU_SOURCE -DTLS_FUZZ_SERVE -g -O1 $sources -lbearssl -o "$work/tls_serve" ||
    fuzz_fail "building the recording server failed"
findings="$work/findings"
mkdir -p "$work/corpus" "$findings"
python3 - "$work/corpus" "$work/tls_serve" <<'PYTHON'
import os, select, ssl, subprocess, sys

corpus, server = sys.argv[1], sys.argv[2]

def client(name, protocols):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    if protocols:
        context.set_alpn_protocols(protocols)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    return context.wrap_bio(incoming, outgoing, server_hostname=name), incoming, outgoing

def first_flight(name, protocols):
    connection, _, outgoing = client(name, protocols)
    try:
        connection.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()

def session(name, protocols, message):
    """What a client sends in a whole session with the recording server (deterministic, as the fuzz target):
    the handshake, `message`, and close_notify after its echo. Replayed, it completes the handshake again."""
    process = subprocess.Popen([server], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    connection, incoming, outgoing = client(name, protocols)
    sent = bytearray()

    def flush():
        data = outgoing.read()
        sent.extend(data)
        process.stdin.write(data)
        process.stdin.flush()

    def receive():
        if not select.select([process.stdout], [], [], 5)[0]:
            raise SystemExit("fuzz_tls.sh: the recording server did not answer")
        data = os.read(process.stdout.fileno(), 65536)
        if not data:
            raise SystemExit("fuzz_tls.sh: the recording server closed")
        incoming.write(data)

    while True:
        try:
            connection.do_handshake()
            break
        except ssl.SSLWantReadError:
            flush()
            receive()
    flush()
    connection.write(message)
    flush()
    echoed = b""
    while len(echoed) < len(message):
        try:
            echoed += connection.read(65536)
        except ssl.SSLWantReadError:
            receive()
    try:
        connection.unwrap()
    except ssl.SSLWantReadError:
        pass
    flush()
    process.stdin.close()
    process.wait(timeout=10)
    return bytes(sent)

seeds = {}
for index, (name, protocols) in enumerate([("example.org", []), ("a.example.net", ["h2", "http/1.1"]),
                                           ("unknown.test", ["spdy/1"])]):
    seeds[f"hello-{index}"] = first_flight(name, protocols)
seeds["session-rsa"] = session("www.example.org", ["http/1.1"], b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n" * 30)
seeds["session-ec"] = session("example.net", ["h2"], os.urandom(20000))
for label, flight in seeds.items():
    for mode in (0x3f, 0x40, 0x83, 0xc0):
        with open(os.path.join(corpus, f"seed-{label}-{mode:02x}"), "wb") as seed:
            seed.write(bytes([mode]) + flight)
PYTHON
fuzz_run "$work/tls_fuzz" "$work" "$findings" "" 65536 "dist/fuzz/tls/tls_fuzz FILE"

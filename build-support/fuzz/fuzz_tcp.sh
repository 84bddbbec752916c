#!/bin/sh
# Fuzzes the TCP core of lib/tcpip (tcp_*.c) with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_tcp.sh [SECONDS]
#
# Inputs are scripts of segments, time and application calls (lib/tcpip/tests/tcp_fuzz_input.h), seeded from
# lib/tcpip/tests/tcp_corpus/. Runs for SECONDS (default 60), or until the first crash, leak, timeout or broken
# invariant, which is copied into lib/tcpip/tests/tcp_corpus/ named by its content's SHA-256, where the Pants test
# tests/net:tcp replays it from then on; the script then exits 1. Needs clang with its sanitizer runtimes.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_tcp.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
work="dist/fuzz/tcp"
fuzz_build "$work/tcp_fuzz" lib/tcpip/tcp_*.c lib/tcpip/checksum.c lib/tcpip/tests/tcp_fuzz_input.c \
    build-support/fuzz/tcp_fuzz_target.c
mkdir -p "$work/corpus"
cp lib/tcpip/tests/tcp_corpus/* "$work/corpus/"
fuzz_run "$work/tcp_fuzz" "$work" lib/tcpip/tests/tcp_corpus "" 4096 "./pants test tests/net:tcp"

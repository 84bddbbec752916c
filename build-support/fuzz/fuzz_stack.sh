#!/bin/sh
# Fuzzes lib/tcpip (ethernet -> arp -> ipv4 -> icmp/udp/tcp and the stack's event loop) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_stack.sh [SECONDS]
#
# Inputs are timed sequences of frames (lib/tcpip/tests/stack_harness.h), seeded from lib/tcpip/tests/corpus/.
# Runs for SECONDS (default 60), or until the first crash, leak, timeout or insane sent frame, which is copied into
# lib/tcpip/tests/corpus/ named by its content's SHA-256, where the Pants test tests/net:replay replays it from then
# on; the script then exits 1. Needs clang with its sanitizer runtimes.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_stack.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
work="dist/fuzz/stack"
fuzz_build "$work/stack_fuzz" lib/tcpip/*.c lib/runtime/*.c lib/tcpip/tests/stack_harness.c \
    build-support/fuzz/stack_fuzz_target.c
mkdir -p "$work/corpus"
cp lib/tcpip/tests/corpus/* "$work/corpus/"
fuzz_run "$work/stack_fuzz" "$work" lib/tcpip/tests/corpus "" 4096 "./pants test tests/net:replay"

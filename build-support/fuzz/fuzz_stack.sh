#!/bin/sh
# Fuzzes lib/tcpip (ethernet -> arp -> ipv4 -> icmp/udp and the stack's event loop) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_stack.sh [SECONDS]
#
# Inputs are timed sequences of frames (lib/tcpip/tests/stack_harness.h), seeded from lib/tcpip/tests/corpus/.
# Runs for SECONDS (default 60), or until the first crash, leak, timeout or insane sent frame, which is copied into
# lib/tcpip/tests/corpus/ named by its content's SHA-256, where the Pants test tests/net:replay replays it from then
# on; the script then exits 1. Needs clang with its sanitizer runtimes.
set -eu

seconds="${1:-60}"
case "$seconds" in
    ''|*[!0-9]*) echo "fuzz_stack.sh: SECONDS must be a whole number, not '$seconds'" >&2 ; exit 2 ;;
esac
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

clang="${CLANG:-}"
if [ -z "$clang" ]; then
    for candidate in clang clang-16 clang-15 clang-14; do
        if command -v "$candidate" >/dev/null 2>&1; then
            clang="$candidate"
            break
        fi
    done
fi
if [ -z "$clang" ]; then
    echo "fuzz_stack.sh: no clang found; install it with: apt-get install -y --no-install-recommends clang libclang-rt-14-dev" >&2
    exit 2
fi

work="dist/fuzz/stack"
mkdir -p "$work/corpus" "$work/artifacts"
binary="$work/stack_fuzz"
if ! "$clang" -std=c11 -I. -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    lib/tcpip/*.c lib/runtime/*.c lib/tcpip/tests/stack_harness.c build-support/fuzz/stack_fuzz_target.c \
    -o "$binary"; then
    echo "fuzz_stack.sh: building the fuzzer failed; if the sanitizer runtimes are missing, install them with:" \
        "apt-get install -y --no-install-recommends clang libclang-rt-14-dev" >&2
    exit 2
fi

seeds="lib/tcpip/tests/corpus"
cp "$seeds"/* "$work/corpus/"

# One process that stops at the first finding: fix it, rerun. The corpus in $work grows across runs.
rm -f "$work"/artifacts/*
status=0
"./$binary" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?

found=0
for artifact in "$work"/artifacts/*; do
    [ -f "$artifact" ] || continue
    hash="$(sha256sum "$artifact" | cut -c1-16)"
    cp "$artifact" "$seeds/$hash"
    echo "fuzz_stack.sh: $(basename "$artifact") -> $seeds/$hash"
    found=$((found + 1))
done
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$work/log" || tail -n 3 "$work/log"
if [ "$found" -gt 0 ]; then
    echo "fuzz_stack.sh: $found input(s) crashed, leaked, hung or sent an insane frame; replay them with" \
        "./pants test tests/net:replay" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "fuzz_stack.sh: the fuzzer exited with status $status; see $work/log" >&2
    exit 1
fi
echo "fuzz_stack.sh: no findings in ${seconds}s"

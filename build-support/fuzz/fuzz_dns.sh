#!/bin/sh
# Fuzzes lib/dns with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_dns.sh [SECONDS] [answer|zone]
#
# `answer` (the default) feeds queries to dns_answer over the zone in lib/dns/tests/test_zone.h, seeded from
# lib/dns/tests/corpus/; `zone` feeds master files to dns_zone_parse, seeded from the corpus's zone-* files.
# Runs for SECONDS (default 60), or until the first crash, leak or timeout, which is copied into
# lib/dns/tests/corpus/ named by its content's SHA-256 (zone-<hash> for the zone parser), where
# `dns_test --corpus` (tests/dns_lib) replays it from then on; the script then exits 1.
# Needs clang with its sanitizer runtimes (Debian: apt-get install clang libclang-rt-14-dev).
set -eu

seconds="${1:-60}"
target="${2:-answer}"
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
    echo "fuzz_dns.sh: no clang found; install it with: apt-get install clang libclang-rt-14-dev" >&2
    exit 2
fi

case "$target" in
    answer) defines="" ; prefix="" ;;
    zone) defines="-DDNS_FUZZ_ZONE_PARSER" ; prefix="zone-" ;;
    *) echo "fuzz_dns.sh: unknown target '$target' (answer or zone)" >&2 ; exit 2 ;;
esac

work="dist/fuzz/dns_$target"
mkdir -p "$work/corpus" "$work/artifacts"
binary="$work/dns_fuzz_$target"
# shellcheck disable=SC2086
"$clang" -std=c11 -I. -g -O1 -fno-omit-frame-pointer $defines \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    lib/dns/*.c build-support/fuzz/dns_fuzz_target.c -o "$binary"

seeds="lib/dns/tests/corpus"
for seed in "$seeds"/*; do
    [ -f "$seed" ] || continue
    case "$(basename "$seed")" in
        zone-*) [ "$target" = zone ] && cp "$seed" "$work/corpus/" ;;
        *) [ "$target" = answer ] && cp "$seed" "$work/corpus/" ;;
    esac
done
if [ "$target" = zone ] && [ -z "$(ls -A "$work/corpus")" ]; then
    printf '$TTL 60\n@ SOA ns hm 1 2 3 4 5\nwww A 192.0.2.1\n' >"$work/corpus/minimal"
fi

# One process that stops at the first finding: fix it, rerun. The corpus in $work grows across runs.
rm -f "$work"/artifacts/*
status=0
"./$binary" -max_total_time="$seconds" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?

found=0
for artifact in "$work"/artifacts/*; do
    [ -f "$artifact" ] || continue
    hash="$(sha256sum "$artifact" | cut -c1-16)"
    cp "$artifact" "$seeds/$prefix$hash"
    echo "fuzz_dns.sh: $(basename "$artifact") -> $seeds/$prefix$hash"
    found=$((found + 1))
done
tail -n 3 "$work/log"
if [ "$found" -gt 0 ]; then
    echo "fuzz_dns.sh: $found input(s) crashed, leaked or hung; replay them with dns_test --corpus $seeds" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "fuzz_dns.sh: the fuzzer exited with status $status; see $work/log" >&2
    exit 1
fi
echo "fuzz_dns.sh: $target: no findings in ${seconds}s"

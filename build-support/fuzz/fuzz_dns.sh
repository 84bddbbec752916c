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
# Needs clang with its sanitizer runtimes.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_dns.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
target="${2:-answer}"
case "$target" in
    answer) defines="" ; prefix="" ;;
    zone) defines="-DDNS_FUZZ_ZONE_PARSER" ; prefix="zone-" ;;
    *) fuzz_fail "unknown target '$target' (answer or zone)" ;;
esac

work="dist/fuzz/dns_$target"
# shellcheck disable=SC2086
fuzz_build "$work/dns_fuzz_$target" $defines lib/dns/*.c build-support/fuzz/dns_fuzz_target.c
seeds="lib/dns/tests/corpus"
mkdir -p "$work/corpus"
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
fuzz_run "$work/dns_fuzz_$target" "$work" "$seeds" "$prefix" 2048 "./pants test tests/dns_lib::"

#!/bin/sh
# Fuzzes lib/dns's TCP parts with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_dns_tcp.sh [SECONDS] [frames|acl]
#
# `frames` (the default) feeds byte streams to the length-framing reader in reads of varying size, answers every
# query it frames over TCP (zone transfers allowed) and frames the answers back, seeded from
# lib/dns/tests/corpus_frames/; `acl` feeds texts to the transfer access list parser, seeded from
# lib/dns/tests/corpus_acl/. Runs for SECONDS (default 60), or until the first crash, leak, timeout or failed
# check, which is copied into that corpus named by its content's SHA-256, where `tcp_test --frames` / `--acl`
# (tests/dns_lib) replays it from then on; the script then exits 1. Needs clang with its sanitizer runtimes.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_dns_tcp.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
target="${2:-frames}"
case "$target" in
    frames) defines="" ; seeds="lib/dns/tests/corpus_frames" ; max_len=16384 ;;
    acl) defines="-DDNS_FUZZ_ACL" ; seeds="lib/dns/tests/corpus_acl" ; max_len=1024 ;;
    *) fuzz_fail "unknown target '$target' (frames or acl)" ;;
esac

work="dist/fuzz/dns_tcp_$target"
# shellcheck disable=SC2086
fuzz_build "$work/dns_tcp_fuzz_$target" $defines lib/dns/*.c build-support/fuzz/dns_tcp_fuzz_target.c
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
fuzz_run "$work/dns_tcp_fuzz_$target" "$work" "$seeds" "" "$max_len" "./pants test tests/dns_lib::"

#!/bin/sh
# Fuzzes lib/http with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_http.sh [SECONDS]
#
# Each input is a connection's byte stream, parsed and answered over the test site (lib/http/tests/test_site.h)
# whole and in reads of varying size, with the answers checked (lib/http/tests/stream_check.h), and also a target,
# If-None-Match, Accept-Encoding and Range value (http_fuzz_target.c). Seeded from lib/http/tests/corpus/. Runs for
# SECONDS (default 60), or until the first crash, leak, timeout or failed check, which is copied into that corpus
# named by its content's SHA-256, where `http_test --corpus` (tests/http_lib) replays it from then on; the script
# then exits 1. Needs clang with its sanitizer runtimes.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_http.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
work="dist/fuzz/http"
fuzz_build "$work/http_fuzz" lib/http/*.c build-support/fuzz/http_fuzz_target.c
seeds="lib/http/tests/corpus"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
fuzz_run "$work/http_fuzz" "$work" "$seeds" "" 4096 "./pants test tests/http_lib::"

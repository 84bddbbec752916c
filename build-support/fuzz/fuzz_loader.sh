#!/bin/sh
# Fuzzes the tenders' ELF loader and manifest parser (targets/tender/elf_load.c) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   build-support/fuzz/fuzz_loader.sh [SECONDS]
#
# Each input is an image, loaded as hvt and as spt would load it into a fake guest memory (loader_fuzz_target.c,
# with the answer checked by targets/tender/tests/loader_check.c); seeded from targets/tender/tests/corpus/.
# Runs for SECONDS (default 60), or until the first crash, leak or timeout, which is copied into that corpus
# named found-<SHA-256 prefix>, where tests/tender_loader replays it from then on; the script then exits 1.
# Needs clang with its sanitizer runtimes.
set -eu
cd "$(dirname "$0")/../.."
fuzz_name="fuzz_loader.sh"
. build-support/fuzz/libfuzzer.sh

fuzz_seconds "${1:-}"
work="dist/fuzz/loader"
fuzz_build "$work/loader_fuzz" targets/tender/elf_load.c targets/tender/tests/loader_check.c \
    build-support/fuzz/loader_fuzz_target.c
mkdir -p "$work/corpus"
cp targets/tender/tests/corpus/* "$work/corpus/"
# Images are a few KiB: 64 KiB inputs cover a whole hello image and its section table.
fuzz_run "$work/loader_fuzz" "$work" targets/tender/tests/corpus found- 65536 "./pants test tests/tender_loader::"

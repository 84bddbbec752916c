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
# Needs clang with its sanitizer runtimes (Debian: apt-get install clang libclang-rt-14-dev).
set -eu

seconds="${1:-60}"
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
    echo "fuzz_loader.sh: no clang found; install it with: apt-get install clang libclang-rt-14-dev" >&2
    exit 2
fi

work="dist/fuzz/loader"
mkdir -p "$work/corpus" "$work/artifacts"
binary="$work/loader_fuzz"
"$clang" -std=c11 -I. -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    targets/tender/elf_load.c targets/tender/tests/loader_check.c build-support/fuzz/loader_fuzz_target.c \
    -o "$binary"

seeds="targets/tender/tests/corpus"
for seed in "$seeds"/*; do
    [ -f "$seed" ] && cp "$seed" "$work/corpus/"
done

# One process that stops at the first finding: fix it, rerun. The corpus in $work grows across runs. Images are a
# few KiB: 64 KiB inputs cover a whole hello image and its section table.
rm -f "$work"/artifacts/*
status=0
"./$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?

found=0
for artifact in "$work"/artifacts/*; do
    [ -f "$artifact" ] || continue
    hash="$(sha256sum "$artifact" | cut -c1-16)"
    cp "$artifact" "$seeds/found-$hash"
    echo "fuzz_loader.sh: $(basename "$artifact") -> $seeds/found-$hash"
    found=$((found + 1))
done
grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^stat::peak_rss_mb' "$work/log" || true
tail -n 3 "$work/log"
if [ "$found" -gt 0 ]; then
    echo "fuzz_loader.sh: $found input(s) crashed, leaked or hung; replay them with loader_test $seeds" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "fuzz_loader.sh: the fuzzer exited with status $status; see $work/log" >&2
    exit 1
fi
echo "fuzz_loader.sh: no findings in ${seconds}s"

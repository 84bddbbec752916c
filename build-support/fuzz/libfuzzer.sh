# libfuzzer.sh: what the fuzz_*.sh scripts share, sourced by them: finding clang, building a harness under ASan and
# UBSan, and one bounded libFuzzer run whose findings are copied into the corpus that a Pants test replays.
#
# A script sets `fuzz_name` (for messages), then calls, in order:
#   fuzz_seconds "$1"                       SECONDS, default 60, a whole number
#   fuzz_build BINARY [CFLAGS/SOURCES...]    exits 2 with the apt line when clang or its runtimes are missing
#   fuzz_run BINARY WORK SEEDS PREFIX MAX_LEN REPLAY_HINT
# fuzz_run starts from WORK/corpus (which grows across runs) plus the files the caller copied there, stops at the
# first crash, leak, timeout or failed check, copies each finding to SEEDS/PREFIX<sha256 prefix>, prints libFuzzer's
# statistics, and exits 1 when anything was found or libFuzzer failed.

fuzz_install_hint="apt-get install -y --no-install-recommends clang libclang-rt-14-dev"

fuzz_fail() {
    echo "$fuzz_name: $*" >&2
    exit 2
}

fuzz_seconds() {
    seconds="${1:-60}"
    case "$seconds" in
        '' | *[!0-9]*) fuzz_fail "SECONDS must be a whole number, not '$seconds'" ;;
    esac
}

fuzz_find_clang() {
    clang="${CLANG:-}"
    [ -n "$clang" ] && return 0
    for candidate in clang clang-16 clang-15 clang-14; do
        if command -v "$candidate" >/dev/null 2>&1; then
            clang="$candidate"
            return 0
        fi
    done
    fuzz_fail "no clang found; install it with: $fuzz_install_hint"
}

fuzz_build() {
    binary="$1"
    shift
    fuzz_find_clang
    mkdir -p "$(dirname "$binary")"
    "$clang" -std=c11 -I. -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined "$@" -o "$binary" ||
        fuzz_fail "building the fuzzer failed; if the sanitizer runtimes are missing: $fuzz_install_hint"
}

fuzz_run() {
    binary="$1" work="$2" seeds="$3" prefix="$4" max_len="$5" replay_hint="$6"
    mkdir -p "$work/corpus" "$work/artifacts"
    rm -f "$work"/artifacts/*
    status=0
    "./$binary" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?

    found=0
    for artifact in "$work"/artifacts/*; do
        [ -f "$artifact" ] || continue
        hash="$(sha256sum "$artifact" | cut -c1-16)"
        cp "$artifact" "$seeds/$prefix$hash"
        echo "$fuzz_name: $(basename "$artifact") -> $seeds/$prefix$hash"
        found=$((found + 1))
    done
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$work/log" || true
    tail -n 3 "$work/log"
    if [ "$found" -gt 0 ]; then
        echo "$fuzz_name: $found input(s) crashed, leaked, hung or failed a check; replay them with $replay_hint" >&2
        exit 1
    fi
    if [ "$status" -ne 0 ]; then
        echo "$fuzz_name: the fuzzer exited with status $status; see $work/log" >&2
        exit 1
    fi
    echo "$fuzz_name: no findings in ${seconds}s"
}

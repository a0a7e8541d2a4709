#!/bin/sh
# tests/fuzz.sh [SECONDS] -- build the libFuzzer harness (tests/fuzz_ops.c
# with the model interpreter and the runtime) with clang
# -fsanitize=fuzzer,address,undefined and fuzz for SECONDS (default 60).
# A crashing input is saved as tests/fuzz-corpus/crash-*, which `make
# check` then replays (tests/fuzz_replay).  The working corpus starts from
# tests/fuzz-corpus and lives in $FUZZ_WORKDIR (default: a temporary dir).
# Prints executions, executions per second, and "N passed, M failed" last.
set -eu
secs=${1:-60}
top=$(cd "$(dirname "$0")/.." && pwd)
cc=${CLANG:-clang}
work=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/movgc-fuzz.XXXXXX")}
mkdir -p "$work/corpus" "$work/obj"

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz.sh: $cc not found: no fuzzing (install clang)"
    echo "0 passed, 0 failed"
    exit 0
fi
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
    >"$work/probe.c"
if ! "$cc" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
    echo "fuzz.sh: $cc cannot link -fsanitize=fuzzer: no fuzzing"
    echo "0 passed, 0 failed"
    exit 0
fi

# Coverage feedback comes from the runtime and the decoder; the model's
# own code is sanitized but not instrumented for coverage (it is the
# oracle, and instrumenting it costs half the speed).
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
flags="-g -O1 -fno-omit-frame-pointer -I$top/include -I$top/runtime"
ffi_cflags=$(pkg-config --cflags libffi 2>/dev/null || true)
ffi_libs=$(pkg-config --libs libffi 2>/dev/null || echo -lffi)  # runtime/ffi.c
echo "fuzz.sh: building in $work"
trap 'echo "fuzz.sh: build failed"; echo "0 passed, 1 failed"' EXIT
for f in "$top"/runtime/*.c "$top"/tests/model_graph.c "$top"/tests/model_world.c \
         "$top"/tests/model_check.c "$top"/tests/model_bytes.c "$top"/tests/fuzz_ops.c; do
    o="$work/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
    case $f in
    */model_graph.c | */model_world.c | */model_check.c) cov= ;;
    *) cov=-fsanitize=fuzzer-no-link ;;
    esac
    # shellcheck disable=SC2086
    "$cc" $flags $ffi_cflags $san $cov -DMOVGC_BUILDING -c "$f" -o "$o"
done
# shellcheck disable=SC2086
"$cc" $flags $san -fsanitize=fuzzer "$work"/obj/*.o $ffi_libs -o "$work/fuzz_ops"

trap - EXIT
cp "$top"/tests/fuzz-corpus/* "$work/corpus/" 2>/dev/null || true
echo "fuzz.sh: fuzzing for $secs s"
status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$work/fuzz_ops" \
    -max_total_time="$secs" -max_len=4096 -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$top/tests/fuzz-corpus/" \
    "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -1)
grep -E '^#[0-9]+.*(DONE|pulse)' "$work/fuzz.log" | tail -1 || true
echo "fuzz.sh: ${execs:-?} executions, ${rate:-?} per second, corpus $(ls "$work/corpus" | wc -l) inputs"
if [ "$status" -ne 0 ]; then
    grep -E 'ERROR|FAIL|SUMMARY|Test unit written' "$work/fuzz.log" | head -5
    echo "fuzz.sh: crash saved in tests/fuzz-corpus (log: $work/fuzz.log)"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"

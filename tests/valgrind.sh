#!/bin/sh
# tests/valgrind.sh BUILDDIR -- run the test programs of a normal (not
# sanitized) build under valgrind memcheck: any memory error or definite
# leak fails the program.  MOVGC_SMALL=1 asks the tests that know it for
# smaller sizes; MOVGC_VALGRIND=1 tells tests that measure RSS (which
# valgrind inflates) to skip that assertion.  Logs go to BUILDDIR/valgrind/.
# Prints one line per program and "N passed, M failed" last.
# VALGRIND_EXTRA adds options, e.g. --track-origins=yes to chase an error
# (it makes the run ~50x slower).
set -u
b=${1:?usage: valgrind.sh BUILDDIR}
b=$(cd "$b" && pwd)

# run_one TEST: one program under memcheck; writes its verdict line(s) to
# valgrind/TEST.result.  Two run at once: memcheck is single-threaded.
run_one() {
    t=$1
    p=$b/$t
    [ -f "$p" ] || return 0
    # Only compiled programs: ELF files or their libtool wrapper scripts.
    if ! head -c 4 "$p" | grep -q ELF &&
        ! head -n 3 "$p" | grep -q 'temporary wrapper script'; then
        return 0
    fi
    name=$(echo "$t" | tr / _)
    log=$b/valgrind/$name.log
    res=$b/valgrind/$name.result
    start=$(date +%s)
    # shellcheck disable=SC2086
    (cd "$b" && timeout 900 "$b/libtool" --mode=execute valgrind -q \
        --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
        --errors-for-leak-kinds=definite ${VALGRIND_EXTRA:-} "$p") >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    if [ "$rc" -eq 0 ]; then
        echo "PASS: $t (${secs} s)" >"$res"
    else
        if [ "$rc" -eq 99 ]; then why="memcheck errors"; else why="exit $rc"; fi
        {
            echo "FAIL: $t ($why, ${secs} s; see valgrind/$(basename "$log"))"
            grep -m 5 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|.*definitely lost)' "$log"
        } >"$res"
    fi
}

if [ "${2:-}" = --one ]; then  # xargs calls back here for each program,
    # with the environment below already exported
    run_one "$3"
    exit 0
fi

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind.sh: valgrind not found (apt-get install valgrind)"
    echo "0 passed, 1 failed"
    exit 1
fi
# make prints a variable of the build's Makefile.
var() { printf 'print-var:\n\t@echo $(%s)\n' "$1" | make -s -C "$b" -f Makefile -f - print-var; }
tests=$(var TESTS)
MOVGC_SRCDIR=$(var abs_top_srcdir)
MOVGC_BUILDDIR=$b
MOVGC_SMALL=1
MOVGC_VALGRIND=1
CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}  # as in make check
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
export MOVGC_SRCDIR MOVGC_BUILDDIR MOVGC_SMALL MOVGC_VALGRIND CK_DEFAULT_TIMEOUT \
    CK_TIMEOUT_MULTIPLIER
make -s -C "$b" -j2 $(var check_PROGRAMS) >/dev/null || exit 1
mkdir -p "$b/valgrind"

rm -f "$b"/valgrind/*.result
# shellcheck disable=SC2086
printf '%s\n' $tests | xargs -P 2 -I{} sh "$0" "$b" --one {}
passed=0 failed=0
for t in $tests; do
    res=$b/valgrind/$(echo "$t" | tr / _).result
    [ -f "$res" ] || continue
    cat "$res"
    if head -n 1 "$res" | grep -q '^PASS'; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

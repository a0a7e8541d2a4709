#!/bin/sh
# check-python.sh -- run the Python binding's tests against the freshly
# built library ($MOVGC_BUILDDIR/runtime/.libs/libmovgc.so), twice: with
# the C extension the build made (required to load: MOVGC_PYTHON_EXT=1),
# then on the ctypes path alone (MOVGC_PYTHON_EXT=0).  Ends with the sum
# of both runs' "N passed, M failed, K skipped"; 77 = skipped.
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON3:-python3}
builddir=$(cd "${MOVGC_BUILDDIR:-.}" && pwd)
lib=$builddir/runtime/.libs/libmovgc.so
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3 found (configure PYTHON3=...)"; exit 77
fi
if [ ! -f "$lib" ]; then
    echo "SKIP: $lib not built (is the shared library disabled?)"; exit 77
fi
MOVGC_LIBRARY=$lib
MOVGC_BUILDDIR=$builddir
export MOVGC_LIBRARY MOVGC_BUILDDIR
. "$here/../sanitizer-env.sh"
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    LD_PRELOAD=$MOVGC_ASAN_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}
    export LD_PRELOAD
fi

passed=0 failed=0 skipped=0 status=0
# suite MODE LABEL: the unittest suite with MOVGC_PYTHON_EXT=MODE.
suite() {
    out=$builddir/bindings/python/check-python.$1.out
    mkdir -p "$(dirname "$out")"
    echo "== the suite, $2 (MOVGC_PYTHON_EXT=$1)"
    MOVGC_PYTHON_EXT=$1 "$python" -B "$here/run_tests.py" >"$out" 2>&1 ||
        status=1
    cat "$out"
    set -- $(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$out" |
             tail -n 1 | tr -d ,)
    passed=$((passed + ${1:-0}))
    failed=$((failed + ${3:-1}))
    skipped=$((skipped + ${5:-0}))
}

if ls "$builddir"/bindings/python/movgc/_fast*.so >/dev/null 2>&1; then
    suite 1 "C extension"
else
    echo "NOTE: no C extension in $builddir/bindings/python/movgc (the"
    echo "build found no Python headers): the ctypes path alone is tested"
fi
suite 0 "ctypes path"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

#!/bin/sh
# check-python.sh -- run the Python binding's tests against the freshly
# built library ($MOVGC_BUILDDIR/runtime/.libs/libmovgc.so); 77 = skipped.
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON3:-python3}
lib=${MOVGC_BUILDDIR:-.}/runtime/.libs/libmovgc.so
if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: no python3 found (configure PYTHON3=...)"; exit 77
fi
if [ ! -f "$lib" ]; then
    echo "SKIP: $lib not built (is the shared library disabled?)"; exit 77
fi
MOVGC_LIBRARY=$lib
export MOVGC_LIBRARY
. "$here/../sanitizer-env.sh"
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    LD_PRELOAD=$MOVGC_ASAN_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}
    export LD_PRELOAD
fi
exec "$python" -B "$here/run_tests.py"

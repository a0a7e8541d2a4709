# sanitizer-env.sh -- sourced by the binding test scripts with $lib set to
# libmovgc.so: when that library was built with ASan, programs not linked
# with ASan (python3, Rust test binaries) need its runtime preloaded.
# Sets MOVGC_ASAN_PRELOAD (empty for a normal build).
MOVGC_ASAN_PRELOAD=
if command -v ldd >/dev/null 2>&1; then
    MOVGC_ASAN_PRELOAD=$(ldd "$lib" 2>/dev/null | awk '/libasan/ { print $3 }')
fi
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    # The interpreter's own allocations are not ours to leak-check.
    ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
    export ASAN_OPTIONS
fi

# sanitizer-env.sh -- sourced by the binding test scripts with $lib set to
# libmovgc.so: when that library was built with ASan, programs not linked
# with ASan (python3, Rust test binaries) need its runtime preloaded.
# Sets MOVGC_ASAN_PRELOAD (empty for a normal build).
MOVGC_ASAN_PRELOAD=
if command -v ldd >/dev/null 2>&1; then
    MOVGC_ASAN_PRELOAD=$(ldd "$lib" 2>/dev/null | awk '/libasan/ { print $3 }')
fi
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    # python3's and Rust's own allocations are not ours to leak-check
    # (last, so it wins over a detect_leaks=1 from the environment).
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    export ASAN_OPTIONS
fi

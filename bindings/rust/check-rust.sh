#!/bin/sh
# check-rust.sh -- `cargo test --offline` the Rust binding against the
# freshly built library, run its README example, then build and test a
# separate crate that depends on the binding by path (dependent/) and run
# its binary with no LD_LIBRARY_PATH; cargo's target dirs go into the build
# tree.  Exit 77 (skipped) without cargo.
here=$(cd "$(dirname "$0")" && pwd)
cargo=${MOVGC_CARGO-cargo}
if [ -z "$cargo" ]; then
    echo "SKIP: configure found no cargo: the Rust binding was not tested"
    exit 77
fi
MOVGC_BUILDDIR=${MOVGC_BUILDDIR:-$(pwd)}
lib=$MOVGC_BUILDDIR/runtime/.libs/libmovgc.so
if [ ! -f "$lib" ]; then
    echo "SKIP: $lib not built (is the shared library disabled?)"; exit 77
fi
CARGO_TARGET_DIR=$MOVGC_BUILDDIR/bindings/rust/target
export MOVGC_BUILDDIR CARGO_TARGET_DIR
. "$here/../sanitizer-env.sh"
# The crate links libmovgc.a by default.  An ASan build's archive would
# need the ASan runtime linked in: link the shared library there instead.
if [ -n "$MOVGC_ASAN_PRELOAD" ] || [ ! -f "$MOVGC_BUILDDIR/runtime/.libs/libmovgc.a" ]; then
    MOVGC_LINK=dylib
    LD_LIBRARY_PATH=$MOVGC_BUILDDIR/runtime/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export MOVGC_LINK LD_LIBRARY_PATH
fi
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    # Preload the ASan runtime into the programs cargo runs (tests and the
    # example, through cargo's runner), not into cargo, rustc or rustdoc.
    # The doc tests link libmovgc but only compile (compile_fail, no_run).
    triple=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
    eval "CARGO_TARGET_${triple:-X86_64_UNKNOWN_LINUX_GNU}_RUNNER=\"env LD_PRELOAD=$MOVGC_ASAN_PRELOAD\""
    eval "export CARGO_TARGET_${triple:-X86_64_UNKNOWN_LINUX_GNU}_RUNNER"
fi

log=$CARGO_TARGET_DIR/check-rust.log
mkdir -p "$CARGO_TARGET_DIR"
"$cargo" test --offline --manifest-path "$here/Cargo.toml" >"$log" 2>&1
status=$?
cat "$log"

# The README example must print what the README shows.
example=$CARGO_TARGET_DIR/readme.actual
if "$cargo" run --offline --quiet --manifest-path "$here/Cargo.toml" \
       --example readme >"$example" && cmp -s "$example" "$here/examples/readme.expected"
then
    echo "example readme: ok"; ex_pass=1; ex_fail=0
else
    echo "example readme: FAILED; output:"; cat "$example"; ex_pass=0; ex_fail=1
fi

# A crate depending on the binding by path: its tests, and its binary run
# as a user would run it (statically linked: no LD_LIBRARY_PATH).
dep_log=$CARGO_TARGET_DIR/dependent.log
CARGO_TARGET_DIR=$MOVGC_BUILDDIR/bindings/rust/target-dependent \
    "$cargo" test --offline --manifest-path "$here/dependent/Cargo.toml" \
    >"$dep_log" 2>&1
dep_status=$?
cat "$dep_log"
cat "$dep_log" >>"$log"
[ "$dep_status" -eq 0 ] || status=$dep_status
dep_bin=$MOVGC_BUILDDIR/bindings/rust/target-dependent/debug/movgc-dependent
if [ -n "$MOVGC_ASAN_PRELOAD" ]; then
    run="env LD_PRELOAD=$MOVGC_ASAN_PRELOAD"
elif [ "${MOVGC_LINK:-}" = dylib ]; then
    run="env"     # the shared library: found through LD_LIBRARY_PATH
else
    run="env -u LD_LIBRARY_PATH"
fi
if $run "$dep_bin" >"$CARGO_TARGET_DIR/dependent.actual" &&
        cmp -s "$CARGO_TARGET_DIR/dependent.actual" "$here/dependent/expected.txt"
then
    echo "dependent crate binary (${MOVGC_LINK:-static}): ok"; ex_pass=$((ex_pass + 1))
else
    echo "dependent crate binary: FAILED; output:"
    cat "$CARGO_TARGET_DIR/dependent.actual"; ex_fail=$((ex_fail + 1))
fi

# Sum cargo's "test result: ok. N passed; M failed; ..." lines.
set -- $(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log")
passed=$(($1 + ex_pass)) failed=$(($2 + ex_fail))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1  # cargo failed before running tests (build error)
fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
